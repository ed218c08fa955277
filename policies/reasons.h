#pragma once
// The ONE table of reason texts: for every shared reason code, the traveller's text in
// Traditional Chinese, English and Portuguese and the officer's text. The UI and the
// officer console take every reason text from here.
#include <span>
#include <string_view>

namespace kiosk::policies {

enum class Language { ZhHant, En, Pt };

enum class ReasonKind {
    Refusal,   // the traveller may not go on
    Warning,   // go on, but tell the officer (e.g. trust.stale_warning)
    Info,      // informational (e.g. reg.replaces_enrolment)
};

struct ReasonText {
    std::string_view code;     // "elig.under_minimum_age"
    ReasonKind kind;
    std::string_view zhHant;   // traveller, Traditional Chinese
    std::string_view en;       // traveller, English
    std::string_view pt;       // traveller, Portuguese
    std::string_view officer;  // officer console (English), the specific reason

    std::string_view traveller(Language l) const;
};

// nullptr for an unknown code.
const ReasonText* reasonText(std::string_view code);
// Every code in the table, in table order.
std::span<const ReasonText> allReasons();
// The generic "please see an officer" text (also the watchlist's traveller text, and
// the fallback for unknown codes).
const ReasonText& genericRefusal();
// Traveller text for a code in a language; the generic text for unknown codes.
std::string_view travellerText(std::string_view code, Language l);

}  // namespace kiosk::policies
