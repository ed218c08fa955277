#pragma once
// Simulated receipt printer. What it "prints" goes to a sink (the factory's sink renders
// the receipt and writes it as a PNG in devices.printer.out_dir). Fault switches: lost,
// timeout (FaultSwitches), out of paper, cover open, and a paper roll that runs out after
// a number of receipts (the out-of-paper-after-commit case).
#include <atomic>
#include <functional>
#include <mutex>
#include <optional>
#include <vector>

#include "core/clock.h"
#include "devices/printer.h"
#include "devices/sim/sim_faults.h"

namespace kiosk::devices::sim {

struct PrinterFaultSwitches {
    std::atomic<bool> outOfPaper{false};
    std::atomic<bool> coverOpen{false};
    std::atomic<bool> paperNearEnd{false};
    // Receipts left on the roll; < 0 = endless. At 0 the next print runs out mid-receipt
    // (errc::kOutOfPaper) and outOfPaper turns on until the roll is changed; with one
    // receipt left paperNearEnd turns on.
    std::atomic<int> receiptsLeft{-1};
};

class SimPrinter final : public ReceiptPrinter {
public:
    // Called for each complete receipt with its 1-based sequence number; a failing sink is
    // a printer fault (errc::kFault).
    using Sink = std::function<core::Status(const Receipt&, int sequence)>;

    explicit SimPrinter(core::Clock& clock, Sink sink = {}) : clock_(clock), sink_(std::move(sink)) {}

    FaultSwitches& faults() { return faults_; }
    PrinterFaultSwitches& printerFaults() { return printerFaults_; }
    // A new roll: clears out of paper and near end; receiptsLeft < 0 = endless.
    void loadPaper(int receiptsLeft = -1);
    void setPrintTime(core::Millis t) { printTime_ = t; }

    int printedCount() const;
    std::optional<Receipt> lastReceipt() const;

    core::Result<PrinterStatus> status() override;
    core::Status print(const Receipt& receipt) override;
    DeviceHealth health() const override;

private:
    PrinterStatus currentStatus() const;

    core::Clock& clock_;
    Sink sink_;
    FaultSwitches faults_;
    PrinterFaultSwitches printerFaults_;
    core::Millis printTime_{1500};
    mutable std::mutex mu_;
    int printed_ = 0;
    std::optional<Receipt> last_;
};

}  // namespace kiosk::devices::sim
