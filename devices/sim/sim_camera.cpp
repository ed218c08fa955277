#include "devices/sim/sim_camera.h"

namespace kiosk::devices::sim {

void SimCamera::play(std::vector<Image> frames) {
    std::lock_guard lock(mu_);
    frames_ = std::move(frames);
    next_ = 0;
}

core::Result<Frame> SimCamera::grab(core::Millis timeout) {
    if (faults_.lost) return core::makeError(errc::kLost, "camera is not connected");
    const core::Millis period(1000 / (fps_ > 0 ? fps_ : 15));
    std::unique_lock lock(mu_);
    if (faults_.timeout || faults_.noInput || frames_.empty()) {
        lock.unlock();
        clock_.sleepFor(timeout);
        return core::makeError(errc::kTimeout, "no frame from camera");
    }
    Frame f;
    f.image = frames_[std::min(next_, frames_.size() - 1)];
    if (next_ < frames_.size()) ++next_;
    f.sequence = ++seq_;
    lock.unlock();
    clock_.sleepFor(period);
    f.capturedAt = clock_.monoNow();
    return f;
}

DeviceHealth SimCamera::health() const {
    if (faults_.lost) return {"camera", DeviceState::Lost, "simulated: unplugged"};
    if (faults_.timeout) return {"camera", DeviceState::Fault, "simulated: no frames"};
    return {"camera", DeviceState::Ready, "simulated"};
}

}  // namespace kiosk::devices::sim
