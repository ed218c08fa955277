// The audit log hash chain: verification, detection of modified/deleted rows, purge.
#include "tests/store/store_test_util.h"

namespace kiosk::store {
namespace {
using namespace testutil;

void fill(Store& s, int n, int64_t start = kNow, int64_t step = 3600) {
    for (int i = 0; i < n; ++i)
        ASSERT_TRUE(s.appendAudit(start + i * step, i % 2 ? "officer-7" : "system", "lane.event",
                                  "n=" + std::to_string(i))
                        .ok());
}

TEST(StoreAudit, ChainVerifiesAndLinksEachRowToThePrevious) {
    TempStore t("audit-ok");
    auto s = t.open();
    auto empty = s->verifyAuditChain();
    ASSERT_TRUE(empty.ok());
    EXPECT_EQ(empty->rowsChecked, 0);
    fill(*s, 10);
    auto check = s->verifyAuditChain();
    ASSERT_TRUE(check.ok()) << check.error().message;
    EXPECT_EQ(check->rowsChecked, 10);
    auto rows = s->auditEntries();
    ASSERT_TRUE(rows.ok());
    ASSERT_EQ(rows->size(), 10u);
    EXPECT_EQ((*rows)[0].prevHash, "");
    for (std::size_t i = 1; i < rows->size(); ++i) {
        EXPECT_EQ((*rows)[i].prevHash, (*rows)[i - 1].hash);
        EXPECT_EQ((*rows)[i].id, (*rows)[i - 1].id + 1);
    }
    EXPECT_EQ(check->headHash, rows->back().hash);
}

TEST(StoreAudit, ModifiedDetailIsDetected) {
    TempStore t("audit-mod");
    { fill(*t.open(), 8); }
    rawExec(t.db, "UPDATE audit SET detail = 'n=99' WHERE id = 4");
    auto check = t.open()->verifyAuditChain();
    ASSERT_FALSE(check.ok());
    EXPECT_EQ(check.error().code, "store.audit_broken");
    EXPECT_NE(check.error().message.find("row 4"), std::string::npos) << check.error().message;
}

TEST(StoreAudit, ModifiedRowWithRecomputedHashIsDetectedByTheNextRow) {
    TempStore t("audit-rehash");
    std::string forged;
    {
        auto s = t.open();
        fill(*s, 5);
    }
    // The attacker changes the actor and writes a new (garbage) hash for that row.
    rawExec(t.db, "UPDATE audit SET actor = 'officer-evil', hash = '" + std::string(64, 'a') + "' WHERE id = 2");
    auto check = t.open()->verifyAuditChain();
    ASSERT_FALSE(check.ok());
    EXPECT_EQ(check.error().code, "store.audit_broken");
}

TEST(StoreAudit, DeletedMiddleRowIsDetected) {
    TempStore t("audit-del");
    { fill(*t.open(), 8); }
    rawExec(t.db, "DELETE FROM audit WHERE id = 5");
    auto check = t.open()->verifyAuditChain();
    ASSERT_FALSE(check.ok());
    EXPECT_EQ(check.error().code, "store.audit_broken");
    EXPECT_NE(check.error().message.find("row 5"), std::string::npos) << check.error().message;
}

TEST(StoreAudit, DeletedFirstOrLastRowIsDetected) {
    {
        TempStore t("audit-del-first");
        { fill(*t.open(), 4); }
        rawExec(t.db, "DELETE FROM audit WHERE id = 1");
        auto check = t.open()->verifyAuditChain();
        ASSERT_FALSE(check.ok());
        EXPECT_EQ(check.error().code, "store.audit_broken");
    }
    {
        TempStore t("audit-del-last");
        { fill(*t.open(), 4); }
        rawExec(t.db, "DELETE FROM audit WHERE id = 4");
        auto check = t.open()->verifyAuditChain();
        ASSERT_FALSE(check.ok());
        EXPECT_EQ(check.error().code, "store.audit_broken");
    }
}

TEST(StoreAudit, PurgeKeepsTheChainVerifiableThroughTheAnchor) {
    TempStore t("audit-purge");
    auto s = t.open();
    fill(*s, 10, kNow, 24 * 3600);  // one a day
    auto purged = s->purgeOlderThan(kNow + 4 * 24 * 3600);
    ASSERT_TRUE(purged.ok());
    EXPECT_EQ(purged->audit, 4);
    auto rows = s->auditEntries();
    ASSERT_TRUE(rows.ok());
    ASSERT_EQ(rows->size(), 6u);
    EXPECT_EQ(rows->front().id, 5);
    auto check = s->verifyAuditChain();
    ASSERT_TRUE(check.ok()) << check.error().message;
    EXPECT_EQ(check->rowsChecked, 6);
    EXPECT_EQ(check->anchorId, 4);
    EXPECT_EQ(check->anchorHash, rows->front().prevHash);
    // New rows continue the chain.
    ASSERT_TRUE(s->appendAudit(kNow + 20 * 24 * 3600, "system", "after.purge", "").ok());
    EXPECT_TRUE(s->verifyAuditChain().ok());
    // Deleting the first remaining row after a purge is still detected.
    s.reset();
    rawExec(t.db, "DELETE FROM audit WHERE id = 5");
    auto bad = t.open()->verifyAuditChain();
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().code, "store.audit_broken");
}

TEST(StoreAudit, PurgingEverythingLeavesAnEmptyVerifiableChain) {
    TempStore t("audit-purge-all");
    auto s = t.open();
    fill(*s, 3);
    auto purged = s->purgeOlderThan(kNow + 365 * 24 * 3600);
    ASSERT_TRUE(purged.ok());
    EXPECT_EQ(purged->audit, 3);
    auto check = s->verifyAuditChain();
    ASSERT_TRUE(check.ok()) << check.error().message;
    EXPECT_EQ(check->rowsChecked, 0);
    ASSERT_TRUE(s->appendAudit(kNow + 400 * 24 * 3600, "system", "x", "").ok());
    auto rows = s->auditEntries();
    ASSERT_EQ(rows->size(), 1u);
    EXPECT_EQ(rows->front().id, 4);
    EXPECT_TRUE(s->verifyAuditChain().ok());
}

}  // namespace
}  // namespace kiosk::store
