// createPrinter(): devices.printer -> a simulated, ESC/POS or CUPS receipt printer.
#include <filesystem>

#include "core/log.h"
#include "devices/io/cups_printer.h"
#include "devices/io/device_config.h"
#include "devices/io/device_factory.h"
#include "devices/io/escpos_printer.h"
#include "devices/io/receipt_render.h"

namespace kiosk::devices::io {

namespace {

class UnavailablePrinter final : public ReceiptPrinter {
public:
    explicit UnavailablePrinter(core::Error e)
        : h_{"printer", DeviceState::Lost, e.code + ": " + e.message}, e_(std::move(e)) {}
    core::Result<PrinterStatus> status() override { return core::makeError(errc::kLost, e_.message); }
    core::Status print(const Receipt&) override { return core::makeError(errc::kLost, e_.message); }
    DeviceHealth health() const override { return h_; }

private:
    DeviceHealth h_;
    core::Error e_;
};

// "20261122T150500Z" for file names.
std::string compactUtc(core::WallTime t) {
    std::string iso = core::formatIsoUtc(t);  // 2026-11-22T15:05:00Z
    std::string out;
    for (char c : iso)
        if (c != '-' && c != ':') out += c;
    return out;
}

}  // namespace

core::Result<PrinterSet> createPrinter(const core::ConfigView& devicesConfig, core::Clock& clock) {
    static const core::Json kEmpty = core::Json::object();
    core::ConfigView cfg(kEmpty, devicesConfig.keyPath("printer"));
    if (devicesConfig.has("printer")) {
        KIOSK_ASSIGN_OR_RETURN(cfg, devicesConfig.child("printer"));
    }
    KIOSK_TRY(checkDeviceSection(cfg, "printer"));  // every key known for its backend (device_config.h)
    KIOSK_ASSIGN_OR_RETURN(auto backend, cfg.oneOf("backend", {"sim", "escpos", "cups"}, "sim"));
    PrinterSet set;
    if (backend == "sim") {
        KIOSK_ASSIGN_OR_RETURN(auto render, ReceiptRenderOptions::fromConfig(cfg));
        KIOSK_ASSIGN_OR_RETURN(auto outDir,
                               cfg.stringOr("out_dir", (std::filesystem::temp_directory_path() / "kiosk-receipts").string()));
        KIOSK_ASSIGN_OR_RETURN(auto printMs, cfg.integerOr("print_ms", 1500, 0, 60000));
        std::filesystem::path dir = outDir;
        auto sink = [render, dir](const Receipt& r, int seq) -> core::Status {
            KIOSK_ASSIGN_OR_RETURN(Image raster, renderReceipt(r, render));
            std::error_code ec;
            std::filesystem::create_directories(dir, ec);
            if (ec) return core::makeError(errc::kFault, "cannot create " + dir.string() + ": " + ec.message());
            char n[16];
            std::snprintf(n, sizeof n, "%04d", seq);
            const auto file = dir / ("receipt-" + compactUtc(r.issuedAt) + "-" + n + ".png");
            KIOSK_TRY(writePng(raster, file));
            core::logInfo("printer.sim_printed", {{"file", file.string()}});
            return {};
        };
        auto p = std::make_unique<sim::SimPrinter>(clock, sink);
        p->setPrintTime(core::Millis(printMs));
        set.simPrinter = p.get();
        set.printer = std::move(p);
    } else if (backend == "escpos") {
        KIOSK_ASSIGN_OR_RETURN(auto ec, EscPosConfig::fromConfig(cfg));
        auto p = EscPosPrinter::open(ec);
        if (p.ok()) {
            set.printer = std::move(p).value();
        } else if (p.error().code.rfind("config.", 0) == 0) {
            return p.error();
        } else {
            core::logError("device.unavailable", {{"device", "printer"}, {"code", p.error().code}, {"detail", p.error().message}});
            set.printer = std::make_unique<UnavailablePrinter>(p.error());
        }
    } else {
        KIOSK_ASSIGN_OR_RETURN(auto cc, CupsConfig::fromConfig(cfg));
        set.printer = std::make_unique<CupsPrinter>(cc);
    }
    return set;
}

}  // namespace kiosk::devices::io
