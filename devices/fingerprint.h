#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "devices/device.h"

namespace kiosk::devices {

// What the traveller should change before the next capture. PressHarder: faint or partial
// contact; Moisten: a dry finger (broken, light ridges); CleanSensor: smudged or wet
// (ridges merged or no ridge structure); Centre: the finger lies off the sensor's centre.
enum class FingerGuidance { Ok, PressHarder, CleanSensor, PlaceFinger, RemoveAndRetry, Moisten, Centre };

struct FingerEnrolment {
    std::vector<uint8_t> print;  // fp_print_serialize blob (encrypt before storing)
};

struct FingerVerify {
    bool match = false;
    int score = 0;
    // Not Ok: what to change before the next capture (a refused capture, or a capture that
    // did not match and that the quality gate found wanting).
    FingerGuidance guidance = FingerGuidance::Ok;
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
