#pragma once
// The imperative shell around the pure lane machine: runs its commands on the devices
// and services, turns results into events, and turns the injected clock into timeouts.
#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "devices/camera.h"
#include "devices/document_reader.h"
#include "devices/face.h"
#include "devices/fingerprint.h"
#include "devices/gate.h"
#include "devices/qr_scanner.h"
#include "kiosk/lane/lane_machine.h"

namespace kiosk::lane {

// Borrowed devices (owned by main / the scenario runner). `document` may be null.
struct LaneDevices {
    devices::QrScanner* qr = nullptr;
    devices::DocumentReader* document = nullptr;
    devices::Camera* camera = nullptr;
    devices::FaceEngine* face = nullptr;
    devices::FingerprintReader* finger = nullptr;
    devices::Gate* gate = nullptr;
};

// How fresh the enrolment data pulled from the clearance service is: the lane's mirror
// of sync::Freshness, so kiosk::lane does not depend on the sync library.
enum class DataFreshness { Fresh, Warning, Stale };
const char* toString(DataFreshness f);

// What the lane asks of credentials, policies and the store (lane_services.h implements it).
class CrossingServices {
public:
    virtual ~CrossingServices() = default;
    // -> ev::CredentialAccepted or ev::CredentialRejected
    virtual Event verifyCredential(CredentialKind kind, const std::string& text, core::WallTime now) = 0;
    // -> ev::EligibilityPassed or ev::EligibilityRefused
    // healthText: the health code the traveller showed ("" when none was asked for or shown).
    virtual Event checkEligibility(const std::string& subject, int peopleInLane, const std::string& healthText,
                                   core::WallTime now) = 0;
    virtual core::Result<std::vector<devices::FaceDescriptor>> enrolledFaces(const std::string& subject) = 0;
    virtual core::Result<std::vector<std::vector<uint8_t>>> enrolledFingers(const std::string& subject) = 0;
    struct Record {
        Outcome outcome;
        std::vector<std::string> reasons;
        std::string subject;
        std::string credentialHash;  // hash of the QR/MRZ text, never the text
        core::Millis laneTime{0};
        std::optional<CredentialKind> credentialKind;  // what credentialHash is the hash of
    };
    virtual core::Status record(const Record& r, core::WallTime now) = 0;
    virtual void alertOfficer(const std::string& reason, core::WallTime now) = 0;
    // Something other than a device that keeps the lane from taking travellers (e.g. its
    // enrolment data is too old). Asked on every device check and while the lane waits
    // for a credential, never in the middle of a traveller.
    virtual std::optional<ev::DeviceFault> serviceFault(core::WallTime) { return std::nullopt; }
    // The lane went in or out of service, or into/out of the emergency.
    virtual void laneStateChanged(State, State, const std::string& /*reason*/, core::WallTime) {}
};

struct ShellTuning {
    core::Millis pollSlice{250};      // one wait on a scanner or the gate
    int faceFramesPerAttempt = 6;     // live sequence for liveness + best match
    core::Millis frameTimeout{1000};
    core::Millis fingerTimeout{8000};
    core::Millis serviceCheck{1000};  // CrossingServices::serviceFault while waiting for a credential
};

// What the outside world sees (UI view model, headless printer, tests).
struct ShellObserver {
    std::function<void(const LaneState&, const Command&)> onCommand;
    std::function<void(const LaneState& before, const Event&, const LaneState& after)> onTransition;
    // A traveller's crossing ended (passed/refused/aborted/fault) with the reasons.
    std::function<void(Outcome, const std::vector<std::string>& reasons, core::Millis laneTime)> onFinished;
    std::function<void(const devices::Frame&, const devices::FaceMatch&)> onFace;
};

class LaneShell {
public:
    LaneShell(LaneConfig config, ShellTuning tuning, LaneDevices devices, CrossingServices& services,
              core::Clock& clock, ShellObserver observer = {});

    // Feeds an event from outside (officer, UI, fire alarm input); thread-safe. Returns
    // its ticket: taken(ticket) once the machine has stepped on it (a command from the
    // server waits for that: a device step may hold the shell for seconds).
    uint64_t post(Event e);
    bool taken(uint64_t ticket) const { return takenTicket_.load() >= ticket; }
    // Events posted or produced and not yet stepped on (the shell's thread).
    bool eventsPending();
    // Runs until `stop()` returns true (checked between events).
    void run(const std::function<bool()>& stop);
    // One turn of the loop: handles a queued event or runs the current activity slice.
    void turn();

    // For the shell's own thread (and single-threaded tests).
    const LaneState& state() const { return state_; }
    // A copy for other threads (server commands, heartbeats).
    LaneState snapshot() const;
    // The gate as the shell last read it (doors for the heartbeat); nullopt before the first read.
    std::optional<devices::GateStatus> gateSnapshot() const;
    // Devices that need a technician (degraded, faulty or lost), by name ("camera", ...),
    // for the staff banner. On the shell's thread (it asks each device's health).
    std::vector<std::string> deviceWarnings() const;

private:
    void apply(const Event& e);
    void execute(const Command& c);
    std::optional<Event> runActivity(const Command& c);
    std::optional<Event> checkDevices();
    std::optional<Event> captureFace(int attempt);
    std::optional<Event> captureFinger(int attempt);
    std::optional<Event> watchLane();
    core::Result<std::optional<std::string>> pollQr();
    std::optional<Event> readCredential();
    std::optional<Event> readHealthCode();
    void checkFireAlarm();

    LaneConfig config_;
    ShellTuning tuning_;
    LaneDevices dev_;
    CrossingServices& services_;
    core::Clock& clock_;
    ShellObserver observer_;

    LaneState state_;
    core::MonoTime deadline_{};
    std::optional<Command> activity_;  // repeated until it yields an event
    std::deque<Event> queue_;          // events produced by commands, in order
    std::mutex externalMu_;
    std::deque<Event> external_;
    std::deque<uint64_t> externalTickets_;  // parallel to external_ (under externalMu_)
    uint64_t lastTicket_ = 0;               // under externalMu_
    // (absolute position in queue_, ticket) of the external events moved into queue_.
    std::deque<std::pair<uint64_t, uint64_t>> queuedTickets_;
    uint64_t stepped_ = 0;  // events taken from queue_ so far
    std::atomic<uint64_t> takenTicket_{0};
    core::MonoTime travellerStart_{};
    std::string credentialHash_;
    int lastOccupancy_ = 0;
    bool lastFire_ = false;
    core::MonoTime lastAlarmCheck_{};
    core::MonoTime lastServiceCheck_{};
    mutable std::mutex snapshotMu_;
    LaneState snapshot_;
    std::optional<devices::GateStatus> gateSeen_;  // under snapshotMu_
    void noteGate(const devices::GateStatus& g);
};

}  // namespace kiosk::lane
