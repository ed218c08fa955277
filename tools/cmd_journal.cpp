// kioskctl journal ...: inspect the kiosk store (crossings, scans, audit log, outbox),
// verify the audit hash chain, apply the 31-day retention, create the biometric key.
// Compiled only when kiosk::store is linked (KIOSK_HAVE_STORE comes with it).
#ifdef KIOSK_HAVE_STORE

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "core/clock.h"
#include "kiosk/store/store.h"
#include "tools/command.h"

namespace kiosk::tools {
namespace {

namespace fs = std::filesystem;

int fail(const core::Error& e) {
    std::cerr << "error: " << e.code << ": " << e.message << "\n";
    return 1;
}

std::string iso(int64_t t) { return core::formatIsoUtc(core::fromUnixSeconds(t)); }

// Opens an existing store (never creates one by accident). No key: biometrics are not read.
core::Result<std::unique_ptr<store::Store>> openExisting(const Args& args) {
    const std::string db = option(args, "--db");
    if (db.empty()) return core::makeError("usage", "--db PATH is required");
    std::error_code ec;
    if (!fs::exists(db, ec)) return core::makeError("store.open_failed", "no database at " + db);
    store::StoreOptions o;
    o.keyFile = option(args, "--key");
    return store::Store::open(db, o);
}

core::Result<int64_t> timeOption(const Args& args, const std::string& name, int64_t fallback) {
    const std::string v = option(args, name);
    if (v.empty()) return fallback;
    core::WallTime t;
    if (!core::parseIsoTime(v, t))
        return core::makeError("usage", name + ": expected an ISO 8601 time like 2026-11-22T08:30:00Z");
    return core::toUnixSeconds(t);
}

std::string join(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
    return out.empty() ? "-" : out;
}

int show(const Args& args) {
    auto s = openExisting(args);
    if (!s.ok()) return fail(s.error());
    auto& st = **s;
    const std::string what = option(args, "--what", "crossings");
    const int limit = std::atoi(option(args, "--limit", "50").c_str());
    auto since = timeOption(args, "--since", INT64_MIN);
    if (!since.ok()) return fail(since.error());
    if (what == "crossings") {
        store::CrossingQuery q;
        q.fromTime = *since;
        q.laneId = option(args, "--lane");
        q.limit = limit;
        auto rows = st.crossings(q);
        if (!rows.ok()) return fail(rows.error());
        std::printf("%-8s %-20s %-8s %-8s %-16s %-16s %s\n", "id", "time", "lane", "outcome", "enrolment", "qr", "reasons");
        for (const auto& c : *rows)
            std::printf("%-8lld %-20s %-8s %-8s %-16s %-16s %s\n", static_cast<long long>(c.id), iso(c.time).c_str(),
                        c.laneId.c_str(), store::toString(c.outcome).c_str(),
                        c.enrolmentReference.empty() ? "-" : c.enrolmentReference.substr(0, 16).c_str(),
                        c.qrHash.substr(0, 16).c_str(), join(c.reasons).c_str());
        return 0;
    }
    if (what == "scans") {
        auto rows = st.scansBetween(*since, INT64_MAX);
        if (!rows.ok()) return fail(rows.error());
        std::printf("%-8s %-20s %-8s %-16s %s\n", "id", "time", "lane", "qr", "verdict");
        int n = 0;
        for (const auto& r : *rows) {
            if (n++ >= limit) break;
            std::printf("%-8lld %-20s %-8s %-16s %s\n", static_cast<long long>(r.id), iso(r.time).c_str(),
                        r.laneId.c_str(), r.qrHash.substr(0, 16).c_str(), r.verdict.c_str());
        }
        return 0;
    }
    if (what == "audit") {
        auto rows = st.auditEntries(0, 1 << 30);
        if (!rows.ok()) return fail(rows.error());
        std::printf("%-8s %-20s %-12s %-22s %-16s %s\n", "id", "time", "actor", "action", "hash", "detail");
        const std::size_t from = rows->size() > static_cast<std::size_t>(limit) ? rows->size() - limit : 0;
        for (std::size_t i = from; i < rows->size(); ++i) {
            const auto& a = (*rows)[i];
            if (a.time < *since) continue;
            std::printf("%-8lld %-20s %-12s %-22s %-16s %s\n", static_cast<long long>(a.id), iso(a.time).c_str(),
                        a.actor.c_str(), a.action.c_str(), a.hash.substr(0, 16).c_str(), a.detail.c_str());
        }
        return 0;
    }
    if (what == "outbox") {
        auto rows = st.peekOutbox(limit);
        if (!rows.ok()) return fail(rows.error());
        std::printf("%-8s %-20s %-14s %-8s %s\n", "id", "created", "kind", "attempts", "bytes");
        for (const auto& o : *rows)
            std::printf("%-8lld %-20s %-14s %-8d %zu\n", static_cast<long long>(o.id), iso(o.createdAt).c_str(),
                        o.kind.c_str(), o.attempts, o.payload.size());
        return 0;
    }
    if (what == "stats") {
        auto c = st.counts();
        if (!c.ok()) return fail(c.error());
        auto set = st.settings();
        if (!set.ok()) return fail(set.error());
        std::printf("schema version     %d\n", st.schemaVersion());
        std::printf("journal mode       %s, synchronous=%d, foreign_keys=%d\n", set->journalMode.c_str(),
                    set->synchronous, set->foreignKeys ? 1 : 0);
        std::printf("size               %.1f KiB\n", set->pageCount * set->pageSize / 1024.0);
        std::printf("enrolments         %lld (%lld active)\n", static_cast<long long>(c->enrolments),
                    static_cast<long long>(c->activeEnrolments));
        std::printf("crossings          %lld\n", static_cast<long long>(c->crossings));
        std::printf("scans              %lld\n", static_cast<long long>(c->scans));
        std::printf("audit rows         %lld\n", static_cast<long long>(c->audit));
        std::printf("outbox             %lld\n", static_cast<long long>(c->outbox));
        std::printf("replay entries     %lld\n", static_cast<long long>(c->replay));
        std::printf("watchlist          %lld\n", static_cast<long long>(c->watchlist));
        return 0;
    }
    std::cerr << "--what must be crossings, scans, audit, outbox or stats\n";
    return 2;
}

KIOSKCTL_COMMAND({"journal", "show",
                  "--db kiosk.db [--what crossings|scans|audit|outbox|stats] [--since ISO] [--lane ID] [--limit N]",
                  "list the newest journal rows (hashes and references only, no personal data)", show});

KIOSKCTL_COMMAND({"journal", "verify-audit", "--db kiosk.db",
                  "recompute the audit log hash chain; exit 1 naming the first modified/deleted row",
                  [](const Args& args) -> int {
                      auto s = openExisting(args);
                      if (!s.ok()) return fail(s.error());
                      auto check = (*s)->verifyAuditChain();
                      if (!check.ok()) return fail(check.error());
                      std::cout << "audit chain ok: " << check->rowsChecked << " rows";
                      if (check->anchorId > 0)
                          std::cout << " after purge anchor row " << check->anchorId << " ("
                                    << check->anchorHash.substr(0, 16) << ")";
                      std::cout << ", head " << (check->headHash.empty() ? "-" : check->headHash.substr(0, 16)) << "\n";
                      return 0;
                  }});

KIOSKCTL_COMMAND({"journal", "purge", "--db kiosk.db [--now ISO] [--days 31] [--actor ID]",
                  "erase journal, scan, outbox, replay and audit rows older than the retention period",
                  [](const Args& args) -> int {
                      auto s = openExisting(args);
                      if (!s.ok()) return fail(s.error());
                      core::SystemClock clock;
                      auto now = timeOption(args, "--now", core::toUnixSeconds(clock.wallNow()));
                      if (!now.ok()) return fail(now.error());
                      const int64_t days = std::atoll(option(args, "--days", std::to_string(store::kRetentionDays)).c_str());
                      if (days < 1 || days > 3650) {
                          std::cerr << "--days must be in [1, 3650]\n";
                          return 2;
                      }
                      const int64_t cutoff = *now - days * 24 * 3600;
                      auto n = (*s)->purgeOlderThan(cutoff);
                      if (!n.ok()) return fail(n.error());
                      std::ostringstream detail;
                      detail << "cutoff=" << iso(cutoff) << " crossings=" << n->crossings << " scans=" << n->scans
                             << " outbox=" << n->outbox << " replay=" << n->replay << " audit=" << n->audit;
                      auto a = (*s)->appendAudit(*now, option(args, "--actor", "system"), "retention.purge", detail.str());
                      if (!a.ok()) return fail(a.error());
                      std::cout << "purged rows older than " << iso(cutoff) << ": " << detail.str() << "\n";
                      return 0;
                  }});

KIOSKCTL_COMMAND({"journal", "create-key", "--out store.key",
                  "write a new random 32-byte AES-256 key for biometric data (mode 0600, never overwrites)",
                  [](const Args& args) -> int {
                      const std::string out = option(args, "--out");
                      if (out.empty()) {
                          std::cerr << "usage: kioskctl journal create-key --out store.key\n";
                          return 2;
                      }
                      auto st = store::Store::createKeyFile(out);
                      if (!st.ok()) return fail(st.error());
                      std::cout << "wrote " << out << "\n";
                      return 0;
                  }});

}  // namespace
}  // namespace kiosk::tools

#endif  // KIOSK_HAVE_STORE
