#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "policies/reasons.h"

namespace kiosk::policies {
namespace {

// The shared reason codes of the project (task brief), written out here on purpose: the
// table must cover every one of them.
const std::vector<std::string> kSharedCodes = {
    "qr.malformed", "qr.unknown_prefix", "qr.too_large", "qr.unsupported_alg", "qr.critical_header",
    "qr.bad_signature", "qr.unknown_issuer", "qr.key_not_valid", "qr.expired", "qr.not_yet_valid",
    "qr.replayed", "qr.duplicate_scan", "trust.stale", "trust.stale_warning", "trust.clock_rollback",
    "trust.bad_signature", "mrz.invalid", "hc.malformed", "hc.bad_signature", "hc.expired",
    "hc.untrusted_signer", "hc.signer_not_valid", "hc.key_usage", "hc.bad_certificate",
    "elig.not_enrolled", "elig.not_permanent_resident", "elig.enrolment_inactive", "elig.under_minimum_age",
    "elig.registration_delay", "elig.document_expired", "elig.watchlist", "health.missing", "health.red",
    "health.amber", "health.code_expired", "health.code_too_old", "health.certificate_invalid", "reg.under_18",
    "reg.not_permanent_resident", "reg.document_expired", "reg.replaces_enrolment", "lane.tailgating",
    "lane.no_entry", "lane.timeout", "lane.out_of_service", "lane.fire_alarm", "face.no_match",
    "face.liveness_failed", "face.no_face", "finger.no_match", "finger.quality", "device.fault",
    "sync.enrolments_stale", "trust.missing",
};

bool hasCjk(std::string_view s) {
    // UTF-8 lead bytes 0xE4..0xE9 start the CJK Unified Ideographs block (U+4E00..U+9FFF).
    return std::any_of(s.begin(), s.end(), [](char c) {
        const auto b = static_cast<unsigned char>(c);
        return b >= 0xE4 && b <= 0xE9;
    });
}

TEST(ReasonTable, CoversEverySharedCodeInAllLanguages) {
    for (const auto& code : kSharedCodes) {
        const ReasonText* t = reasonText(code);
        ASSERT_NE(t, nullptr) << code << " is missing from the reason table";
        EXPECT_EQ(t->code, code);
        EXPECT_FALSE(t->zhHant.empty()) << code;
        EXPECT_FALSE(t->en.empty()) << code;
        EXPECT_FALSE(t->pt.empty()) << code;
        EXPECT_FALSE(t->officer.empty()) << code;
        EXPECT_TRUE(hasCjk(t->zhHant)) << code << ": Chinese text has no Chinese characters";
        EXPECT_FALSE(hasCjk(t->en)) << code;
        EXPECT_NE(t->en, t->pt) << code << ": Portuguese text is a copy of the English one";
        EXPECT_EQ(t->traveller(Language::ZhHant), t->zhHant);
        EXPECT_EQ(t->traveller(Language::En), t->en);
        EXPECT_EQ(t->traveller(Language::Pt), t->pt);
    }
    EXPECT_EQ(allReasons().size(), kSharedCodes.size());
}

TEST(ReasonTable, CodesAreUniqueAndWellFormed) {
    std::set<std::string_view> seen;
    for (const auto& r : allReasons()) {
        EXPECT_TRUE(seen.insert(r.code).second) << "duplicate " << r.code;
        EXPECT_NE(r.code.find('.'), std::string_view::npos) << r.code;
    }
}

TEST(ReasonTable, KindsOfNonRefusals) {
    EXPECT_EQ(reasonText("trust.stale_warning")->kind, ReasonKind::Warning);
    EXPECT_EQ(reasonText("reg.replaces_enrolment")->kind, ReasonKind::Info);
    EXPECT_EQ(reasonText("elig.watchlist")->kind, ReasonKind::Refusal);
    int refusals = 0;
    for (const auto& r : allReasons()) refusals += r.kind == ReasonKind::Refusal;
    EXPECT_EQ(refusals, static_cast<int>(kSharedCodes.size()) - 2);
}

// A watchlist hit must not be visible to the traveller: the same generic text as the
// other "see an officer" refusals, in every language; only the officer sees the reason.
TEST(ReasonTable, WatchlistTravellerTextRevealsNothing) {
    const ReasonText* w = reasonText("elig.watchlist");
    ASSERT_NE(w, nullptr);
    const ReasonText& g = genericRefusal();
    for (Language l : {Language::ZhHant, Language::En, Language::Pt}) {
        EXPECT_EQ(w->traveller(l), g.traveller(l));
        std::string lower(w->traveller(l));
        std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
        for (const char* word : {"watch", "list", "lista", "vigil", "alert", "police", "polícia", "suspe", "wanted",
                                 "監察", "名單", "通緝", "警", "可疑"})
            EXPECT_EQ(lower.find(word), std::string::npos) << "watchlist traveller text contains '" << word << "'";
    }
    // Other refusals share exactly this text, so the screen is indistinguishable.
    int sharing = 0;
    for (const auto& r : allReasons())
        if (r.code != w->code && r.en == w->en && r.zhHant == w->zhHant && r.pt == w->pt) ++sharing;
    EXPECT_GE(sharing, 2);
    // The officer sees the specific reason.
    EXPECT_NE(w->officer, g.officer);
    EXPECT_NE(std::string(w->officer).find("WATCHLIST"), std::string::npos);
}

TEST(ReasonTable, UnknownCodeFallsBackToGeneric) {
    EXPECT_EQ(reasonText("no.such_code"), nullptr);
    EXPECT_EQ(reasonText(""), nullptr);
    EXPECT_EQ(travellerText("no.such_code", Language::Pt), genericRefusal().pt);
    EXPECT_EQ(travellerText("health.red", Language::En), reasonText("health.red")->en);
}

}  // namespace
}  // namespace kiosk::policies
