// Enrolments, the watchlist and versioned blobs: cursors in write order, replacement with
// an audit row, idempotence by (source, stream, seq) and by reference.
#include <set>

#include "tests/server/repository/repo_fixture.h"

namespace kiosk::server::test {
namespace {

class EnrolmentsTest : public RepoFixture {};

TEST_P(EnrolmentsTest, PutStoresAnActiveRecordWithACursor) {
    REPO_ASSIGN(auto put, repo_->putEnrolment(makeEnrolment("E-1", hashOf(1)), "st", 1, "reg-1"));
    EXPECT_FALSE(put.duplicate);
    EXPECT_FALSE(put.replacedReference.has_value());
    EXPECT_GT(put.stored.cursor, 0);
    EXPECT_TRUE(put.stored.active);

    REPO_ASSIGN(auto got, repo_->enrolmentByReference("E-1"));
    ASSERT_TRUE(got.has_value());
    const EnrolmentRecord want = makeEnrolment("E-1", hashOf(1));
    EXPECT_EQ(got->cursor, put.stored.cursor);
    EXPECT_EQ(got->documentHash, want.documentHash);
    EXPECT_EQ(got->documentMasked, want.documentMasked);
    EXPECT_EQ(got->residency, want.residency);
    EXPECT_EQ(got->dateOfBirth, want.dateOfBirth);
    EXPECT_EQ(got->documentExpiry, want.documentExpiry);
    EXPECT_EQ(got->channel, want.channel);
    EXPECT_EQ(got->enrolledAt, want.enrolledAt);
    EXPECT_EQ(got->biometrics, want.biometrics);
    EXPECT_EQ(got->sourceDevice, want.sourceDevice);
    EXPECT_EQ(got->receivedAt, want.receivedAt);
    EXPECT_TRUE(got->active);
    REPO_ASSIGN(auto missing, repo_->enrolmentByReference("E-404"));
    EXPECT_FALSE(missing.has_value());
    REPO_ASSIGN(int64_t latest, repo_->latestEnrolmentCursor());
    EXPECT_EQ(latest, put.stored.cursor);
}

TEST_P(EnrolmentsTest, RepeatsAreDuplicatesAndChangeNothing) {
    REPO_ASSIGN(auto first, repo_->putEnrolment(makeEnrolment("E-1", hashOf(1)), "st", 7, "reg-1"));
    REPO_ASSIGN(int64_t cursorBefore, repo_->latestEnrolmentCursor());

    // The same (source, stream, seq), even carrying something else.
    REPO_ASSIGN(auto bySeq, repo_->putEnrolment(makeEnrolment("E-2", hashOf(2)), "st", 7, "reg-1"));
    EXPECT_TRUE(bySeq.duplicate);
    EXPECT_EQ(bySeq.stored.reference, "E-1");
    EXPECT_EQ(bySeq.stored.cursor, first.stored.cursor);

    // The same reference (an office import has no seq).
    REPO_ASSIGN(auto byRef, repo_->putEnrolment(makeEnrolment("E-1", hashOf(1), 5000, "import:op"), "", 0, "op"));
    EXPECT_TRUE(byRef.duplicate);
    EXPECT_EQ(byRef.stored.cursor, first.stored.cursor);
    EXPECT_EQ(byRef.stored.receivedAt, 1000);

    // Another stream of the same machine is another key.
    REPO_ASSIGN(auto other, repo_->putEnrolment(makeEnrolment("E-3", hashOf(3)), "st2", 7, "reg-1"));
    EXPECT_FALSE(other.duplicate);

    REPO_ASSIGN(int64_t cursorAfter, repo_->latestEnrolmentCursor());
    EXPECT_EQ(cursorAfter, other.stored.cursor);
    EXPECT_GT(cursorAfter, cursorBefore);
    REPO_ASSIGN(auto counts, repo_->counts());
    EXPECT_EQ(counts.enrolments, 2);
    REPO_ASSIGN(auto e2, repo_->enrolmentByReference("E-2"));
    EXPECT_FALSE(e2.has_value());
}

TEST_P(EnrolmentsTest, ReEnrolmentReplacesWithANewCursorAndAnAuditRow) {
    REPO_ASSIGN(auto a, repo_->putEnrolment(makeEnrolment("E-A", hashOf(1), 1000), "st", 1, "reg-1"));
    REPO_ASSIGN(auto b, repo_->putEnrolment(makeEnrolment("E-B", hashOf(2), 1001), "st", 2, "reg-1"));
    REPO_ASSIGN(auto a2, repo_->putEnrolment(makeEnrolment("E-A2", hashOf(1), 1002), "st", 3, "reg-1"));
    ASSERT_TRUE(a2.replacedReference.has_value());
    EXPECT_EQ(*a2.replacedReference, "E-A");
    EXPECT_FALSE(a2.duplicate);
    EXPECT_LT(a.stored.cursor, b.stored.cursor);

    REPO_ASSIGN(auto all, repo_->enrolmentsSince(0, 100));
    ASSERT_EQ(all.size(), 3u);
    EXPECT_EQ(all[0].reference, "E-B");
    EXPECT_EQ(all[1].reference, "E-A");
    EXPECT_FALSE(all[1].active) << "the replaced record comes again, inactive, so lanes drop it";
    EXPECT_EQ(all[2].reference, "E-A2");
    EXPECT_TRUE(all[2].active);
    EXPECT_LT(all[0].cursor, all[1].cursor);
    EXPECT_LT(all[1].cursor, all[2].cursor);
    EXPECT_GT(all[1].cursor, b.stored.cursor);

    // A lane that had pulled up to E-B sees the replacement and the new record.
    REPO_ASSIGN(auto delta, repo_->enrolmentsSince(b.stored.cursor, 100));
    ASSERT_EQ(delta.size(), 2u);
    EXPECT_EQ(delta[0].reference, "E-A");

    REPO_ASSIGN(auto counts, repo_->counts());
    EXPECT_EQ(counts.enrolments, 3);
    EXPECT_EQ(counts.activeEnrolments, 2);

    REPO_ASSIGN(auto rows, repo_->audit(0, 100));
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].action, "enrolment.replace");
    EXPECT_EQ(rows[0].actor, "reg-1");
    EXPECT_EQ(rows[0].time, 1002);
    EXPECT_NE(rows[0].detail.find("E-A"), std::string::npos);
    EXPECT_NE(rows[0].detail.find("E-A2"), std::string::npos);
    EXPECT_EQ(rows[0].detail.find(hashOf(1)), std::string::npos) << "no document data in the audit";
    EXPECT_EQ(rows[0].detail.find("K1*"), std::string::npos);
}

TEST_P(EnrolmentsTest, PagingByCursorSeesEveryRowOnceInOrder) {
    for (int i = 0; i < 25; ++i)
        ASSERT_REPO_OK(repo_->putEnrolment(makeEnrolment("E-" + std::to_string(i), hashOf(i)), "st", i + 1, "reg-1"));
    int64_t cursor = 0;
    std::vector<std::string> seen;
    int pages = 0;
    for (;;) {
        REPO_ASSIGN(auto page, repo_->enrolmentsSince(cursor, 10));
        if (page.empty()) break;
        ++pages;
        EXPECT_LE(page.size(), 10u);
        for (const auto& r : page) {
            EXPECT_GT(r.cursor, cursor);
            cursor = r.cursor;
            seen.push_back(r.reference);
        }
    }
    EXPECT_EQ(pages, 3);
    ASSERT_EQ(seen.size(), 25u);
    for (int i = 0; i < 25; ++i) EXPECT_EQ(seen[static_cast<std::size_t>(i)], "E-" + std::to_string(i));
    EXPECT_REPO_ERROR(repo_->enrolmentsSince(0, 0), "repo.invalid");
}

TEST_P(EnrolmentsTest, InvalidEnrolmentsAreRefused) {
    EXPECT_REPO_ERROR(repo_->putEnrolment(makeEnrolment("", hashOf(1)), "st", 1, "reg-1"), "repo.invalid");
    EXPECT_REPO_ERROR(repo_->putEnrolment(makeEnrolment("E-1", ""), "st", 1, "reg-1"), "repo.invalid");
    EXPECT_REPO_ERROR(repo_->putEnrolment(makeEnrolment("E-1", hashOf(1)), "", 3, "reg-1"), "repo.invalid");
    REPO_ASSIGN(auto counts, repo_->counts());
    EXPECT_EQ(counts.enrolments, 0);
}

TEST_P(EnrolmentsTest, WatchlistChangesComeOutByCursor) {
    REPO_ASSIGN(auto add1, repo_->changeWatchlist(hashOf(1), true, 100, "officer:a"));
    REPO_ASSIGN(auto add2, repo_->changeWatchlist(hashOf(2), true, 101, "officer:a"));
    REPO_ASSIGN(auto rm1, repo_->changeWatchlist(hashOf(1), false, 102, "officer:b"));
    EXPECT_LT(add1.cursor, add2.cursor);
    EXPECT_LT(add2.cursor, rm1.cursor);
    EXPECT_FALSE(rm1.added);

    REPO_ASSIGN(auto all, repo_->watchlistSince(0, 10));
    ASSERT_EQ(all.size(), 3u);
    EXPECT_EQ(all[0].documentHash, hashOf(1));
    EXPECT_TRUE(all[0].added);
    EXPECT_EQ(all[2].documentHash, hashOf(1));
    EXPECT_FALSE(all[2].added);
    EXPECT_EQ(all[2].actor, "officer:b");
    EXPECT_EQ(all[2].time, 102);

    REPO_ASSIGN(auto since, repo_->watchlistSince(add1.cursor, 1));
    ASSERT_EQ(since.size(), 1u);
    EXPECT_EQ(since[0].cursor, add2.cursor);
    REPO_ASSIGN(auto none, repo_->watchlistSince(rm1.cursor, 10));
    EXPECT_TRUE(none.empty());
    EXPECT_REPO_ERROR(repo_->changeWatchlist("", true, 1, "x"), "repo.invalid");
}

TEST_P(EnrolmentsTest, BlobsAreVersionedPerKind) {
    REPO_ASSIGN(auto none, repo_->latestBlob("trust_list"));
    EXPECT_FALSE(none.has_value());
    REPO_ASSIGN(int64_t v1, repo_->putBlob("trust_list", "bGlzdDE=", 100, "admin"));
    REPO_ASSIGN(int64_t v2, repo_->putBlob("trust_list", "bGlzdDI=", 200, "admin2"));
    REPO_ASSIGN(int64_t h1, repo_->putBlob("health_rules", "{\"health_code\":[]}", 300, "admin"));
    EXPECT_EQ(v1, 1);
    EXPECT_EQ(v2, 2);
    EXPECT_EQ(h1, 1);
    REPO_ASSIGN(auto latest, repo_->latestBlob("trust_list"));
    ASSERT_TRUE(latest.has_value());
    EXPECT_EQ(latest->version, 2);
    EXPECT_EQ(latest->data, "bGlzdDI=");
    EXPECT_EQ(latest->uploadedAt, 200);
    EXPECT_EQ(latest->actor, "admin2");
    REPO_ASSIGN(auto rules, repo_->latestBlob("health_rules"));
    ASSERT_TRUE(rules.has_value());
    EXPECT_EQ(rules->data, "{\"health_code\":[]}");
    EXPECT_REPO_ERROR(repo_->putBlob("other", "x", 1, "admin"), "repo.invalid");
    EXPECT_REPO_ERROR(repo_->latestBlob("other"), "repo.invalid");
}

INSTANTIATE_TEST_SUITE_P(Backends, EnrolmentsTest, ::testing::Values("sqlite", "postgresql"), backendName);

}  // namespace
}  // namespace kiosk::server::test
