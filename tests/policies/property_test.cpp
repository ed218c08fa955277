// Randomised, seeded property tests: (1) the decision equals an independent oracle
// (written with std::chrono's calendar, a threshold formulation of age) for random
// facts biased towards every boundary; (2) for each rule, random facts in which that
// rule fails are always refused with that reason, whatever the other facts are.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <random>
#include <set>
#include <string>

#include "policies/reasons.h"
#include "policies/rules.h"

namespace kiosk::policies {
namespace {

namespace chr = std::chrono;
using Rng = std::mt19937_64;

constexpr uint64_t kSeed = 0x484B4D4F2026ULL;  // fixed: failures are reproducible
constexpr int kOracleCases = 30000;
constexpr int kForcedCases = 2000;

int64_t uniform(Rng& r, int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(r); }
bool chance(Rng& r, double p) { return std::bernoulli_distribution(p)(r); }

// ---- independent calendar helpers (std::chrono) ----
int64_t dayIndex(int64_t unix, int64_t offset) {  // local day number
    return chr::floor<chr::days>(chr::sys_seconds{chr::seconds{unix + offset}}).time_since_epoch().count();
}
chr::year_month_day ymdOfDay(int64_t day) { return chr::year_month_day{chr::sys_days{chr::days{day}}}; }
int64_t dayOf(const chr::year_month_day& ymd) { return chr::sys_days{ymd}.time_since_epoch().count(); }
Date toDate(const chr::year_month_day& ymd) {
    return Date{static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day())};
}
Date dateOfDay(int64_t day) { return toDate(ymdOfDay(day)); }
chr::year_month_day toYmd(const Date& d) { return chr::year{d.year} / chr::month{d.month} / chr::day{d.day}; }
// The day someone born on `birth` reaches `years` (29 Feb -> 1 Mar in non-leap years:
// sys_days of an invalid 29 Feb rolls over to 1 Mar).
int64_t dayReaching(const Date& birth, int years) {
    return dayOf(chr::year{birth.year + years} / chr::month{birth.month} / chr::day{birth.day});
}

// ---- random generation, biased to boundaries ----
PolicyConfig randomConfig(Rng& r) {
    PolicyConfig c;
    if (chance(r, 0.3)) return c;  // the real defaults
    if (chance(r, 0.2)) c.utcOffsetSeconds = uniform(r, -48, 56) * 15 * 60;
    c.minimumAge.clear();
    int64_t day = dayOf(chr::year{2023} / 1 / 1) + uniform(r, 0, 800);
    for (int i = 0, n = static_cast<int>(uniform(r, 1, 3)); i < n; ++i) {
        c.minimumAge.push_back(MinimumAgeRule{dateOfDay(day), static_cast<int>(uniform(r, 0, 18))});
        day += uniform(r, 1, 1200);
    }
    c.delaySelfServiceSeconds = uniform(r, 0, 600) * 60;
    c.delayEnrolmentOfficeSeconds = uniform(r, 0, 60) * 60;
    c.registrationMinimumAge = static_cast<int>(uniform(r, 16, 21));
    day = dayOf(chr::year{2023} / 1 / 1) + uniform(r, -300, 1500);
    for (int i = 0, n = static_cast<int>(uniform(r, 0, 3)); i < n; ++i) {
        HealthRuleSet h;
        h.from = dateOfDay(day);
        h.required = chance(r, 0.7);
        if (chance(r, 0.5)) h.maxCodeAgeSeconds = uniform(r, 1, 1440) * 60;
        h.certificateAccepted = chance(r, 0.5);
        c.healthRules.push_back(h);
        day += uniform(r, 1, 1000);
    }
    return c;
}

int64_t randomNow(Rng& r, const PolicyConfig& c) {
    static const int64_t lo = chr::sys_seconds{chr::sys_days{chr::year{2023} / 1 / 1}}.time_since_epoch().count();
    static const int64_t hi = chr::sys_seconds{chr::sys_days{chr::year{2031} / 1 / 1}}.time_since_epoch().count();
    int64_t t = uniform(r, lo, hi);
    if (chance(r, 0.3)) {  // near a local midnight
        const int64_t m = (dayIndex(t, 8 * 3600) * 86400) - 8 * 3600;
        t = m + uniform(r, -2, 2);
    } else if (chance(r, 0.2)) {  // near the start of an effective date of the configuration
        std::vector<Date> dates;
        for (const auto& m : c.minimumAge) dates.push_back(m.from);
        for (const auto& h : c.healthRules) dates.push_back(h.from);
        const Date d = dates[uniform(r, 0, static_cast<int64_t>(dates.size()) - 1)];
        t = dayOf(toYmd(d)) * 86400 - c.utcOffsetSeconds + uniform(r, -2, 2);
    }
    return t;
}

Date randomBirth(Rng& r, int64_t today, int targetAge) {
    if (chance(r, 0.1)) {  // a 29 February birth around the target age
        int y = static_cast<int>(ymdOfDay(today).year()) - targetAge + static_cast<int>(uniform(r, -1, 1));
        while (!chr::year{y}.is_leap()) --y;
        return Date{y, 2, 29};
    }
    // Born about targetAge years ago, within a few days of the birthday.
    const Date t = dateOfDay(today);
    const int64_t anniversary = dayOf(chr::year{t.year - targetAge} / chr::month{t.month} / chr::day{t.day});
    return dateOfDay(anniversary + (chance(r, 0.6) ? uniform(r, -2, 2) : uniform(r, -400, 400)));
}

Residency randomResidency(Rng& r) { return static_cast<Residency>(uniform(r, 0, 4)); }

LaneFacts randomLane(Rng& r, const PolicyConfig& c, int64_t now) {
    const int64_t today = dayIndex(now, c.utcOffsetSeconds);
    LaneFacts f;
    if (chance(r, 0.92)) {
        EnrolmentRecord e;
        e.reference = "ENR-" + std::to_string(uniform(r, 1, 999999));
        e.residency = chance(r, 0.7) ? (chance(r, 0.5) ? Residency::HongKongPermanent : Residency::MacauPermanent)
                                     : randomResidency(r);
        e.active = chance(r, 0.85);
        e.dateOfBirth = randomBirth(r, today, c.minimumAgeOn(dateOfDay(today)) + static_cast<int>(uniform(r, -1, 3)));
        e.channel = chance(r, 0.5) ? EnrolmentChannel::SelfServiceMachine : EnrolmentChannel::EnrolmentOffice;
        const int64_t delay = c.delayFor(e.channel);
        e.enrolledAt = chance(r, 0.5) ? now - delay + uniform(r, -3, 3) : now - uniform(r, 0, 400 * 86400);
        e.documentExpiry = dateOfDay(today + (chance(r, 0.6) ? uniform(r, -2, 2) : uniform(r, -1000, 3000)));
        if (chance(r, 0.01)) e.documentExpiry = Date{2026, 2, 30};
        f.enrolment = e;
    }
    f.watchlistHit = chance(r, 0.1);
    f.peopleInLane = chance(r, 0.8) ? 1 : static_cast<int>(uniform(r, 0, 4));
    const double h = std::uniform_real_distribution<double>(0, 1)(r);
    if (h < 0.6) {
        HealthCode code;
        code.colour = static_cast<HealthCode::Colour>(uniform(r, 0, 2));
        if (chance(r, 0.6)) code.colour = HealthCode::Colour::Green;
        const int64_t startOfToday = today * 86400 - c.utcOffsetSeconds;
        switch (uniform(r, 0, 3)) {
            case 0: code.issuedAt = startOfToday + uniform(r, -2, 2); break;
            case 1: code.issuedAt = now - uniform(r, 0, 30 * 3600); break;
            case 2: code.issuedAt = now + uniform(r, -2, 2); break;
            default: {
                const HealthRuleSet* rs = c.healthRulesOn(dateOfDay(today));
                const int64_t max = rs && rs->maxCodeAgeSeconds ? *rs->maxCodeAgeSeconds : 6 * 3600;
                code.issuedAt = now - max + uniform(r, -2, 2);
            }
        }
        f.health = HealthEvidence{code};
    } else if (h < 0.85) {
        HealthCertificate cert;
        cert.signatureValid = chance(r, 0.8);
        cert.validFrom = now - uniform(r, -3, 86400);
        cert.validUntil = now + uniform(r, -3, 86400);
        f.health = HealthEvidence{cert};
    }
    return f;
}

// ---- the oracle ----
std::set<std::string> oracleLane(const LaneFacts& f, const PolicyConfig& c, int64_t now) {
    std::set<std::string> want;
    const int64_t today = dayIndex(now, c.utcOffsetSeconds);
    if (f.watchlistHit) want.insert("elig.watchlist");
    if (!f.enrolment) {
        want.insert("elig.not_enrolled");
    } else {
        const EnrolmentRecord& e = *f.enrolment;
        if (e.residency != Residency::HongKongPermanent && e.residency != Residency::MacauPermanent)
            want.insert("elig.not_permanent_resident");
        if (!e.active) want.insert("elig.enrolment_inactive");
        int minimum = c.minimumAge.front().years;
        for (const auto& m : c.minimumAge)
            if (dayOf(toYmd(m.from)) <= today) minimum = m.years;
        if (!toYmd(e.dateOfBirth).ok() || today < dayReaching(e.dateOfBirth, minimum))
            want.insert("elig.under_minimum_age");
        const int64_t delay = e.channel == EnrolmentChannel::SelfServiceMachine ? c.delaySelfServiceSeconds
                                                                                : c.delayEnrolmentOfficeSeconds;
        if (now - e.enrolledAt < delay) want.insert("elig.registration_delay");
        if (!toYmd(e.documentExpiry).ok() || dayOf(toYmd(e.documentExpiry)) < today)
            want.insert("elig.document_expired");
    }
    if (f.peopleInLane >= 2) want.insert("lane.tailgating");
    const HealthRuleSet* rules = nullptr;
    for (const auto& h : c.healthRules)
        if (dayOf(toYmd(h.from)) <= today) rules = &h;
    if (rules && rules->required) {
        if (!f.health) {
            want.insert("health.missing");
        } else if (const auto* code = std::get_if<HealthCode>(&*f.health)) {
            if (code->colour == HealthCode::Colour::Red) want.insert("health.red");
            if (code->colour == HealthCode::Colour::Amber) want.insert("health.amber");
            if (code->issuedAt > now || dayIndex(code->issuedAt, c.utcOffsetSeconds) != today)
                want.insert("health.code_expired");
            if (rules->maxCodeAgeSeconds && code->issuedAt <= now && now - code->issuedAt > *rules->maxCodeAgeSeconds)
                want.insert("health.code_too_old");
        } else {
            const auto& cert = std::get<HealthCertificate>(*f.health);
            if (!rules->certificateAccepted || !cert.signatureValid || now < cert.validFrom || now > cert.validUntil)
                want.insert("health.certificate_invalid");
        }
    }
    return want;
}

std::set<std::string> asSet(const Decision& d) { return {d.reasons.begin(), d.reasons.end()}; }

TEST(PolicyProperty, LaneDecisionEqualsOracle) {
    Rng r(kSeed);
    int refused = 0, passed = 0;
    std::set<std::string> emitted;
    for (int i = 0; i < kOracleCases; ++i) {
        const PolicyConfig c = randomConfig(r);
        const int64_t now = randomNow(r, c);
        const LaneFacts f = randomLane(r, c, now);
        const Decision d = evaluateLane(f, c, now);
        const auto want = oracleLane(f, c, now);
        ASSERT_EQ(asSet(d), want) << "case " << i << " now " << now;
        ASSERT_EQ(d.reasons.size(), want.size()) << "duplicate reason, case " << i;
        ASSERT_EQ(d.details.size(), d.reasons.size());
        ASSERT_EQ(d.verdict, want.empty() ? Verdict::Pass : Verdict::Refuse) << "case " << i;
        ASSERT_EQ(d.quiet, f.watchlistHit);
        (d.passed() ? passed : refused)++;
        emitted.insert(d.reasons.begin(), d.reasons.end());
    }
    // Every rule was exercised, and every code emitted has its texts in the reason table.
    const std::set<std::string> laneCodes = {
        "elig.not_enrolled", "elig.not_permanent_resident", "elig.enrolment_inactive", "elig.under_minimum_age",
        "elig.registration_delay", "elig.document_expired", "elig.watchlist", "lane.tailgating", "health.missing",
        "health.red", "health.amber", "health.code_expired", "health.code_too_old", "health.certificate_invalid"};
    EXPECT_EQ(emitted, laneCodes);
    for (const auto& code : emitted) EXPECT_NE(reasonText(code), nullptr) << code;
    // The generator must exercise both outcomes substantially.
    EXPECT_GT(passed, kOracleCases / 20);
    EXPECT_GT(refused, kOracleCases / 4);
}

// For each rule: random facts where that rule fails -> always refused with that reason.
struct Forced {
    const char* reason;
    std::function<void(Rng&, PolicyConfig&, LaneFacts&, int64_t now)> breakIt;
};

void ensureEnrolment(Rng& r, LaneFacts& f, int64_t now) {
    if (!f.enrolment) {
        f.enrolment = EnrolmentRecord{"ENR-X", Residency::HongKongPermanent, Date{1990, 1, 1},
                                      EnrolmentChannel::EnrolmentOffice, now - 86400, true, Date{2040, 1, 1}};
    }
}

void forceHealthRules(Rng& r, PolicyConfig& c, int64_t now) {
    const Date today = localDateOf(now, c.utcOffsetSeconds);
    HealthRuleSet h{Date{2019, 1, 1}, true, std::nullopt, chance(r, 0.5)};
    if (chance(r, 0.5)) h.maxCodeAgeSeconds = uniform(r, 1, 1440) * 60;
    // Keep later entries only if they start after today (so that this one is in force).
    std::vector<HealthRuleSet> kept{h};
    for (const auto& x : c.healthRules)
        if (today < x.from && Date{2019, 1, 1} < x.from) kept.push_back(x);
    c.healthRules = kept;
}

const std::vector<Forced>& forcedRules() {
    static const std::vector<Forced> rules = {
        {"elig.not_enrolled", [](Rng&, PolicyConfig&, LaneFacts& f, int64_t) { f.enrolment.reset(); }},
        {"elig.not_permanent_resident",
         [](Rng& r, PolicyConfig&, LaneFacts& f, int64_t now) {
             ensureEnrolment(r, f, now);
             const Residency nonPermanent[] = {Residency::HongKongNonPermanent, Residency::MacauNonPermanent,
                                               Residency::Other};
             f.enrolment->residency = nonPermanent[uniform(r, 0, 2)];
         }},
        {"elig.enrolment_inactive",
         [](Rng& r, PolicyConfig&, LaneFacts& f, int64_t now) {
             ensureEnrolment(r, f, now);
             f.enrolment->active = false;
         }},
        {"elig.under_minimum_age",
         [](Rng& r, PolicyConfig& c, LaneFacts& f, int64_t now) {
             ensureEnrolment(r, f, now);
             const int64_t today = dayIndex(now, c.utcOffsetSeconds);
             const int minimum = c.minimumAgeOn(dateOfDay(today));
             const Date t = dateOfDay(today);
             // Born after the day that is `minimum` years before today (or even in the future).
             const int64_t earliest = dayOf(chr::year{t.year - minimum} / chr::month{t.month} / chr::day{t.day}) + 1;
             f.enrolment->dateOfBirth = dateOfDay(uniform(r, std::min(earliest, today + 30), today + 30));
         }},
        {"elig.registration_delay",
         [](Rng& r, PolicyConfig& c, LaneFacts& f, int64_t now) {
             ensureEnrolment(r, f, now);
             const int64_t delay = c.delayFor(f.enrolment->channel);
             f.enrolment->enrolledAt = delay > 0 ? now - uniform(r, 0, delay - 1) : now + uniform(r, 1, 3600);
         }},
        {"elig.document_expired",
         [](Rng& r, PolicyConfig& c, LaneFacts& f, int64_t now) {
             ensureEnrolment(r, f, now);
             f.enrolment->documentExpiry = dateOfDay(dayIndex(now, c.utcOffsetSeconds) - uniform(r, 1, 4000));
         }},
        {"elig.watchlist", [](Rng&, PolicyConfig&, LaneFacts& f, int64_t) { f.watchlistHit = true; }},
        {"lane.tailgating", [](Rng& r, PolicyConfig&, LaneFacts& f, int64_t) { f.peopleInLane = uniform(r, 2, 6); }},
        {"health.missing",
         [](Rng& r, PolicyConfig& c, LaneFacts& f, int64_t now) {
             forceHealthRules(r, c, now);
             f.health.reset();
         }},
        {"health.red",
         [](Rng& r, PolicyConfig& c, LaneFacts& f, int64_t now) {
             forceHealthRules(r, c, now);
             f.health = HealthEvidence{HealthCode{HealthCode::Colour::Red, now - uniform(r, -100, 100000)}};
         }},
        {"health.amber",
         [](Rng& r, PolicyConfig& c, LaneFacts& f, int64_t now) {
             forceHealthRules(r, c, now);
             f.health = HealthEvidence{HealthCode{HealthCode::Colour::Amber, now - uniform(r, -100, 100000)}};
         }},
        {"health.code_expired",
         [](Rng& r, PolicyConfig& c, LaneFacts& f, int64_t now) {
             forceHealthRules(r, c, now);
             const int64_t startOfToday = dayIndex(now, c.utcOffsetSeconds) * 86400 - c.utcOffsetSeconds;
             const int64_t issued = chance(r, 0.8) ? startOfToday - uniform(r, 1, 10 * 86400) : now + uniform(r, 1, 600);
             f.health = HealthEvidence{HealthCode{static_cast<HealthCode::Colour>(uniform(r, 0, 2)), issued}};
         }},
        {"health.code_too_old",
         [](Rng& r, PolicyConfig& c, LaneFacts& f, int64_t now) {
             forceHealthRules(r, c, now);
             c.healthRules[0].maxCodeAgeSeconds = uniform(r, 1, 1440) * 60;
             const int64_t issued = now - *c.healthRules[0].maxCodeAgeSeconds - uniform(r, 1, 20000);
             f.health = HealthEvidence{HealthCode{static_cast<HealthCode::Colour>(uniform(r, 0, 2)), issued}};
         }},
        {"health.certificate_invalid",
         [](Rng& r, PolicyConfig& c, LaneFacts& f, int64_t now) {
             forceHealthRules(r, c, now);
             HealthCertificate cert{chance(r, 0.5), now - uniform(r, -5, 5000), now + uniform(r, -5, 5000)};
             switch (uniform(r, 0, 3)) {
                 case 0: c.healthRules[0].certificateAccepted = false; break;
                 case 1: cert.signatureValid = false; break;
                 case 2: cert.validFrom = now + uniform(r, 1, 5000); break;
                 default: cert.validUntil = now - uniform(r, 1, 5000); break;
             }
             f.health = HealthEvidence{cert};
         }},
    };
    return rules;
}

TEST(PolicyProperty, NoCombinationMakesAFailingLaneRulePass) {
    Rng r(kSeed + 1);
    for (const auto& rule : forcedRules()) {
        for (int i = 0; i < kForcedCases; ++i) {
            PolicyConfig c = randomConfig(r);
            const int64_t now = randomNow(r, c);
            LaneFacts f = randomLane(r, c, now);
            rule.breakIt(r, c, f, now);
            const Decision d = evaluateLane(f, c, now);
            ASSERT_EQ(d.verdict, Verdict::Refuse) << rule.reason << " case " << i;
            ASSERT_TRUE(d.has(rule.reason)) << rule.reason << " case " << i;
            ASSERT_EQ(asSet(d), oracleLane(f, c, now)) << rule.reason << " case " << i;
        }
    }
}

// Registration: oracle equality and forced failures.
std::set<std::string> oracleRegistration(const RegistrationFacts& f, const PolicyConfig& c, int64_t now) {
    std::set<std::string> want;
    const int64_t today = dayIndex(now, c.utcOffsetSeconds);
    if (!toYmd(f.dateOfBirth).ok() || today < dayReaching(f.dateOfBirth, c.registrationMinimumAge))
        want.insert("reg.under_18");
    if (f.residency != Residency::HongKongPermanent && f.residency != Residency::MacauPermanent)
        want.insert("reg.not_permanent_resident");
    if (!toYmd(f.documentExpiry).ok() || dayOf(toYmd(f.documentExpiry)) < today) want.insert("reg.document_expired");
    if (want.empty() && f.existing && f.existing->active) want.insert("reg.replaces_enrolment");
    return want;
}

RegistrationFacts randomRegistration(Rng& r, const PolicyConfig& c, int64_t now) {
    const int64_t today = dayIndex(now, c.utcOffsetSeconds);
    RegistrationFacts f;
    f.residency = chance(r, 0.7) ? Residency::HongKongPermanent : randomResidency(r);
    f.dateOfBirth = randomBirth(r, today, c.registrationMinimumAge + static_cast<int>(uniform(r, -2, 3)));
    f.documentExpiry = dateOfDay(today + (chance(r, 0.6) ? uniform(r, -2, 2) : uniform(r, -1000, 3000)));
    if (chance(r, 0.4))
        f.existing = EnrolmentRecord{"ENR-OLD", f.residency, f.dateOfBirth, EnrolmentChannel::SelfServiceMachine,
                                     now - 86400 * 400, chance(r, 0.7), f.documentExpiry};
    return f;
}

TEST(PolicyProperty, RegistrationDecisionEqualsOracle) {
    Rng r(kSeed + 2);
    int passed = 0;
    for (int i = 0; i < kOracleCases; ++i) {
        const PolicyConfig c = randomConfig(r);
        const int64_t now = randomNow(r, c);
        RegistrationFacts f = randomRegistration(r, c, now);
        const int forced = static_cast<int>(uniform(r, 0, 3));  // 3: nothing forced
        const int64_t today = dayIndex(now, c.utcOffsetSeconds);
        if (forced == 0) {
            const Date t = dateOfDay(today);
            const int64_t earliest =
                dayOf(chr::year{t.year - c.registrationMinimumAge} / chr::month{t.month} / chr::day{t.day}) + 1;
            f.dateOfBirth = dateOfDay(uniform(r, earliest, today));
        } else if (forced == 1) {
            f.residency = static_cast<Residency>(uniform(r, 2, 4));
        } else if (forced == 2) {
            f.documentExpiry = dateOfDay(today - uniform(r, 1, 3000));
        }
        const Decision d = evaluateRegistration(f, c, now);
        const auto want = oracleRegistration(f, c, now);
        ASSERT_EQ(asSet(d), want) << "case " << i;
        ASSERT_EQ(d.verdict, (want.empty() || want.count("reg.replaces_enrolment")) ? Verdict::Pass : Verdict::Refuse);
        if (forced == 0) { ASSERT_TRUE(d.has("reg.under_18") && !d.passed()) << i; }
        if (forced == 1) { ASSERT_TRUE(d.has("reg.not_permanent_resident") && !d.passed()) << i; }
        if (forced == 2) { ASSERT_TRUE(d.has("reg.document_expired") && !d.passed()) << i; }
        ASSERT_EQ(d.replacesEnrolment.has_value(), want.count("reg.replaces_enrolment") == 1);
        passed += d.passed();
    }
    EXPECT_GT(passed, kOracleCases / 20);
}

}  // namespace
}  // namespace kiosk::policies
