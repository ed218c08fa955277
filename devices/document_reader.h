#pragma once
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "devices/device.h"

namespace kiosk::devices {

// An ID card / passport reader that outputs the MRZ lines (TD1 3x30 or TD3 2x44).
class DocumentReader : public Device {
public:
    virtual core::Result<std::optional<std::vector<std::string>>> waitForMrz(core::Millis timeout) = 0;
};

}  // namespace kiosk::devices
