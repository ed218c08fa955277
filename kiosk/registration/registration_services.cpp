#include "kiosk/registration/registration_services.h"

#include <fstream>
#include <random>
#include <set>

#include "core/log.h"
#include "policies/civil_date.h"
#include "policies/rules.h"

namespace kiosk::registration {

namespace {

policies::Residency toPolicy(store::Residency r) {
    switch (r) {
        case store::Residency::HongKongPermanent: return policies::Residency::HongKongPermanent;
        case store::Residency::MacauPermanent: return policies::Residency::MacauPermanent;
        case store::Residency::HongKongNonPermanent: return policies::Residency::HongKongNonPermanent;
        case store::Residency::MacauNonPermanent: return policies::Residency::MacauNonPermanent;
        case store::Residency::Other: return policies::Residency::Other;
    }
    return policies::Residency::Other;
}

policies::Date dateOf(const std::string& s) { return policies::parseDate(s).value_or(policies::Date{}); }

core::Status checkKnown(const core::ConfigView& v, const std::vector<std::string>& known) {
    return v.onlyKeys(known, "docs/registration.md");
}

// Reference alphabet without look-alikes (0/O, 1/I), as the resident reads it off the receipt.
std::string randomReferenceBody() {
    static const char* alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    std::random_device rd;
    std::string out;
    for (int i = 0; i < 10; ++i) out += alphabet[rd() % 32];
    return out;
}

}  // namespace

store::Residency residencyFromCard(const credentials::MrzData& card) {
    const bool nonPermanent = card.optionalData.rfind("NP", 0) == 0;
    if (card.issuingState == "HKG")
        return nonPermanent ? store::Residency::HongKongNonPermanent : store::Residency::HongKongPermanent;
    if (card.issuingState == "MAC")
        return nonPermanent ? store::Residency::MacauNonPermanent : store::Residency::MacauPermanent;
    return store::Residency::Other;
}

core::Status registrationSettingsFromConfig(const core::ConfigView& v, RegistrationSettings& outSettings,
                                            RegistrationConfig& outMachine) {
    // Work on copies: a bad value leaves the caller's settings as they were.
    RegistrationSettings s = outSettings;
    RegistrationConfig m = outMachine;
    KIOSK_TRY(checkKnown(v, {"device_id", "fingers", "offices", "reference_prefix", "face_descriptors", "finger_attempts",
                             "finger_verify_attempts", "face_attempts", "timeouts_ms"}));
    KIOSK_ASSIGN_OR_RETURN(s.deviceId, v.stringOr("device_id", s.deviceId));
    if (v.has("fingers")) {
        static const std::set<std::string> positions = {
            "right_thumb", "right_index", "right_middle", "right_ring", "right_little",
            "left_thumb",  "left_index",  "left_middle",  "left_ring",  "left_little"};
        const auto& arr = v.json()["fingers"];
        if (!arr.is_array() || arr.size() != 2) return v.bad("fingers", "must be a list of two finger positions");
        s.fingers.clear();
        for (const auto& f : arr) {
            if (!f.is_string() || !positions.count(f.get<std::string>()))
                return v.bad("fingers", "each must be a finger position like right_index, left_thumb");
            s.fingers.push_back(f.get<std::string>());
        }
        if (s.fingers[0] == s.fingers[1]) return v.bad("fingers", "must be two different fingers");
    }
    m.fingers = static_cast<int>(s.fingers.size());
    if (v.has("offices")) {
        const auto& arr = v.json()["offices"];
        if (!arr.is_array()) return v.bad("offices", "must be a list of {name, address, hours}");
        s.offices.clear();
        for (std::size_t i = 0; i < arr.size(); ++i) {
            core::ConfigView o(arr[i], v.keyPath("offices[" + std::to_string(i) + "]"));
            if (!arr[i].is_object()) return v.bad("offices[" + std::to_string(i) + "]", "must be an object");
            KIOSK_TRY(checkKnown(o, {"name", "address", "hours"}));
            EnrolmentOffice off;
            KIOSK_ASSIGN_OR_RETURN(off.name, o.string("name"));
            KIOSK_ASSIGN_OR_RETURN(off.address, o.string("address"));
            KIOSK_ASSIGN_OR_RETURN(off.hours, o.stringOr("hours", ""));
            s.offices.push_back(std::move(off));
        }
    }
    KIOSK_ASSIGN_OR_RETURN(s.referencePrefix, v.stringOr("reference_prefix", s.referencePrefix));
    if (s.referencePrefix.size() > 8) return v.bad("reference_prefix", "at most 8 characters");
    for (char c : s.referencePrefix)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_')
            return v.bad("reference_prefix", "letters, digits, '-' and '_' only");
    KIOSK_ASSIGN_OR_RETURN(int64_t fd, v.integerOr("face_descriptors", s.faceDescriptors, 1, 10));
    s.faceDescriptors = static_cast<int>(fd);
    KIOSK_ASSIGN_OR_RETURN(int64_t fa, v.integerOr("finger_attempts", m.fingerAttempts, 1, 10));
    KIOSK_ASSIGN_OR_RETURN(int64_t fva, v.integerOr("finger_verify_attempts", m.fingerVerifyAttempts, 1, 10));
    KIOSK_ASSIGN_OR_RETURN(int64_t ca, v.integerOr("face_attempts", m.faceAttempts, 1, 10));
    m.fingerAttempts = static_cast<int>(fa);
    m.fingerVerifyAttempts = static_cast<int>(fva);
    m.faceAttempts = static_cast<int>(ca);
    if (v.has("timeouts_ms")) {
        KIOSK_ASSIGN_OR_RETURN(core::ConfigView t, v.child("timeouts_ms"));
        struct Key {
            const char* name;
            core::Millis* field;
        };
        const Key keys[] = {{"choose_language", &m.attractRecheck}, {"insert_card", &m.insertCardTimeout},
                            {"eligibility", &m.eligibilityTimeout}, {"terms", &m.termsTimeout},
                            {"take_card", &m.takeCardTimeout},      {"card_alarm_repeat", &m.cardAlarmRepeat},
                            {"finger", &m.fingerTimeout},           {"face", &m.faceTimeout},
                            {"confirm", &m.confirmTimeout},         {"commit", &m.commitTimeout},
                            {"receipt", &m.receiptTimeout},         {"refused", &m.refusedTimeout},
                            {"out_of_service", &m.outOfServiceRecheck}, {"warning", &m.timeoutWarning}};
        std::vector<std::string> names;
        for (const auto& k : keys) names.push_back(k.name);
        KIOSK_TRY(checkKnown(t, names));
        for (const auto& k : keys) {
            KIOSK_ASSIGN_OR_RETURN(int64_t ms, t.integerOr(k.name, k.field->count(), 1000, 3600000));
            *k.field = core::Millis(ms);
        }
        // WCAG 2.2.1: at least 20 s more on "need more time?".
        if (m.timeoutWarning < core::Millis(20000)) return t.bad("warning", "must be at least 20000 (WCAG 2.2.1)");
    }
    outSettings = std::move(s);
    outMachine = m;
    return {};
}

RegistrationServices::RegistrationServices(RegistrationSettings settings, store::Store& store, SealForWire seal)
    : settings_(std::move(settings)), store_(store), seal_(std::move(seal)) {}

std::string RegistrationServices::newReference() { return settings_.referencePrefix + randomReferenceBody(); }

Event RegistrationServices::checkEligibility(PendingEnrolment& p, core::WallTime now) {
    const int64_t t = core::toUnixSeconds(now);
    auto card = credentials::parseMrz(p.mrz, t);
    if (!card.ok()) {
        core::logInfo("reg.card", {{"verdict", card.error().code}});
        return ev::CardUnreadable{};
    }
    p.card = *card;
    p.residency = residencyFromCard(*card);
    auto existing = store_.findActiveEnrolmentByDocumentHash(store::documentHash(card->documentNumber),
                                                             store::Biometrics::Without);
    if (!existing.ok()) return ev::DeviceFault{"store", existing.error().code};

    policies::RegistrationFacts f;
    f.residency = toPolicy(p.residency);
    f.dateOfBirth = dateOf(card->dateOfBirth);
    f.documentExpiry = dateOf(card->expiryDate);
    if (*existing) {
        policies::EnrolmentRecord r;
        r.reference = (*existing)->reference;
        r.active = (*existing)->active;
        r.enrolledAt = (*existing)->enrolledAt;
        f.existing = r;
    }
    const auto d = policies::evaluateRegistration(f, settings_.policy, t);
    core::logInfo("reg.eligibility", {{"doc", core::maskDocumentNumber(card->documentNumber)},
                                      {"verdict", policies::toString(d.verdict)}, {"reasons", d.reasons}});
    if (!d.passed()) {
        std::vector<std::string> refusals;
        for (const auto& r : d.reasons)
            if (r.rfind("reg.", 0) == 0 && r != "reg.replaces_enrolment") refusals.push_back(r);
        return ev::EligibilityRefused{refusals.empty() ? d.reasons : refusals};
    }
    p.replaces = d.replacesEnrolment;
    return ev::EligibilityPassed{d.replacesEnrolment.has_value()};
}

Event RegistrationServices::commit(PendingEnrolment& p, Language, core::WallTime now) {
    const int64_t t = core::toUnixSeconds(now);
    if (!p.card) return ev::CommitFailed{"reg.nothing_pending"};
    if (p.fingers.size() != settings_.fingers.size() || p.faces.empty())
        return ev::CommitFailed{"reg.biometrics_incomplete"};
    const int64_t delay = settings_.policy.delayFor(policies::EnrolmentChannel::SelfServiceMachine);

    // Idempotent: a Commit repeated after its answer was lost finds its own row.
    if (!p.reference.empty()) {
        auto found = store_.findEnrolmentByReference(p.reference, store::Biometrics::Without);
        if (!found.ok()) return ev::CommitFailed{found.error().code};
        if (*found) return ev::Committed{p.reference, (*found)->enrolledAt + delay};
    } else {
        p.reference = newReference();
    }

    store::EnrolmentRow row;
    row.reference = p.reference;
    row.documentHash = store::documentHash(p.card->documentNumber);
    row.documentMasked = core::maskDocumentNumber(p.card->documentNumber);
    row.residency = p.residency;
    row.dateOfBirth = p.card->dateOfBirth;
    row.channel = store::EnrolmentChannel::Machine;
    row.enrolledAt = t;
    row.documentExpiry = p.card->expiryDate;
    row.faceDescriptors.assign(p.faces.begin(), p.faces.end());
    for (std::size_t i = 0; i < p.fingers.size(); ++i) {
        store::FingerTemplate f = p.fingers[i];
        f.finger = settings_.fingers[i];
        if (f.libfprintVersion.empty()) f.libfprintVersion = settings_.libfprintVersion;
        row.fingers.push_back(std::move(f));
    }
    std::vector<store::OutboxMessage> outbox;
    if (seal_) {
        auto wire = seal_(row);
        if (!wire.ok()) {
            core::logError("reg.seal_failed", {{"code", wire.error().code}});
            return ev::CommitFailed{wire.error().code};
        }
        outbox.push_back({"enrolment", wire->dump()});
    }
    auto r = store_.enrol(row, settings_.deviceId, outbox);
    if (!r.ok()) {
        core::logError("reg.commit_failed", {{"code", r.error().code}});
        return ev::CommitFailed{r.error().code};
    }
    core::logInfo("reg.committed", {{"reference", p.reference}, {"replaced", r->replacedReference.has_value()},
                                    {"fingers", row.fingers.size()}, {"faces", row.faceDescriptors.size()}});
    return ev::Committed{p.reference, t + delay};
}

void RegistrationServices::alertStaff(const std::string& reason, core::WallTime now) {
    {
        std::lock_guard lock(mu_);
        alerts_.push_back(reason);
        ++alertCount_;
        // Only the newest are kept in memory (the staff screen, tests); all are in the outbox.
        constexpr std::size_t kKeptAlerts = 200;
        if (alerts_.size() > kKeptAlerts) alerts_.erase(alerts_.begin());
    }
    core::logWarn("reg.alert", {{"reason", reason}});
    const core::Json payload = {{"lane", settings_.deviceId}, {"reason", reason}};
    auto q = store_.enqueueOutbox(core::toUnixSeconds(now), "alert", payload.dump());
    if (!q.ok()) core::logError("reg.alert_not_queued", {{"code", q.error().code}});
}

void RegistrationServices::record(Outcome outcome, const std::vector<std::string>& reasons, core::WallTime now) {
    std::string detail;
    for (const auto& r : reasons) detail += (detail.empty() ? "" : ",") + r;
    auto a = store_.appendAudit(core::toUnixSeconds(now), settings_.deviceId,
                                std::string("registration.") + toString(outcome), detail);
    if (!a.ok()) core::logError("reg.audit_failed", {{"code", a.error().code}});
    keepJournal(core::toUnixSeconds(now));
}

// As on the lane: records older than 31 days are erased, checked at most hourly after a
// session; then the heads of the journal's hash chains go to the clearance service (an
// anchor the machine cannot take back, docs/store.md), waiting in the outbox until sent.
void RegistrationServices::keepJournal(int64_t now) {
    if (now - lastPurge_ < 3600) return;
    lastPurge_ = now;
    auto purged = store_.purgeOlderThan(now - store::kRetentionSeconds);
    if (!purged.ok()) core::logError("reg.purge_failed", {{"code", purged.error().code}});
    auto anchor = store_.enqueueJournalAnchor(now, settings_.deviceId);
    if (!anchor.ok()) core::logError("reg.anchor_failed", {{"code", anchor.error().code}});
}

std::vector<std::string> RegistrationServices::alerts() const {
    std::lock_guard lock(mu_);
    return alerts_;
}

std::size_t RegistrationServices::alertCount() const {
    std::lock_guard lock(mu_);
    return alertCount_;
}

}  // namespace kiosk::registration
