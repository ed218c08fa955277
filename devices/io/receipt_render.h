#pragma once
// Receipt -> paper raster. Every printer driver prints this raster (no printer fonts), so
// Traditional Chinese, English and Portuguese look the same on every printer. Text is
// drawn with SDL2_ttf and Noto Sans CJK; the QR code with libqrencode. The raster is
// 1-bit: a Gray8 Image whose pixels are 0 (ink) or 255 (paper).
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/result.h"
#include "devices/image.h"
#include "devices/printer.h"

namespace kiosk::devices::io {

struct ReceiptRenderOptions {
    int widthDots = 576;  // 80 mm paper at 203 dpi (72 mm printable); 384 for 58 mm
    int marginDots = 12;
    std::filesystem::path fontPath = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc";
    std::filesystem::path boldFontPath = "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc";
    int fontFaceIndex = 3;  // Noto Sans CJK TC: Traditional Chinese glyph forms
    int smallPx = 20;
    int normalPx = 26;
    int largePx = 36;
    int referencePx = 48;
    int qrModuleDots = 6;   // 0.75 mm modules scan well from thermal paper
    int lineGapDots = 4;

    // Keys (all optional): width_dots, font, font_bold, font_face_index.
    static core::Result<ReceiptRenderOptions> fromConfig(const core::ConfigView& cfg);
};

// errc "device.render" when a font cannot be opened or the QR text is too long.
core::Result<Image> renderReceipt(const Receipt& receipt, const ReceiptRenderOptions& options = {});

// Rows of ceil(width/8) bytes, most significant bit first, 1 = ink (ESC/POS and most
// thermal printers' raster convention).
std::vector<uint8_t> packRaster(const Image& raster);
Image unpackRaster(const std::vector<uint8_t>& bits, int width, int height);

core::Status writePng(const Image& image, const std::filesystem::path& path);

// ---- the registration receipt ----------------------------------------------------------
// Text lookup: (key, language tag "zh-Hant"|"en"|"pt") -> UTF-8 text. The keys are the
// receipt.* entries of assets/strings/strings.json (the caller passes its StringTable).
using ReceiptText = std::function<std::string(const std::string& key, const std::string& language)>;

struct RegistrationReceiptInput {
    std::string reference;   // the enrolment reference
    std::string codeText;    // QR payload; empty = the reference
    std::string language = "en";  // the resident's language; English is always added
    core::WallTime issuedAt{};
    core::WallTime usableFrom{};
};

// The receipt.* keys composeRegistrationReceipt() uses.
const std::vector<std::string>& registrationReceiptKeys();

// Title, reference (text and QR), "usable from" date and time in Hong Kong time, the next
// steps: in the resident's language and then in English (once when the language is English).
Receipt composeRegistrationReceipt(const RegistrationReceiptInput& input, const ReceiptText& text);

// Hong Kong local time (UTC+8, no daylight saving) written for the language:
//   zh-Hant "2026年11月22日 15:05", en "22 November 2026, 15:05", pt "22 de novembro de 2026, 15:05".
std::string formatHongKongTime(core::WallTime t, const std::string& language);

}  // namespace kiosk::devices::io
