#include "kiosk/sync/sync_backoff.h"

#include <algorithm>

namespace kiosk::sync {

Backoff::Backoff(core::Millis min, core::Millis max, uint64_t seed)
    : min_(std::max(core::Millis(1), min)), max_(std::max(min_, max)), rng_(seed) {}

core::Millis Backoff::cap() const {
    int64_t c = min_.count();
    for (int i = 0; i < failures_ && c < max_.count(); ++i) c *= 2;
    return core::Millis(std::min<int64_t>(c, max_.count()));
}

core::Millis Backoff::next() {
    if (failures_ < 64) ++failures_;
    const int64_t hi = cap().count();
    std::uniform_int_distribution<int64_t> d(min_.count(), hi);
    return core::Millis(d(rng_));
}

bool waitFor(core::Clock& clock, core::Millis d, const std::atomic<bool>& stop, core::Millis slice) {
    const auto end = clock.monoNow() + d;
    while (!stop.load()) {
        const auto now = clock.monoNow();
        if (now >= end) return true;
        clock.sleepFor(std::max(core::Millis(1), std::min(slice, std::chrono::duration_cast<core::Millis>(end - now))));
    }
    return false;
}

uint64_t seedOrRandom(uint64_t seed) {
    if (seed) return seed;
    std::random_device rd;
    return (uint64_t(rd()) << 32) ^ rd();
}

}  // namespace kiosk::sync
