#pragma once
// Every device's state in one place, for the UI (out-of-service screen), the officer
// console and the logs. Devices are polled through Device::health(); the lane (or a
// driver) can also push a state with report(). Listeners hear each state change once.
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "devices/device.h"

namespace kiosk::devices::io {

struct HealthEntry {
    DeviceHealth health;
    core::MonoTime since{};    // when the current state began
    bool required = true;      // the lane cannot run without it
};

class HealthRegistry {
public:
    using Listener = std::function<void(const DeviceHealth& previous, const DeviceHealth& current)>;

    explicit HealthRegistry(core::Clock& clock) : clock_(clock) {}

    // A polled device (not owned; must outlive the registry or be removed).
    void add(const std::string& name, const Device* device, bool required = true);
    void remove(const std::string& name);
    // A pushed state (for devices without a driver object, or a lane-detected fault).
    void report(DeviceHealth health, bool required = true);

    // Polls every device, records changes (logged, listeners called), returns the snapshot.
    std::vector<HealthEntry> refresh();
    std::vector<HealthEntry> snapshot() const;  // last known, no polling
    // True when every required device is Ready.
    bool laneReady() const;
    // Required devices that are not Ready, e.g. {"gate: fault (door 1 jammed)"}.
    std::vector<std::string> problems() const;
    nlohmann::json toJson() const;

    void onChange(Listener listener);

private:
    struct Slot {
        const Device* device = nullptr;
        HealthEntry entry;
    };
    core::Clock& clock_;
    mutable std::mutex mu_;
    std::map<std::string, Slot> slots_;
    std::vector<Listener> listeners_;
};

}  // namespace kiosk::devices::io
