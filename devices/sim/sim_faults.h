#pragma once
// Fault switches shared by the simulated drivers (in the spirit of Chromium's virtual
// FIDO device): each switch makes the driver misbehave the way real hardware does.
#include <atomic>

namespace kiosk::devices::sim {

struct FaultSwitches {
    std::atomic<bool> lost{false};      // every call fails with errc::kLost
    std::atomic<bool> timeout{false};   // every call waits out its deadline, then errc::kTimeout
    std::atomic<bool> noInput{false};   // the device works but nobody presents anything
};

}  // namespace kiosk::devices::sim
