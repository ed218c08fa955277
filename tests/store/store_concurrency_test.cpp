// Settings the store runs with, and two connections (the kiosk and kioskctl) writing the
// same file at once.
#include <thread>

#include "tests/store/store_test_util.h"

namespace kiosk::store {
namespace {
using namespace testutil;

TEST(StoreSettings, WalFullSyncForeignKeysBusyTimeout) {
    TempStore t("settings");
    StoreOptions o = keyOpts(t.key);
    o.busyTimeoutMs = 1234;
    auto s = t.open(o);
    auto set = s->settings();
    ASSERT_TRUE(set.ok()) << set.error().message;
    EXPECT_EQ(set->journalMode, "wal");
    EXPECT_EQ(set->synchronous, 2);  // FULL
    EXPECT_TRUE(set->foreignKeys);
    EXPECT_EQ(set->busyTimeoutMs, 1234);
    EXPECT_GT(set->pageCount, 0);
    EXPECT_EQ(set->pageCacheKiB, 512);  // the default bound (flat lane memory)
}

TEST(StoreSettings, PageCacheBoundIsAppliedAndCheckedOnOpen) {
    TempStore t("page-cache");
    StoreOptions o = keyOpts(t.key);
    o.pageCacheKiB = 256;
    {
        auto s = t.open(o);
        ASSERT_TRUE(s);
        auto set = s->settings();
        ASSERT_TRUE(set.ok()) << set.error().message;
        EXPECT_EQ(set->pageCacheKiB, 256);
    }
    o.pageCacheKiB = 0;
    auto bad = Store::open(t.db, o);
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().code, "store.bad_option");
    EXPECT_NE(bad.error().message.find("pageCacheKiB"), std::string::npos);
}

TEST(StoreConcurrency, TwoConnectionsInterleaveAuditRowsWithoutBreakingTheChain) {
    TempStore t("concurrent");
    auto a = t.open();
    auto b = t.open();
    ASSERT_TRUE(a && b);
    constexpr int kPerWriter = 25;
    auto writer = [](Store* s, const std::string& actor, std::atomic<int>* failures) {
        for (int i = 0; i < kPerWriter; ++i) {
            if (!s->appendAudit(kNow + i, actor, "concurrent.write", "i=" + std::to_string(i)).ok()) ++*failures;
            CrossingRecord c;
            c.time = kNow + i;
            c.laneId = actor;
            c.reasons = {"lane.timeout"};
            c.qrHash = qrHash(actor + std::to_string(i));
            if (!s->appendCrossing(c).ok()) ++*failures;
        }
    };
    std::atomic<int> failures{0};
    std::thread ta(writer, a.get(), "kiosk", &failures);
    std::thread tb(writer, b.get(), "kioskctl", &failures);
    ta.join();
    tb.join();
    EXPECT_EQ(failures.load(), 0);
    auto check = a->verifyAuditChain();
    ASSERT_TRUE(check.ok()) << check.error().message;
    EXPECT_EQ(check->rowsChecked, 2 * kPerWriter);
    auto all = b->crossings();
    ASSERT_TRUE(all.ok());
    EXPECT_EQ(all->size(), 2u * kPerWriter);
}

TEST(StoreConcurrency, OneStoreSharedByThreads) {
    TempStore t("threads");
    auto s = t.open();
    std::vector<std::thread> threads;
    for (int k = 0; k < 4; ++k)
        threads.emplace_back([&, k] {
            for (int i = 0; i < 10; ++i)
                EXPECT_TRUE(s->appendScan({0, kNow + i, "lane-" + std::to_string(k), qrHash(std::to_string(i)), "accepted"}).ok());
        });
    for (auto& th : threads) th.join();
    EXPECT_EQ(s->scansLast12Hours(kNow + 100)->size(), 40u);
}

}  // namespace
}  // namespace kiosk::store

namespace kiosk::store {
namespace {
using namespace testutil;

TEST(StoreConcurrency, WriterBlockedPastTheBusyTimeoutGetsStoreBusy) {
    TempStore t("busy");
    { ASSERT_TRUE(t.open()); }
    // Another connection holds the write lock.
    sqlite3* h = nullptr;
    ASSERT_EQ(sqlite3_open(t.db.c_str(), &h), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(h, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
    StoreOptions o = keyOpts(t.key);
    o.busyTimeoutMs = 100;
    o.integrityCheck = IntegrityCheck::None;
    auto s = Store::open(t.db, o);
    ASSERT_TRUE(s.ok()) << s.error().message;  // reading needs no write lock
    auto r = (*s)->appendAudit(kNow, "system", "x", "");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, "store.busy") << r.error().message;
    ASSERT_EQ(sqlite3_exec(h, "ROLLBACK", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(h);
    EXPECT_TRUE((*s)->appendAudit(kNow, "system", "x", "").ok());
}

}  // namespace
}  // namespace kiosk::store
