#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "policies/rules.h"
#include "policy_test_util.h"

namespace kiosk::policies {
namespace {

using test::hkTime;
using RegistrationReasons = std::vector<std::string>;

RegistrationFacts goodApplicant() {
    RegistrationFacts f;
    f.residency = Residency::MacauPermanent;
    f.dateOfBirth = Date{1990, 8, 8};
    f.documentExpiry = Date{2031, 1, 1};
    return f;
}

TEST(Registration, GoodApplicantPassesWithReceiptTime) {
    const int64_t now = hkTime(2026, 11, 22, 10);
    const Decision d = evaluateRegistration(goodApplicant(), PolicyConfig{}, now);
    EXPECT_EQ(d.verdict, Verdict::Pass);
    EXPECT_TRUE(d.reasons.empty());
    ASSERT_TRUE(d.laneUsableFrom.has_value());
    EXPECT_EQ(*d.laneUsableFrom, now + 3 * 3600);
    EXPECT_FALSE(d.replacesEnrolment.has_value());
}

// 18 at the registration date (local), birthday counts; under 18 goes to an office.
TEST(Registration, AgeEighteenBoundary) {
    struct Case { const char* name; Date birth; int64_t now; bool pass; };
    const Case cases[] = {
        {"day before 18th birthday, 23:59:59", {2008, 11, 22}, hkTime(2026, 11, 21, 23, 59, 59), false},
        {"18th birthday, 00:00:00", {2008, 11, 22}, hkTime(2026, 11, 22, 0, 0, 0), true},
        {"29 Feb birth, 28 Feb of non-leap 18th year", {2008, 2, 29}, hkTime(2026, 2, 28, 23, 59, 59), false},
        {"29 Feb birth, 1 March of non-leap 18th year", {2008, 2, 29}, hkTime(2026, 3, 1, 0, 0, 0), true},
        {"child of 12", {2014, 1, 1}, hkTime(2026, 11, 22), false},
        {"invalid birth date", {2008, 2, 30}, hkTime(2026, 11, 22), false},
    };
    for (const auto& c : cases) {
        RegistrationFacts f = goodApplicant();
        f.dateOfBirth = c.birth;
        const Decision d = evaluateRegistration(f, PolicyConfig{}, c.now);
        EXPECT_EQ(d.passed(), c.pass) << c.name;
        if (!c.pass) {
            EXPECT_EQ(d.reasons, (RegistrationReasons{"reg.under_18"})) << c.name;
            EXPECT_FALSE(d.laneUsableFrom.has_value());
        }
    }
}

TEST(Registration, PermanentResidentOnly) {
    const int64_t now = hkTime(2026, 11, 22, 10);
    for (Residency r : {Residency::HongKongNonPermanent, Residency::MacauNonPermanent, Residency::Other}) {
        RegistrationFacts f = goodApplicant();
        f.residency = r;
        EXPECT_EQ(evaluateRegistration(f, PolicyConfig{}, now).reasons, (RegistrationReasons{"reg.not_permanent_resident"}));
    }
    RegistrationFacts f = goodApplicant();
    f.residency = Residency::HongKongPermanent;
    EXPECT_TRUE(evaluateRegistration(f, PolicyConfig{}, now).passed());
}

TEST(Registration, DocumentExpiry) {
    RegistrationFacts f = goodApplicant();
    f.documentExpiry = Date{2026, 11, 22};
    EXPECT_TRUE(evaluateRegistration(f, PolicyConfig{}, hkTime(2026, 11, 22, 23, 59, 59)).passed());
    EXPECT_EQ(evaluateRegistration(f, PolicyConfig{}, hkTime(2026, 11, 23, 0, 0, 0)).reasons,
              (RegistrationReasons{"reg.document_expired"}));
}

TEST(Registration, AllFailingReasonsReported) {
    RegistrationFacts f;
    f.residency = Residency::Other;
    f.dateOfBirth = Date{2012, 1, 1};
    f.documentExpiry = Date{2025, 1, 1};
    f.existing = EnrolmentRecord{"ENR-OLD", Residency::Other, f.dateOfBirth, EnrolmentChannel::EnrolmentOffice,
                                 0, true, f.documentExpiry};
    const Decision d = evaluateRegistration(f, PolicyConfig{}, hkTime(2026, 11, 22));
    EXPECT_EQ(d.reasons, (RegistrationReasons{"reg.under_18", "reg.not_permanent_resident", "reg.document_expired"}));
    EXPECT_FALSE(d.replacesEnrolment.has_value());  // nothing is replaced when refused
}

// Re-enrolment with the same document replaces the active enrolment (the store does it).
TEST(Registration, ReplacesActiveEnrolment) {
    const int64_t now = hkTime(2026, 11, 22, 10);
    RegistrationFacts f = goodApplicant();
    f.existing = EnrolmentRecord{"ENR-42", f.residency, f.dateOfBirth, EnrolmentChannel::SelfServiceMachine,
                                 now - 400 * 86400, true, f.documentExpiry};
    Decision d = evaluateRegistration(f, PolicyConfig{}, now);
    EXPECT_EQ(d.verdict, Verdict::Pass);
    EXPECT_EQ(d.reasons, (RegistrationReasons{"reg.replaces_enrolment"}));
    ASSERT_TRUE(d.replacesEnrolment.has_value());
    EXPECT_EQ(*d.replacesEnrolment, "ENR-42");
    EXPECT_NE(d.details[0].find("ENR-42"), std::string::npos);
    // An inactive old enrolment needs no replacement.
    f.existing->active = false;
    d = evaluateRegistration(f, PolicyConfig{}, now);
    EXPECT_TRUE(d.reasons.empty());
    EXPECT_FALSE(d.replacesEnrolment.has_value());
}

TEST(Registration, ConfiguredRegistrationAge) {
    PolicyConfig c;
    c.registrationMinimumAge = 16;
    RegistrationFacts f = goodApplicant();
    f.dateOfBirth = Date{2010, 11, 22};
    EXPECT_TRUE(evaluateRegistration(f, c, hkTime(2026, 11, 22)).passed());
    EXPECT_FALSE(evaluateRegistration(f, PolicyConfig{}, hkTime(2026, 11, 22)).passed());
}

}  // namespace
}  // namespace kiosk::policies
