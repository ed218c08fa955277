#include "devices/sim/sim_printer.h"

namespace kiosk::devices::sim {

void SimPrinter::loadPaper(int receiptsLeft) {
    printerFaults_.receiptsLeft = receiptsLeft;
    printerFaults_.paperNearEnd = false;
    printerFaults_.outOfPaper = false;
}

int SimPrinter::printedCount() const {
    std::lock_guard lock(mu_);
    return printed_;
}

std::optional<Receipt> SimPrinter::lastReceipt() const {
    std::lock_guard lock(mu_);
    return last_;
}

PrinterStatus SimPrinter::currentStatus() const {
    PrinterStatus s;
    s.paperNearEnd = printerFaults_.paperNearEnd;
    if (faults_.lost) {
        s.state = PrinterState::Lost;
        s.detail = "simulated: unplugged";
    } else if (printerFaults_.coverOpen) {
        s.state = PrinterState::CoverOpen;
        s.detail = "simulated: cover open";
    } else if (printerFaults_.outOfPaper) {
        s.state = PrinterState::OutOfPaper;
        s.detail = "simulated: paper roll empty";
    } else {
        s.detail = "simulated";
    }
    return s;
}

core::Result<PrinterStatus> SimPrinter::status() {
    if (faults_.lost) return core::makeError(errc::kLost, "printer is not connected");
    if (faults_.timeout) {
        clock_.sleepFor(core::Millis(1000));
        return core::makeError(errc::kTimeout, "printer did not answer the status query");
    }
    return currentStatus();
}

core::Status SimPrinter::print(const Receipt& receipt) {
    KIOSK_ASSIGN_OR_RETURN(PrinterStatus st, status());
    if (st.state == PrinterState::CoverOpen) return core::makeError(errc::kCoverOpen, "printer cover is open");
    if (st.state == PrinterState::OutOfPaper) return core::makeError(errc::kOutOfPaper, "printer is out of paper");
    const int left = printerFaults_.receiptsLeft;
    if (left == 0) {
        // The roll ends part-way through this receipt.
        clock_.sleepFor(printTime_ / 2);
        printerFaults_.outOfPaper = true;
        return core::makeError(errc::kOutOfPaper, "printer ran out of paper while printing");
    }
    clock_.sleepFor(printTime_);
    int seq = 0;
    {
        std::lock_guard lock(mu_);
        seq = ++printed_;
        last_ = receipt;
    }
    if (left > 0) {
        printerFaults_.receiptsLeft = left - 1;
        if (left - 1 <= 1) printerFaults_.paperNearEnd = true;  // the last receipt on the roll
    }
    if (sink_) {
        auto s = sink_(receipt, seq);
        if (!s.ok()) return core::makeError(errc::kFault, "simulated printer output: " + s.error().message);
    }
    return {};
}

DeviceHealth SimPrinter::health() const {
    const PrinterStatus s = currentStatus();
    DeviceHealth h{"printer", DeviceState::Ready, s.detail};
    if (faults_.lost) h.state = DeviceState::Lost;
    else if (faults_.timeout) {
        h.state = DeviceState::Fault;
        h.detail = "simulated: not answering";
    } else if (s.state != PrinterState::Ready) h.state = DeviceState::Fault;
    else if (s.paperNearEnd) {
        h.state = DeviceState::Degraded;
        h.detail = "simulated: paper near end";
    }
    return h;
}

}  // namespace kiosk::devices::sim
