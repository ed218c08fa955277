// Issue 16, defect 1, through the real kioskctl: a crossing deleted with the SQLite shell
// used to go unnoticed (`kioskctl journal verify-audit` chained only officer actions: 4
// rows against 19 crossings). Both `journal verify` and `journal verify-audit` now name it.
#include <sqlite3.h>

#include <string>

#include <gtest/gtest.h>

#include "kiosk/store/store.h"
#include "system_support.h"
#include "tests/support/test_support.h"

namespace kiosk::testing {
namespace {

namespace fs = std::filesystem;

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

}  // namespace
}  // namespace kiosk::testing
