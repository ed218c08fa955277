#pragma once
// The lane's CrossingServices on the project's real libraries: credentials (signature,
// freshness, replay), policies (eligibility) and the store (enrolments, journal, scan
// log, audit). Time always comes in from the shell's clock.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "credentials/crossing_qr.h"
#include "credentials/replay_cache.h"
#include "credentials/trust_list.h"
#include "kiosk/lane_shell.h"
#include "kiosk/store/store.h"
#include "policies/policy_config.h"

namespace kiosk::lane {

struct LaneServicesConfig {
    std::string laneId = "LANE-01";
    credentials::VerifyOptions verify;
    credentials::TrustPolicy trust;
    policies::PolicyConfig policy;
};

struct OfficerAlert {
    int64_t time = 0;
    std::string reason;  // shared reason code; the officer text comes from policies/reasons.h
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

    const std::vector<OfficerAlert>& alerts() const { return alerts_; }
    store::Store& store() { return store_; }
    void acknowledgeAlert(std::size_t index) {
        if (index < acknowledged_.size()) acknowledged_[index] = true;
    }
    bool acknowledged(std::size_t index) const { return index < acknowledged_.size() && acknowledged_[index]; }
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

    LaneServicesConfig config_;
    store::Store& store_;
    credentials::TrustStore& trust_;
    credentials::ReplayCache& replay_;
    int64_t latestSeen_ = 0;
    int64_t lastPurge_ = 0;
    std::vector<OfficerAlert> alerts_;
    std::vector<bool> acknowledged_;
    std::function<void(const OfficerAlert&)> alertSink_;
};

// Maps a store enrolment to the policies' value type (dates parsed, enums mapped).
core::Result<policies::EnrolmentRecord> toPolicyRecord(const store::EnrolmentRow& row);

}  // namespace kiosk::lane
