// libsystemd adapter (sd_notify, sd_watchdog_enabled); a no-op build without it.
#include "core/service_notify.h"

#include <cstdlib>

#ifdef KIOSK_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

namespace kiosk::core {

ServiceNotifier::ServiceNotifier() {
#ifdef KIOSK_HAVE_SYSTEMD
    const char* socket = std::getenv("NOTIFY_SOCKET");
    active_ = socket != nullptr && *socket != '\0';
    uint64_t usec = 0;
    if (active_ && sd_watchdog_enabled(0, &usec) > 0 && usec > 0) watchdog_ = std::chrono::microseconds(usec);
#endif
}

std::optional<std::chrono::microseconds> ServiceNotifier::pingEvery() const {
    if (!watchdog_) return std::nullopt;
    return *watchdog_ / 2;
}

bool ServiceNotifier::send(const std::string& state) const {
#ifdef KIOSK_HAVE_SYSTEMD
    if (!active_) return false;
    return sd_notify(0, state.c_str()) > 0;
#else
    (void)state;
    return false;
#endif
}

void ServiceNotifier::ready(const std::string& status) {
    (void)send(status.empty() ? std::string("READY=1") : "READY=1\nSTATUS=" + status);
}

void ServiceNotifier::stopping() { (void)send("STOPPING=1"); }

bool ServiceNotifier::alive(std::chrono::steady_clock::time_point now) {
    if (!watchdog_) return false;
    if (lastPing_ && now - *lastPing_ < *watchdog_ / 2) return false;
    if (!send("WATCHDOG=1")) return false;
    lastPing_ = now;
    return true;
}

}  // namespace kiosk::core
