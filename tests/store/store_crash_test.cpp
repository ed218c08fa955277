// Crash safety: a child process appends crossings and is SIGKILLed at a random moment
// (or in the middle of an open transaction); the parent reopens the file and checks that
// every crossing whose commit returned is there, complete, and nothing is half-written.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <set>
#include <thread>

#include "tests/store/store_test_util.h"

namespace kiosk::store {
namespace {
using namespace testutil;

int reasonCountFor(int64_t i) { return static_cast<int>(i % 4) + 1; }

CrossingRecord numbered(const std::string& lane, int64_t i) {
    CrossingRecord c;
    c.time = kNow + i;
    c.laneId = lane;
    c.outcome = i % 3 ? CrossingOutcome::Refused : CrossingOutcome::Passed;
    for (int k = 0; k < reasonCountFor(i); ++k) c.reasons.push_back("r" + std::to_string(i) + "." + std::to_string(k));
    c.enrolmentReference = "ref-" + std::to_string(i);
    c.qrHash = qrHash("qr-" + lane + std::to_string(i));
    c.durations = {{"total", i}};
    return c;
}

// Child body: never returns. Reports 0 once open, then each committed crossing number on `fd`; with
// stallAt > 0 it reports -stallAt from inside that crossing's open transaction and waits.
[[noreturn]] void childWriter(const TempStore& t, const std::string& lane, int fd, int64_t stallAt) {
    StoreOptions o;
    o.keyFile = t.key;
    o.integrityCheck = IntegrityCheck::None;
    int64_t current = 0;
    if (stallAt > 0)
        o.testHook = [&](std::string_view point) {
            if (point == "crossing.row_written" && current == stallAt) {
                const int64_t marker = -stallAt;
                (void)!::write(fd, &marker, sizeof marker);
                for (;;) ::pause();
            }
        };
    auto s = Store::open(t.db, std::move(o));
    if (!s.ok()) ::_exit(3);
    const int64_t ready = 0;  // the parent starts its kill timer now
    if (::write(fd, &ready, sizeof ready) != sizeof ready) ::_exit(5);
    for (current = 1; current < 1000000; ++current) {
        if (!(*s)->appendCrossing(numbered(lane, current)).ok()) ::_exit(4);
        if (::write(fd, &current, sizeof current) != sizeof current) ::_exit(5);
    }
    ::_exit(0);
}

struct ChildRun {
    std::vector<int64_t> reported;  // committed crossing numbers, in order
    bool sawStall = false;
};

// Forks a writer; kills it after `killAfter` or when it reports the stall marker.
ChildRun runAndKill(const TempStore& t, const std::string& lane, std::chrono::microseconds killAfter, int64_t stallAt) {
    int fds[2];
    EXPECT_EQ(::pipe(fds), 0);
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::close(fds[0]);
        childWriter(t, lane, fds[1], stallAt);
    }
    ::close(fds[1]);
    ChildRun run;
    if (stallAt > 0) {
        int64_t v = 0;
        while (::read(fds[0], &v, sizeof v) == sizeof v) {
            if (v < 0) {
                run.sawStall = true;
                break;
            }
            if (v > 0) run.reported.push_back(v);
        }
    } else {
        int64_t v = -1;
        while (v != 0 && ::read(fds[0], &v, sizeof v) == sizeof v) {
        }
        EXPECT_EQ(v, 0) << "writer never became ready";
        std::this_thread::sleep_for(killAfter);
    }
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "child ended by itself, status " << status;
    int64_t v = 0;
    while (::read(fds[0], &v, sizeof v) == sizeof v)
        if (v > 0) run.reported.push_back(v);
    ::close(fds[0]);
    return run;
}

// Every crossing of `lane` is complete; all reported ones are present.
void checkLane(Store& s, const std::string& lane, const ChildRun& run, int64_t mustBeAbsent) {
    CrossingQuery q;
    q.laneId = lane;
    q.limit = 1000000;
    auto rows = s.crossings(q);
    ASSERT_TRUE(rows.ok()) << rows.error().message;
    std::set<int64_t> present;
    for (const auto& c : *rows) {
        const int64_t i = c.time - kNow;
        present.insert(i);
        const CrossingRecord want = numbered(lane, i);
        EXPECT_EQ(c.reasons, want.reasons) << "crossing " << i << " is half-written";
        EXPECT_EQ(c.qrHash, want.qrHash);
        EXPECT_EQ(c.outcome, want.outcome);
    }
    const int64_t last = run.reported.empty() ? 0 : run.reported.back();
    for (int64_t i = 1; i <= last; ++i) EXPECT_TRUE(present.count(i)) << "committed crossing " << i << " lost";
    // At most one more (committed, killed before it could report), and it is the next one.
    for (int64_t i : present) EXPECT_LE(i, last + 1);
    if (mustBeAbsent > 0) {
        EXPECT_FALSE(present.count(mustBeAbsent)) << "uncommitted crossing visible";
    }
}

TEST(StoreCrash, SigkillAtRandomPointsLosesNoCommittedCrossing) {
    TempStore t("crash");
    { ASSERT_TRUE(t.open()); }
    std::random_device rd;
    std::mt19937 rng(rd());
    std::uniform_int_distribution<int> delayUs(1000, 150000);
    int64_t totalCommitted = 0;
    for (int round = 0; round < 6; ++round) {
        const std::string lane = "lane-" + std::to_string(round);
        const auto delay = std::chrono::microseconds(delayUs(rng));
        const ChildRun run = runAndKill(t, lane, delay, 0);
        totalCommitted += static_cast<int64_t>(run.reported.size());
        StoreOptions o;
        o.keyFile = t.key;
        auto s = Store::open(t.db, o);  // includes the integrity check
        ASSERT_TRUE(s.ok()) << s.error().code << ": " << s.error().message;
        SCOPED_TRACE("round " + std::to_string(round) + ", killed after " + std::to_string(delay.count()) + " us, " +
                     std::to_string(run.reported.size()) + " reported");
        checkLane(**s, lane, run, 0);
        std::printf("round %d: killed after %lld us, %zu crossings committed\n", round,
                    static_cast<long long>(delay.count()), run.reported.size());
    }
    EXPECT_GT(totalCommitted, 0) << "the child never committed anything: the test proved nothing";
    EXPECT_EQ(rawInt(t.db, "SELECT COUNT(*) FROM crossings c WHERE reason_count != "
                           "(SELECT COUNT(*) FROM crossing_reasons r WHERE r.crossing_id = c.id)"),
              0);
}

TEST(StoreCrash, SigkillInsideAnOpenTransactionLeavesNoHalfCrossing) {
    TempStore t("crash-tx");
    { ASSERT_TRUE(t.open()); }
    for (int64_t stallAt : {1, 4, 9}) {
        const std::string lane = "lane-tx-" + std::to_string(stallAt);
        const ChildRun run = runAndKill(t, lane, std::chrono::microseconds(0), stallAt);
        ASSERT_TRUE(run.sawStall);
        ASSERT_EQ(static_cast<int64_t>(run.reported.size()), stallAt - 1);
        // The killed writer held the write lock inside BEGIN IMMEDIATE; a new opener must
        // see the earlier crossings and not the half-written one (row without reasons).
        auto s = t.open();
        ASSERT_TRUE(s);
        checkLane(*s, lane, run, stallAt);
        // And the file is writable again (lock released, WAL recovered).
        EXPECT_TRUE(s->appendCrossing(numbered("after-" + lane, 1)).ok());
    }
    EXPECT_EQ(rawInt(t.db, "SELECT COUNT(*) FROM crossings c WHERE reason_count != "
                           "(SELECT COUNT(*) FROM crossing_reasons r WHERE r.crossing_id = c.id)"),
              0);
}

}  // namespace
}  // namespace kiosk::store
