#pragma once
// The facts the lane and the registration machine hand to the rules, and the decision
// the rules hand back. Plain values: the caller (kiosk/) fills them from its store,
// credentials and sensors; the rules never fetch anything themselves.
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "policies/civil_date.h"

namespace kiosk::policies {

enum class Residency { HongKongPermanent, MacauPermanent, HongKongNonPermanent, MacauNonPermanent, Other };
enum class EnrolmentChannel { SelfServiceMachine, EnrolmentOffice };

bool isPermanentResident(Residency r);
const char* toString(Residency r);         // "hk_permanent", "mo_permanent", ...
const char* toString(EnrolmentChannel c);  // "self_service_machine", "enrolment_office"

// One enrolment as the store holds it.
struct EnrolmentRecord {
    std::string reference;  // opaque enrolment reference (the QR `sub`)
    Residency residency = Residency::Other;
    Date dateOfBirth;
    EnrolmentChannel channel = EnrolmentChannel::SelfServiceMachine;
    int64_t enrolledAt = 0;  // Unix seconds
    bool active = false;
    Date documentExpiry;     // last day (local) on which the identity document is valid
};

// The project's own health-code token (colour + issue time), already verified by
// credentials/ (signature, structure).
struct HealthCode {
    enum class Colour { Green, Amber, Red };
    Colour colour = Colour::Red;
    int64_t issuedAt = 0;  // Unix seconds
};

// An HC1 health certificate (EU DCC / WHO format) after credentials/ verified it.
struct HealthCertificate {
    bool signatureValid = false;  // credentials/ verified the COSE signature against the trust list
    int64_t validFrom = 0;        // Unix seconds (e.g. CWT nbf / iat)
    int64_t validUntil = 0;       // Unix seconds (CWT exp)
};

// What the traveller presented for the health rules: a health code or a certificate.
using HealthEvidence = std::variant<HealthCode, HealthCertificate>;

// Everything the lane knows when it decides whether this traveller may go on.
struct LaneFacts {
    std::optional<EnrolmentRecord> enrolment;  // nullopt: no enrolment found for the credential
    bool watchlistHit = false;
    int peopleInLane = 1;                      // people sensed in the lane for this passage
    std::optional<HealthEvidence> health;      // nullopt: nothing presented
};

// Everything the self-service registration machine knows about the applicant.
struct RegistrationFacts {
    Residency residency = Residency::Other;
    Date dateOfBirth;
    Date documentExpiry;                        // last valid day (local) of the ID card
    std::optional<EnrolmentRecord> existing;    // the store's enrolment for the same document, if any
};

enum class Verdict { Pass, Refuse };
const char* toString(Verdict v);  // "pass", "refuse"

struct Decision {
    Verdict verdict = Verdict::Refuse;
    // Every reason that applies (ALL failing rules, not just the first), shared reason
    // codes ("elig.under_minimum_age"); texts in policies/reasons.h. A Pass may carry
    // informational codes (e.g. "reg.replaces_enrolment").
    std::vector<std::string> reasons;
    // One officer-facing explanation per reason, same order ("age 6 < minimum 7 in force
    // since 2026-01-19"). For the officer screen only, not for logs.
    std::vector<std::string> details;
    // Watchlist hit: the traveller sees only the generic "see an officer" text; the
    // officer sees the specific reason. Never reveal the hit on the traveller's side.
    bool quiet = false;
    // Registration: the active enrolment that the new one replaces ("replace enrolment X");
    // the store deactivates it and writes the audit trail.
    std::optional<std::string> replacesEnrolment;
    // Registration: when the lane will accept the new enrolment (Unix seconds), for the receipt.
    std::optional<int64_t> laneUsableFrom;

    bool passed() const { return verdict == Verdict::Pass; }
    bool has(const std::string& reason) const;
};

}  // namespace kiosk::policies
