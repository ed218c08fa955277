// Crossing journal, scan log, replay/trust state, outbox, watchlist, retention.
#include "tests/store/store_test_util.h"

namespace kiosk::store {
namespace {
using namespace testutil;

constexpr int64_t kDay = 24 * 3600;

CrossingRecord recordOf(int64_t time, CrossingOutcome o, std::vector<std::string> reasons) {
    CrossingRecord c;
    c.time = time;
    c.laneId = "lane-3";
    c.outcome = o;
    c.reasons = std::move(reasons);
    c.enrolmentReference = "ref-x";
    c.qrHash = qrHash("HC1:some-qr-" + std::to_string(time));
    c.durations = {{"qr", 120}, {"face", 950}, {"total", 4100}};
    return c;
}

TEST(StoreJournal, CrossingsRoundTripWithReasonsAndDurations) {
    TempStore t("journal");
    auto s = t.open();
    auto a = s->appendCrossing(recordOf(kNow, CrossingOutcome::Passed, {}));
    auto b = s->appendCrossing(recordOf(kNow + 60, CrossingOutcome::Refused, {"face.no_match", "finger.no_match"}));
    ASSERT_TRUE(a.ok() && b.ok());
    auto all = s->crossings();
    ASSERT_TRUE(all.ok());
    ASSERT_EQ(all->size(), 2u);
    const auto& newest = (*all)[0];
    EXPECT_EQ(newest.id, *b);
    EXPECT_EQ(newest.outcome, CrossingOutcome::Refused);
    EXPECT_EQ(newest.reasons, (std::vector<std::string>{"face.no_match", "finger.no_match"}));
    EXPECT_EQ(newest.durations, (std::vector<StageDuration>{{"qr", 120}, {"face", 950}, {"total", 4100}}));
    EXPECT_EQ(newest.qrHash, qrHash("HC1:some-qr-" + std::to_string(kNow + 60)));
    EXPECT_EQ((*all)[1].outcome, CrossingOutcome::Passed);
    EXPECT_TRUE((*all)[1].reasons.empty());

    CrossingQuery q;
    q.fromTime = kNow + 1;
    auto later = s->crossings(q);
    ASSERT_TRUE(later.ok());
    EXPECT_EQ(later->size(), 1u);
    q = {};
    q.laneId = "lane-9";
    EXPECT_TRUE(s->crossings(q)->empty());
}

TEST(StoreJournal, CrossingAndItsOutboxMessageAreWrittenTogether) {
    TempStore t("journal-outbox");
    auto s = t.open();
    auto id = s->appendCrossing(recordOf(kNow, CrossingOutcome::Passed, {}), {{"crossing", R"({"n":1})"}});
    ASSERT_TRUE(id.ok());
    auto items = s->peekOutbox();
    ASSERT_EQ(items->size(), 1u);
    EXPECT_EQ((*items)[0].kind, "crossing");
    EXPECT_EQ((*items)[0].createdAt, kNow);
    // A bad message refuses the whole thing: no crossing without its message.
    auto bad = s->appendCrossing(recordOf(kNow + 1, CrossingOutcome::Passed, {}), {{"", "x"}});
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(s->crossings()->size(), 1u);
    EXPECT_EQ(s->peekOutbox()->size(), 1u);
}

TEST(StoreJournal, IsAppendOnlyAndRefusesQrText) {
    TempStore t("journal-ro");
    auto s = t.open();
    ASSERT_TRUE(s->appendCrossing(recordOf(kNow, CrossingOutcome::Passed, {"x"})).ok());
    auto c = recordOf(kNow, CrossingOutcome::Passed, {});
    c.qrHash = "HC1:NCFOXN%TS3DH0RGPJB";  // QR text, not its hash
    auto r = s->appendCrossing(c);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, "store.invalid");
    s.reset();
    sqlite3* h = nullptr;
    ASSERT_EQ(sqlite3_open(t.db.c_str(), &h), SQLITE_OK);
    EXPECT_NE(sqlite3_exec(h, "UPDATE crossings SET outcome = 'passed'", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(h);
}

TEST(StoreScans, Last12HoursIncludesTheBoundaryAndNothingOlder) {
    TempStore t("scans");
    auto s = t.open();
    const int64_t now = kNow;
    for (int64_t off : {int64_t{0}, int64_t{60}, int64_t{12 * 3600}, int64_t{12 * 3600 + 1}, int64_t{30 * 3600}})
        ASSERT_TRUE(s->appendScan(ScanRecord{0, now - off, "lane-1", qrHash("qr" + std::to_string(off)), "accepted"}).ok());
    ASSERT_TRUE(s->appendScan(ScanRecord{0, now + 10, "lane-1", qrHash("future"), "qr.not_yet_valid"}).ok());
    auto last = s->scansLast12Hours(now);
    ASSERT_TRUE(last.ok());
    ASSERT_EQ(last->size(), 3u);
    EXPECT_EQ((*last)[0].time, now);
    EXPECT_EQ((*last)[2].time, now - 12 * 3600);
    EXPECT_EQ((*last)[0].qrHash, qrHash("qr0"));
    auto bad = s->appendScan(ScanRecord{0, now, "lane-1", "not-a-hash", "accepted"});
    EXPECT_FALSE(bad.ok());
}

TEST(StoreReplay, EntriesRoundTripUpsertAndExpire) {
    TempStore t("replay");
    std::vector<ReplayEntry> in = {{"cti-1", kNow + 60, qrHash("a"), kNow},
                                   {"cti-2", kNow + 120, qrHash("b"), kNow + 5},
                                   {"cti-3", kNow + 30, qrHash("c"), kNow + 6}};
    {
        auto s = t.open();
        ASSERT_TRUE(s->saveReplayEntries(in).ok());
        ASSERT_TRUE(s->saveReplayEntries({{"cti-2", kNow + 200, qrHash("b"), kNow + 5}}).ok());
    }
    auto s = t.open();
    auto got = s->loadReplayEntries();
    ASSERT_TRUE(got.ok());
    ASSERT_EQ(got->size(), 3u);
    in[1].expiresAt = kNow + 200;
    EXPECT_EQ(*got, in);
    auto dropped = s->dropExpiredReplayEntries(kNow + 61);
    ASSERT_TRUE(dropped.ok());
    EXPECT_EQ(*dropped, 2);
    ASSERT_EQ(s->loadReplayEntries()->size(), 1u);
}

TEST(StoreTrust, StateRoundTripsAndHighWaterMarkNeverGoesBack) {
    TempStore t("trust");
    {
        auto s = t.open();
        auto none = s->loadTrustState();
        ASSERT_TRUE(none.ok());
        EXPECT_FALSE(none->has_value());
        TrustState st{{0xd2, 0x84, 0x43, 0xa1, 0x00, 0xff}, kNow, kNow + 100};
        ASSERT_TRUE(s->saveTrustState(st).ok());
        auto mark = s->noteTimeSeen(kNow + 50);  // earlier: ignored
        ASSERT_TRUE(mark.ok());
        EXPECT_EQ(*mark, kNow + 100);
        EXPECT_EQ(*s->noteTimeSeen(kNow + 500), kNow + 500);
    }
    auto s = t.open();
    auto got = s->loadTrustState();
    ASSERT_TRUE(got.ok() && got->has_value());
    EXPECT_EQ((*got)->signedList, (std::vector<uint8_t>{0xd2, 0x84, 0x43, 0xa1, 0x00, 0xff}));
    EXPECT_EQ((*got)->fetchedAt, kNow);
    EXPECT_EQ((*got)->latestTimeSeen, kNow + 500);
    // A new list saved with an older "latest time" does not lower the mark.
    ASSERT_TRUE(s->saveTrustState(TrustState{{1, 2, 3}, kNow + 600, kNow}).ok());
    got = s->loadTrustState();
    EXPECT_EQ((*got)->signedList, (std::vector<uint8_t>{1, 2, 3}));
    EXPECT_EQ((*got)->latestTimeSeen, kNow + 500);
}

TEST(StoreOutbox, EnqueuePeekAttemptAck) {
    TempStore t("outbox");
    auto s = t.open();
    auto a = s->enqueueOutbox(kNow, "crossing", R"({"id":1})");
    auto b = s->enqueueOutbox(kNow + 1, "lane_status", R"({"state":"open"})");
    ASSERT_TRUE(a.ok() && b.ok());
    auto peek = s->peekOutbox(10);
    ASSERT_TRUE(peek.ok());
    ASSERT_EQ(peek->size(), 2u);
    EXPECT_EQ((*peek)[0].id, *a);
    EXPECT_EQ((*peek)[0].kind, "crossing");
    EXPECT_EQ((*peek)[0].payload, R"({"id":1})");
    ASSERT_TRUE(s->markOutboxAttempt(*a).ok());
    EXPECT_EQ((*s->peekOutbox(1))[0].attempts, 1);
    ASSERT_TRUE(s->ackOutbox(*a).ok());
    peek = s->peekOutbox(10);
    ASSERT_EQ(peek->size(), 1u);
    EXPECT_EQ((*peek)[0].id, *b);
    auto again = s->ackOutbox(*a);
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code, "store.not_found");
}

TEST(StoreWatchlist, LookupAddRemoveReplace) {
    TempStore t("watch");
    auto s = t.open();
    const auto h1 = documentHash("K1000001"), h2 = documentHash("K1000002"), h3 = documentHash("K1000003");
    ASSERT_TRUE(s->addToWatchlist(h1, kNow).ok());
    EXPECT_TRUE(*s->isWatchlisted(documentHash("k100000(1)")));
    EXPECT_FALSE(*s->isWatchlisted(h2));
    ASSERT_TRUE(s->replaceWatchlist({h2, h3}, kNow + 1).ok());
    EXPECT_FALSE(*s->isWatchlisted(h1));
    EXPECT_TRUE(*s->isWatchlisted(h2));
    ASSERT_TRUE(s->removeFromWatchlist(h2).ok());
    EXPECT_FALSE(*s->isWatchlisted(h2));
    EXPECT_FALSE(s->addToWatchlist("K1000001", kNow).ok());  // clear numbers refused
}

TEST(StoreRetention, InactiveEnrolmentsGoAfter31DaysWithTheirBiometrics) {
    TempStore t("retention-enrol");
    auto s = t.open();
    const int64_t cutoff = kNow - kRetentionSeconds;
    // Replaced one second before the cutoff: erased. Deactivated exactly at it: kept.
    ASSERT_TRUE(s->enrol(makeEnrolment("ref-a1", "K3000001", cutoff - 100 * kDay), "system").ok());
    ASSERT_TRUE(s->enrol(makeEnrolment("ref-a2", "K3000001", cutoff - 1), "system").ok());
    ASSERT_TRUE(s->enrol(makeEnrolment("ref-b1", "K3000002", cutoff - 100 * kDay), "system").ok());
    ASSERT_TRUE(s->setEnrolmentState("ref-b1", EnrolmentState::Inactive, cutoff, "officer-1").ok());
    EXPECT_EQ(rawInt(t.db, "SELECT COUNT(*) FROM enrolment_fingers"), 6);
    auto purged = s->purgeOlderThan(cutoff);
    ASSERT_TRUE(purged.ok()) << purged.error().message;
    EXPECT_EQ(purged->inactiveEnrolments, 1);
    EXPECT_FALSE(s->findEnrolmentByReference("ref-a1", Biometrics::Without)->has_value());
    EXPECT_TRUE(s->findEnrolmentByReference("ref-a2", Biometrics::Without)->has_value());
    EXPECT_TRUE(s->findEnrolmentByReference("ref-b1", Biometrics::Without)->has_value());
    EXPECT_EQ(rawInt(t.db, "SELECT COUNT(*) FROM enrolment_fingers"), 4);  // ref-a1's went with it
    // Reactivated enrolments are never purged.
    ASSERT_TRUE(s->setEnrolmentState("ref-b1", EnrolmentState::Active, kNow, "officer-1").ok());
    EXPECT_EQ(s->purgeOlderThan(kNow + 365 * kDay)->inactiveEnrolments, 0);
}

TEST(StoreRetention, PurgeAtExactly31DaysKeepsTheBoundaryRow) {
    TempStore t("retention");
    auto s = t.open();
    const int64_t now = kNow;
    const int64_t cutoff = now - kRetentionSeconds;
    EXPECT_EQ(kRetentionSeconds, 31 * kDay);
    for (int64_t time : {cutoff - kDay, cutoff - 1, cutoff, cutoff + 1, now}) {
        ASSERT_TRUE(s->appendCrossing(recordOf(time, CrossingOutcome::Refused, {"qr.expired", "lane.timeout"})).ok());
        ASSERT_TRUE(s->appendScan(ScanRecord{0, time, "lane-1", qrHash(std::to_string(time)), "accepted"}).ok());
        ASSERT_TRUE(s->enqueueOutbox(time, "crossing", "{}").ok());
        ASSERT_TRUE(s->saveReplayEntries({{"cti-" + std::to_string(time), time + 60, qrHash("r"), time}}).ok());
        ASSERT_TRUE(s->appendAudit(time, "system", "tick", "").ok());
    }
    ASSERT_TRUE(s->enrol(makeEnrolment("ref-keep", "K5050505", cutoff - 10 * kDay), "system").ok());
    auto purged = s->purgeOlderThan(cutoff);
    ASSERT_TRUE(purged.ok()) << purged.error().message;
    EXPECT_EQ(purged->crossings, 2);
    EXPECT_EQ(purged->scans, 2);
    EXPECT_EQ(purged->outbox, 2);
    EXPECT_EQ(purged->replay, 2);
    EXPECT_EQ(purged->audit, 2);

    auto left = s->crossings();
    ASSERT_EQ(left->size(), 3u);
    EXPECT_EQ(left->back().time, cutoff);  // exactly 31 days old: kept
    EXPECT_EQ(left->back().reasons.size(), 2u);
    EXPECT_EQ(rawInt(t.db, "SELECT COUNT(*) FROM crossing_reasons"), 6);  // reasons went with their rows
    EXPECT_EQ(s->scansBetween(INT64_MIN, INT64_MAX)->size(), 3u);
    EXPECT_EQ(s->peekOutbox(100)->size(), 3u);
    EXPECT_EQ(s->loadReplayEntries()->size(), 3u);
    EXPECT_TRUE(s->verifyAuditChain().ok());
    // Active enrolments are the enrolment cache, not journal data: kept.
    EXPECT_TRUE(s->findEnrolmentByReference("ref-keep", Biometrics::Without)->has_value());
    // Purging again at the same cutoff is a no-op.
    auto again = s->purgeOlderThan(cutoff);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->crossings + again->scans + again->outbox + again->replay + again->audit, 0);
}

}  // namespace
}  // namespace kiosk::store
