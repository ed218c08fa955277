// bench_lane: N simulated crossings through the whole lane — state machine, shell,
// credential signing and verification (ES256), replay cache, policies, SQLite journal
// (WAL, synchronous=FULL) — on simulated devices and a fake clock. The biometric engines
// are scripted here (their own cost is measured by bench_face and bench_fingerprint), so
// the figure is the lane's own machine time per crossing.
// Memory: the resident set (RSS, /proc/self/statm) after crossing 1,000, 2,000, ...,
// and its change from crossing 1,000 to the last: a long-running lane must stay flat.
//   bench_lane [--crossings N]
#include <malloc.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "kiosk/lane/scenario.h"
#include "tests/kiosk/lane_doubles.h"

using namespace kiosk;

namespace {

// Resident set size now, in MiB (the second field of /proc/self/statm, in pages).
double residentMiB() {
    std::FILE* f = std::fopen("/proc/self/statm", "r");
    if (!f) return 0;
    long size = 0, resident = 0;
    const int got = std::fscanf(f, "%ld %ld", &size, &resident);
    std::fclose(f);
    return got == 2 ? double(resident) * double(::sysconf(_SC_PAGESIZE)) / (1024.0 * 1024.0) : 0;
}

}  // namespace

int main(int argc, char** argv) {
    int n = 10000;
    for (int i = 1; i + 1 < argc; ++i)
        if (std::strcmp(argv[i], "--crossings") == 0) n = std::atoi(argv[i + 1]);

    core::Json s = core::Json::parse(R"J({
      "start_time": "2026-11-22T06:00:00+08:00",
      "enrolments": [
        {"reference": "A", "document": "K1234567(4)", "residency": "hk_permanent", "date_of_birth": "1985-03-04",
         "channel": "machine", "enrolled": "-40d", "document_expiry": "2031-03-04", "face": ["x"], "finger": ["y"]},
        {"reference": "KID", "document": "R7654321(0)", "residency": "hk_permanent", "date_of_birth": "2020-06-01",
         "channel": "office", "enrolled": "-30d", "document_expiry": "2030-06-01"}
      ],
      "travellers": [
        {"name": "pass", "qr": {"enrolment": "A"}, "face": ["p"], "finger": ["f"], "expect": {"outcome": "passed"}},
        {"name": "pass", "qr": {"enrolment": "A"}, "face": ["p"], "finger": ["f"], "expect": {"outcome": "passed"}},
        {"name": "pass", "qr": {"enrolment": "A"}, "face": ["p"], "finger": ["f"], "expect": {"outcome": "passed"}},
        {"name": "rogue", "qr": {"enrolment": "A", "rogue_key": true}, "expect": {"outcome": "refused"}},
        {"name": "kid", "qr": {"enrolment": "KID"}, "expect": {"outcome": "refused"}}
      ]
    })J");
    const int perRound = static_cast<int>(s["travellers"].size());

    testing::ScriptedFaceEngine face;
    testing::ScriptedFingerReader finger;
    lane::ScenarioEnvironment env;
    env.face = &face;
    env.finger = &finger;
    env.presentFingers = [](const auto&) { return core::Status{}; };
    env.loadImage = [](const std::filesystem::path&) -> core::Result<devices::Image> {
        return devices::Image{640, 480, devices::PixelFormat::Gray8, std::vector<uint8_t>(640 * 480, 128)};
    };
    env.workDir = std::filesystem::temp_directory_path() / "kiosk-bench-lane";

    std::vector<double> machine, lane;
    machine.reserve(std::size_t(n) + 8);  // reserved up front: no growth of the bench's own during the run
    lane.reserve(std::size_t(n) + 8);
    lane::ScenarioOptions o;
    o.repeat = (n + perRound - 1) / perRound;
    o.keepResults = false;  // the runner keeps no list of results: the memory is the lane's
    int bad = 0;
    struct Mem {
        std::size_t crossing;
        double rss, heap, sqlite;  // MiB
    };
    std::vector<Mem> rss;
    rss.reserve(std::size_t(n) / 1000 + 2);
    o.onTraveller = [&](const lane::TravellerResult& r) {
        machine.push_back(r.machineMs);
        lane.push_back(double(r.laneMs));
        bad += !r.ok;
        const std::size_t done = machine.size();
        if (done == 100 || (done % 1000 == 0)) {
            const auto mi = mallinfo2();
            rss.push_back({done, residentMiB(), double(mi.uordblks + mi.hblkhd) / (1024.0 * 1024.0),
                           double(sqlite3_memory_used()) / (1024.0 * 1024.0)});
        }
    };
    auto run = lane::runScenario(s, env, o);
    std::error_code ec;
    std::filesystem::remove_all(env.workDir, ec);
    if (!run.ok()) {
        std::fprintf(stderr, "bench_lane: %s\n", run.error().message.c_str());
        return 1;
    }
    auto pct = [](std::vector<double> v, double p) {
        std::sort(v.begin(), v.end());
        return v[std::min(v.size() - 1, static_cast<std::size_t>(p * double(v.size())))];
    };
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    std::printf("bench_lane: %zu simulated crossings (3/5 pass, 2/5 refused), %d unexpected outcomes\n",
                machine.size(), bad);
    std::printf("| metric | p50 | p99 | max |\n|---|---|---|---|\n");
    std::printf("| machine time per crossing (ms) | %.2f | %.2f | %.2f |\n", pct(machine, 0.5), pct(machine, 0.99),
                pct(machine, 1.0));
    std::printf("| simulated lane time per crossing (ms) | %.0f | %.0f | %.0f |\n", pct(lane, 0.5), pct(lane, 0.99),
                pct(lane, 1.0));
    std::printf("| peak RSS (MiB) | %.1f | | |\n", double(ru.ru_maxrss) / 1024.0);
    std::printf("journal rows: %lld\n", static_cast<long long>(run->journalRows));
    // RSS along the run; the change is measured from crossing 1,000 (caches, SQLite's page
    // cache and the allocator's arenas have warmed up by then) to the last crossing.
    std::printf("\n| after crossing | RSS (MiB) | heap in use (MiB) | of which SQLite (MiB) |\n|---|---|---|---|\n");
    double at1000 = 0, last = 0;
    std::size_t lastN = 0;
    for (auto& m : rss) {
        std::printf("| %zu | %.1f | %.2f | %.2f |\n", m.crossing, m.rss, m.heap, m.sqlite);
        if (m.crossing == 1000) at1000 = m.rss;
        last = m.rss;
        lastN = m.crossing;
    }
    if (at1000 > 0 && lastN > 1000)
        std::printf("RSS change from crossing 1000 to %zu: %+.1f %% (%.1f -> %.1f MiB)\n", lastN,
                    100.0 * (last - at1000) / at1000, at1000, last);
    return bad ? 1 : 0;
}
