#pragma once
// Simulated camera: plays a list of images at a frame rate, on simulated time.
#include <mutex>
#include <vector>

#include "core/clock.h"
#include "devices/camera.h"
#include "devices/sim/sim_faults.h"

namespace kiosk::devices::sim {

class SimCamera final : public Camera {
public:
    SimCamera(core::Clock& clock, int fps = 15) : clock_(clock), fps_(fps) {}
    FaultSwitches& faults() { return faults_; }
    // Frames played in order, the last one repeating (a person standing still).
    void play(std::vector<Image> frames);

    core::Result<Frame> grab(core::Millis timeout) override;
    DeviceHealth health() const override;

private:
    core::Clock& clock_;
    int fps_;
    FaultSwitches faults_;
    std::mutex mu_;
    std::vector<Image> frames_;
    std::size_t next_ = 0;
    uint64_t seq_ = 0;
};

}  // namespace kiosk::devices::sim
