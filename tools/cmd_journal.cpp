// kioskctl journal ...: inspect the kiosk store (crossings, scans, audit log, outbox),
// verify the journal hash chains, apply the 31-day retention, create the biometric key.
// Compiled only when kiosk::store is linked (KIOSK_HAVE_STORE comes with it).
#ifdef KIOSK_HAVE_STORE

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "core/clock.h"
#include "core/config.h"
#include "kiosk/store/journal_report.h"
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

int show(const Args& args) {
    auto s = openExisting(args);
    if (!s.ok()) return fail(s.error());
    store::JournalReportOptions o;
    auto view = store::parseJournalView(option(args, "--what", "crossings"));
    if (!view.ok()) return fail(view.error());
    o.view = *view;
    o.limit = std::atoi(option(args, "--limit", "50").c_str());
    o.laneId = option(args, "--lane");
    auto since = timeOption(args, "--since", INT64_MIN);
    if (!since.ok()) return fail(since.error());
    o.since = *since;
    auto text = store::journalReport(**s, o);
    if (!text.ok()) return fail(text.error());
    std::cout << *text;
    return 0;
}

KIOSKCTL_COMMAND({"journal", "show",
                  "--db kiosk.db [--what crossings|scans|audit|outbox|stats] [--since ISO] [--lane ID] [--limit N]",
                  "list the newest journal rows (hashes and references only, no personal data)", show});

// The chain heads of this store's journal_anchor events in an export of the clearance
// service's `GET /v1/admin/events?kind=journal_anchor&device=ID` answer; anchors of
// another stream (an earlier store of the device) are counted and left out.
core::Result<std::vector<store::AnchoredHead>> anchoredHeads(const std::string& file, const std::string& stream,
                                                             int64_t* anchors, int64_t* otherStreams) {
    KIOSK_ASSIGN_OR_RETURN(core::Json j, core::loadJsonFile(file));
    if (!j.is_object() || !j.contains("events") || !j["events"].is_array())
        return core::makeError("usage", file + ": expected the answer of GET /v1/admin/events (an \"events\" array)");
    std::vector<store::AnchoredHead> heads;
    for (size_t i = 0; i < j["events"].size(); ++i) {
        const auto& e = j["events"][i];
        const std::string at = file + ": events[" + std::to_string(i) + "]";
        if (!e.is_object() || e.value("kind", "") != "journal_anchor") continue;
        if (e.value("stream", "") != stream) {
            ++*otherStreams;
            continue;
        }
        const auto& chains = e.contains("payload") ? e["payload"].value("chains", core::Json()) : core::Json();
        if (!chains.is_object()) return core::makeError("usage", at + ".payload.chains: missing");
        ++*anchors;
        for (const auto& [name, head] : chains.items()) {
            if (!head.is_object() || !head.contains("seq") || !head["seq"].is_number_integer() ||
                !head.value("hash", core::Json()).is_string())
                return core::makeError("usage", at + ".payload.chains." + name + ": expected seq and hash");
            heads.push_back({name, head["seq"].get<int64_t>(), head["hash"].get<std::string>()});
        }
    }
    return heads;
}

// The whole journal: every chain, the enrolment rows, the signed checkpoints; with
// --anchors, also the heads the clearance service holds.
int verifyJournal(const Args& args) {
    auto s = openExisting(args);
    if (!s.ok()) return fail(s.error());
    auto check = (*s)->verifyJournal();
    if (!check.ok()) return fail(check.error());
    for (const auto& c : check->chains) {
        std::cout << c.name << " chain ok: " << c.rowsChecked << " rows";
        if (c.anchorSeq > 0) std::cout << " after purge anchor seq " << c.anchorSeq << " (" << c.anchorHash.substr(0, 16) << ")";
        std::cout << ", head seq " << c.headSeq << " (" << (c.headHash.empty() ? "-" : c.headHash.substr(0, 16)) << ")\n";
    }
    std::cout << "enrolments ok: " << check->enrolmentsChecked << " rows match their newest change\n";
    std::cout << "checkpoints ok: " << check->checkpoints;
    if (check->checkpoints > 0)
        std::cout << " signed by " << check->publicKey.substr(0, 16)
                  << (check->publicKeyChecked ? " (the store key's journal key)" : " (not compared with a key: no --key)");
    std::cout << "\n";
    const std::string file = option(args, "--anchors");
    if (file.empty()) return 0;
    auto stream = (*s)->streamId();
    if (!stream.ok()) return fail(stream.error());
    int64_t anchors = 0, otherStreams = 0;
    auto heads = anchoredHeads(file, *stream, &anchors, &otherStreams);
    if (!heads.ok()) return fail(heads.error());
    auto a = (*s)->checkAnchoredHeads(*heads);
    if (!a.ok()) return fail(a.error());
    std::cout << "anchors ok: " << anchors << " from the clearance service, " << a->compared
              << " chain heads match their rows, " << a->purged << " before the kept rows (purged), " << a->empty
              << " empty";
    if (otherStreams > 0) std::cout << "; " << otherStreams << " anchors of another store of this device left out";
    std::cout << "\n";
    if (anchors == 0) {
        std::cerr << "error: store.journal_unanchored: " << file << " holds no anchor of this store (stream "
                  << *stream << ")\n";
        return 1;
    }
    return 0;
}

KIOSKCTL_COMMAND({"journal", "verify", "--db kiosk.db [--key FILE] [--anchors EVENTS.json]",
                  "check every journal hash chain (crossings, scans, audit, enrolment changes), the enrolment rows and "
                  "the signed purge checkpoints, and with --anchors the chain heads the clearance service stored "
                  "(GET /v1/admin/events?kind=journal_anchor&device=ID); exit 1 naming the first "
                  "deleted/modified/reordered/truncated/rewritten row",
                  verifyJournal});

// Kept for scripts: the audit chain alone used to pass while crossings were deleted, so
// it now checks the whole journal too.
KIOSKCTL_COMMAND({"journal", "verify-audit", "--db kiosk.db [--key FILE]",
                  "same as journal verify (the whole journal, not only the audit rows)", verifyJournal});

KIOSKCTL_COMMAND({"journal", "purge", "--db kiosk.db --key FILE [--now ISO] [--days 31] [--actor ID]",
                  "erase journal, scan, outbox, replay and audit rows older than the retention period (the key signs "
                  "the checkpoint that keeps the journal verifiable)",
                  [](const Args& args) -> int {
                      auto s = openExisting(args);
                      if (!s.ok()) return fail(s.error());
                      core::SystemClock clock;
                      auto now = timeOption(args, "--now", core::toUnixSeconds(clock.wallNow()));
                      if (!now.ok()) return fail(now.error());
                      const int64_t days = std::atoll(option(args, "--days", std::to_string(store::kRetentionDays)).c_str());
                      auto n = store::purgeWithAudit(**s, *now, days, option(args, "--actor", "system"));
                      if (!n.ok()) return fail(n.error());
                      std::cout << "purged rows older than " << iso(*now - days * 24 * 3600) << ": crossings "
                                << n->crossings << ", scans " << n->scans << ", outbox " << n->outbox << ", replay "
                                << n->replay << ", audit " << n->audit << ", inactive enrolments " << n->inactiveEnrolments
                                << "\n";
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
