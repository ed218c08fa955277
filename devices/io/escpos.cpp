#include "devices/io/escpos.h"

#include <algorithm>

#include "devices/io/receipt_render.h"

namespace kiosk::devices::io::escpos {

std::string rasterBands(const Image& raster, int bandRows) {
    const auto bits = packRaster(raster);
    const int bytesPerRow = (raster.width + 7) / 8;
    std::string out;
    for (int y0 = 0; y0 < raster.height; y0 += bandRows) {
        const int rows = std::min(bandRows, raster.height - y0);
        // GS v 0 m xL xH yL yH: m = 0 (normal density), x in bytes, y in dots.
        out += "\x1d\x76\x30";
        out += char(0);
        out += char(bytesPerRow & 0xFF);
        out += char((bytesPerRow >> 8) & 0xFF);
        out += char(rows & 0xFF);
        out += char((rows >> 8) & 0xFF);
        out.append(reinterpret_cast<const char*>(bits.data()) + std::size_t(y0) * bytesPerRow,
                   std::size_t(rows) * bytesPerRow);
    }
    return out;
}

std::string receiptJob(const Image& raster, int feedLines) {
    std::string out = kInitialize;
    out += rasterBands(raster);
    out += "\x1b\x64";  // ESC d n: feed n lines, so the cut clears the last printed row
    out += char(std::clamp(feedLines, 0, 255));
    out += "\x1d\x56\x42";  // GS V 66 n: feed to the cutter + n, partial cut
    out += char(0);
    return out;
}

bool isStatusByte(uint8_t b) { return (b & 0x93) == 0x12; }

core::Result<PrinterStatus> statusFromBytes(uint8_t offline, uint8_t paper) {
    if (!isStatusByte(offline) || !isStatusByte(paper))
        return core::makeError(errc::kBadInput, "printer answered the status query with unexpected bytes");
    PrinterStatus s;
    s.paperNearEnd = (paper & 0x0C) != 0;
    const bool coverOpen = offline & 0x04;
    const bool paperEnd = (offline & 0x20) || (paper & 0x60);
    if (coverOpen) {
        s.state = PrinterState::CoverOpen;
        s.detail = "cover open";
    } else if (paperEnd) {
        s.state = PrinterState::OutOfPaper;
        s.detail = "paper end";
    } else if (offline & 0x40) {
        return core::makeError(errc::kFault, "printer reports an error (cutter or mechanism)");
    } else {
        s.detail = s.paperNearEnd ? "paper near end" : "ready";
    }
    return s;
}

core::Result<PrinterStatus> statusFromPaperSensor(uint8_t b) {
    if (b & 0x90) return core::makeError(errc::kBadInput, "printer answered GS r 1 with an unexpected byte");
    PrinterStatus s;
    s.paperNearEnd = (b & 0x03) != 0;
    if (b & 0x0C) {
        s.state = PrinterState::OutOfPaper;
        s.detail = "paper end";
    } else {
        s.detail = s.paperNearEnd ? "paper near end" : "ready";
    }
    return s;
}

}  // namespace kiosk::devices::io::escpos
