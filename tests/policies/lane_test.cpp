#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "policies/rules.h"
#include "policy_test_util.h"

namespace kiosk::policies {
namespace {

using test::goodLane;
using test::hkTime;

using Reasons = std::vector<std::string>;

TEST(LaneEligibility, GoodTravellerPasses) {
    const int64_t now = hkTime(2026, 11, 22, 10, 30);
    const Decision d = evaluateLane(goodLane(now), PolicyConfig{}, now);
    EXPECT_EQ(d.verdict, Verdict::Pass);
    EXPECT_TRUE(d.reasons.empty());
    EXPECT_FALSE(d.quiet);
}

TEST(LaneEligibility, NotEnrolled) {
    const int64_t now = hkTime(2026, 11, 22, 10, 30);
    LaneFacts f = goodLane(now);
    f.enrolment.reset();
    const Decision d = evaluateLane(f, PolicyConfig{}, now);
    EXPECT_EQ(d.verdict, Verdict::Refuse);
    EXPECT_EQ(d.reasons, (Reasons{"elig.not_enrolled"}));
}

TEST(LaneEligibility, Residency) {
    const int64_t now = hkTime(2026, 11, 22, 10, 30);
    struct Case { Residency r; bool pass; };
    const Case cases[] = {{Residency::HongKongPermanent, true},      {Residency::MacauPermanent, true},
                          {Residency::HongKongNonPermanent, false},  {Residency::MacauNonPermanent, false},
                          {Residency::Other, false}};
    for (const auto& c : cases) {
        LaneFacts f = goodLane(now);
        f.enrolment->residency = c.r;
        const Decision d = evaluateLane(f, PolicyConfig{}, now);
        EXPECT_EQ(d.passed(), c.pass) << toString(c.r);
        if (!c.pass) { EXPECT_EQ(d.reasons, (Reasons{"elig.not_permanent_resident"})); }
    }
}

TEST(LaneEligibility, InactiveEnrolment) {
    const int64_t now = hkTime(2026, 11, 22, 10, 30);
    LaneFacts f = goodLane(now);
    f.enrolment->active = false;
    EXPECT_EQ(evaluateLane(f, PolicyConfig{}, now).reasons, (Reasons{"elig.enrolment_inactive"}));
}

// Age at the crossing date in local time; the birthday itself counts from 00:00 local.
TEST(LaneEligibility, MinimumAgeBoundaries) {
    struct Case { const char* name; Date birth; int64_t now; bool pass; };
    const Case cases[] = {
        // min 7 (from 2026-01-19): child born 2019-03-10 turns 7 on 2026-03-10.
        {"day before 7th birthday, last second", {2019, 3, 10}, hkTime(2026, 3, 9, 23, 59, 59), false},
        {"7th birthday 00:00:00 local", {2019, 3, 10}, hkTime(2026, 3, 10, 0, 0, 0), true},
        {"7th birthday is still 9 March in UTC", {2019, 3, 10}, hkTime(2026, 3, 10, 7, 59, 59), true},
        // 29 February birth turning 7 in a non-leap year: birthday on 1 March.
        {"29 Feb birth, 28 Feb of non-leap year", {2020, 2, 29}, hkTime(2027, 2, 28, 23, 59, 59), false},
        {"29 Feb birth, 1 March of non-leap year", {2020, 2, 29}, hkTime(2027, 3, 1, 0, 0, 0), true},
        // min 11 (2024-07-19 .. 2026-01-18): 29 Feb 2013 birth is 11 from 2024-02-29; born 2014 not yet.
        {"age 11 under the 2024 rule", {2013, 2, 28}, hkTime(2025, 6, 1, 12), true},
        {"age 10 under the 2024 rule", {2014, 6, 2}, hkTime(2025, 6, 1, 12), false},
        {"29 Feb 2016 birth on 28 Feb 2027: 10", {2016, 2, 29}, hkTime(2027, 2, 28, 12), true},  // min is 7 then
    };
    for (const auto& c : cases) {
        LaneFacts f = goodLane(c.now);
        f.enrolment->dateOfBirth = c.birth;
        const Decision d = evaluateLane(f, PolicyConfig{}, c.now);
        EXPECT_EQ(d.passed(), c.pass) << c.name;
        if (!c.pass) { EXPECT_EQ(d.reasons, (Reasons{"elig.under_minimum_age"})) << c.name; }
    }
}

// 29 February births under a minimum age of 11, as the lane had at launch.
TEST(LaneEligibility, LeapDayBirthUnderElevenRule) {
    PolicyConfig c;
    c.minimumAge = {MinimumAgeRule{Date{2024, 7, 19}, 11}};
    LaneFacts f = goodLane(0);
    f.enrolment->dateOfBirth = Date{2016, 2, 29};
    int64_t t = hkTime(2027, 2, 28, 23, 59, 59);
    f.enrolment->enrolledAt = t - 86400;
    EXPECT_EQ(evaluateLane(f, c, t).reasons, (Reasons{"elig.under_minimum_age"}));
    t = hkTime(2027, 3, 1);
    EXPECT_TRUE(evaluateLane(f, c, t).passed());
    // In a leap year the birthday is 29 February itself.
    f.enrolment->dateOfBirth = Date{2012, 2, 29};
    f.enrolment->enrolledAt = hkTime(2023, 1, 1);
    c.minimumAge = {MinimumAgeRule{Date{2020, 1, 1}, 12}};
    EXPECT_FALSE(evaluateLane(f, c, hkTime(2024, 2, 28, 23, 59, 59)).passed());
    EXPECT_TRUE(evaluateLane(f, c, hkTime(2024, 2, 29, 0, 0, 0)).passed());
}

// The minimum age changes at 00:00 local on its effective date.
TEST(LaneEligibility, MinimumAgeEffectiveDates) {
    struct Case { const char* name; int64_t now; bool pass; };
    const Date eightYearOld{2017, 6, 1};
    const Case cases[] = {
        {"2026-01-18 23:59:59: minimum still 11", hkTime(2026, 1, 18, 23, 59, 59), false},
        {"2026-01-19 00:00:00: minimum now 7", hkTime(2026, 1, 19, 0, 0, 0), true},
        {"launch day 2024-07-19: minimum 11", hkTime(2024, 7, 19, 0, 0, 0), false},
        {"before launch: the launch rule applies", hkTime(2024, 7, 18, 23, 59, 59), false},
    };
    for (const auto& c : cases) {
        LaneFacts f = goodLane(c.now);
        f.enrolment->dateOfBirth = eightYearOld;
        EXPECT_EQ(evaluateLane(f, PolicyConfig{}, c.now).passed(), c.pass) << c.name;
    }
    // An 11-year-old passes on both sides of the launch date's rule.
    LaneFacts f = goodLane(0);
    f.enrolment->dateOfBirth = Date{2013, 7, 19};
    EXPECT_FALSE(evaluateLane(f, PolicyConfig{}, hkTime(2024, 7, 18, 23, 59, 59)).passed());
    EXPECT_TRUE(evaluateLane(f, PolicyConfig{}, hkTime(2024, 7, 19, 0, 0, 0)).passed());
}

TEST(LaneEligibility, RegistrationDelayPerChannel) {
    const int64_t enrolled = hkTime(2026, 11, 22, 9, 12, 34);
    struct Case { EnrolmentChannel ch; int64_t after; bool pass; };
    const Case cases[] = {
        {EnrolmentChannel::SelfServiceMachine, 3 * 3600 - 1, false},
        {EnrolmentChannel::SelfServiceMachine, 3 * 3600, true},
        {EnrolmentChannel::SelfServiceMachine, 3 * 3600 + 1, true},
        {EnrolmentChannel::SelfServiceMachine, 0, false},
        {EnrolmentChannel::SelfServiceMachine, 15 * 60, false},
        {EnrolmentChannel::EnrolmentOffice, 15 * 60 - 1, false},
        {EnrolmentChannel::EnrolmentOffice, 15 * 60, true},
        {EnrolmentChannel::EnrolmentOffice, 0, false},
        {EnrolmentChannel::EnrolmentOffice, -60, false},  // enrolled "in the future"
    };
    for (const auto& c : cases) {
        const int64_t now = enrolled + c.after;
        LaneFacts f = goodLane(now);
        f.enrolment->channel = c.ch;
        f.enrolment->enrolledAt = enrolled;
        const Decision d = evaluateLane(f, PolicyConfig{}, now);
        EXPECT_EQ(d.passed(), c.pass) << toString(c.ch) << " +" << c.after << " s";
        if (!c.pass) { EXPECT_EQ(d.reasons, (Reasons{"elig.registration_delay"})); }
    }
    EnrolmentRecord e = goodLane(0).enrolment.value();
    e.enrolledAt = enrolled;
    EXPECT_EQ(laneUsableFrom(e, PolicyConfig{}), enrolled + 10800);
    e.channel = EnrolmentChannel::EnrolmentOffice;
    EXPECT_EQ(laneUsableFrom(e, PolicyConfig{}), enrolled + 900);
}

// The expiry date is the last valid day (local): expiring today passes.
TEST(LaneEligibility, DocumentExpiry) {
    struct Case { const char* name; Date expiry; int64_t now; bool pass; };
    const Case cases[] = {
        {"expires today, morning", {2026, 11, 22}, hkTime(2026, 11, 22, 0, 0, 0), true},
        {"expires today, last second", {2026, 11, 22}, hkTime(2026, 11, 22, 23, 59, 59), true},
        {"expired yesterday, first second of today", {2026, 11, 21}, hkTime(2026, 11, 22, 0, 0, 0), false},
        {"expired long ago", {2020, 1, 1}, hkTime(2026, 11, 22, 12), false},
        {"expires tomorrow", {2026, 11, 23}, hkTime(2026, 11, 22, 12), true},
        {"invalid expiry date", {2026, 2, 30}, hkTime(2026, 1, 1, 12), false},
    };
    for (const auto& c : cases) {
        LaneFacts f = goodLane(c.now);
        f.enrolment->documentExpiry = c.expiry;
        const Decision d = evaluateLane(f, PolicyConfig{}, c.now);
        EXPECT_EQ(d.passed(), c.pass) << c.name;
        if (!c.pass) { EXPECT_EQ(d.reasons, (Reasons{"elig.document_expired"})) << c.name; }
    }
}

TEST(LaneEligibility, WatchlistRefusesQuietly) {
    const int64_t now = hkTime(2026, 11, 22, 10, 30);
    LaneFacts f = goodLane(now);
    f.watchlistHit = true;
    const Decision d = evaluateLane(f, PolicyConfig{}, now);
    EXPECT_EQ(d.verdict, Verdict::Refuse);
    EXPECT_TRUE(d.quiet);
    EXPECT_EQ(d.reasons, (Reasons{"elig.watchlist"}));
    // Without a hit nothing is quiet, even when refused.
    f.watchlistHit = false;
    f.enrolment->active = false;
    EXPECT_FALSE(evaluateLane(f, PolicyConfig{}, now).quiet);
}

TEST(LaneEligibility, OnePersonAtATime) {
    const int64_t now = hkTime(2026, 11, 22, 10, 30);
    for (int people : {0, 1, 2, 3}) {
        LaneFacts f = goodLane(now);
        f.peopleInLane = people;
        const Decision d = evaluateLane(f, PolicyConfig{}, now);
        EXPECT_EQ(d.passed(), people <= 1) << people;
        if (people > 1) { EXPECT_EQ(d.reasons, (Reasons{"lane.tailgating"})); }
    }
}

// Several rules failing at once: every one of them is reported.
TEST(LaneEligibility, AllFailingReasonsReported) {
    const int64_t now = hkTime(2026, 1, 18, 23, 59, 59);  // health rules on in this config
    PolicyConfig c = test::healthConfig();
    c.healthRules = {HealthRuleSet{Date{2025, 1, 1}, true, 6 * 3600, false}};
    LaneFacts f;
    f.enrolment = test::goodEnrolment(now);
    f.enrolment->residency = Residency::MacauNonPermanent;
    f.enrolment->active = false;
    f.enrolment->dateOfBirth = Date{2017, 6, 1};  // 8, minimum still 11
    f.enrolment->enrolledAt = now - 60;
    f.enrolment->documentExpiry = Date{2026, 1, 17};
    f.watchlistHit = true;
    f.peopleInLane = 2;
    const Decision d = evaluateLane(f, c, now);
    EXPECT_EQ(d.verdict, Verdict::Refuse);
    EXPECT_TRUE(d.quiet);
    const Reasons want{"elig.watchlist",          "elig.not_permanent_resident", "elig.enrolment_inactive",
                       "elig.under_minimum_age",  "elig.registration_delay",     "elig.document_expired",
                       "lane.tailgating",         "health.missing"};
    EXPECT_EQ(d.reasons, want);
    ASSERT_EQ(d.details.size(), d.reasons.size());
    for (const auto& detail : d.details) EXPECT_FALSE(detail.empty());
    EXPECT_NE(d.details[3].find("minimum 11"), std::string::npos) << d.details[3];

    // Same with a red, too-old, expired health code.
    f.health = HealthEvidence{HealthCode{HealthCode::Colour::Red, now - 86400}};
    const Decision d2 = evaluateLane(f, c, now);
    EXPECT_TRUE(d2.has("health.red"));
    EXPECT_TRUE(d2.has("health.code_expired"));
    EXPECT_TRUE(d2.has("health.code_too_old"));
    EXPECT_FALSE(d2.has("health.missing"));
    EXPECT_EQ(d2.reasons.size(), 10u);
}

}  // namespace
}  // namespace kiosk::policies
