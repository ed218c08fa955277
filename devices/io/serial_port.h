#pragma once
// A serial line (termios, raw 8N1, no flow control) read as text lines. Works with
// USB-serial adapters, USB-HID scanners in serial (CDC-ACM) mode and pseudo-terminals.
#include <memory>
#include <optional>
#include <string>

#include "core/clock.h"
#include "core/config.h"
#include "core/result.h"

namespace kiosk::devices::io {

struct SerialConfig {
    std::string port = "/dev/ttyUSB0";
    int baud = 9600;                // 1200 .. 921600 (standard rates)
    std::size_t maxLineLength = 4096;  // a longer line is errc::kBadInput

    // Keys: port, baud.
    static core::Result<SerialConfig> fromConfig(const core::ConfigView& cfg);
};

class SerialPort {
public:
    // errc::kLost when the port cannot be opened; "config.bad_value" for an unsupported baud.
    static core::Result<std::unique_ptr<SerialPort>> open(const SerialConfig& config);
    ~SerialPort();
    SerialPort(const SerialPort&) = delete;
    SerialPort& operator=(const SerialPort&) = delete;

    // The next line without its terminator (LF, CR or CRLF; STX/ETX framing bytes are
    // dropped); nullopt when none within the timeout; errc::kLost when the line hung up
    // or the device vanished; errc::kBadInput for an over-long line.
    core::Result<std::optional<std::string>> readLine(core::Millis timeout);
    core::Status write(const std::string& bytes);
    // Drops bytes already received (e.g. a half line from before the kiosk started).
    void discardInput();
    const SerialConfig& config() const { return config_; }

private:
    SerialPort(int fd, SerialConfig config) : fd_(fd), config_(std::move(config)) {}
    int fd_ = -1;
    SerialConfig config_;
    std::string buffer_;
    bool dropLf_ = false;
};

}  // namespace kiosk::devices::io
