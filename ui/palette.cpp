#include "ui/palette.h"

#include <algorithm>
#include <cmath>

namespace kiosk::ui {

namespace {
double channel(uint8_t v) {
    double c = v / 255.0;
    return c <= 0.04045 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4);
}
}  // namespace

double relativeLuminance(Rgb c) {
    return 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
}

double contrastRatio(Rgb a, Rgb b) {
    double la = relativeLuminance(a), lb = relativeLuminance(b);
    if (la < lb) std::swap(la, lb);
    return (la + 0.05) / (lb + 0.05);
}

std::vector<ColorPair> textPairs() {
    using namespace palette;
    return {
        {"body text on background", kText, kBackground},
        {"muted text on background", kTextMuted, kBackground},
        {"accent text on background", kAccent, kBackground},
        {"text on proceed", kText, kProceedBg},
        {"text on see-officer", kText, kOfficerBg},
        {"text on emergency", kEmergencyText, kEmergencyBg},
        {"text on out-of-service", kText, kServiceBg},
        {"button text on button", kButtonText, kButtonBg},
        {"warning text on warning banner", kWarningText, kWarningBg},
        {"text on officer overlay", kText, kOverlayBg},
        {"accent on officer overlay", kAccent, kOverlayBg},
        {"muted text on officer overlay", kTextMuted, kOverlayBg},
        {"in-service status on officer overlay", kGood, kOverlayBg},
        {"lane label on proceed", kText, kProceedBg},
        {"button text on selected language (accent)", kButtonText, kAccent},
        // registration machine: refusal notes and office hours, the card-left alarm
        {"muted text on refusal", kTextMuted, kOfficerBg},
        {"alarm text on card-left alarm", kWarningText, kWarningBg},
    };
}

}  // namespace kiosk::ui
