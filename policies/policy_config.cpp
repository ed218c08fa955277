#include "policies/policy_config.h"

#include <string>

namespace kiosk::policies {

PolicyConfig::PolicyConfig()
    : minimumAge{MinimumAgeRule{Date{2024, 7, 19}, 11}, MinimumAgeRule{Date{2026, 1, 19}, 7}} {}

int64_t PolicyConfig::delayFor(EnrolmentChannel c) const {
    return c == EnrolmentChannel::EnrolmentOffice ? delayEnrolmentOfficeSeconds : delaySelfServiceSeconds;
}

const MinimumAgeRule* PolicyConfig::minimumAgeRuleOn(const Date& localDate) const {
    if (minimumAge.empty()) return nullptr;
    const MinimumAgeRule* in = &minimumAge.front();  // before the first entry: the first applies
    for (const auto& r : minimumAge)
        if (r.from <= localDate) in = &r;
    return in;
}

int PolicyConfig::minimumAgeOn(const Date& localDate) const {
    const MinimumAgeRule* r = minimumAgeRuleOn(localDate);
    return r ? r->years : 0;
}

const HealthRuleSet* PolicyConfig::healthRulesOn(const Date& localDate) const {
    const HealthRuleSet* in = nullptr;
    for (const auto& r : healthRules)
        if (r.from <= localDate) in = &r;
    return in;
}

PolicyConfig defaultPolicyConfig() { return PolicyConfig{}; }

namespace {

core::Result<Date> readDate(const core::ConfigView& v, const std::string& key) {
    KIOSK_ASSIGN_OR_RETURN(std::string text, v.string(key));
    auto d = parseDate(text);
    if (!d) return v.bad(key, "'" + text + "' is not a calendar date YYYY-MM-DD (local, UTC+8)");
    return *d;
}

// Each element of an array as a ConfigView named "<key>[i]"; checks the dates increase.
template <typename Fn>
core::Status forEachDated(const core::ConfigView& policy, const std::string& key, Fn&& fn) {
    const core::Json& arr = policy.json()[key];
    if (!arr.is_array()) return policy.bad(key, "must be an array of {\"from\": \"YYYY-MM-DD\", ...}");
    std::optional<Date> previous;
    for (size_t i = 0; i < arr.size(); ++i) {
        const std::string path = policy.keyPath(key) + "[" + std::to_string(i) + "]";
        if (!arr[i].is_object())
            return core::makeError("config.bad_value", path + ": must be an object");
        core::ConfigView item(arr[i], path);
        KIOSK_ASSIGN_OR_RETURN(Date from, readDate(item, "from"));
        if (previous && !(*previous < from))
            return item.bad("from", formatDate(from) + " must be later than the previous entry's " +
                                        formatDate(*previous));
        previous = from;
        KIOSK_TRY(fn(item, from));
    }
    return {};
}

}  // namespace

core::Result<PolicyConfig> loadPolicyConfig(const core::ConfigView& p) {
    PolicyConfig c;
    if (!p.json().is_object())
        return core::makeError("config.bad_value", (p.path().empty() ? std::string("policy") : p.path()) +
                                                       ": must be an object");
    KIOSK_TRY(p.onlyKeys({"utc_offset_minutes", "minimum_age", "registration_delay_minutes", "registration_minimum_age",
                          "health_code", "health_code_from_server"},
                         "docs/policies.md"));
    KIOSK_ASSIGN_OR_RETURN(int64_t offsetMin, p.integerOr("utc_offset_minutes", c.utcOffsetSeconds / 60, -720, 840));
    c.utcOffsetSeconds = offsetMin * 60;

    if (p.has("minimum_age")) {
        std::vector<MinimumAgeRule> rules;
        KIOSK_TRY(forEachDated(p, "minimum_age", [&](const core::ConfigView& item, Date from) -> core::Status {
            KIOSK_TRY(item.onlyKeys({"from", "years"}, "docs/policies.md"));
            KIOSK_ASSIGN_OR_RETURN(int64_t years, item.integer("years", 0, 120));
            rules.push_back(MinimumAgeRule{from, static_cast<int>(years)});
            return {};
        }));
        if (rules.empty()) return p.bad("minimum_age", "must have at least one entry");
        c.minimumAge = std::move(rules);
    }

    if (p.has("registration_delay_minutes")) {
        KIOSK_ASSIGN_OR_RETURN(core::ConfigView d, p.child("registration_delay_minutes"));
        KIOSK_TRY(d.onlyKeys({"self_service_machine", "enrolment_office"}, "docs/policies.md"));
        KIOSK_ASSIGN_OR_RETURN(int64_t ssm,
                               d.integerOr("self_service_machine", c.delaySelfServiceSeconds / 60, 0, 10080));
        KIOSK_ASSIGN_OR_RETURN(int64_t office,
                               d.integerOr("enrolment_office", c.delayEnrolmentOfficeSeconds / 60, 0, 10080));
        c.delaySelfServiceSeconds = ssm * 60;
        c.delayEnrolmentOfficeSeconds = office * 60;
    }

    KIOSK_ASSIGN_OR_RETURN(int64_t regAge, p.integerOr("registration_minimum_age", c.registrationMinimumAge, 0, 120));
    c.registrationMinimumAge = static_cast<int>(regAge);

    if (p.has("health_code")) {
        std::vector<HealthRuleSet> rules;
        KIOSK_TRY(forEachDated(p, "health_code", [&](const core::ConfigView& item, Date from) -> core::Status {
            KIOSK_TRY(item.onlyKeys({"from", "required", "max_code_age_minutes", "hc1_accepted"}, "docs/policies.md"));
            HealthRuleSet r;
            r.from = from;
            KIOSK_ASSIGN_OR_RETURN(r.required, item.boolean("required"));
            if (item.has("max_code_age_minutes")) {
                KIOSK_ASSIGN_OR_RETURN(int64_t m, item.integer("max_code_age_minutes", 1, 1440));
                r.maxCodeAgeSeconds = m * 60;
            }
            KIOSK_ASSIGN_OR_RETURN(r.certificateAccepted, item.booleanOr("hc1_accepted", false));
            rules.push_back(r);
            return {};
        }));
        c.healthRules = std::move(rules);
    }
    KIOSK_ASSIGN_OR_RETURN(c.healthRulesFromServer, p.booleanOr("health_code_from_server", false));
    return c;
}

core::Result<PolicyConfig> loadPolicyConfigFromRoot(const core::Json& root) {
    if (!root.is_object() || !root.contains("policy") || root["policy"].is_null()) return defaultPolicyConfig();
    return loadPolicyConfig(core::ConfigView(root["policy"], "policy"));
}

}  // namespace kiosk::policies
