#pragma once
// ESC/POS receipt printer on a serial line (termios, raw 8N1) or a USB printer-class
// device file (/dev/usb/lp0). The receipt is rendered here (receipt_render.h) and sent as
// a raster. Before printing: DLE EOT 2/4 (cover, paper); after: GS r 1, which the printer
// answers only once the whole receipt has printed, so a roll that ends mid-receipt is
// reported as errc::kOutOfPaper. A vanished device (unplugged USB, no answer) is
// errc::kLost; the next call opens the device again.
#include <memory>
#include <mutex>
#include <string>

#include "core/config.h"
#include "core/result.h"
#include "devices/io/receipt_render.h"
#include "devices/printer.h"

namespace kiosk::devices::io {

struct EscPosConfig {
    std::string port;             // serial line, e.g. /dev/ttyUSB0 (exactly one of port/device)
    std::string device;           // USB printer class device, e.g. /dev/usb/lp0
    int baud = 38400;             // serial only
    bool rtsCts = false;          // serial hardware flow control ("flow_control": "none"|"rtscts")
    bool statusQuery = true;      // false for a printer that cannot answer (write-only cable)
    core::Millis statusTimeout{1000};
    core::Millis printTimeout{20000};  // from the last byte sent to the GS r 1 answer
    int feedLines = 4;
    ReceiptRenderOptions render;

    // Keys: port | device, baud, flow_control, status_query, status_timeout_ms,
    // print_timeout_ms, feed_lines, and the render keys (receipt_render.h).
    static core::Result<EscPosConfig> fromConfig(const core::ConfigView& cfg);
};

class EscPosPrinter final : public ReceiptPrinter {
public:
    // errc::kLost when the device cannot be opened; "config.bad_value" for a bad baud.
    static core::Result<std::unique_ptr<EscPosPrinter>> open(const EscPosConfig& config);
    ~EscPosPrinter() override;
    EscPosPrinter(const EscPosPrinter&) = delete;
    EscPosPrinter& operator=(const EscPosPrinter&) = delete;

    core::Result<PrinterStatus> status() override;
    core::Status print(const Receipt& receipt) override;
    // Sends an already rendered raster (the same path print() takes after rendering).
    core::Status printRaster(const Image& raster);
    // The last state seen by status() or print(); no I/O.
    DeviceHealth health() const override;

private:
    explicit EscPosPrinter(EscPosConfig config) : config_(std::move(config)) {}
    core::Status ensureOpen();
    void closeFd();
    core::Status writeAll(const std::string& bytes);
    core::Result<uint8_t> readByte(core::Millis timeout);
    void drainInput();
    core::Result<PrinterStatus> queryLocked();
    core::Status remember(core::Status s);
    core::Result<PrinterStatus> remember(core::Result<PrinterStatus> s);

    EscPosConfig config_;
    mutable std::mutex mu_;
    int fd_ = -1;
    DeviceHealth last_{"printer", DeviceState::Ready, "not queried yet"};
};

}  // namespace kiosk::devices::io
