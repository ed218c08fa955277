// The 31-day retention purge: what goes, what stays, and a row exactly at the cutoff stays.
#include "tests/server/repository/repo_fixture.h"

namespace kiosk::server::test {
namespace {

class RetentionTest : public RepoFixture {};

TEST_P(RetentionTest, PurgeAtThe31DayCutoff) {
    const int64_t now = 400LL * 24 * 3600;
    const int64_t cutoff = now - kRetentionSeconds;

    // Events by received time.
    ASSERT_REPO_OK(repo_->appendEvents({makeEvent("lane-1", "s", 1, "crossing", cutoff - 1),
                                        makeEvent("lane-1", "s", 2, "crossing", cutoff),
                                        makeEvent("lane-1", "s", 3, "crossing", now)}));
    // Commands: answered before the cutoff (goes), answered at it (stays), never answered (stays).
    LaneCommand c;
    c.deviceId = "lane-1";
    c.kind = "in_service";
    c.args = "{}";
    c.issuedBy = "officer:a";
    c.issuedAt = cutoff - 100;
    REPO_ASSIGN(auto old, repo_->enqueueCommand(c));
    REPO_ASSIGN(auto atCutoff, repo_->enqueueCommand(c));
    REPO_ASSIGN(auto open, repo_->enqueueCommand(c));
    ASSERT_REPO_OK(repo_->completeCommand(old.id, "lane-1", CommandState::Applied, "", cutoff - 1));
    ASSERT_REPO_OK(repo_->completeCommand(atCutoff.id, "lane-1", CommandState::Applied, "", cutoff));
    // Enrolments: one replaced before the cutoff (goes), one replaced at it (stays), the
    // active ones stay whatever their age.
    ASSERT_REPO_OK(repo_->putEnrolment(makeEnrolment("E-1", hashOf(1), cutoff - 500), "st", 1, "reg"));
    ASSERT_REPO_OK(repo_->putEnrolment(makeEnrolment("E-1b", hashOf(1), cutoff - 1), "st", 2, "reg"));
    ASSERT_REPO_OK(repo_->putEnrolment(makeEnrolment("E-2", hashOf(2), cutoff - 500), "st", 3, "reg"));
    ASSERT_REPO_OK(repo_->putEnrolment(makeEnrolment("E-2b", hashOf(2), cutoff), "st", 4, "reg"));
    // Watchlist: document 1 added then removed long ago (both go); document 2 added long
    // ago and still listed (stays); document 3 added long ago, removed at the cutoff (the
    // add goes, the removal stays).
    ASSERT_REPO_OK(repo_->changeWatchlist(hashOf(1), true, cutoff - 300, "o"));
    ASSERT_REPO_OK(repo_->changeWatchlist(hashOf(1), false, cutoff - 200, "o"));
    ASSERT_REPO_OK(repo_->changeWatchlist(hashOf(2), true, cutoff - 300, "o"));
    ASSERT_REPO_OK(repo_->changeWatchlist(hashOf(3), true, cutoff - 300, "o"));
    REPO_ASSIGN(auto rm3, repo_->changeWatchlist(hashOf(3), false, cutoff, "o"));
    // Audit rows: count those before the cutoff from what the repository wrote.
    ASSERT_REPO_OK(repo_->appendAudit(cutoff, "system", "test.at_cutoff", ""));
    REPO_ASSIGN(auto auditBefore, repo_->audit(0, 1000));
    int64_t oldAudit = 0;
    for (const auto& r : auditBefore) oldAudit += r.time < cutoff ? 1 : 0;
    ASSERT_GT(oldAudit, 0);

    REPO_ASSIGN(auto purged, repo_->purgeOlderThan(cutoff));
    EXPECT_EQ(purged.events, 1);
    EXPECT_EQ(purged.commands, 1);
    EXPECT_EQ(purged.inactiveEnrolments, 1);
    EXPECT_EQ(purged.watchlistChanges, 3);
    EXPECT_EQ(purged.audit, oldAudit);

    EventQuery q;
    REPO_ASSIGN(auto events, repo_->events(q));
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[0].receivedAt, cutoff);
    REPO_ASSIGN(auto gone, repo_->command(old.id));
    EXPECT_FALSE(gone.has_value());
    REPO_ASSIGN(auto kept, repo_->command(atCutoff.id));
    EXPECT_TRUE(kept.has_value());
    REPO_ASSIGN(auto stillOpen, repo_->command(open.id));
    EXPECT_TRUE(stillOpen.has_value());
    REPO_ASSIGN(auto e1, repo_->enrolmentByReference("E-1"));
    EXPECT_FALSE(e1.has_value());
    REPO_ASSIGN(auto e2, repo_->enrolmentByReference("E-2"));
    ASSERT_TRUE(e2.has_value());
    EXPECT_FALSE(e2->active);
    REPO_ASSIGN(auto wl, repo_->watchlistSince(0, 100));
    ASSERT_EQ(wl.size(), 2u);
    EXPECT_EQ(wl[0].documentHash, hashOf(2));
    EXPECT_EQ(wl[1].cursor, rm3.cursor);
    REPO_ASSIGN(auto auditAfter, repo_->audit(0, 1000));
    EXPECT_EQ(static_cast<int64_t>(auditAfter.size()), static_cast<int64_t>(auditBefore.size()) - oldAudit);
    for (const auto& r : auditAfter) EXPECT_GE(r.time, cutoff);

    REPO_ASSIGN(auto counts, repo_->counts());
    EXPECT_EQ(counts.events, 2);
    EXPECT_EQ(counts.commands, 2);
    EXPECT_EQ(counts.enrolments, 3);
    EXPECT_EQ(counts.activeEnrolments, 2);
    EXPECT_EQ(counts.audit, static_cast<int64_t>(auditAfter.size()));

    // Cursors keep growing after a purge: a lane holding an old cursor misses nothing new.
    REPO_ASSIGN(auto latest, repo_->latestEnrolmentCursor());
    REPO_ASSIGN(auto fresh, repo_->putEnrolment(makeEnrolment("E-3", hashOf(3), now), "st", 5, "reg"));
    EXPECT_GT(fresh.stored.cursor, latest);

    // A second purge at the same cutoff finds nothing.
    REPO_ASSIGN(auto again, repo_->purgeOlderThan(cutoff));
    EXPECT_EQ(again.events + again.commands + again.audit + again.inactiveEnrolments + again.watchlistChanges, 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, RetentionTest, ::testing::Values("sqlite", "postgresql"), backendName);

}  // namespace
}  // namespace kiosk::server::test
