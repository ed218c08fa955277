#pragma once
// Simulated QR scanner and document reader: a scripted queue of inputs, each presented
// after a delay of simulated time.
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "devices/document_reader.h"
#include "devices/qr_scanner.h"
#include "devices/sim/sim_faults.h"

namespace kiosk::devices::sim {

template <typename T>
struct Scripted {
    core::Millis delay{0};
    T value;
};

// The waiting logic both simulated scanners share.
template <typename T>
class ScriptedQueue {
public:
    explicit ScriptedQueue(core::Clock& clock) : clock_(clock) {}
    void push(core::Millis delay, T value) {
        std::lock_guard lock(mu_);
        items_.push_back({delay, std::move(value)});
    }
    void clear() {
        std::lock_guard lock(mu_);
        items_.clear();
    }
    std::size_t size() const {
        std::lock_guard lock(mu_);
        return items_.size();
    }
    core::Result<std::optional<T>> wait(core::Millis timeout, const FaultSwitches& f, const char* what);

private:
    core::Clock& clock_;
    mutable std::mutex mu_;
    std::deque<Scripted<T>> items_;
};

class SimQrScanner final : public QrScanner {
public:
    explicit SimQrScanner(core::Clock& clock) : queue_(clock) {}
    void present(std::string text, core::Millis after = core::Millis(0)) { queue_.push(after, std::move(text)); }
    void clear() { queue_.clear(); }
    FaultSwitches& faults() { return faults_; }

    core::Result<std::optional<std::string>> waitForCode(core::Millis timeout) override;
    DeviceHealth health() const override;

private:
    ScriptedQueue<std::string> queue_;
    FaultSwitches faults_;
};

class SimDocumentReader final : public DocumentReader {
public:
    explicit SimDocumentReader(core::Clock& clock) : queue_(clock) {}
    void insert(std::vector<std::string> mrz, core::Millis after = core::Millis(0)) {
        queue_.push(after, std::move(mrz));
    }
    void clear() { queue_.clear(); }
    FaultSwitches& faults() { return faults_; }

    core::Result<std::optional<std::vector<std::string>>> waitForMrz(core::Millis timeout) override;
    DeviceHealth health() const override;

private:
    ScriptedQueue<std::vector<std::string>> queue_;
    FaultSwitches faults_;
};

}  // namespace kiosk::devices::sim
