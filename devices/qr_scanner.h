#pragma once
#include <optional>
#include <string>

#include "core/clock.h"
#include "core/result.h"
#include "devices/device.h"

namespace kiosk::devices {

// Delivers decoded QR text (camera + zxing, or a dedicated serial/HID scanner).
class QrScanner : public Device {
public:
    // A code seen within the timeout; nullopt when none; an Error when the device failed
    // (errc::kLost, ...) or the frame held two different codes ("qr.ambiguous").
    virtual core::Result<std::optional<std::string>> waitForCode(core::Millis timeout) = 0;
};

}  // namespace kiosk::devices
