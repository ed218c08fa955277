#pragma once
// Layout sizes in reference pixels: 1920x1080 landscape (or 1080x1920 portrait) = scale 1.
// Smaller or larger windows scale everything by layoutScale(); text stays large on a
// 1080p kiosk screen (body >= 40 px).
#include <algorithm>

namespace kiosk::ui::layout {

inline constexpr int kTitlePx = 84;
inline constexpr int kBodyPx = 52;       // traveller instructions and guidance
inline constexpr int kButtonPx = 40;     // language buttons
inline constexpr int kStaffPx = 40;      // staff banner (30 when it needs two lines)
inline constexpr int kOfficerPx = 34;    // officer tables (officer overlay only)
inline constexpr int kMinTouchPx = 88;   // smallest touch target height
// Registration machine screens (ui/registration_screens.cpp)
inline constexpr int kTermsPx = 44;         // the terms in their scroll box
inline constexpr int kStepPx = 40;          // the step indicator (may shrink to fit a box, like buttons)
inline constexpr int kOfficeNamePx = 44;    // enrolment offices on the under-18 refusal
inline constexpr int kOfficeDetailPx = 40;  // their address and hours
inline constexpr int kReceiptLabelPx = 40;  // "Reference / 登記編號" above the values
inline constexpr int kMinFitPercent = 80;   // long texts step down to this share of title/body size

inline double layoutScale(int width, int height) {
    return height > width ? std::min(width / 1080.0, height / 1920.0) : std::min(width / 1920.0, height / 1080.0);
}

}  // namespace kiosk::ui::layout
