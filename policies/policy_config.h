#pragma once
// The policy configuration: dated schedules (a rule change takes effect at 00:00 local
// time on its effective date), delays per enrolment channel, the health-code rule set.
// Defaults equal the real service's facts (docs/policies.md). Loaded from the "policy"
// object of the kiosk configuration; errors name the full key ("policy.minimum_age[1].from").
#include <cstdint>
#include <optional>
#include <vector>

#include "core/config.h"
#include "core/result.h"
#include "policies/civil_date.h"
#include "policies/types.h"

namespace kiosk::policies {

// Minimum age at the lane, in force from `from` (local date) until the next entry.
struct MinimumAgeRule {
    Date from;
    int years = 11;
};

// The health-code rule set in force from `from` until the next entry.
struct HealthRuleSet {
    Date from;
    bool required = false;                      // false: health evidence is not checked
    std::optional<int64_t> maxCodeAgeSeconds;   // Macau: code generated within 6 h (21600)
    bool certificateAccepted = false;           // HC1 certificate accepted instead of a code
};

struct PolicyConfig {
    PolicyConfig();  // the real facts (defined out of line: keeps GCC 12's -Wmaybe-uninitialized quiet)

    int64_t utcOffsetSeconds = kHongKongUtcOffsetSeconds;  // HK and Macau: UTC+8, no DST
    // Sorted by `from`. Before the first entry the first entry applies.
    // Default: 11 from 2024-07-19 (launch), 7 from 2026-01-19.
    std::vector<MinimumAgeRule> minimumAge;
    int64_t delaySelfServiceSeconds = 3 * 3600;     // machine enrolment -> lane
    int64_t delayEnrolmentOfficeSeconds = 15 * 60;  // office enrolment -> lane
    int registrationMinimumAge = 18;                // self-service registration machine
    // Sorted by `from`. Before the first entry no health rules apply. Default: none (the
    // health-code requirement of 2020-2023 was lifted before the lane opened).
    std::vector<HealthRuleSet> healthRules;
    // A lane connected to the clearance service takes the health rules it publishes in
    // place of `healthRules` only when this is true (default: the configured ones stay).
    bool healthRulesFromServer = false;

    int64_t delayFor(EnrolmentChannel c) const;
    // The entries in force on a local date.
    int minimumAgeOn(const Date& localDate) const;
    const MinimumAgeRule* minimumAgeRuleOn(const Date& localDate) const;
    const HealthRuleSet* healthRulesOn(const Date& localDate) const;  // nullptr: none in force
};

// The real facts (same as a default-constructed PolicyConfig).
PolicyConfig defaultPolicyConfig();

// Reads the "policy" object (pass the view of that object; every key optional, missing
// keys keep the defaults). Keys (see policies/policy.sample.json and docs/policies.md):
//   utc_offset_minutes                       integer [-720, 840], default 480
//   minimum_age: [{"from": "YYYY-MM-DD", "years": int [0, 120]}, ...]  strictly increasing dates
//   registration_delay_minutes: {"self_service_machine": int, "enrolment_office": int}  [0, 10080]
//   registration_minimum_age                 integer [0, 120], default 18
//   health_code: [{"from": "YYYY-MM-DD", "required": bool,
//                  "max_code_age_minutes": int [1, 1440] (optional),
//                  "hc1_accepted": bool (default false)}, ...]  strictly increasing dates
//   health_code_from_server                  bool, default false
core::Result<PolicyConfig> loadPolicyConfig(const core::ConfigView& policy);
// Convenience: `root` is the whole kiosk configuration; reads root["policy"] if present
// (defaults otherwise).
core::Result<PolicyConfig> loadPolicyConfigFromRoot(const core::Json& root);

}  // namespace kiosk::policies
