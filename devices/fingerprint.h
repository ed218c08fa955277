#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "devices/device.h"

namespace kiosk::devices {

enum class FingerGuidance { Ok, PressHarder, CleanSensor, PlaceFinger, RemoveAndRetry };

struct FingerEnrolment {
    std::vector<uint8_t> print;  // fp_print_serialize blob (encrypt before storing)
};

struct FingerVerify {
    bool match = false;
    int score = 0;
    FingerGuidance guidance = FingerGuidance::Ok;  // not Ok: quality refusal, capture again
};

// Fingerprint-specific error code: the configured reader is absent (no USB device that
// libfprint supports, socket cannot be created). Like any unknown device code it is a fault.
namespace errc {
inline constexpr const char* kUnavailable = "device.unavailable";
}  // namespace errc

class FingerprintReader : public Device {
public:
    using Progress = std::function<void(int stage, int stages)>;
    virtual core::Result<FingerEnrolment> enroll(const Progress& progress, core::Millis timeout) = 0;
    virtual core::Result<FingerVerify> verify(const std::vector<uint8_t>& print, core::Millis timeout) = 0;
    virtual void cancel() = 0;
    // Why the quality gate last refused a capture during enroll() (Ok: none refused, or the
    // reader cannot tell). Read after an enroll() that failed with "finger.quality" to tell
    // the resident what to change; readers without a gate keep the default.
    virtual FingerGuidance lastEnrolGuidance() const { return FingerGuidance::Ok; }
};

}  // namespace kiosk::devices
