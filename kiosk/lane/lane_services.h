#pragma once
// The lane's CrossingServices on the project's real libraries: credentials (signature,
// freshness, replay), policies (eligibility) and the store (enrolments, journal, scan
// log, audit). Time always comes in from the shell's clock.
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "credentials/crossing_qr.h"
#include "credentials/health.h"
#include "credentials/replay_cache.h"
#include "credentials/trust_list.h"
#include "kiosk/lane/lane_shell.h"
#include "kiosk/store/store.h"
#include "policies/policy_config.h"

namespace kiosk::lane {

struct LaneServicesConfig {
    std::string laneId = "LANE-01";
    credentials::VerifyOptions verify;
    credentials::TrustPolicy trust;
    // HC1 health certificates: the signer certificates (DSCs) and how they are trusted
    // (trust.hc1_* in docs/configuration.md). None: every HC1 is refused (hc.untrusted_signer).
    credentials::Hc1Signers hc1;
    policies::PolicyConfig policy;
    // Live lanes: without a trust list that is there and within its offline validity the
    // lane stays out of service (kTrustMissing / trust.stale) instead of refusing every
    // QR, and comes back by itself once a list arrives. Scripted lanes bring their own.
    bool requireTrustList = false;
};

struct OfficerAlert {
    int64_t time = 0;
    std::string reason;  // shared reason code; the officer text comes from policies/reasons.h
    // The alert's outbox sequence number: the id the clearance service knows it by (the
    // event's `seq`), used by the server's ack_alert command. 0 when it was not queued.
    int64_t id = 0;
    // The lane's own number for it (1, 2, ...; never reused): what the officer overlay
    // acknowledges by, since the list it reads from keeps only the newest alerts.
    uint64_t seq = 0;
    bool acknowledged = false;
};

// Alerts kept in memory for the overlay (newest). Older ones are in the journal's outbox
// and on the clearance service's console; the cap keeps the lane's memory flat over weeks
// of service (docs/benchmarks.md "Memory over 10,000 crossings").
inline constexpr std::size_t kKeptAlerts = 200;

// The lane's reason for stopping when it has no trust list to verify QR codes with.
inline constexpr const char* kTrustMissing = "trust.missing";

// The lane's reason for stopping when its enrolment data is too old.
inline constexpr const char* kEnrolmentsStale = "sync.enrolments_stale";

// What the lane asks of the sync with the clearance service. All optional: without a
// server the lane works from its own store, as before.
struct SyncHooks {
    // One enrolment by reference, stored on success: true when it is now in the store,
    // false when the server has none, an error when it could not answer. The hook keeps
    // its own time budget (SyncAgent::fetchEnrolment: 300 ms): a traveller is waiting.
    std::function<core::Result<bool>(const std::string& reference)> fetchEnrolment;
    // Warning: the staff see a banner; Stale: the lane stops (kEnrolmentsStale) between
    // travellers and comes back by itself once fresh again.
    std::function<DataFreshness(int64_t nowUnix)> enrolmentFreshness;
};

class LaneServices final : public CrossingServices {
public:
    LaneServices(LaneServicesConfig config, store::Store& store, credentials::TrustStore& trust,
                 credentials::ReplayCache& replay);

    Event verifyCredential(CredentialKind kind, const std::string& text, core::WallTime now) override;
    Event checkEligibility(const std::string& subject, int peopleInLane, const std::string& healthText,
                           core::WallTime now) override;
    core::Result<std::vector<devices::FaceDescriptor>> enrolledFaces(const std::string& subject) override;
    core::Result<std::vector<std::vector<uint8_t>>> enrolledFingers(const std::string& subject) override;
    core::Status record(const Record& r, core::WallTime now) override;
    void alertOfficer(const std::string& reason, core::WallTime now) override;
    std::optional<ev::DeviceFault> serviceFault(core::WallTime now) override;
    void laneStateChanged(State from, State to, const std::string& reason, core::WallTime now) override;

    // Set before the shell runs.
    void setSyncHooks(SyncHooks hooks) { sync_ = std::move(hooks); }
    DataFreshness enrolmentFreshness(core::WallTime now) const;
    // Days the trust list has left once it is in its warning window (day 23 of 30 by
    // default: TrustPolicy), nullopt before that or when there is no list.
    std::optional<int> trustListDaysLeft(core::WallTime now) const;
    const std::string& laneId() const { return config_.laneId; }

    // The policy in force (a copy: the sync thread may replace its health rules).
    policies::PolicyConfig policy() const;
    // Health rules from the clearance service; only when the policy allows it
    // (policy.health_code_from_server), else sync.health_rules_local.
    core::Status replaceHealthRules(std::vector<policies::HealthRuleSet> rules);

    // Thread-safe: the shell raises alerts, the officer overlay and the server's commands
    // acknowledge them. The newest kKeptAlerts, oldest first.
    std::vector<OfficerAlert> alerts() const;
    // Every alert raised since start, also those no longer kept.
    uint64_t alertCount() const;
    store::Store& store() { return store_; }
    // By OfficerAlert::seq: false when no kept alert has that number.
    bool acknowledgeAlert(uint64_t seq);
    // By OfficerAlert::id: true when it is now acknowledged, false when it already was;
    // lane.unknown_alert when no alert has that id.
    core::Result<bool> acknowledgeAlertById(int64_t id);
    // Officer actions go to the audit log (hash-chained); no personal data in `detail`.
    core::Status audit(const std::string& actor, const std::string& action, const std::string& detail,
                       core::WallTime now);
    // The scan log of the last 12 hours, newest first (QR hashes only).
    core::Result<std::vector<store::ScanRecord>> recentScans(core::WallTime now);
    void onAlert(std::function<void(const OfficerAlert&)> f) { alertSink_ = std::move(f); }

private:
    Event verifyQr(const std::string& text, int64_t now);
    Event verifyMrz(const std::string& text, int64_t now);
    bool healthCodeRequired(int64_t now) const;
    void logScan(int64_t t, const std::string& text, const std::string& verdict, bool queue);
    core::Result<std::optional<store::EnrolmentRow>> findEnrolment(const std::string& subject);
    void checkHealthCode(const std::string& healthText, const std::string& subject, int64_t t,
                         policies::LaneFacts& facts, std::vector<std::string>& problems);
    void checkHealthCertificate(const std::string& healthText, int64_t t, policies::LaneFacts& facts,
                                std::vector<std::string>& problems);

    LaneServicesConfig config_;
    store::Store& store_;
    credentials::TrustStore& trust_;
    credentials::ReplayCache& replay_;
    int64_t latestSeen_ = 0;
    int64_t lastPurge_ = 0;
    mutable std::mutex mu_;  // alerts_, alertCount_, config_.policy
    std::deque<OfficerAlert> alerts_;
    uint64_t alertCount_ = 0;
    std::function<void(const OfficerAlert&)> alertSink_;
    SyncHooks sync_;
};

// Maps a store enrolment to the policies' value type (dates parsed, enums mapped).
core::Result<policies::EnrolmentRecord> toPolicyRecord(const store::EnrolmentRow& row);

}  // namespace kiosk::lane
