#pragma once
// ESC/POS as the receipt printer driver speaks it: the receipt goes as a raster image
// (GS v 0, in bands) so no printer font is involved; status comes from the real-time
// queries DLE EOT 2 (offline cause) and DLE EOT 4 (paper roll sensor), and GS r 1 (paper
// sensor, answered only once everything before it has printed). Pure byte building and
// parsing; escpos_printer.cpp moves the bytes.
#include <cstdint>
#include <string>

#include "core/result.h"
#include "devices/image.h"
#include "devices/printer.h"

namespace kiosk::devices::io::escpos {

inline const std::string kInitialize = "\x1b\x40";             // ESC @
inline const std::string kQueryOffline{"\x10\x04\x02", 3};     // DLE EOT 2
inline const std::string kQueryPaper{"\x10\x04\x04", 3};       // DLE EOT 4
inline const std::string kQueryPrinted{"\x1d\x72\x01", 3};     // GS r 1

// Rows per GS v 0 command: small enough for the receive buffer of common printers.
inline constexpr int kBandRows = 240;

// ESC @, the raster in GS v 0 bands (1 = ink, MSB = leftmost dot), feed, partial cut.
std::string receiptJob(const Image& raster, int feedLines = 4);
std::string rasterBands(const Image& raster, int bandRows = kBandRows);

// Every real-time status byte has bits 1 and 4 set and bits 0 and 7 clear.
bool isStatusByte(uint8_t b);

// DLE EOT 2 and DLE EOT 4 answers -> printer state. Cover open wins over paper end (the
// paper cannot be changed with the cover shut). errc::kFault when the printer reports an
// error (cutter, head temperature), errc::kBadInput for bytes that are no status answers.
core::Result<PrinterStatus> statusFromBytes(uint8_t offlineCause, uint8_t paperSensor);

// GS r 1 answer: paper end (bits 2-3) -> OutOfPaper, near end (bits 0-1) -> paperNearEnd.
core::Result<PrinterStatus> statusFromPaperSensor(uint8_t gsR1);

}  // namespace kiosk::devices::io::escpos
