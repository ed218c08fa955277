// bench_store: how long the kiosk store's operations take on this machine's disk.
// Usage: bench_store [--dir DIR] [--keep]   (default: a fresh folder under /tmp, removed)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "core/log.h"
#include "kiosk/store/store.h"

using namespace kiosk;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int64_t kNow = 1795000000;

struct Row {
    std::string name;
    int n;
    double medianUs, p95Us, totalMs;
};

Row measure(const std::string& name, int n, const std::function<void(int)>& f) {
    std::vector<double> us;
    us.reserve(static_cast<std::size_t>(n));
    const auto start = Clock::now();
    for (int i = 0; i < n; ++i) {
        const auto t0 = Clock::now();
        f(i);
        us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
    }
    const double total = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    std::sort(us.begin(), us.end());
    return Row{name, n, us[us.size() / 2], us[std::min(us.size() - 1, us.size() * 95 / 100)], total};
}

void check(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "bench_store: %s failed\n", what);
        std::exit(1);
    }
}

store::EnrolmentRow enrolment(int i, std::mt19937& rng) {
    store::EnrolmentRow r;
    const std::string doc = "K" + std::to_string(1000000 + i);
    r.reference = "ref-" + std::to_string(i);
    r.documentHash = store::documentHash(doc);
    r.documentMasked = core::maskDocumentNumber(doc);
    r.dateOfBirth = "1990-01-01";
    r.enrolledAt = kNow - 34 * 24 * 3600;  // older than the retention cut-off, like the traffic below
    r.documentExpiry = "2032-01-01";
    std::normal_distribution<float> nd(0, 0.1f);
    for (int k = 0; k < 5; ++k) {
        store::FaceDescriptor d(128);
        for (float& f : d) f = nd(rng);
        r.faceDescriptors.push_back(d);
    }
    for (const char* finger : {"right_index", "left_index"}) {
        std::vector<uint8_t> t(8000);
        for (auto& b : t) b = static_cast<uint8_t>(rng());
        r.fingers.push_back({finger, 1, "1.94.5", std::move(t)});
    }
    return r;
}

}  // namespace

int main(int argc, char** argv) {
    std::filesystem::path dir;
    bool keep = false;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--dir") && i + 1 < argc) dir = argv[++i];
        if (!std::strcmp(argv[i], "--keep")) keep = true;
    }
    if (dir.empty()) dir = std::filesystem::temp_directory_path() / ("kiosk-bench-store-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const auto db = dir / "kiosk.db", key = dir / "store.key";
    std::filesystem::remove(db);
    std::filesystem::remove(key);
    check(store::Store::createKeyFile(key).ok(), "createKeyFile");
    store::StoreOptions opts;
    opts.keyFile = key;
    std::vector<Row> rows;
    std::unique_ptr<store::Store> s;
    rows.push_back(measure("open + migrate (new file)", 1, [&](int) {
        auto r = store::Store::open(db, opts);
        check(r.ok(), "open");
        s = std::move(r).value();
    }));

    std::mt19937 rng(1);
    const int enrolments = 200;
    std::vector<store::EnrolmentRow> es;
    for (int i = 0; i < enrolments; ++i) es.push_back(enrolment(i, rng));
    rows.push_back(measure("enrol (5 faces + 2 fingers, encrypt)", enrolments,
                           [&](int i) { check(s->enrol(es[static_cast<std::size_t>(i)], "system").ok(), "enrol"); }));
    rows.push_back(measure("find by reference + decrypt", enrolments, [&](int i) {
        auto r = s->findEnrolmentByReference("ref-" + std::to_string(i));
        check(r.ok() && r->has_value() && (*r)->faceDescriptors.size() == 5, "find");
    }));
    rows.push_back(measure("find by document hash, no biometrics", enrolments, [&](int i) {
        auto r = s->findActiveEnrolmentByDocumentHash(es[static_cast<std::size_t>(i)].documentHash,
                                                      store::Biometrics::Without);
        check(r.ok() && r->has_value(), "find by hash");
    }));

    // 31 days + 2 of traffic: crossings (one transaction each, fsync), scans, audit.
    const int crossings = 600;
    const int64_t span = 33 * 24 * 3600;
    rows.push_back(measure("append crossing (3 reasons, FULL sync)", crossings, [&](int i) {
        store::CrossingRecord c;
        c.time = kNow - span + span * i / crossings;
        c.laneId = "lane-" + std::to_string(i % 4);
        c.outcome = i % 5 ? store::CrossingOutcome::Passed : store::CrossingOutcome::Refused;
        c.reasons = {"face.no_match", "finger.no_match", "lane.timeout"};
        c.enrolmentReference = "ref-" + std::to_string(i % enrolments);
        c.qrHash = store::qrHash("qr" + std::to_string(i));
        c.durations = {{"qr", 100}, {"face", 900}, {"total", 5000}};
        check(s->appendCrossing(c).ok(), "appendCrossing");
    }));
    rows.push_back(measure("append scan", crossings, [&](int i) {
        check(s->appendScan({0, kNow - span + span * i / crossings, "lane-1", store::qrHash("qr" + std::to_string(i)),
                             "accepted"})
                  .ok(),
              "appendScan");
    }));
    rows.push_back(measure("append audit row (hash chain)", crossings, [&](int i) {
        check(s->appendAudit(kNow - span + span * i / crossings, "system", "lane.event", "n=" + std::to_string(i)).ok(),
              "appendAudit");
    }));
    rows.push_back(measure("enqueue outbox", 200, [&](int i) {
        check(s->enqueueOutbox(kNow - span + span * i / 200, "crossing", R"({"id":)" + std::to_string(i) + "}").ok(),
              "enqueue");
    }));
    rows.push_back(measure("scans last 12 h query", 50, [&](int) { check(s->scansLast12Hours(kNow).ok(), "scans"); }));
    rows.push_back(measure("crossings query (newest 100)", 50, [&](int) {
        store::CrossingQuery q;
        q.limit = 100;
        check(s->crossings(q).ok(), "crossings");
    }));
    std::vector<store::ReplayEntry> replay;
    for (int i = 0; i < 2000; ++i)
        replay.push_back({"cti-" + std::to_string(i), kNow + 60, store::qrHash(std::to_string(i)), kNow});
    rows.push_back(measure("save 2000 replay entries (1 tx)", 1, [&](int) { check(s->saveReplayEntries(replay).ok(), "replay"); }));
    rows.push_back(measure("save same 2000 entries again (no change)", 3,
                           [&](int) { check(s->saveReplayEntries(replay).ok(), "replay again"); }));
    rows.push_back(measure("load 2000 replay entries", 5, [&](int) { check(s->loadReplayEntries()->size() == 2000, "load"); }));
    int64_t verified = 0;
    rows.push_back(measure("verify audit chain (all rows)", 3, [&](int) {
        auto c = s->verifyAuditChain();
        check(c.ok(), "verify");
        verified = c->rowsChecked;
    }));
    int64_t journalRows = 0;
    rows.push_back(measure("verify whole journal (4 chains)", 3, [&](int) {
        auto c = s->verifyJournal();
        check(c.ok(), "verify journal");
        journalRows = 0;
        for (const auto& ch : c->chains) journalRows += ch.rowsChecked;
    }));
    store::PurgeCounts purged;
    rows.push_back(measure("purge older than 31 days", 1, [&](int) {
        auto p = s->purgeOlderThan(kNow - store::kRetentionSeconds);
        check(p.ok(), "purge");
        purged = *p;
    }));
    check(s->verifyAuditChain().ok(), "verify after purge");
    s.reset();
    rows.push_back(measure("reopen (quick_check + no-op migrate)", 1, [&](int) {
        auto r = store::Store::open(db, opts);
        check(r.ok(), "reopen");
        s = std::move(r).value();
    }));

    std::printf("kiosk store benchmark: %s (WAL, synchronous=FULL)\n\n", db.c_str());
    std::printf("| %-40s | %6s | %11s | %11s | %10s |\n", "operation", "n", "median (us)", "p95 (us)", "total (ms)");
    std::printf("|%s|%s|%s|%s|%s|\n", std::string(42, '-').c_str(), std::string(8, '-').c_str(),
                std::string(13, '-').c_str(), std::string(13, '-').c_str(), std::string(12, '-').c_str());
    for (const auto& r : rows)
        std::printf("| %-40s | %6d | %11.1f | %11.1f | %10.1f |\n", r.name.c_str(), r.n, r.medianUs, r.p95Us, r.totalMs);
    std::printf("\njournal rows verified: %lld\n", static_cast<long long>(journalRows));
    std::printf("audit rows verified: %lld; purged crossings %lld, scans %lld, audit %lld, outbox %lld\n",
                static_cast<long long>(verified), static_cast<long long>(purged.crossings),
                static_cast<long long>(purged.scans), static_cast<long long>(purged.audit),
                static_cast<long long>(purged.outbox));
    std::printf("file size: %.1f KiB\n", std::filesystem::file_size(db) / 1024.0);
    s.reset();
    if (!keep) std::filesystem::remove_all(dir);
    return 0;
}
