#pragma once
// Helpers for the policies tests. Times are built with std::chrono's calendar (an
// oracle independent of policies/civil_date.cpp).
#include <chrono>
#include <cstdint>

#include "policies/policies.h"

namespace kiosk::policies::test {

// Unix seconds of a local (UTC+8) wall time.
inline int64_t hkTime(int y, unsigned m, unsigned d, int hh = 0, int mm = 0, int ss = 0) {
    using namespace std::chrono;
    const sys_days day{year{y} / month{m} / std::chrono::day{d}};
    return day.time_since_epoch() / seconds(1) - 8 * 3600 + hh * 3600 + mm * 60 + ss;
}

inline EnrolmentRecord goodEnrolment(int64_t now) {
    EnrolmentRecord e;
    e.reference = "ENR-TEST-0001";
    e.residency = Residency::HongKongPermanent;
    e.dateOfBirth = Date{1980, 5, 17};
    e.channel = EnrolmentChannel::SelfServiceMachine;
    e.enrolledAt = now - 30 * 86400;
    e.active = true;
    e.documentExpiry = Date{2035, 12, 31};
    return e;
}

inline LaneFacts goodLane(int64_t now) {
    LaneFacts f;
    f.enrolment = goodEnrolment(now);
    f.watchlistHit = false;
    f.peopleInLane = 1;
    return f;
}

// A configuration with the 2020-2023 health-code period switched on (dates of the
// period are test values, the mechanism is what is tested).
inline PolicyConfig healthConfig(std::optional<int64_t> maxAge = std::nullopt, bool hc1 = true) {
    PolicyConfig c;
    c.healthRules = {HealthRuleSet{Date{2020, 5, 11}, true, maxAge, hc1}, HealthRuleSet{Date{2023, 2, 6}, false, {}, false}};
    return c;
}

}  // namespace kiosk::policies::test
