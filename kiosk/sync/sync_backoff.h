#pragma once
// Retry delays after failures: exponential from `min` (doubling per consecutive failure)
// up to `max`, with full jitter inside [min, cap] so a fleet of lanes that lost the server
// together does not come back in step. Seeded, so tests are deterministic.
#include <atomic>
#include <cstdint>
#include <functional>
#include <random>

#include "core/clock.h"

namespace kiosk::sync {

class Backoff {
public:
    Backoff(core::Millis min, core::Millis max, uint64_t seed);

    // The delay before the next attempt after one more failure.
    core::Millis next();
    void reset() { failures_ = 0; }
    int failures() const { return failures_; }
    // The upper bound the next delay would be drawn under (min * 2^failures, at most max).
    core::Millis cap() const;

private:
    core::Millis min_, max_;
    int failures_ = 0;
    std::mt19937_64 rng_;
};

// Waits `d` through the clock in slices of at most `slice`, returning early (false) when
// `stop` becomes true; true when the whole wait passed.
bool waitFor(core::Clock& clock, core::Millis d, const std::atomic<bool>& stop,
             core::Millis slice = core::Millis(50));

// A seed from the random device (production) unless `seed` is non-zero (tests).
uint64_t seedOrRandom(uint64_t seed);

}  // namespace kiosk::sync
