#pragma once
// A receipt printer that has a CUPS driver: the receipt is rendered here, written as a PNG
// and submitted to the default or a named queue with ppi = the printer's resolution, so
// one raster dot is one printer dot. Status comes from the queue's printer-state and
// printer-state-reasons (media-empty, cover-open, offline...). No CUPS server reachable
// -> errc::kLost.
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "core/config.h"
#include "core/result.h"
#include "devices/image.h"
#include "devices/io/receipt_render.h"
#include "devices/printer.h"

namespace kiosk::devices::io {

struct CupsConfig {
    std::string queue;  // empty = the default destination
    std::string media;  // "" = the queue's default; "auto" = Custom.<width>x<length>mm from the raster
    int dpi = 203;
    core::Millis printTimeout{30000};  // until the job is completed
    ReceiptRenderOptions render;

    // Keys: queue, media, dpi, print_timeout_ms, and the render keys (receipt_render.h).
    static core::Result<CupsConfig> fromConfig(const core::ConfigView& cfg);
};

// What is handed to cupsPrintFile2 (pure, testable without a server).
struct CupsJob {
    std::string title;
    std::vector<std::pair<std::string, std::string>> options;
};
CupsJob buildCupsJob(const Image& raster, const CupsConfig& config);

// printer-state (3 idle, 4 processing, 5 stopped) and printer-state-reasons (comma list,
// "none" when fine; "-error"/"-warning"/"-report" suffixes) -> printer state.
PrinterStatus statusFromCups(int printerState, const std::string& reasons);

class CupsPrinter final : public ReceiptPrinter {
public:
    explicit CupsPrinter(CupsConfig config) : config_(std::move(config)) {}

    core::Result<PrinterStatus> status() override;
    core::Status print(const Receipt& receipt) override;
    core::Status printRaster(const Image& raster);
    DeviceHealth health() const override;

private:
    CupsConfig config_;
    mutable std::mutex mu_;
    DeviceHealth last_{"printer", DeviceState::Ready, "not queried yet"};
};

}  // namespace kiosk::devices::io
