#include "devices/io/health_registry.h"

#include "core/log.h"

namespace kiosk::devices::io {

namespace {
bool sameHealth(const DeviceHealth& a, const DeviceHealth& b) {
    return a.state == b.state && a.detail == b.detail;
}
}  // namespace

void HealthRegistry::add(const std::string& name, const Device* device, bool required) {
    std::lock_guard lock(mu_);
    Slot& s = slots_[name];
    s.device = device;
    s.entry.required = required;
    s.entry.health.device = name;
    s.entry.since = clock_.monoNow();
}

void HealthRegistry::remove(const std::string& name) {
    std::lock_guard lock(mu_);
    slots_.erase(name);
}

void HealthRegistry::report(DeviceHealth health, bool required) {
    std::vector<Listener> listeners;
    DeviceHealth previous;
    bool changed = false;
    {
        std::lock_guard lock(mu_);
        auto [it, inserted] = slots_.try_emplace(health.device);
        Slot& s = it->second;
        if (inserted) {
            s.entry.health.device = health.device;
            s.entry.since = clock_.monoNow();
        }
        s.entry.required = required;
        previous = s.entry.health;
        changed = !sameHealth(previous, health);
        if (changed) {
            s.entry.health = health;
            s.entry.since = clock_.monoNow();
        }
        if (changed) listeners = listeners_;
    }
    if (changed) {
        core::Logger::instance().log(health.state == DeviceState::Ready ? core::LogLevel::Info : core::LogLevel::Warn,
                                     "device.health",
                                     {{"device", health.device}, {"state", toString(health.state)}, {"detail", health.detail},
                                      {"previous", toString(previous.state)}});
        for (auto& l : listeners) l(previous, health);
    }
}

std::vector<HealthEntry> HealthRegistry::refresh() {
    std::vector<std::pair<std::string, const Device*>> polled;
    {
        std::lock_guard lock(mu_);
        for (auto& [name, s] : slots_) {
            if (s.device) polled.emplace_back(name, s.device);
        }
    }
    for (auto& [name, dev] : polled) {
        DeviceHealth h = dev->health();
        h.device = name;
        bool required = true;
        {
            std::lock_guard lock(mu_);
            auto it = slots_.find(name);
            if (it == slots_.end()) continue;
            required = it->second.entry.required;
        }
        report(std::move(h), required);
    }
    return snapshot();
}

std::vector<HealthEntry> HealthRegistry::snapshot() const {
    std::lock_guard lock(mu_);
    std::vector<HealthEntry> out;
    for (const auto& [name, s] : slots_) out.push_back(s.entry);
    return out;
}

bool HealthRegistry::laneReady() const {
    std::lock_guard lock(mu_);
    for (const auto& [name, s] : slots_) {
        if (s.entry.required && s.entry.health.state != DeviceState::Ready) return false;
    }
    return true;
}

std::vector<std::string> HealthRegistry::problems() const {
    std::lock_guard lock(mu_);
    std::vector<std::string> out;
    for (const auto& [name, s] : slots_) {
        if (s.entry.health.state == DeviceState::Ready) continue;
        std::string line = name + ": " + toString(s.entry.health.state);
        if (!s.entry.health.detail.empty()) line += " (" + s.entry.health.detail + ")";
        if (!s.entry.required) line += " [optional]";
        out.push_back(std::move(line));
    }
    return out;
}

nlohmann::json HealthRegistry::toJson() const {
    const auto now = clock_.monoNow();
    std::lock_guard lock(mu_);
    nlohmann::json arr = nlohmann::json::array();
    bool ready = true;
    for (const auto& [name, s] : slots_) {
        if (s.entry.required && s.entry.health.state != DeviceState::Ready) ready = false;
        arr.push_back({{"device", name},
                       {"state", toString(s.entry.health.state)},
                       {"detail", s.entry.health.detail},
                       {"required", s.entry.required},
                       {"since_ms", std::chrono::duration_cast<core::Millis>(now - s.entry.since).count()}});
    }
    return {{"lane_ready", ready}, {"devices", arr}};
}

void HealthRegistry::onChange(Listener listener) {
    std::lock_guard lock(mu_);
    listeners_.push_back(std::move(listener));
}

}  // namespace kiosk::devices::io
