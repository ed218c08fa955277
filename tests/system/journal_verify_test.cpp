// Issue 16, defect 1, through the real kioskctl: a crossing deleted with the SQLite shell
// used to go unnoticed (`kioskctl journal verify-audit` chained only officer actions: 4
// rows against 19 crossings). Both `journal verify` and `journal verify-audit` now name it.
#include <sqlite3.h>

#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "core/config.h"
#include "kiosk/store/store.h"
#include "system_support.h"
#include "tests/support/test_support.h"

namespace kiosk::testing {
namespace {

namespace fs = std::filesystem;

void writeFile(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }

TEST(JournalVerify, Defect1_KioskctlNamesACrossingDeletedWithTheSqliteShell) {
    const fs::path dir = tempDir("journal-verify");
    const fs::path kioskctl = buildDir() / "tools/kioskctl";
    if (!fs::exists(kioskctl)) GTEST_SKIP() << "kioskctl not built";
    const fs::path db = dir / "kiosk.sqlite", key = dir / "keys/biometrics.key";
    fs::create_directories(key.parent_path());
    {
        store::StoreOptions o;
        o.keyFile = key;
        o.missingKey = store::MissingKey::CreateForUnkeyedStore;
        auto s = store::Store::open(db, o);
        ASSERT_TRUE(s.ok()) << s.error().message;
        for (int i = 1; i <= 19; ++i) {
            store::CrossingRecord c;
            c.time = 1795000000 + i * 60;
            c.laneId = "HZMB-A-07";
            c.outcome = store::CrossingOutcome::Passed;
            c.enrolmentReference = "E-" + std::to_string(i);
            c.qrHash = store::qrHash("qr-" + std::to_string(i));
            ASSERT_TRUE((*s)->appendCrossing(c).ok());
        }
        for (int i = 1; i <= 4; ++i)
            ASSERT_TRUE((*s)->appendAudit(1795000000 + i, "officer:chan", "lane.open", "").ok());
    }
    const std::string base = "'" + kioskctl.string() + "' journal ";
    const std::string args = " --db '" + db.string() + "' --key '" + key.string() + "'";
    EXPECT_EQ(runCommand(base + "verify" + args, dir / "ok.log"), 0) << readText(dir / "ok.log");
    EXPECT_NE(readText(dir / "ok.log").find("crossings chain ok: 19 rows"), std::string::npos) << readText(dir / "ok.log");

    sqlite3* h = nullptr;
    ASSERT_EQ(sqlite3_open(db.c_str(), &h), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(h, "DELETE FROM crossings WHERE id=13", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(h);

    for (const char* cmd : {"verify", "verify-audit"}) {
        const fs::path log = dir / (std::string(cmd) + ".log");
        EXPECT_NE(runCommand(base + cmd + args, log), 0) << cmd << ": " << readText(log);
        EXPECT_NE(readText(log).find("store.journal_broken: crossings row seq 13: missing (deleted)"), std::string::npos)
            << cmd << ": " << readText(log);
    }
}

// `kioskctl journal verify --anchors`: the heads the clearance service stored (its admin
// events export) against the lane's rows; a journal rewritten with the key is caught.
TEST(JournalVerify, KioskctlComparesTheHeadsTheServerStored) {
    const fs::path dir = tempDir("journal-verify-anchors");
    const fs::path kioskctl = buildDir() / "tools/kioskctl";
    if (!fs::exists(kioskctl)) GTEST_SKIP() << "kioskctl not built";
    const fs::path db = dir / "kiosk.sqlite", key = dir / "keys/biometrics.key";
    fs::create_directories(key.parent_path());
    std::string stream, payload;
    {
        store::StoreOptions o;
        o.keyFile = key;
        o.missingKey = store::MissingKey::CreateForUnkeyedStore;
        auto s = store::Store::open(db, o);
        ASSERT_TRUE(s.ok()) << s.error().message;
        for (int i = 1; i <= 5; ++i) {
            store::CrossingRecord c;
            c.time = 1795000000 + i * 60;
            c.laneId = "HZMB-A-07";
            c.outcome = store::CrossingOutcome::Passed;
            c.qrHash = store::qrHash("qr-" + std::to_string(i));
            ASSERT_TRUE((*s)->appendCrossing(c).ok());
        }
        ASSERT_TRUE((*s)->enqueueJournalAnchor(1795003600, "HZMB-A-07").ok());
        auto items = (*s)->peekOutbox(100);
        ASSERT_TRUE(items.ok());
        payload = items->back().payload;
        stream = *(*s)->streamId();
    }
    // What GET /v1/admin/events?kind=journal_anchor answers (one anchor of this store, one
    // of an earlier store of the device).
    const std::string events = R"({"events": [{"id": 1, "device": "HZMB-A-07", "stream": "00112233445566778899aabbccddeeff", "seq": 3, "kind": "journal_anchor", "time": 1, "received_at": 1, "payload": {"device": "HZMB-A-07", "chains": {"crossings": {"seq": 99, "hash": ""}}, "public_key": ""}}, {"id": 2, "device": "HZMB-A-07", "stream": ")" +
                               stream + R"(", "seq": 6, "kind": "journal_anchor", "time": 1795003600, "received_at": 1795003601, "payload": )" +
                               payload + "}], \"more\": false}";
    writeFile(dir / "anchors.json", events);
    const std::string cmd = "'" + kioskctl.string() + "' journal verify --db '" + db.string() + "' --key '" +
                            key.string() + "' --anchors '" + (dir / "anchors.json").string() + "'";
    EXPECT_EQ(runCommand(cmd, dir / "ok.log"), 0) << readText(dir / "ok.log");
    EXPECT_NE(readText(dir / "ok.log").find("anchors ok: 1 from the clearance service, 1 chain heads match their rows, 0 before the kept rows (purged), 3 empty"),
              std::string::npos)
        << readText(dir / "ok.log");
    EXPECT_NE(readText(dir / "ok.log").find("1 anchors of another store"), std::string::npos) << readText(dir / "ok.log");

    // The server holds another head for crossing 5 (the lane's journal was rewritten with
    // the key after the anchor was sent: the store test shows such a journal verifies on
    // its own): named, exit 1.
    auto rewritten = core::Json::parse(events);
    rewritten["events"][1]["payload"]["chains"]["crossings"]["hash"] = std::string(64, 'f');
    writeFile(dir / "rewritten.json", rewritten.dump());
    const std::string bad = "'" + kioskctl.string() + "' journal verify --db '" + db.string() + "' --key '" +
                            key.string() + "' --anchors '" + (dir / "rewritten.json").string() + "'";
    EXPECT_NE(runCommand(bad, dir / "bad.log"), 0) << readText(dir / "bad.log");
    EXPECT_NE(readText(dir / "bad.log")
                  .find("store.journal_broken: crossings row seq 5: differs from the head the clearance service stored"),
              std::string::npos)
        << readText(dir / "bad.log");
}

}  // namespace
}  // namespace kiosk::testing
