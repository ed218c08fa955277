#pragma once
// A USB-HID QR scanner in keyboard mode ("keyboard wedge"): it types the decoded text and
// presses Enter. Read from its Linux evdev node (/dev/input/by-id/...-event-kbd), grabbed
// (EVIOCGRAB) so the keystrokes never reach the UI. US keyboard layout, which covers the
// Base45 alphabet of HKMO1:/HC1: tokens (digits, A-Z, space and $ % * + - . / :).
#include <memory>
#include <mutex>
#include <string>

#include "core/clock.h"
#include "core/config.h"
#include "core/result.h"
#include "devices/qr_scanner.h"

namespace kiosk::devices::io {

struct HidScannerConfig {
    std::string device;                 // evdev node
    std::size_t maxLineLength = 4096;   // longer is errc::kBadInput
    core::Millis interKey{300};         // a pause longer than this inside a code -> bad input
    bool grab = true;                   // EVIOCGRAB (skipped when the node is not an evdev device)

    // Keys: device, grab (bool), inter_key_ms.
    static core::Result<HidScannerConfig> fromConfig(const core::ConfigView& cfg);
};

class HidQrScanner final : public QrScanner {
public:
    // errc::kLost when the node cannot be opened.
    static core::Result<std::unique_ptr<HidQrScanner>> open(const HidScannerConfig& config, std::string name = "qr");
    ~HidQrScanner() override;

    core::Result<std::optional<std::string>> waitForCode(core::Millis timeout) override;
    DeviceHealth health() const override;

private:
    HidQrScanner(int fd, HidScannerConfig config, std::string name);
    int fd_ = -1;
    HidScannerConfig config_;
    std::string name_;
    bool shift_ = false;
    std::string line_;
    mutable std::mutex mu_;
    DeviceHealth health_;
};

}  // namespace kiosk::devices::io
