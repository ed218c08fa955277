#include "policies/rules.h"

#include <string>
#include <utility>

namespace kiosk::policies {

namespace {

void refuse(Decision& d, std::string reason, std::string detail) {
    d.reasons.push_back(std::move(reason));
    d.details.push_back(std::move(detail));
}

void finish(Decision& d) { d.verdict = d.reasons.empty() ? Verdict::Pass : Verdict::Refuse; }

void append(Decision& into, const Decision& from) {
    for (size_t i = 0; i < from.reasons.size(); ++i) refuse(into, from.reasons[i], from.details[i]);
}

std::string duration(int64_t seconds) {
    if (seconds % 3600 == 0) return std::to_string(seconds / 3600) + " h";
    if (seconds % 60 == 0) return std::to_string(seconds / 60) + " min";
    return std::to_string(seconds) + " s";
}

void checkHealthCode(Decision& d, const HealthCode& code, const HealthRuleSet& rules, const PolicyConfig& c,
                     int64_t now) {
    if (code.colour == HealthCode::Colour::Red) refuse(d, "health.red", "health code is red");
    if (code.colour == HealthCode::Colour::Amber) refuse(d, "health.amber", "health code is amber");
    const Date issueDay = localDateOf(code.issuedAt, c.utcOffsetSeconds);
    const int64_t validUntil = localEndOfDay(issueDay, c.utcOffsetSeconds);
    if (code.issuedAt > now) {
        refuse(d, "health.code_expired",
               "health code issued in the future (" + formatLocalDateTime(code.issuedAt, c.utcOffsetSeconds) +
                   "): not valid at the crossing time");
    } else if (now > validUntil) {
        refuse(d, "health.code_expired",
               "health code issued " + formatDate(issueDay) + ", valid until " +
                   formatLocalDateTime(validUntil, c.utcOffsetSeconds));
    }
    if (rules.maxCodeAgeSeconds && code.issuedAt <= now && now - code.issuedAt > *rules.maxCodeAgeSeconds) {
        refuse(d, "health.code_too_old",
               "health code generated " + duration(now - code.issuedAt) + " ago, maximum " +
                   duration(*rules.maxCodeAgeSeconds) + " (rules in force since " + formatDate(rules.from) + ")");
    }
}

void checkCertificate(Decision& d, const HealthCertificate& cert, const HealthRuleSet& rules, const PolicyConfig& c,
                      int64_t now) {
    std::string why;
    auto add = [&](const std::string& w) { why += (why.empty() ? "" : "; ") + w; };
    if (!rules.certificateAccepted)
        add("HC1 certificates not accepted under the rules in force since " + formatDate(rules.from));
    if (!cert.signatureValid) add("signature not verified");
    if (now < cert.validFrom)
        add("not valid before " + formatLocalDateTime(cert.validFrom, c.utcOffsetSeconds));
    if (now > cert.validUntil)
        add("expired at " + formatLocalDateTime(cert.validUntil, c.utcOffsetSeconds));
    if (!why.empty()) refuse(d, "health.certificate_invalid", why);
}

}  // namespace

int64_t laneUsableFrom(const EnrolmentRecord& e, const PolicyConfig& config) {
    return e.enrolledAt + config.delayFor(e.channel);
}

Decision evaluateHealth(const std::optional<HealthEvidence>& health, const PolicyConfig& config, int64_t now) {
    Decision d;
    const Date today = localDateOf(now, config.utcOffsetSeconds);
    const HealthRuleSet* rules = config.healthRulesOn(today);
    if (rules && rules->required) {
        if (!health) {
            refuse(d, "health.missing",
                   "health rules in force since " + formatDate(rules->from) + "; nothing presented");
        } else if (const auto* code = std::get_if<HealthCode>(&*health)) {
            checkHealthCode(d, *code, *rules, config, now);
        } else {
            checkCertificate(d, std::get<HealthCertificate>(*health), *rules, config, now);
        }
    }
    finish(d);
    return d;
}

Decision evaluateLane(const LaneFacts& f, const PolicyConfig& config, int64_t now) {
    Decision d;
    const Date today = localDateOf(now, config.utcOffsetSeconds);

    if (f.watchlistHit) {
        refuse(d, "elig.watchlist", "watchlist hit");
        d.quiet = true;
    }

    if (!f.enrolment) {
        refuse(d, "elig.not_enrolled", "no enrolment for this credential");
    } else {
        const EnrolmentRecord& e = *f.enrolment;
        if (!isPermanentResident(e.residency))
            refuse(d, "elig.not_permanent_resident", std::string("residency ") + toString(e.residency));
        if (!e.active) refuse(d, "elig.enrolment_inactive", "enrolment " + e.reference + " is inactive");

        const MinimumAgeRule* ageRule = config.minimumAgeRuleOn(today);
        const int minimum = ageRule ? ageRule->years : 0;
        if (!isValidDate(e.dateOfBirth)) {
            refuse(d, "elig.under_minimum_age", "date of birth on record is not a valid date");
        } else {
            const int age = ageOn(e.dateOfBirth, today);
            if (age < minimum)
                refuse(d, "elig.under_minimum_age",
                       "age " + std::to_string(age) + " on " + formatDate(today) + " < minimum " +
                           std::to_string(minimum) + " in force since " + formatDate(ageRule->from));
        }

        const int64_t usable = laneUsableFrom(e, config);
        if (now < usable)
            refuse(d, "elig.registration_delay",
                   std::string("enrolled via ") + toString(e.channel) + " at " +
                       formatLocalDateTime(e.enrolledAt, config.utcOffsetSeconds) + "; lane usable from " +
                       formatLocalDateTime(usable, config.utcOffsetSeconds) + " (delay " +
                       duration(config.delayFor(e.channel)) + ")");

        if (!isValidDate(e.documentExpiry))
            refuse(d, "elig.document_expired", "document expiry on record is not a valid date");
        else if (e.documentExpiry < today)
            refuse(d, "elig.document_expired",
                   "document expired " + formatDate(e.documentExpiry) + " (crossing date " + formatDate(today) + ")");
    }

    if (f.peopleInLane > 1)
        refuse(d, "lane.tailgating", std::to_string(f.peopleInLane) + " people sensed in the lane");

    append(d, evaluateHealth(f.health, config, now));
    finish(d);
    return d;
}

Decision evaluateRegistration(const RegistrationFacts& f, const PolicyConfig& config, int64_t now) {
    Decision d;
    const Date today = localDateOf(now, config.utcOffsetSeconds);

    if (!isValidDate(f.dateOfBirth)) {
        refuse(d, "reg.under_18", "date of birth on the card is not a valid date: refer to an enrolment office");
    } else {
        const int age = ageOn(f.dateOfBirth, today);
        if (age < config.registrationMinimumAge)
            refuse(d, "reg.under_18",
                   "age " + std::to_string(age) + " < " + std::to_string(config.registrationMinimumAge) +
                       " for self-service registration: refer to an enrolment office");
    }
    if (!isPermanentResident(f.residency))
        refuse(d, "reg.not_permanent_resident", std::string("residency ") + toString(f.residency));
    if (!isValidDate(f.documentExpiry))
        refuse(d, "reg.document_expired", "document expiry is not a valid date");
    else if (f.documentExpiry < today)
        refuse(d, "reg.document_expired",
               "document expired " + formatDate(f.documentExpiry) + " (registration date " + formatDate(today) + ")");

    finish(d);
    if (d.passed()) {
        if (f.existing && f.existing->active) {
            d.reasons.push_back("reg.replaces_enrolment");
            d.details.push_back("replace enrolment " + f.existing->reference);
            d.replacesEnrolment = f.existing->reference;
        }
        d.laneUsableFrom = now + config.delayFor(EnrolmentChannel::SelfServiceMachine);
    }
    return d;
}

}  // namespace kiosk::policies
