#pragma once
// The rules: pure functions over values. Time comes in as `nowUnix` (Unix seconds);
// dates and ages are computed in local time (UTC+8 by default). Every decision lists
// ALL failing rules. No I/O, no clock, no logging.
#include <cstdint>

#include "policies/policy_config.h"
#include "policies/types.h"

namespace kiosk::policies {

// Lane eligibility (+ the health rules when in force on the crossing date).
Decision evaluateLane(const LaneFacts& facts, const PolicyConfig& config, int64_t nowUnix);

// Health rules alone (what evaluateLane applies). Pass when no rule set is in force.
Decision evaluateHealth(const std::optional<HealthEvidence>& health, const PolicyConfig& config,
                        int64_t nowUnix);

// Self-service registration machine.
Decision evaluateRegistration(const RegistrationFacts& facts, const PolicyConfig& config, int64_t nowUnix);

// From when the lane accepts an enrolment (enrolledAt + the channel's delay).
int64_t laneUsableFrom(const EnrolmentRecord& e, const PolicyConfig& config);

}  // namespace kiosk::policies
