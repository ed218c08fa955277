#pragma once
// The screen palette and WCAG 2.x contrast. Every text/background pair the screens use
// is listed in textPairs() so a test can hold them all to >= 7:1 (WCAG AAA).
#include <cstdint>
#include <string>
#include <vector>

namespace kiosk::ui {

struct Rgb {
    uint8_t r = 0, g = 0, b = 0;
};

// WCAG relative luminance (sRGB) and contrast ratio (L1 + 0.05) / (L2 + 0.05).
double relativeLuminance(Rgb c);
double contrastRatio(Rgb a, Rgb b);

namespace palette {
inline constexpr Rgb kBackground{0x0B, 0x1F, 0x3A};     // deep navy
inline constexpr Rgb kText{0xFF, 0xFF, 0xFF};
inline constexpr Rgb kTextMuted{0xD8, 0xE2, 0xEE};
inline constexpr Rgb kAccent{0xFF, 0xD5, 0x4F};         // yellow highlights on navy
inline constexpr Rgb kProceedBg{0x00, 0x5A, 0x1E};      // green screen
inline constexpr Rgb kOfficerBg{0x7A, 0x12, 0x12};      // see-officer red-brown
inline constexpr Rgb kEmergencyBg{0xB0, 0x00, 0x00};    // emergency red (text white... see pairs)
inline constexpr Rgb kEmergencyText{0xFF, 0xFF, 0xFF};
inline constexpr Rgb kServiceBg{0x30, 0x30, 0x30};
inline constexpr Rgb kButtonBg{0xFF, 0xFF, 0xFF};
inline constexpr Rgb kButtonText{0x0B, 0x1F, 0x3A};
inline constexpr Rgb kWarningBg{0xFF, 0xD5, 0x4F};
inline constexpr Rgb kWarningText{0x00, 0x00, 0x00};
inline constexpr Rgb kOverlayBg{0x10, 0x10, 0x10};
inline constexpr Rgb kGood{0x3D, 0xDC, 0x84};
inline constexpr Rgb kAdjust{0xFF, 0xB0, 0x20};
}  // namespace palette

struct ColorPair {
    std::string name;
    Rgb foreground;
    Rgb background;
};
std::vector<ColorPair> textPairs();

}  // namespace kiosk::ui
