// What only PostgreSQL does: several server processes over one database (two repository
// objects, each with its own connection pool, stand in for two processes), and the
// database going away and coming back under a running repository.
#include <atomic>
#include <map>
#include <thread>

#include "server/postgres_repository.h"
#include "server/repo_migrations.h"
#include "tests/server/repository/repo_fixture.h"

namespace kiosk::server::test {
namespace {

std::string freshDatabase() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    auto u = kiosk::testing::freshPostgresDatabase(std::string("pg_") + info->name());
    if (!u.ok()) {
        ADD_FAILURE() << u.error().code << ": " << u.error().message;
        return "";
    }
    return *u;
}

TEST(PostgresRepository, ProcessesStartingTogetherMigrateOnce) {
    const std::string url = freshDatabase();
    ASSERT_FALSE(url.empty());
    constexpr int kProcesses = 4;
    std::vector<std::unique_ptr<Repository>> repos(kProcesses);
    std::vector<std::string> errors(kProcesses);
    std::vector<std::thread> threads;
    for (int i = 0; i < kProcesses; ++i)
        threads.emplace_back([&, i] {
            auto r = openRepository(url);
            if (r.ok())
                repos[i] = std::move(r).value();
            else
                errors[i] = r.error().code + ": " + r.error().message;
        });
    for (auto& t : threads) t.join();
    for (int i = 0; i < kProcesses; ++i) {
        EXPECT_EQ(errors[i], "");
        if (repos[i]) {
            EXPECT_EQ(repos[i]->schemaVersion(), detail::latestSchemaVersion());
        }
    }
    auto version = kiosk::testing::runPsql(url, "SELECT value FROM meta WHERE key = 'schema_version'");
    ASSERT_REPO_OK(version);
    EXPECT_EQ(*version, std::to_string(detail::latestSchemaVersion()));
}

// Writers in two "processes" put enrolments (some replacing earlier ones) while a lane
// pages by cursor the whole time: it must see every write exactly once, in cursor order,
// even though writers commit in an order the database chooses.
TEST(PostgresRepository, ReaderPagingByCursorSeesEveryWriteOnceAcrossProcesses) {
    const std::string url = freshDatabase();
    ASSERT_FALSE(url.empty());
    REPO_ASSIGN(auto processA, openRepository(url));
    REPO_ASSIGN(auto processB, openRepository(url));
    Repository* writers[2] = {processA.get(), processB.get()};

    constexpr int kThreadsPerProcess = 2, kPerThread = 40;
    std::atomic<int> running{2 * kThreadsPerProcess};
    std::vector<std::string> errors(2 * kThreadsPerProcess);
    std::vector<std::thread> threads;
    for (int p = 0; p < 2; ++p)
        for (int t = 0; t < kThreadsPerProcess; ++t) {
            const int slot = p * kThreadsPerProcess + t;
            threads.emplace_back([&, p, slot] {
                for (int i = 0; i < kPerThread && errors[slot].empty(); ++i) {
                    // Every fourth enrolment re-enrols the document of the one before it.
                    const int doc = slot * 1000 + (i % 4 == 3 ? i - 1 : i);
                    auto r = writers[p]->putEnrolment(
                        makeEnrolment("E-" + std::to_string(slot) + "-" + std::to_string(i), hashOf(doc)),
                        "stream-" + std::to_string(slot), i + 1, "reg");
                    if (!r.ok()) errors[slot] = r.error().code + ": " + r.error().message;
                }
                --running;
            });
        }

    REPO_ASSIGN(auto lane, openRepository(url));
    int64_t cursor = 0;
    std::map<std::string, std::vector<bool>> seen;  // reference -> the active flags seen, in order
    std::vector<int64_t> cursors;
    bool last = false;
    while (!last) {
        last = running.load() == 0;  // one more full drain after the writers stopped
        for (;;) {
            auto page = lane->enrolmentsSince(cursor, 7);
            ASSERT_REPO_OK(page);
            if (page->empty()) break;
            for (const auto& r : *page) {
                ASSERT_GT(r.cursor, cursor);
                cursor = r.cursor;
                cursors.push_back(r.cursor);
                seen[r.reference].push_back(r.active);
            }
        }
    }
    for (auto& t : threads) t.join();
    for (const auto& e : errors) EXPECT_EQ(e, "");

    // What the lane saw must add up to the database's final state, row for row.
    REPO_ASSIGN(auto finalRows, lane->enrolmentsSince(0, 100000));
    ASSERT_EQ(finalRows.size(), static_cast<std::size_t>(2 * kThreadsPerProcess * kPerThread));
    for (const auto& r : finalRows) {
        auto it = seen.find(r.reference);
        ASSERT_NE(it, seen.end()) << r.reference << " was never delivered to the lane";
        EXPECT_EQ(it->second.back(), r.active) << r.reference << ": the lane's last view differs";
        // A record is delivered once when written, and once more if it was replaced
        // after the lane had seen it.
        if (r.active) {
            EXPECT_EQ(it->second.size(), 1u) << r.reference;
        } else {
            EXPECT_LE(it->second.size(), 2u) << r.reference;
            if (it->second.size() == 2u) {
                EXPECT_TRUE(it->second.front()) << r.reference;
            }
        }
    }
    EXPECT_EQ(seen.size(), finalRows.size());
    REPO_ASSIGN(auto counts, lane->counts());
    EXPECT_EQ(counts.activeEnrolments, 2 * kThreadsPerProcess * (kPerThread - kPerThread / 4));
}

TEST(PostgresRepository, WatchlistCursorsAcrossProcessesAreSeenOnce) {
    const std::string url = freshDatabase();
    ASSERT_FALSE(url.empty());
    REPO_ASSIGN(auto processA, openRepository(url));
    REPO_ASSIGN(auto processB, openRepository(url));
    std::atomic<int> running{2};
    std::vector<std::thread> threads;
    std::vector<std::string> errors(2);
    Repository* writers[2] = {processA.get(), processB.get()};
    for (int p = 0; p < 2; ++p)
        threads.emplace_back([&, p] {
            for (int i = 0; i < 60 && errors[p].empty(); ++i) {
                auto r = writers[p]->changeWatchlist(hashOf(p * 1000 + i), true, i, "officer");
                if (!r.ok()) errors[p] = r.error().code + ": " + r.error().message;
            }
            --running;
        });
    std::map<std::string, int> seen;
    int64_t cursor = 0;
    bool last = false;
    while (!last) {
        last = running.load() == 0;
        for (;;) {
            auto page = processA->watchlistSince(cursor, 5);
            ASSERT_REPO_OK(page);
            if (page->empty()) break;
            for (const auto& c : *page) {
                ASSERT_GT(c.cursor, cursor);
                cursor = c.cursor;
                ++seen[c.documentHash];
            }
        }
    }
    for (auto& t : threads) t.join();
    for (const auto& e : errors) EXPECT_EQ(e, "");
    EXPECT_EQ(seen.size(), 120u);
    for (const auto& [hash, n] : seen) EXPECT_EQ(n, 1) << hash;
}

// Stopping the database makes calls fail with repo.unavailable (the API answers 503 and
// devices retry); once it is back the same repository object works again.
TEST(PostgresRepository, DatabaseAwayIsUnavailableThenRecovers) {
    const std::string url = freshDatabase();
    ASSERT_FALSE(url.empty());
    PostgresOptions options;
    options.poolSize = 3;
    REPO_ASSIGN(auto repo, openPostgresRepository(url, options));
    ASSERT_REPO_OK(repo->appendEvents({makeEvent("lane-1", "s", 1)}));
    // Fill the pool with idle connections that will go stale.
    {
        std::vector<std::thread> threads;
        for (int i = 0; i < 3; ++i) threads.emplace_back([&] { (void)repo->counts(); });
        for (auto& t : threads) t.join();
    }

    ASSERT_REPO_OK(kiosk::testing::stopPostgres());
    EXPECT_REPO_ERROR(repo->appendEvents({makeEvent("lane-1", "s", 2)}), "repo.unavailable");
    EXPECT_REPO_ERROR(repo->counts(), "repo.unavailable");
    EXPECT_REPO_ERROR(repo->putEnrolment(makeEnrolment("E-1", hashOf(1)), "st", 1, "reg"), "repo.unavailable");
    EXPECT_REPO_ERROR(repo->takeCommands("lane-1", 5), "repo.unavailable");
    auto reopened = openRepository(url);
    EXPECT_FALSE(reopened.ok());

    ASSERT_REPO_OK(kiosk::testing::startPostgres());
    // Every pooled connection is stale now; each call must still succeed.
    for (int i = 0; i < 5; ++i) {
        auto counts = repo->counts();
        ASSERT_REPO_OK(counts);
        EXPECT_EQ(counts->events, 1) << "the failed batch stored nothing";
    }
    REPO_ASSIGN(auto out, repo->appendEvents({makeEvent("lane-1", "s", 1), makeEvent("lane-1", "s", 2)}));
    EXPECT_EQ(out[0], AppendOutcome::Duplicate);
    EXPECT_EQ(out[1], AppendOutcome::Stored);
    ASSERT_REPO_OK(repo->putEnrolment(makeEnrolment("E-1", hashOf(1)), "st", 1, "reg"));
}

TEST(PostgresRepository, ErrorsCarryNoRowData) {
    const std::string url = freshDatabase();
    ASSERT_FALSE(url.empty());
    REPO_ASSIGN(auto repo, openRepository(url));
    // Bytes that are not UTF-8 are refused by the engine; the message must not echo them.
    const std::string secret = "K1234567\xff\xfe";
    auto r = repo->appendEvents({makeEvent("lane-1", "s", 1, "crossing", 5, secret)});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, "repo.invalid") << r.error().message;
    EXPECT_EQ(r.error().message.find("K1234567"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace kiosk::server::test
