#include "kiosk/lane/lane_services.h"

#include <sstream>

#include "core/log.h"
#include "credentials/mrz.h"
#include "credentials/health.h"
#include "policies/civil_date.h"
#include "policies/rules.h"

namespace kiosk::lane {

LaneServices::LaneServices(LaneServicesConfig config, store::Store& store, credentials::TrustStore& trust,
                           credentials::ReplayCache& replay)
    : config_(std::move(config)), store_(store), trust_(trust), replay_(replay) {
    if (auto st = store_.loadTrustState(); st.ok() && *st) latestSeen_ = (*st)->latestTimeSeen;
    if (auto entries = store_.loadReplayEntries(); entries.ok()) {
        std::vector<credentials::ReplayEntry> in;
        for (const auto& e : *entries) {
            // The store keeps (key, expiry); the kind is encoded in the key prefix.
            const bool text = e.cti.rfind("text:", 0) == 0;
            in.push_back({text ? credentials::ReplayEntryKind::Text : credentials::ReplayEntryKind::TokenId,
                          text ? e.cti.substr(5) : e.cti, e.seenAt, e.expiresAt});
        }
        replay_.importEntries(in, 0);
    }
}

Event LaneServices::verifyCredential(CredentialKind kind, const std::string& text, core::WallTime now) {
    const int64_t t = core::toUnixSeconds(now);
    auto trust = trust_.current();
    auto fresh = trust->checkFreshness(t, latestSeen_, config_.trust);
    (void)store_.noteTimeSeen(latestSeen_);
    if (!fresh.ok()) {
        logScan(t, text, fresh.error().code, kind == CredentialKind::Qr);
        return ev::CredentialRejected{fresh.error().code};
    }
    Event e = kind == CredentialKind::Qr ? verifyQr(text, t) : verifyMrz(text, t);
    if (auto* a = std::get_if<ev::CredentialAccepted>(&e)) a->healthCodeRequired = healthCodeRequired(t);
    if (fresh->warning) {
        if (auto* a = std::get_if<ev::CredentialAccepted>(&e)) a->warnings.push_back(fresh->warning->code);
        alertOfficer(fresh->warning->code, now);
    }
    return e;
}

Event LaneServices::verifyQr(const std::string& text, int64_t t) {
    auto trust = trust_.current();
    auto claims = credentials::verifyCrossingQr(text, *trust, t, config_.verify);
    std::string verdict = "accepted";
    Event out = ev::CredentialRejected{"qr.malformed"};
    if (!claims.ok()) {
        verdict = claims.error().code;
        out = ev::CredentialRejected{claims.error().code};
    } else if (auto st = replay_.check(*claims, text, t); !st.ok()) {
        // The refusal itself raises the officer alert (qr.duplicate_scan / qr.replayed).
        verdict = st.error().code;
        out = ev::CredentialRejected{verdict};
    } else {
        out = ev::CredentialAccepted{claims->subject, {}};
        // Persist only what this scan added (the cache itself stays in memory).
        std::vector<store::ReplayEntry> rows;
        for (const auto& e : replay_.exportEntriesSince(t)) {
            const bool textKind = e.kind == credentials::ReplayEntryKind::Text;
            rows.push_back({textKind ? "text:" + e.key : e.key, e.expiresAt, textKind ? e.key : "", e.seenAt});
        }
        if (auto st2 = store_.saveReplayEntries(rows); !st2.ok())
            core::logError("lane.replay_persist_failed", {{"code", st2.error().code}});
    }
    logScan(t, text, verdict, true);
    core::logInfo("lane.credential", {{"kind", "qr"}, {"qr", core::hashForLog(text)}, {"verdict", verdict}});
    return out;
}

// The scan log row and, for a QR, its "scan" message to the clearance service in the same
// transaction. An MRZ's hash is not sent: it is a hash of the document's own lines.
void LaneServices::logScan(int64_t t, const std::string& text, const std::string& verdict, bool queue) {
    store::ScanRecord rec{0, t, config_.laneId, store::qrHash(text), verdict};
    std::vector<store::OutboxMessage> out;
    if (queue)
        out.push_back({"scan", core::Json{{"lane", config_.laneId}, {"qr_hash", rec.qrHash}, {"verdict", verdict}}.dump()});
    if (auto id = store_.appendScan(rec, out); !id.ok())
        core::logError("lane.scan_log_failed", {{"code", id.error().code}});
}

Event LaneServices::verifyMrz(const std::string& text, int64_t t) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    auto mrz = credentials::parseMrz(lines, t);
    if (!mrz.ok()) {
        core::logInfo("lane.credential", {{"kind", "mrz"}, {"verdict", mrz.error().code}});
        return ev::CredentialRejected{mrz.error().code};
    }
    auto row = store_.findActiveEnrolmentByDocumentHash(store::documentHash(mrz->documentNumber),
                                                        store::Biometrics::Without);
    core::logInfo("lane.credential", {{"kind", "mrz"}, {"doc", core::maskDocumentNumber(mrz->documentNumber)},
                                      {"enrolled", row.ok() && row->has_value()}});
    if (!row.ok()) return ev::CredentialRejected{"device.fault"};
    // Not enrolled: eligibility refuses it with its own reason.
    return ev::CredentialAccepted{*row ? (*row)->reference : std::string(), {}};
}

core::Result<policies::EnrolmentRecord> toPolicyRecord(const store::EnrolmentRow& row) {
    policies::EnrolmentRecord r;
    r.reference = row.reference;
    switch (row.residency) {
        case store::Residency::HongKongPermanent: r.residency = policies::Residency::HongKongPermanent; break;
        case store::Residency::MacauPermanent: r.residency = policies::Residency::MacauPermanent; break;
        case store::Residency::HongKongNonPermanent: r.residency = policies::Residency::HongKongNonPermanent; break;
        case store::Residency::MacauNonPermanent: r.residency = policies::Residency::MacauNonPermanent; break;
        case store::Residency::Other: r.residency = policies::Residency::Other; break;
    }
    r.channel = row.channel == store::EnrolmentChannel::Office ? policies::EnrolmentChannel::EnrolmentOffice
                                                               : policies::EnrolmentChannel::SelfServiceMachine;
    r.enrolledAt = row.enrolledAt;
    r.active = row.active;
    auto dob = policies::parseDate(row.dateOfBirth);
    auto exp = policies::parseDate(row.documentExpiry);
    if (!dob || !exp) return core::makeError("store.corrupt", "enrolment " + row.reference + " has a bad date");
    r.dateOfBirth = *dob;
    r.documentExpiry = *exp;
    return r;
}

bool LaneServices::healthCodeRequired(int64_t now) const {
    const auto policy = this->policy();
    const auto* rules = policy.healthRulesOn(policies::localDateOf(now, policy.utcOffsetSeconds));
    return rules && rules->required;
}

policies::PolicyConfig LaneServices::policy() const {
    std::lock_guard lock(mu_);
    return config_.policy;
}

core::Status LaneServices::replaceHealthRules(std::vector<policies::HealthRuleSet> rules) {
    std::lock_guard lock(mu_);
    if (!config_.policy.healthRulesFromServer)
        return core::makeError("sync.health_rules_local",
                               "the lane keeps its configured health rules (policy.health_code_from_server is false)");
    config_.policy.healthRules = std::move(rules);
    return {};
}

// The store first; a traveller whose enrolment has not arrived yet is asked of the
// clearance service once (the hook's own budget bounds the wait).
core::Result<std::optional<store::EnrolmentRow>> LaneServices::findEnrolment(const std::string& subject) {
    KIOSK_ASSIGN_OR_RETURN(auto row, store_.findEnrolmentByReference(subject, store::Biometrics::Without));
    if (row || !sync_.fetchEnrolment) return row;
    auto fetched = sync_.fetchEnrolment(subject);
    if (!fetched.ok()) {
        core::logError("lane.enrolment_fetch_failed", {{"code", fetched.error().code}});
        return row;
    }
    core::logInfo("lane.enrolment_fetched", {{"found", *fetched}});
    if (!*fetched) return row;
    return store_.findEnrolmentByReference(subject, store::Biometrics::Without);
}

namespace {
// An HC1 certificate names a person by name and date of birth; the enrolment keeps no
// name, so the certificate is bound to the traveller by the date of birth. A DCC may give
// only the year or year and month ("1980", "1980-01"): those must agree as far as they go.
bool sameDateOfBirth(const std::string& certificateDob, const policies::Date& enrolled) {
    const std::string dob = certificateDob.substr(0, 10);
    if (dob.size() != 4 && dob.size() != 7 && dob.size() != 10) return false;
    return policies::formatDate(enrolled).compare(0, dob.size(), dob) == 0;
}
}  // namespace

// The project's health-code token, verified like the crossing QR, bound to the same
// enrolment, used once.
void LaneServices::checkHealthCode(const std::string& healthText, const std::string& subject, int64_t t,
                                   policies::LaneFacts& facts, std::vector<std::string>& problems) {
    auto trust = trust_.current();
    auto h = credentials::verifyHealthCode(healthText, *trust, t, config_.verify);
    if (!h.ok()) {
        problems.push_back(h.error().code);
    } else if (h->subject != subject) {
        problems.push_back("health.certificate_invalid");
    } else if (auto r = replay_.checkToken(h->issuer, h->tokenId, h->expiresAt.value_or(h->issuedAt + 86400),
                                           healthText, t);
               !r.ok()) {
        problems.push_back(r.error().code);
    } else {
        policies::HealthCode code;
        code.colour = h->colour == credentials::HealthColour::Green   ? policies::HealthCode::Colour::Green
                      : h->colour == credentials::HealthColour::Amber ? policies::HealthCode::Colour::Amber
                                                                      : policies::HealthCode::Colour::Red;
        code.issuedAt = h->issuedAt;
        facts.health = code;
    }
}

// An EU DCC / WHO "HC1:" certificate, verified with the configured signer certificates
// (trust.hc1_*); whether the rules in force accept one is the policy's (H6). It is not
// used once: the same certificate is shown at every crossing while it is valid.
void LaneServices::checkHealthCertificate(const std::string& healthText, int64_t t, policies::LaneFacts& facts,
                                          std::vector<std::string>& problems) {
    auto c = credentials::verifyHc1WithSigners(healthText, config_.hc1, t);
    if (!c.ok()) {
        problems.push_back(c.error().code);
        core::logInfo("lane.health_certificate", {{"verdict", c.error().code}, {"why", c.error().message}});
        return;
    }
    if (!facts.enrolment || !sameDateOfBirth(c->dateOfBirth, facts.enrolment->dateOfBirth)) {
        problems.push_back("health.certificate_invalid");
        core::logInfo("lane.health_certificate", {{"verdict", "not the enrolled traveller's date of birth"}});
        return;
    }
    policies::HealthCertificate cert;
    cert.signatureValid = true;
    cert.validFrom = c->issuedAt.value_or(0);
    // The DCC's CWT always carries exp; one without it is refused by the policy as expired.
    cert.validUntil = c->expiresAt.value_or(0);
    facts.health = cert;
}

Event LaneServices::checkEligibility(const std::string& subject, int peopleInLane, const std::string& healthText,
                                     core::WallTime now) {
    const int64_t t = core::toUnixSeconds(now);
    policies::LaneFacts facts;
    facts.peopleInLane = peopleInLane;
    if (!subject.empty()) {
        auto row = findEnrolment(subject);
        if (!row.ok()) return ev::EligibilityRefused{{"device.fault"}, false};
        if (*row) {
            auto rec = toPolicyRecord(**row);
            if (!rec.ok()) return ev::EligibilityRefused{{"device.fault"}, false};
            facts.enrolment = *rec;
            auto hit = store_.isWatchlisted((*row)->documentHash);
            facts.watchlistHit = hit.ok() && *hit;
        }
    }
    // Without valid evidence the policy refuses (health.missing); the reasons why the
    // evidence was not taken go after the policy's.
    std::vector<std::string> healthProblems;
    if (!healthText.empty()) {
        if (healthText.rfind(credentials::kHc1Prefix, 0) == 0)
            checkHealthCertificate(healthText, t, facts, healthProblems);
        else
            checkHealthCode(healthText, subject, t, facts, healthProblems);
        core::logInfo("lane.health_code", {{"qr", core::hashForLog(healthText)},
                                           {"verdict", healthProblems.empty() ? "verified" : healthProblems.front()}});
    }
    auto d = policies::evaluateLane(facts, policy(), t);
    if (d.passed()) return ev::EligibilityPassed{};
    d.reasons.insert(d.reasons.end(), healthProblems.begin(), healthProblems.end());
    return ev::EligibilityRefused{d.reasons, d.quiet};
}

core::Result<std::vector<devices::FaceDescriptor>> LaneServices::enrolledFaces(const std::string& subject) {
    KIOSK_ASSIGN_OR_RETURN(auto row, store_.findEnrolmentByReference(subject, store::Biometrics::With));
    if (!row) return std::vector<devices::FaceDescriptor>{};
    return std::vector<devices::FaceDescriptor>(row->faceDescriptors.begin(), row->faceDescriptors.end());
}

core::Result<std::vector<std::vector<uint8_t>>> LaneServices::enrolledFingers(const std::string& subject) {
    KIOSK_ASSIGN_OR_RETURN(auto row, store_.findEnrolmentByReference(subject, store::Biometrics::With));
    std::vector<std::vector<uint8_t>> out;
    if (row)
        for (auto& f : row->fingers) out.push_back(f.data);
    return out;
}

core::Status LaneServices::record(const Record& r, core::WallTime now) {
    store::CrossingRecord c;
    c.time = core::toUnixSeconds(now);
    c.laneId = config_.laneId;
    c.outcome = r.outcome == Outcome::Passed    ? store::CrossingOutcome::Passed
                : r.outcome == Outcome::Refused ? store::CrossingOutcome::Refused
                : r.outcome == Outcome::Aborted ? store::CrossingOutcome::Aborted
                                                : store::CrossingOutcome::Fault;
    c.reasons = r.reasons;
    c.enrolmentReference = r.subject;
    c.qrHash = r.credentialHash;
    c.durations = {{"total", r.laneTime.count()}};
    // The clearance service gets the crossing in the same transaction (docs/api.md):
    // references and hashes only; an MRZ's hash stays at the lane.
    const core::Json payload{{"lane", c.laneId},
                             {"outcome", store::toString(c.outcome)},
                             {"reasons", c.reasons},
                             {"reference", c.enrolmentReference},
                             {"qr_hash", r.credentialKind == CredentialKind::Qr ? c.qrHash : std::string()},
                             {"lane_ms", r.laneTime.count()}};
    auto id = store_.appendCrossing(c, {{"crossing", payload.dump()}});
    if (!id.ok()) return id.error();
    // Records older than 31 days are erased; checked at most hourly, after a crossing.
    // Then the heads of the journal's hash chains go to the clearance service (an anchor
    // the lane cannot take back: docs/store.md); it waits in the outbox until sent.
    if (c.time - lastPurge_ >= 3600) {
        lastPurge_ = c.time;
        auto purged = store_.purgeOlderThan(c.time - store::kRetentionSeconds);
        if (!purged.ok()) core::logError("lane.purge_failed", {{"code", purged.error().code}});
        (void)store_.dropExpiredReplayEntries(c.time);
        auto anchor = store_.enqueueJournalAnchor(c.time, c.laneId);
        if (!anchor.ok()) core::logError("lane.anchor_failed", {{"code", anchor.error().code}});
    }
    return {};
}

void LaneServices::alertOfficer(const std::string& reason, core::WallTime now) {
    OfficerAlert a{core::toUnixSeconds(now), reason};
    core::logWarn("lane.alert", {{"lane", config_.laneId}, {"reason", reason}});
    auto id = store_.enqueueOutbox(a.time, "alert", nlohmann::json{{"lane", config_.laneId}, {"reason", reason}}.dump());
    if (id.ok()) a.id = *id;
    {
        std::lock_guard lock(mu_);
        a.seq = ++alertCount_;
        alerts_.push_back(a);
        if (alerts_.size() > kKeptAlerts) alerts_.pop_front();
    }
    if (alertSink_) alertSink_(a);
}

std::vector<OfficerAlert> LaneServices::alerts() const {
    std::lock_guard lock(mu_);
    return {alerts_.begin(), alerts_.end()};
}

uint64_t LaneServices::alertCount() const {
    std::lock_guard lock(mu_);
    return alertCount_;
}

bool LaneServices::acknowledgeAlert(uint64_t seq) {
    std::lock_guard lock(mu_);
    for (auto& a : alerts_) {
        if (a.seq != seq) continue;
        a.acknowledged = true;
        return true;
    }
    return false;
}

core::Result<bool> LaneServices::acknowledgeAlertById(int64_t id) {
    std::lock_guard lock(mu_);
    for (auto& a : alerts_) {
        if (id <= 0 || a.id != id) continue;
        const bool was = a.acknowledged;
        a.acknowledged = true;
        return !was;
    }
    return core::makeError("lane.unknown_alert", "no alert with id " + std::to_string(id));
}

const char* toString(DataFreshness f) {
    switch (f) {
        case DataFreshness::Fresh: return "fresh";
        case DataFreshness::Warning: return "warning";
        case DataFreshness::Stale: return "stale";
    }
    return "?";
}

DataFreshness LaneServices::enrolmentFreshness(core::WallTime now) const {
    return sync_.enrolmentFreshness ? sync_.enrolmentFreshness(core::toUnixSeconds(now)) : DataFreshness::Fresh;
}

std::optional<ev::DeviceFault> LaneServices::serviceFault(core::WallTime now) {
    if (config_.requireTrustList) {
        auto list = trust_.current();
        if (!list || list->empty()) return ev::DeviceFault{"trust", kTrustMissing};
        if (core::toUnixSeconds(now) - list->issuedAt() > config_.trust.offlineValiditySeconds)
            return ev::DeviceFault{"trust", "trust.stale"};
    }
    if (enrolmentFreshness(now) == DataFreshness::Stale) return ev::DeviceFault{"sync", kEnrolmentsStale};
    return std::nullopt;
}

void LaneServices::laneStateChanged(State from, State to, const std::string& reason, core::WallTime now) {
    const core::Json payload{{"lane", config_.laneId}, {"from", toString(from)}, {"to", toString(to)}, {"reason", reason}};
    if (auto id = store_.enqueueOutbox(core::toUnixSeconds(now), "lane_state", payload.dump()); !id.ok())
        core::logError("lane.outbox_failed", {{"kind", "lane_state"}, {"code", id.error().code}});
}

}  // namespace kiosk::lane

namespace kiosk::lane {

core::Status LaneServices::audit(const std::string& actor, const std::string& action, const std::string& detail,
                                 core::WallTime now) {
    auto id = store_.appendAudit(core::toUnixSeconds(now), actor, action, detail);
    if (!id.ok()) return id.error();
    return {};
}

core::Result<std::vector<store::ScanRecord>> LaneServices::recentScans(core::WallTime now) {
    return store_.scansLast12Hours(core::toUnixSeconds(now));
}

std::optional<int> LaneServices::trustListDaysLeft(core::WallTime now) const {
    const auto list = trust_.current();
    if (!list || list->empty()) return std::nullopt;
    const int64_t age = core::toUnixSeconds(now) - list->issuedAt();
    const auto& p = config_.trust;
    if (age < p.warningAfterSeconds) return std::nullopt;
    const int64_t left = p.offlineValiditySeconds - age;
    return static_cast<int>(left <= 0 ? 0 : (left + 86399) / 86400);
}

}  // namespace kiosk::lane
