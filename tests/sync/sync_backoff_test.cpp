// Backoff after failures: exponential, bounded, jittered, deterministic with a seed.
#include "kiosk/sync/sync_backoff.h"

#include <set>
#include <thread>

#include <gtest/gtest.h>

namespace kiosk::sync {
namespace {

using core::Millis;

TEST(Backoff, GrowsToTheMaximumWithJitterInsideTheCap) {
    Backoff b(Millis(500), Millis(30000), 42);
    int64_t prevCap = 0;
    for (int i = 0; i < 12; ++i) {
        const int64_t d = b.next().count();
        const int64_t cap = b.cap().count();
        EXPECT_GE(d, 500) << i;
        EXPECT_LE(d, cap) << i;
        EXPECT_GE(cap, prevCap);
        EXPECT_LE(cap, 30000);
        prevCap = cap;
    }
    EXPECT_EQ(b.cap().count(), 30000);
    EXPECT_EQ(b.failures(), 12);
    b.reset();
    EXPECT_EQ(b.failures(), 0);
    EXPECT_EQ(b.cap().count(), 500);
}

TEST(Backoff, SameSeedSameDelaysOtherSeedOthers) {
    auto run = [](uint64_t seed) {
        Backoff b(Millis(100), Millis(60000), seed);
        std::vector<int64_t> v;
        for (int i = 0; i < 16; ++i) v.push_back(b.next().count());
        return v;
    };
    EXPECT_EQ(run(7), run(7));
    EXPECT_NE(run(7), run(8));
}

TEST(Backoff, DelaysAreSpreadNotFixed) {
    // Many lanes failing together at their 8th failure: the delays must spread over the cap.
    std::set<int64_t> delays;
    int64_t lo = INT64_MAX, hi = 0;
    for (uint64_t seed = 1; seed <= 200; ++seed) {
        Backoff b(Millis(500), Millis(30000), seed);
        Millis d{};
        for (int i = 0; i < 8; ++i) d = b.next();
        delays.insert(d.count());
        lo = std::min(lo, d.count());
        hi = std::max(hi, d.count());
    }
    EXPECT_GT(delays.size(), 150u);
    EXPECT_LT(lo, 10000);
    EXPECT_GT(hi, 20000);
}

TEST(Backoff, WaitAdvancesAFakeClockAndStopsEarly) {
    core::FakeClock clock;
    std::atomic<bool> stop{false};
    const auto t0 = clock.monoNow();
    EXPECT_TRUE(waitFor(clock, Millis(6 * 3600 * 1000), stop));
    EXPECT_EQ(std::chrono::duration_cast<Millis>(clock.monoNow() - t0).count(), 6 * 3600 * 1000);
    stop = true;
    const auto t1 = clock.monoNow();
    EXPECT_FALSE(waitFor(clock, Millis(1000), stop));
    EXPECT_EQ(clock.monoNow(), t1);
}

}  // namespace
}  // namespace kiosk::sync
