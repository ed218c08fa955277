#pragma once
// Serial-line devices: a QR scanner that outputs decoded text lines, and an ID card /
// passport reader that outputs the MRZ lines (TD1 3x30 or TD3 2x44).
#include <memory>
#include <mutex>

#include "core/clock.h"
#include "devices/document_reader.h"
#include "devices/io/serial_port.h"
#include "devices/qr_scanner.h"

namespace kiosk::devices::io {

// Lines are printable ASCII; anything else (binary noise, empty, over-long) is
// errc::kBadInput. After a kLost the device reports Lost until reopened.
class SerialQrScanner final : public QrScanner {
public:
    explicit SerialQrScanner(std::unique_ptr<SerialPort> port, std::string name = "qr");
    core::Result<std::optional<std::string>> waitForCode(core::Millis timeout) override;
    DeviceHealth health() const override;

private:
    std::unique_ptr<SerialPort> port_;
    std::string name_;
    mutable std::mutex mu_;
    DeviceHealth health_;
};

// Checks the shape of MRZ lines: 3 lines of 30 (TD1) or 2 of 44 (TD3), characters
// A-Z 0-9 '<' only. Check digits are the credentials library's job (mrz.invalid).
core::Status checkMrzShape(const std::vector<std::string>& lines);

class SerialDocumentReader final : public DocumentReader {
public:
    // interLine: the longest gap between the lines of one document.
    explicit SerialDocumentReader(std::unique_ptr<SerialPort> port, core::Millis interLine = core::Millis(500),
                                  std::string name = "document");
    // Blank lines between documents are skipped. A malformed line or an incomplete MRZ is
    // errc::kBadInput (the rest of that document is discarded).
    core::Result<std::optional<std::vector<std::string>>> waitForMrz(core::Millis timeout) override;
    DeviceHealth health() const override;

private:
    std::unique_ptr<SerialPort> port_;
    core::Millis interLine_;
    std::string name_;
    mutable std::mutex mu_;
    DeviceHealth health_;
};

}  // namespace kiosk::devices::io
