#pragma once
// The registration machine's receipt printer. The receipt is composed as plain values
// (UTF-8 text with language tags, the enrolment reference, an optional QR payload) and the
// driver turns it into paper: every driver prints a raster it renders itself
// (devices/receipt/), so Traditional Chinese, English and Portuguese print the same on
// any printer, with no printer fonts.
#include <cstdint>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "devices/device.h"

namespace kiosk::devices {

// Printer-specific error codes (print() and status()); besides these: errc::kLost,
// errc::kTimeout, errc::kFault. A print that fails may have printed part of the receipt:
// the caller offers a reprint once the printer is Ready again.
namespace errc {
inline constexpr const char* kOutOfPaper = "device.out_of_paper";
inline constexpr const char* kCoverOpen = "device.cover_open";
}  // namespace errc

enum class PrinterState { Ready, OutOfPaper, CoverOpen, Lost };

inline const char* toString(PrinterState s) {
    switch (s) {
        case PrinterState::Ready: return "ready";
        case PrinterState::OutOfPaper: return "out_of_paper";
        case PrinterState::CoverOpen: return "cover_open";
        case PrinterState::Lost: return "lost";
    }
    return "?";
}

struct PrinterStatus {
    PrinterState state = PrinterState::Ready;
    bool paperNearEnd = false;  // still prints; staff should refill soon
    std::string detail;         // no personal data
};

// How one receipt line is laid out. Text lines carry their own text; Reference prints
// Receipt::reference large; Code prints Receipt::codeText as a QR code; Rule is a line
// across the paper; Space is a blank gap.
enum class ReceiptLineKind { Text, Reference, Code, Rule, Space };
enum class ReceiptTextSize { Small, Normal, Large };
enum class ReceiptAlign { Left, Centre };

struct ReceiptLine {
    ReceiptLineKind kind = ReceiptLineKind::Text;
    std::string text;      // UTF-8, wrapped to the paper width (Text only)
    std::string language;  // BCP 47 tag: "zh-Hant", "en", "pt" (picks CJK glyph forms)
    ReceiptTextSize size = ReceiptTextSize::Normal;
    ReceiptAlign align = ReceiptAlign::Left;
    bool bold = false;
};

struct Receipt {
    std::vector<ReceiptLine> lines;  // printed top to bottom
    std::string reference;           // enrolment reference as the resident reads it
    std::string codeText;            // QR payload for Code lines (usually the reference)
    core::WallTime issuedAt{};
    core::WallTime usableFrom{};     // the lane may be used from this time
};

class ReceiptPrinter : public Device {
public:
    // The printer's current state (a real status query where the device answers one).
    virtual core::Result<PrinterStatus> status() = 0;
    // Prints the whole receipt and cuts. OK only once the printer took it all and reports
    // no fault; errc::kOutOfPaper, errc::kCoverOpen, errc::kLost, errc::kTimeout otherwise.
    virtual core::Status print(const Receipt& receipt) = 0;
};

}  // namespace kiosk::devices
