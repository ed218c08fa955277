// Opening, migrations, refusing newer and corrupt files.
#include <sys/stat.h>

#include <fstream>
#include <random>

#include "kiosk/store/migrations.h"
#include "tests/store/store_test_util.h"

namespace kiosk::store {
namespace {
using namespace testutil;

TEST(StoreOpen, MigratesEmptyFileToLatestVersionInWalMode) {
    TempStore t("migrate");
    auto s = t.open();
    ASSERT_TRUE(s);
    EXPECT_EQ(s->schemaVersion(), Store::latestSchemaVersion());
    EXPECT_GE(Store::latestSchemaVersion(), 1);
    s.reset();
    EXPECT_EQ(rawInt(t.db, "PRAGMA user_version"), Store::latestSchemaVersion());
    // WAL is persistent in the file header.
    sqlite3* h = nullptr;
    ASSERT_EQ(sqlite3_open(t.db.c_str(), &h), SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(h, "PRAGMA journal_mode", -1, &st, nullptr), SQLITE_OK);
    ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
    EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)), "wal");
    sqlite3_finalize(st);
    sqlite3_close(h);
    for (const char* table : {"enrolments", "enrolment_fingers", "crossings", "crossing_reasons", "scans", "audit",
                              "replay", "trust_state", "outbox", "watchlist", "meta"})
        EXPECT_EQ(rawInt(t.db, std::string("SELECT COUNT(*) FROM sqlite_master WHERE type='table' AND name='") + table + "'"), 1)
            << table;
}

TEST(StoreOpen, NewDatabaseFileIsOwnerOnly) {
    TempStore t("mode");
    auto s = t.open();
    ASSERT_TRUE(s);
    ASSERT_TRUE(s->appendAudit(kNow, "system", "x", "").ok());
    for (const std::string suffix : {"", "-wal", "-shm"}) {
        struct stat st {};
        ASSERT_EQ(::stat((t.db.string() + suffix).c_str(), &st), 0) << suffix;
        EXPECT_EQ(st.st_mode & 0777, 0600u) << suffix;
    }
}

TEST(StoreOpen, ReopenIsANoOpAndKeepsData) {
    TempStore t("reopen");
    {
        auto s = t.open();
        ASSERT_TRUE(s);
        ASSERT_TRUE(s->appendAudit(kNow, "system", "test.mark", "one").ok());
    }
    const int64_t schemaObjects = rawInt(t.db, "SELECT COUNT(*) FROM sqlite_master");
    {
        auto s = t.open();
        ASSERT_TRUE(s);
        EXPECT_EQ(s->schemaVersion(), Store::latestSchemaVersion());
        auto rows = s->auditEntries();
        ASSERT_TRUE(rows.ok());
        ASSERT_EQ(rows->size(), 1u);
        EXPECT_EQ((*rows)[0].detail, "one");
    }
    EXPECT_EQ(rawInt(t.db, "SELECT COUNT(*) FROM sqlite_master"), schemaObjects);
}

TEST(StoreOpen, MigratesAVersion1FileKeepingItsRows) {
    TempStore t("v1");
    // Build a version-1 file exactly as the first release wrote it.
    rawExec(t.db, "PRAGMA journal_mode = WAL");
    rawExec(t.db, "BEGIN; " + detail::migrations().at(0) + "; PRAGMA user_version = 1; COMMIT;");
    rawExec(t.db, "INSERT INTO enrolments(reference, document_hash, document_masked, residency, date_of_birth, "
                  "channel, enrolled_at, active, document_expiry) VALUES ('ref-v1', '" +
                      documentHash("K1000000") + "', 'K1****00', 'hk_permanent', '1980-01-01', 'office', 5, 0, "
                      "'2030-01-01')");
    ASSERT_EQ(rawInt(t.db, "PRAGMA user_version"), 1);
    auto s = t.open();
    ASSERT_TRUE(s);
    EXPECT_EQ(s->schemaVersion(), Store::latestSchemaVersion());
    EXPECT_GE(Store::latestSchemaVersion(), 2);
    auto e = s->findEnrolmentByReference("ref-v1");
    ASSERT_TRUE(e.ok() && e->has_value()) << (e.ok() ? "missing" : e.error().message);
    EXPECT_EQ((*e)->channel, EnrolmentChannel::Office);
    EXPECT_FALSE((*e)->active);
    // Step 2 back-filled deactivated_at for inactive rows.
    s.reset();
    EXPECT_EQ(rawInt(t.db, "SELECT deactivated_at FROM enrolments WHERE reference = 'ref-v1'"), 5);
}

TEST(StoreOpen, NewerSchemaVersionIsRefused) {
    TempStore t("newer");
    { ASSERT_TRUE(t.open()); }
    rawExec(t.db, "PRAGMA user_version = " + std::to_string(Store::latestSchemaVersion() + 1));
    auto s = Store::open(t.db, keyOpts(t.key));
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, "store.newer_schema");
    EXPECT_NE(s.error().message.find("newer"), std::string::npos);
}

TEST(StoreOpen, FailedMigrationStepRollsBackCompletely) {
    TempStore t("migfail");
    // A version-0 file that already has a table the first step creates: the step fails
    // half-way and must leave nothing behind.
    rawExec(t.db, "CREATE TABLE enrolments (x INTEGER)");
    auto s = Store::open(t.db, keyOpts(t.key));
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, "store.migration_failed");
    EXPECT_NE(s.error().message.find("version 1"), std::string::npos) << s.error().message;
    EXPECT_EQ(rawInt(t.db, "PRAGMA user_version"), 0);
    EXPECT_EQ(rawInt(t.db, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'meta'"), 0);
    // Once the obstacle is gone, the migration runs.
    rawExec(t.db, "DROP TABLE enrolments");
    auto ok = Store::open(t.db, keyOpts(t.key));
    ASSERT_TRUE(ok.ok()) << ok.error().message;
    EXPECT_EQ((*ok)->schemaVersion(), Store::latestSchemaVersion());
}

TEST(StoreOpen, RandomBytesAreRefusedAsCorrupt) {
    TempStore t("corrupt");
    {
        std::mt19937 rng(42);
        std::ofstream out(t.db, std::ios::binary);
        for (int i = 0; i < 64 * 1024; ++i) out.put(static_cast<char>(rng()));
    }
    auto s = Store::open(t.db, keyOpts(t.key));
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, "store.corrupt") << s.error().message;
}

TEST(StoreOpen, DamagedPagesOfARealDatabaseAreRefusedAsCorrupt) {
    TempStore t("damaged");
    {
        auto s = t.open();
        ASSERT_TRUE(s);
        for (int i = 0; i < 40; ++i) ASSERT_TRUE(s->appendAudit(kNow + i, "system", "fill", std::string(2000, 'x')).ok());
    }  // closing checkpoints the WAL into the main file
    auto bytes = readFile(t.db);
    ASSERT_GT(bytes.size(), 16 * 4096u);
    // Keep the 100-byte header valid, smash the page tree of page 2 onwards.
    std::mt19937 rng(7);
    for (std::size_t i = 4096; i < bytes.size(); ++i) bytes[i] = static_cast<uint8_t>(rng());
    {
        std::ofstream out(t.db, std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    }
    auto s = Store::open(t.db, keyOpts(t.key));
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, "store.corrupt") << s.error().message;
}

TEST(StoreOpen, MissingFolderIsAnOpenError) {
    auto s = Store::open("/nonexistent-kiosk-dir/sub/kiosk.db");
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, "store.open_failed");
}

TEST(StoreKey, CreateKeyFileWrites32RandomBytesWithMode0600AndRefusesOverwrite) {
    auto dir = kiosk::testing::tempDir("store-key");
    ASSERT_TRUE(Store::createKeyFile(dir / "a.key").ok());
    ASSERT_TRUE(Store::createKeyFile(dir / "b.key").ok());
    auto a = readFile(dir / "a.key");
    auto b = readFile(dir / "b.key");
    EXPECT_EQ(a.size(), kKeyBytes);
    EXPECT_NE(a, b);
    struct stat st {};
    ASSERT_EQ(::stat((dir / "a.key").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    auto again = Store::createKeyFile(dir / "a.key");
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code, "store.key_exists");
    EXPECT_EQ(readFile(dir / "a.key"), a);
}

TEST(StoreKey, KeyFileOfWrongSizeOrMissingIsRefused) {
    auto dir = kiosk::testing::tempDir("store-badkey");
    {
        std::ofstream out(dir / "short.key", std::ios::binary);
        out << "too short";
    }
    auto s = Store::open(dir / "kiosk.db", keyOpts(dir / "short.key"));
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, "store.bad_key");
    auto m = Store::open(dir / "kiosk.db", keyOpts(dir / "missing.key"));
    ASSERT_FALSE(m.ok());
    EXPECT_EQ(m.error().code, "store.bad_key");
}

}  // namespace
}  // namespace kiosk::store
