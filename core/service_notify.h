#pragma once
// systemd's service notifications for a `Type=notify` unit with `WatchdogSec`
// (deploy/systemd/*.service): READY=1 once the program serves, WATCHDOG=1 from the loop
// whose turning shows the program is healthy, STOPPING=1 on the way out. Outside such a
// unit (no NOTIFY_SOCKET) every call does nothing, so programs call it unconditionally.
// service_notify.cpp is the only file that includes libsystemd.
#include <chrono>
#include <optional>
#include <string>

namespace kiosk::core {

class ServiceNotifier {
public:
    // Reads NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID of this process (sd_watchdog_enabled:
    // a WATCHDOG_PID naming another process means no watchdog for this one).
    ServiceNotifier();

    bool active() const { return active_; }  // NOTIFY_SOCKET is set
    // The unit's WatchdogSec, when systemd asked this process for pings.
    std::optional<std::chrono::microseconds> watchdogInterval() const { return watchdog_; }
    // How often the healthy loop must come back to alive() at the latest: half the
    // watchdog interval (systemd's advice), or nullopt without a watchdog.
    std::optional<std::chrono::microseconds> pingEvery() const;

    void ready(const std::string& status = "");
    void stopping();
    // From the healthy loop, as often as it likes: sends WATCHDOG=1 on the first call and
    // then once half the interval has passed since the last ping (time comes in as a value).
    // True when a ping was sent.
    bool alive(std::chrono::steady_clock::time_point now);

private:
    bool send(const std::string& state) const;

    bool active_ = false;
    std::optional<std::chrono::microseconds> watchdog_;
    std::optional<std::chrono::steady_clock::time_point> lastPing_;
};

}  // namespace kiosk::core
