// Store changes for the sync: outbox ids never reused, stream id, sync values, answered
// commands, rejected outbox rows, scan + outbox, enrolment upsert from the server.
#include <gtest/gtest.h>

#include "kiosk/store/migrations.h"
#include "tests/sync/sync_test_util.h"

namespace kiosk::store {
namespace {

using namespace kiosk::store::testutil;

std::vector<int64_t> outboxIds(Store& s) {
    auto items = s.peekOutbox(1000);
    EXPECT_TRUE(items.ok());
    std::vector<int64_t> ids;
    for (const auto& i : *items) ids.push_back(i.id);
    return ids;
}

TEST(StoreSync, OutboxIdsAreNeverReusedAfterTheTableIsEmptied) {
    TempStore t("sync-ids");
    int64_t highest = 0;
    {
        auto s = t.open();
        ASSERT_TRUE(s);
        for (int i = 0; i < 5; ++i) {
            auto id = s->enqueueOutbox(kNow, "alert", "{}");
            ASSERT_TRUE(id.ok());
            highest = *id;
        }
        for (int64_t id : outboxIds(*s)) ASSERT_TRUE(s->ackOutbox(id).ok());
        ASSERT_TRUE(outboxIds(*s).empty());
        auto next = s->enqueueOutbox(kNow, "alert", "{}");
        ASSERT_TRUE(next.ok());
        EXPECT_GT(*next, highest);
        highest = *next;
        ASSERT_TRUE(s->ackOutbox(*next).ok());
    }
    // Also across a reopen, and after a purge emptied it.
    auto s = t.open();
    ASSERT_TRUE(s);
    auto again = s->enqueueOutbox(kNow, "alert", "{}");
    ASSERT_TRUE(again.ok());
    EXPECT_GT(*again, highest);
    ASSERT_TRUE(s->purgeOlderThan(kNow + 1).ok());
    auto afterPurge = s->enqueueOutbox(kNow + 2, "alert", "{}");
    ASSERT_TRUE(afterPurge.ok());
    EXPECT_GT(*afterPurge, *again);
    // Rejected rows keep their id out of use too.
    ASSERT_TRUE(s->rejectOutbox(*afterPurge, "api.bad_value: events[0].payload.lane", kNow).ok());
    auto afterReject = s->enqueueOutbox(kNow + 3, "alert", "{}");
    ASSERT_TRUE(afterReject.ok());
    EXPECT_GT(*afterReject, *afterPurge);
}

TEST(StoreSync, MigratingAVersion2FileKeepsOutboxRowsAndContinuesAfterThem) {
    TempStore t("sync-v2");
    const auto& steps = detail::migrations();
    ASSERT_GE(steps.size(), 3u);
    rawExec(t.db, "BEGIN; " + steps.at(0) + "; " + steps.at(1) + "; PRAGMA user_version = 2; COMMIT;");
    rawExec(t.db, "INSERT INTO outbox(id, created_at, kind, payload, attempts) VALUES "
                  "(7, 1, 'alert', '{\"a\":1}', 2), (9, 2, 'crossing', '{}', 0);");
    auto s = t.open();
    ASSERT_TRUE(s);
    EXPECT_EQ(s->schemaVersion(), Store::latestSchemaVersion());
    auto items = s->peekOutbox();
    ASSERT_TRUE(items.ok());
    ASSERT_EQ(items->size(), 2u);
    EXPECT_EQ((*items)[0].id, 7);
    EXPECT_EQ((*items)[0].payload, "{\"a\":1}");
    EXPECT_EQ((*items)[0].attempts, 2);
    EXPECT_EQ((*items)[1].id, 9);
    ASSERT_TRUE(s->ackOutbox(7).ok());
    ASSERT_TRUE(s->ackOutbox(9).ok());
    auto next = s->enqueueOutbox(kNow, "alert", "{}");
    ASSERT_TRUE(next.ok());
    EXPECT_EQ(*next, 10);
}

TEST(StoreSync, StreamIdIsRandomPerStoreAndStable) {
    TempStore a("sync-stream-a"), b("sync-stream-b");
    std::string idA;
    {
        auto s = a.open();
        ASSERT_TRUE(s);
        auto id = s->streamId();
        ASSERT_TRUE(id.ok());
        idA = *id;
    }
    EXPECT_EQ(idA.size(), 32u);
    EXPECT_EQ(idA.find_first_not_of("0123456789abcdef"), std::string::npos);
    auto s = a.open();
    EXPECT_EQ(*s->streamId(), idA);
    auto other = b.open();
    EXPECT_NE(*other->streamId(), idA);
}

TEST(StoreSync, SyncValuesFirstStartAndCommandAnswers) {
    TempStore t("sync-values");
    auto s = t.open();
    ASSERT_TRUE(s);
    EXPECT_EQ(*s->syncValue("enrolment_cursor"), 0);
    ASSERT_TRUE(s->setSyncValue("enrolment_cursor", 1208).ok());
    ASSERT_TRUE(s->setSyncValue("last_enrolment_sync", kNow).ok());
    EXPECT_EQ(*s->syncValue("enrolment_cursor"), 1208);
    EXPECT_EQ(*s->syncValue("last_enrolment_sync"), kNow);
    EXPECT_FALSE(s->syncValue("x'; DROP TABLE meta; --").ok());
    EXPECT_FALSE(s->setSyncValue("", 1).ok());

    EXPECT_EQ(*s->firstStart(kNow), kNow);
    EXPECT_EQ(*s->firstStart(kNow + 500), kNow);

    EXPECT_FALSE(s->commandAnswer(12)->has_value());
    ASSERT_TRUE(s->rememberCommandAnswer(12, R"({"result":"applied","detail":""})", kNow).ok());
    auto a = s->commandAnswer(12);
    ASSERT_TRUE(a.ok() && a->has_value());
    EXPECT_EQ(**a, R"({"result":"applied","detail":""})");
    // Only the newest 1000 are kept.
    for (int64_t id = 100; id < 1150; ++id) ASSERT_TRUE(s->rememberCommandAnswer(id, "{}", kNow + id).ok());
    EXPECT_FALSE(s->commandAnswer(12)->has_value());
    EXPECT_FALSE(s->commandAnswer(149)->has_value());
    EXPECT_TRUE(s->commandAnswer(150)->has_value());
    EXPECT_TRUE(s->commandAnswer(1149)->has_value());
}

TEST(StoreSync, RejectedOutboxRowsAreKeptAsideAndPurged) {
    TempStore t("sync-reject");
    auto s = t.open();
    ASSERT_TRUE(s);
    auto a = s->enqueueOutbox(kNow, "crossing", "{\"lane\":\"L1\"}");
    auto b = s->enqueueOutbox(kNow, "alert", "{}");
    ASSERT_TRUE(a.ok() && b.ok());
    ASSERT_TRUE(s->markOutboxAttempt(*a).ok());
    ASSERT_TRUE(s->rejectOutbox(*a, "HTTP 422 api.bad_value: events[0].payload.outcome", kNow + 5).ok());
    EXPECT_EQ(outboxIds(*s), std::vector<int64_t>{*b});
    EXPECT_EQ(*s->outboxDepth(), 1);
    auto rejected = s->rejectedOutbox();
    ASSERT_TRUE(rejected.ok());
    ASSERT_EQ(rejected->size(), 1u);
    EXPECT_EQ((*rejected)[0].item.id, *a);
    EXPECT_EQ((*rejected)[0].item.kind, "crossing");
    EXPECT_EQ((*rejected)[0].item.attempts, 1);
    EXPECT_EQ((*rejected)[0].rejectedAt, kNow + 5);
    auto again = s->rejectOutbox(*a, "x", kNow);
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code, "store.not_found");
    auto purged = s->purgeOlderThan(kNow + 1);
    ASSERT_TRUE(purged.ok());
    EXPECT_EQ(purged->rejectedOutbox, 1);
    EXPECT_TRUE(s->rejectedOutbox()->empty());
}

TEST(StoreSync, ScanWithItsOutboxRowInOneTransaction) {
    TempStore t("sync-scan");
    auto s = t.open();
    ASSERT_TRUE(s);
    ScanRecord r{0, kNow, "L1", qrHash("QR"), "accepted"};
    auto id = s->appendScan(r, {OutboxMessage{"scan", "{\"lane\":\"L1\"}"}});
    ASSERT_TRUE(id.ok());
    EXPECT_EQ(s->scansLast12Hours(kNow)->size(), 1u);
    auto items = s->peekOutbox();
    ASSERT_EQ(items->size(), 1u);
    EXPECT_EQ((*items)[0].kind, "scan");
    EXPECT_EQ((*items)[0].createdAt, kNow);
    // Neither when one part is invalid.
    EXPECT_FALSE(s->appendScan(r, {OutboxMessage{"", "{}"}}).ok());
    ScanRecord bad = r;
    bad.qrHash = "QR text";
    EXPECT_FALSE(s->appendScan(bad, {OutboxMessage{"scan", "{}"}}).ok());
    EXPECT_EQ(s->scansLast12Hours(kNow)->size(), 1u);
    EXPECT_EQ(s->peekOutbox()->size(), 1u);
}

TEST(StoreSync, UpsertIsIdempotentAndFollowsTheServer) {
    TempStore t("sync-upsert");
    auto s = t.open();
    ASSERT_TRUE(s);
    auto row = makeEnrolment("E-1", "K1234567", kNow, 1);
    auto r1 = s->upsertEnrolment(row, kNow + 10, "sync");
    ASSERT_TRUE(r1.ok()) << r1.error().message;
    EXPECT_EQ(r1->outcome, UpsertOutcome::Inserted);
    const int64_t auditAfterInsert = s->counts()->audit;
    for (int i = 0; i < 3; ++i) {
        auto again = s->upsertEnrolment(row, kNow + 20 + i, "sync");
        ASSERT_TRUE(again.ok());
        EXPECT_EQ(again->outcome, UpsertOutcome::Unchanged);
    }
    EXPECT_EQ(s->counts()->enrolments, 1);
    EXPECT_EQ(s->counts()->audit, auditAfterInsert);  // nothing written for a repeat

    // Changed fields and biometrics replace the row's.
    auto changed = makeEnrolment("E-1", "K1234567", kNow, 9);
    changed.documentExpiry = "2035-01-01";
    changed.fingers.pop_back();
    auto r2 = s->upsertEnrolment(changed, kNow + 30, "sync");
    ASSERT_TRUE(r2.ok());
    EXPECT_EQ(r2->outcome, UpsertOutcome::Updated);
    auto stored = s->findEnrolmentByReference("E-1");
    ASSERT_TRUE(stored.ok() && stored->has_value());
    EXPECT_EQ((*stored)->documentExpiry, "2035-01-01");
    kiosk::sync::testutil::expectSameBiometrics(**stored, changed);
    EXPECT_EQ(s->upsertEnrolment(changed, kNow + 31, "sync")->outcome, UpsertOutcome::Unchanged);

    // A new reference for the same document replaces the old one, audited.
    auto second = makeEnrolment("E-2", "K1234567", kNow + 100, 2);
    auto r3 = s->upsertEnrolment(second, kNow + 100, "sync");
    ASSERT_TRUE(r3.ok());
    EXPECT_EQ(r3->outcome, UpsertOutcome::Inserted);
    ASSERT_TRUE(r3->replacedReference.has_value());
    EXPECT_EQ(*r3->replacedReference, "E-1");
    EXPECT_FALSE((*s->findEnrolmentByReference("E-1", Biometrics::Without))->active);
    EXPECT_EQ((*s->findActiveEnrolmentByDocumentHash(documentHash("K1234567"), Biometrics::Without))->reference, "E-2");
    auto audit = s->auditEntries();
    bool replaceAudited = false;
    for (const auto& e : *audit)
        if (e.action == "enrolment.replace" && e.detail.find("old=E-1 new=E-2") != std::string::npos) replaceAudited = true;
    EXPECT_TRUE(replaceAudited);
    EXPECT_TRUE(s->verifyAuditChain().ok());

    // The old record then arrives inactive from the server: already inactive, ignored.
    EnrolmentRow inactive = row;
    inactive.active = false;
    inactive.faceDescriptors.clear();
    inactive.fingers.clear();
    EXPECT_EQ(s->upsertEnrolment(inactive, kNow + 110, "sync")->outcome, UpsertOutcome::Ignored);
    // The active one deactivated by the server.
    EnrolmentRow off = second;
    off.active = false;
    EXPECT_EQ(s->upsertEnrolment(off, kNow + 120, "sync")->outcome, UpsertOutcome::Deactivated);
    EXPECT_FALSE((*s->findEnrolmentByReference("E-2", Biometrics::Without))->active);
    EXPECT_EQ(s->upsertEnrolment(off, kNow + 121, "sync")->outcome, UpsertOutcome::Ignored);
    // Never seen and inactive: nothing stored.
    EnrolmentRow unknown = makeEnrolment("E-9", "X9999999", kNow, 3);
    unknown.active = false;
    EXPECT_EQ(s->upsertEnrolment(unknown, kNow, "sync")->outcome, UpsertOutcome::Ignored);
    EXPECT_FALSE(s->findEnrolmentByReference("E-9")->has_value());
    EXPECT_EQ(s->counts()->enrolments, 2);
}

TEST(StoreSync, UpsertRefusesBadRows) {
    TempStore t("sync-upsert-bad");
    auto s = t.open();
    ASSERT_TRUE(s);
    auto row = makeEnrolment("E-1", "K1234567", kNow, 1);
    row.documentHash = "K1234567";
    auto r = s->upsertEnrolment(row, kNow, "sync");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, "store.invalid");
    EXPECT_EQ(s->counts()->enrolments, 0);
    // Biometrics need the store key.
    TempStore t2("sync-upsert-nokey");
    StoreOptions noKey;
    noKey.keyFile.clear();
    auto opened = Store::open(t2.db, noKey);
    ASSERT_TRUE(opened.ok());
    auto r2 = (*opened)->upsertEnrolment(makeEnrolment("E-1", "K1234567", kNow, 1), kNow, "sync");
    ASSERT_FALSE(r2.ok());
    EXPECT_EQ(r2.error().code, "store.no_key");
}

}  // namespace
}  // namespace kiosk::store
