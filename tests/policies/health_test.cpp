#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "policies/rules.h"
#include "policy_test_util.h"

namespace kiosk::policies {
namespace {

using test::healthConfig;
using test::hkTime;
using HealthReasons = std::vector<std::string>;
using Colour = HealthCode::Colour;

std::optional<HealthEvidence> code(Colour c, int64_t issuedAt) { return HealthEvidence{HealthCode{c, issuedAt}}; }

TEST(HealthCode, OnlyGreenPasses) {
    const int64_t issued = hkTime(2022, 3, 1, 8, 0, 0);
    const int64_t now = issued + 3600;
    EXPECT_TRUE(evaluateHealth(code(Colour::Green, issued), healthConfig(), now).passed());
    EXPECT_EQ(evaluateHealth(code(Colour::Amber, issued), healthConfig(), now).reasons, (HealthReasons{"health.amber"}));
    EXPECT_EQ(evaluateHealth(code(Colour::Red, issued), healthConfig(), now).reasons, (HealthReasons{"health.red"}));
    EXPECT_EQ(evaluateHealth(std::nullopt, healthConfig(), now).reasons, (HealthReasons{"health.missing"}));
}

// Valid until 23:59:59 local of the issue day; a code issued at 23:59 lasts one minute.
TEST(HealthCode, ValidUntilEndOfIssueDay) {
    struct Case { const char* name; int64_t issued; int64_t now; bool pass; };
    const Case cases[] = {
        {"issued 08:00, checked 23:59:59", hkTime(2022, 3, 1, 8), hkTime(2022, 3, 1, 23, 59, 59), true},
        {"issued 08:00, checked next day 00:00:00", hkTime(2022, 3, 1, 8), hkTime(2022, 3, 2, 0, 0, 0), false},
        {"issued 00:00:00, checked 23:59:59", hkTime(2022, 3, 1, 0), hkTime(2022, 3, 1, 23, 59, 59), true},
        {"issued 23:59:00, checked 00:00:00", hkTime(2022, 3, 1, 23, 59), hkTime(2022, 3, 2, 0, 0, 0), false},
        {"issued 23:59:00, checked 23:59:59", hkTime(2022, 3, 1, 23, 59), hkTime(2022, 3, 1, 23, 59, 59), true},
        // 16:00 UTC is midnight local: the UTC date must not be used.
        {"issued 07:00 local (previous UTC day)", hkTime(2022, 3, 1, 7), hkTime(2022, 3, 1, 9), true},
        {"issued in the future", hkTime(2022, 3, 1, 10), hkTime(2022, 3, 1, 9, 59, 59), false},
        {"issued at now", hkTime(2022, 3, 1, 10), hkTime(2022, 3, 1, 10), true},
    };
    for (const auto& c : cases) {
        const Decision d = evaluateHealth(code(Colour::Green, c.issued), healthConfig(), c.now);
        EXPECT_EQ(d.passed(), c.pass) << c.name;
        if (!c.pass) { EXPECT_EQ(d.reasons, (HealthReasons{"health.code_expired"})) << c.name; }
    }
}

// Macau: generated within 6 hours before crossing (exactly 6 h passes).
TEST(HealthCode, MaximumCodeAge) {
    const PolicyConfig c = healthConfig(6 * 3600);
    const int64_t issued = hkTime(2022, 3, 1, 8, 0, 0);
    EXPECT_TRUE(evaluateHealth(code(Colour::Green, issued), c, issued + 6 * 3600).passed());
    EXPECT_EQ(evaluateHealth(code(Colour::Green, issued), c, issued + 6 * 3600 + 1).reasons,
              (HealthReasons{"health.code_too_old"}));
    // Without a maximum the same code is fine all day.
    EXPECT_TRUE(evaluateHealth(code(Colour::Green, issued), healthConfig(), issued + 6 * 3600 + 1).passed());
    // Both limits at once: next day and too old.
    EXPECT_EQ(evaluateHealth(code(Colour::Amber, issued), c, hkTime(2022, 3, 2, 9)).reasons,
              (HealthReasons{"health.amber", "health.code_expired", "health.code_too_old"}));
}

// The rule set switches on and off at 00:00 local of its effective dates.
TEST(HealthCode, RuleSetEffectiveDates) {
    struct Case { const char* name; int64_t now; bool required; };
    const Case cases[] = {
        {"day before switch-on, last second", hkTime(2020, 5, 10, 23, 59, 59), false},
        {"switch-on day, 00:00:00", hkTime(2020, 5, 11, 0, 0, 0), true},
        {"day before switch-off, last second", hkTime(2023, 2, 5, 23, 59, 59), true},
        {"switch-off day, 00:00:00", hkTime(2023, 2, 6, 0, 0, 0), false},
        {"lane era", hkTime(2026, 11, 22, 12), false},
    };
    for (const auto& c : cases) {
        const Decision d = evaluateHealth(std::nullopt, healthConfig(), c.now);
        EXPECT_EQ(d.passed(), !c.required) << c.name;
        if (c.required) { EXPECT_EQ(d.reasons, (HealthReasons{"health.missing"})); }
        // The lane applies the same rule.
        LaneFacts f = test::goodLane(c.now);
        EXPECT_EQ(evaluateLane(f, healthConfig(), c.now).passed(), !c.required) << c.name;
    }
    // The defaults (the real lane, 2024 onwards) have no health rules in force.
    EXPECT_TRUE(evaluateHealth(std::nullopt, PolicyConfig{}, hkTime(2022, 3, 1)).passed());
}

TEST(HealthCode, CertificateHc1) {
    const int64_t now = hkTime(2022, 3, 1, 12);
    HealthCertificate good{true, now - 86400, now + 86400};
    auto cert = [](HealthCertificate c) { return std::optional<HealthEvidence>{HealthEvidence{c}}; };
    EXPECT_TRUE(evaluateHealth(cert(good), healthConfig(), now).passed());

    struct Case { const char* name; HealthCertificate c; bool accepted; bool pass; };
    const Case cases[] = {
        {"not accepted by configuration", good, false, false},
        {"signature not verified", {false, now - 10, now + 10}, true, false},
        {"valid until now exactly", {true, now - 10, now}, true, true},
        {"expired one second ago", {true, now - 10, now - 1}, true, false},
        {"valid from now exactly", {true, now, now + 10}, true, true},
        {"not valid yet", {true, now + 1, now + 10}, true, false},
    };
    for (const auto& c : cases) {
        const Decision d = evaluateHealth(cert(c.c), healthConfig(std::nullopt, c.accepted), now);
        EXPECT_EQ(d.passed(), c.pass) << c.name;
        if (!c.pass) { EXPECT_EQ(d.reasons, (HealthReasons{"health.certificate_invalid"})) << c.name; }
    }
}

}  // namespace
}  // namespace kiosk::policies
