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

inline double layoutScale(int width, int height) {
    return height > width ? std::min(width / 1080.0, height / 1920.0) : std::min(width / 1920.0, height / 1080.0);
}

}  // namespace kiosk::ui::layout
