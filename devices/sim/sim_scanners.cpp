#include "devices/sim/sim_scanners.h"

namespace kiosk::devices::sim {

template <typename T>
core::Result<std::optional<T>> ScriptedQueue<T>::wait(core::Millis timeout, const FaultSwitches& f,
                                                      const char* what) {
    if (f.lost) return core::makeError(errc::kLost, std::string(what) + " is not connected");
    if (f.timeout) {
        clock_.sleepFor(timeout);
        return core::makeError(errc::kTimeout, std::string(what) + " did not answer");
    }
    std::unique_lock lock(mu_);
    if (f.noInput || items_.empty()) {
        lock.unlock();
        clock_.sleepFor(timeout);
        return std::optional<T>{};
    }
    auto& front = items_.front();
    if (front.delay > timeout) {
        // Not presented yet: the traveller is still getting the phone out.
        front.delay -= timeout;
        lock.unlock();
        clock_.sleepFor(timeout);
        return std::optional<T>{};
    }
    const auto delay = front.delay;
    T value = std::move(front.value);
    items_.pop_front();
    lock.unlock();
    clock_.sleepFor(delay);
    return std::optional<T>{std::move(value)};
}

template class ScriptedQueue<std::string>;
template class ScriptedQueue<std::vector<std::string>>;

static DeviceHealth healthOf(const char* name, const FaultSwitches& f) {
    if (f.lost) return {name, DeviceState::Lost, "simulated: unplugged"};
    if (f.timeout) return {name, DeviceState::Fault, "simulated: not answering"};
    return {name, DeviceState::Ready, "simulated"};
}

core::Result<std::optional<std::string>> SimQrScanner::waitForCode(core::Millis timeout) {
    return queue_.wait(timeout, faults_, "QR scanner");
}
DeviceHealth SimQrScanner::health() const { return healthOf("qr", faults_); }

core::Result<std::optional<std::vector<std::string>>> SimDocumentReader::waitForMrz(core::Millis timeout) {
    return queue_.wait(timeout, faults_, "document reader");
}
DeviceHealth SimDocumentReader::health() const { return healthOf("document", faults_); }

}  // namespace kiosk::devices::sim
