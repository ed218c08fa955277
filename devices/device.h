#pragma once
// What every device reports about itself. The lane goes out of service when any device
// it needs is not Ready; the officer console shows the detail.
#include <string>

namespace kiosk::devices {

enum class DeviceState { Ready, Degraded, Fault, Lost };

inline const char* toString(DeviceState s) {
    switch (s) {
        case DeviceState::Ready: return "ready";
        case DeviceState::Degraded: return "degraded";
        case DeviceState::Fault: return "fault";
        case DeviceState::Lost: return "lost";
    }
    return "?";
}

struct DeviceHealth {
    std::string device;  // "qr", "document", "camera", "fingerprint", "gate"
    DeviceState state = DeviceState::Ready;
    std::string detail;  // no personal data
};

// Error codes devices return (Error::code). Anything else from a device is also a fault.
namespace errc {
inline constexpr const char* kLost = "device.lost";          // unplugged / connection gone
inline constexpr const char* kTimeout = "device.timeout";    // no answer within the deadline
inline constexpr const char* kFault = "device.fault";        // device reported an error
inline constexpr const char* kJam = "device.door_jam";       // door did not reach commanded state
inline constexpr const char* kNoAck = "device.no_ack";       // command not acknowledged in time
inline constexpr const char* kBadInput = "device.bad_input"; // unreadable data from the device
}  // namespace errc

class Device {
public:
    virtual ~Device() = default;
    virtual DeviceHealth health() const = 0;
};

}  // namespace kiosk::devices
