#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

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

class FingerprintReader : public Device {
public:
    using Progress = std::function<void(int stage, int stages)>;
    virtual core::Result<FingerEnrolment> enroll(const Progress& progress, core::Millis timeout) = 0;
    virtual core::Result<FingerVerify> verify(const std::vector<uint8_t>& print, core::Millis timeout) = 0;
    virtual void cancel() = 0;
};

}  // namespace kiosk::devices
