#pragma once
// What the registration machine asks of the card, the policies and the store:
// eligibility (policies::evaluateRegistration on the card and the store's enrolment for
// the same document), the commit (the enrolment encrypted into the store and, in the same
// transaction, the outbox row "enrolment" sealed with the fleet template key), staff
// alerts (outbox "alert") and the session audit.
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/config.h"
#include "core/result.h"
#include "credentials/mrz.h"
#include "devices/face.h"
#include "kiosk/registration/registration_machine.h"
#include "kiosk/store/store.h"
#include "policies/policy_config.h"

namespace kiosk::registration {

// Everything of one resident the shell holds between the card and the commit; never
// logged, dropped on Discard (and after the commit).
struct PendingEnrolment {
    std::vector<std::string> mrz;
    std::optional<credentials::MrzData> card;
    store::Residency residency = store::Residency::Other;
    std::optional<std::string> replaces;        // the active enrolment the new one replaces
    std::vector<store::FingerTemplate> fingers;  // index = configured finger
    std::vector<devices::FaceDescriptor> faces;
    std::string reference;  // made at the first Commit and kept: a repeated Commit is idempotent
    void clear() { *this = PendingEnrolment{}; }
};

struct RegistrationSettings {
    std::string deviceId = "REG-01";                                // audit actor, alert payloads
    std::vector<std::string> fingers = {"right_index", "left_index"};  // which fingers, in order
    std::vector<EnrolmentOffice> offices;                           // under-18 referral
    policies::PolicyConfig policy;
    std::string libfprintVersion = "1.94";
    std::string referencePrefix = "R-";
    int faceDescriptors = 3;                                        // kept per enrolment
};

// Reads the "registration" object of the configuration (docs/registration.md): fingers,
// offices, reference_prefix, face_descriptors and the timeouts (ms) into `machine`.
// Unknown keys and bad values are errors that name the key.
core::Status registrationSettingsFromConfig(const core::ConfigView& section, RegistrationSettings& settings,
                                            RegistrationConfig& machine);

// The residency a card shows. The chip (later) holds the real status; from the MRZ alone:
// issuing state HKG/MAC gives the territory; the TD1 optional data starting with "NP"
// marks a non-permanent resident's card (the convention of the simulated cards).
store::Residency residencyFromCard(const credentials::MrzData& card);

// The registration machine's view of the world (RegistrationServices implements it on the
// store; tests may wrap it to inject faults).
class EnrolmentServices {
public:
    virtual ~EnrolmentServices() = default;
    // Parses pending.mrz -> ev::EligibilityPassed / ev::EligibilityRefused /
    // ev::CardUnreadable; fills pending.card, residency and replaces.
    virtual Event checkEligibility(PendingEnrolment& pending, core::WallTime now) = 0;
    // -> ev::Committed or ev::CommitFailed (nothing written).
    virtual Event commit(PendingEnrolment& pending, Language language, core::WallTime now) = 0;
    virtual void alertStaff(const std::string& reason, core::WallTime now) = 0;
    virtual void record(Outcome outcome, const std::vector<std::string>& reasons, core::WallTime now) = 0;
    // Anything but a device that keeps the machine from taking residents (none by default).
    virtual std::optional<ev::DeviceFault> serviceFault(core::WallTime) { return std::nullopt; }
};

// The sealed wire object of an enrolment (kiosk::sync's sealEnrolmentForWire with the
// fleet template key). Injected so that kiosk::registration does not link libcurl.
using SealForWire = std::function<core::Result<core::Json>(const store::EnrolmentRow&)>;

class RegistrationServices final : public EnrolmentServices {
public:
    RegistrationServices(RegistrationSettings settings, store::Store& store, SealForWire seal);

    Event checkEligibility(PendingEnrolment& pending, core::WallTime now) override;
    Event commit(PendingEnrolment& pending, Language language, core::WallTime now) override;
    void alertStaff(const std::string& reason, core::WallTime now) override;
    void record(Outcome outcome, const std::vector<std::string>& reasons, core::WallTime now) override;

    const RegistrationSettings& settings() const { return settings_; }
    store::Store& store() { return store_; }
    std::vector<std::string> alerts() const;  // the newest reasons alerted (tests)
    std::size_t alertCount() const;           // every alert since start (scenario summary)

private:
    std::string newReference();
    void keepJournal(int64_t now);

    RegistrationSettings settings_;
    store::Store& store_;
    SealForWire seal_;
    int64_t lastPurge_ = 0;
    mutable std::mutex mu_;
    std::vector<std::string> alerts_;  // the newest kKeptAlerts
    std::size_t alertCount_ = 0;
};

}  // namespace kiosk::registration
