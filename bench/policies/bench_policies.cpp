// bench_policies: cost of one decision (lane, health, registration), of loading the
// policy configuration and of a reason-text lookup. Prints a plain-text table.
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "core/config.h"
#include "policies/policies.h"

using namespace kiosk::policies;
using Clock = std::chrono::steady_clock;

namespace {

volatile size_t sink = 0;

template <typename Fn>
void row(const char* name, int iterations, Fn&& fn) {
    for (int i = 0; i < iterations / 10; ++i) fn(i);  // warm-up
    const auto t0 = Clock::now();
    for (int i = 0; i < iterations; ++i) fn(i);
    const double ns = std::chrono::duration<double, std::nano>(Clock::now() - t0).count() / iterations;
    std::printf("| %-44s | %10d | %12.0f | %14.0f |\n", name, iterations, ns, 1e9 / ns);
}

int64_t hk(int y, unsigned m, unsigned d, int hh = 0) { return localStartOfDay(Date{y, m, d}) + hh * 3600; }

}  // namespace

int main() {
    const int64_t now = hk(2026, 11, 22, 10);
    const PolicyConfig defaults;
    PolicyConfig health = defaults;
    health.healthRules = {HealthRuleSet{Date{2020, 5, 11}, true, 6 * 3600, true}};

    LaneFacts good;
    good.enrolment = EnrolmentRecord{"ENR-1", Residency::HongKongPermanent, Date{1980, 5, 17},
                                     EnrolmentChannel::SelfServiceMachine, now - 86400 * 30, true, Date{2035, 1, 1}};
    LaneFacts bad = good;
    bad.enrolment->residency = Residency::Other;
    bad.enrolment->active = false;
    bad.enrolment->dateOfBirth = Date{2022, 1, 1};
    bad.enrolment->enrolledAt = now - 60;
    bad.enrolment->documentExpiry = Date{2020, 1, 1};
    bad.watchlistHit = true;
    bad.peopleInLane = 2;
    LaneFacts withCode = good;
    withCode.health = HealthEvidence{HealthCode{HealthCode::Colour::Green, now - 3600}};
    LaneFacts badCode = good;
    badCode.health = HealthEvidence{HealthCode{HealthCode::Colour::Red, now - 2 * 86400}};
    RegistrationFacts reg{Residency::MacauPermanent, Date{1990, 8, 8}, Date{2031, 1, 1},
                          EnrolmentRecord{"ENR-OLD", Residency::MacauPermanent, Date{1990, 8, 8},
                                          EnrolmentChannel::SelfServiceMachine, now - 86400 * 400, true,
                                          Date{2031, 1, 1}}};

    const auto sampleJson = kiosk::core::Json::parse(R"({"policy": {
        "minimum_age": [{"from": "2024-07-19", "years": 11}, {"from": "2026-01-19", "years": 7}],
        "registration_delay_minutes": {"self_service_machine": 180, "enrolment_office": 15},
        "registration_minimum_age": 18,
        "health_code": [{"from": "2020-05-11", "required": true, "max_code_age_minutes": 360, "hc1_accepted": true},
                        {"from": "2023-02-06", "required": false}]}})");

    std::printf("bench_policies (one thread; ns per call, mean of the loop)\n\n");
    std::printf("| %-44s | %10s | %12s | %14s |\n", "operation", "iterations", "ns/call", "calls/s");
    std::printf("|%s|%s|%s|%s|\n", std::string(46, '-').c_str(), std::string(12, '-').c_str(),
                std::string(14, '-').c_str(), std::string(16, '-').c_str());
    row("evaluateLane: pass, no health rules", 1000000, [&](int i) {
        sink = sink + evaluateLane(good, defaults, now + i % 60).reasons.size();
    });
    row("evaluateLane: pass, green code (health on)", 1000000, [&](int i) {
        sink = sink + evaluateLane(withCode, health, now + i % 60).reasons.size();
    });
    row("evaluateLane: refuse, 8 reasons with details", 200000, [&](int i) {
        sink = sink + evaluateLane(bad, health, now + i % 60).reasons.size();
    });
    row("evaluateLane: refuse, red expired code", 500000, [&](int i) {
        sink = sink + evaluateLane(badCode, health, now + i % 60).reasons.size();
    });
    row("evaluateRegistration: pass, replaces old", 1000000, [&](int i) {
        sink = sink + evaluateRegistration(reg, defaults, now + i % 60).reasons.size();
    });
    row("loadPolicyConfigFromRoot (sample)", 100000, [&](int) {
        auto r = loadPolicyConfigFromRoot(sampleJson);
        sink = sink + r.ok() ? r->minimumAge.size() : 0;
    });
    row("reasonText lookup (last code in table)", 1000000, [&](int) {
        sink = sink + reasonText("device.fault")->en.size();
    });
    row("ageOn + localDateOf", 10000000, [&](int i) {
        sink = sink + static_cast<size_t>(ageOn(Date{2016, 2, 29}, localDateOf(now + i * 97)));
    });
    std::printf("\n(sink %zu)\n", static_cast<size_t>(sink));
    return 0;
}
