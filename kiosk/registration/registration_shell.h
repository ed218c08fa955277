#pragma once
// The imperative shell around the pure registration machine (like kiosk/lane/lane_shell.h):
// runs its commands on the devices and on EnrolmentServices, feeds results back as events,
// turns the injected clock into timeouts. It alone holds the resident's MRZ and templates
// (PendingEnrolment) and drops them on Discard.
#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "devices/camera.h"
#include "devices/document_reader.h"
#include "devices/face.h"
#include "devices/fingerprint.h"
#include "devices/printer.h"
#include "kiosk/registration/finger_capture.h"
#include "kiosk/registration/registration_machine.h"
#include "kiosk/registration/registration_services.h"

namespace kiosk::registration {

// Whether a card sits in the document reader's slot (most ID-card readers report it; the
// MRZ interface of devices/ does not, so the registration machine has its own seam).
class CardSlot {
public:
    virtual ~CardSlot() = default;
    virtual core::Result<bool> cardPresent() = 0;
};

// Borrowed devices (owned by main / the scenario runner / tests).
struct RegistrationDevices {
    devices::DocumentReader* document = nullptr;
    CardSlot* cardSlot = nullptr;
    devices::Camera* camera = nullptr;
    devices::FaceEngine* face = nullptr;
    devices::FingerprintReader* finger = nullptr;
    devices::ReceiptPrinter* printer = nullptr;
};

// What the receipt says; main composes it with devices/io's composeRegistrationReceipt
// (so kiosk::registration does not link the renderer).
struct ReceiptRequest {
    std::string reference;
    core::WallTime issuedAt{};
    core::WallTime usableFrom{};
    Language language = Language::En;
};
using ReceiptComposer = std::function<devices::Receipt(const ReceiptRequest&)>;
// Plain English lines (tests and a build without the renderer).
devices::Receipt plainReceipt(const ReceiptRequest& r);
const char* languageTag(Language l);  // "zh-Hant", "en", "pt"

struct RegistrationTuning {
    core::Millis pollSlice{250};          // one wait on the reader / the card slot
    int faceFramesPerAttempt = 6;         // live sequence: quality, enrolment, liveness
    core::Millis frameTimeout{1000};
    core::Millis fingerEnrolTimeout{25000};  // 5 impressions (+ quality retries)
    core::Millis fingerVerifyTimeout{8000};
    int faceDescriptors = 3;              // kept per enrolment (good frames of the sequence)
};

struct RegistrationObserver {
    std::function<void(const RegistrationState&, const Command&)> onCommand;
    std::function<void(const RegistrationState& before, const Event&, const RegistrationState& after)> onTransition;
    // A session ended: outcome, reasons, the reference (enrolled) and the session's clock time.
    std::function<void(Outcome, const std::vector<std::string>& reasons, const RegistrationState& last,
                       core::Millis sessionTime)>
        onFinished;
    std::function<void(const devices::Receipt&)> onReceipt;  // each receipt sent to the printer
    std::function<void(const devices::Frame&, FaceHint)> onFace;
};

class RegistrationShell {
public:
    RegistrationShell(RegistrationConfig config, RegistrationTuning tuning, RegistrationDevices devices,
                      EnrolmentServices& services, core::Clock& clock, ReceiptComposer composer = {},
                      RegistrationObserver observer = {});

    // Feeds an event from outside (the screen's buttons, staff); thread-safe.
    void post(Event e);
    void run(const std::function<bool()>& stop);
    // One turn: a queued event, a due timeout, or a slice of the current activity.
    void turn();

    const RegistrationState& state() const { return state_; }
    RegistrationState snapshot() const;
    // Tests: whether the shell holds anything of a resident.
    bool holdsPending() const { return pending_.card.has_value() || !pending_.mrz.empty() || !pending_.fingers.empty() ||
                                       !pending_.faces.empty(); }

private:
    void apply(const Event& e);
    void execute(const Command& c);
    std::optional<Event> runActivity(const Command& c);
    std::optional<Event> checkDevices();
    std::optional<Event> readCard();
    std::optional<Event> watchCard();
    std::optional<Event> enrolFinger(const cmd::EnrolFinger& c);
    std::optional<Event> verifyFinger(const cmd::VerifyFinger& c);
    std::optional<Event> captureFace(int attempt);
    std::optional<Event> printReceipt(const cmd::PrintReceipt& p);

    RegistrationConfig config_;
    RegistrationTuning tuning_;
    RegistrationDevices dev_;
    EnrolmentServices& services_;
    core::Clock& clock_;
    ReceiptComposer composer_;
    RegistrationObserver observer_;
    FingerCapture finger_;  // the finger commands, as bench_registration runs them

    RegistrationState state_;
    PendingEnrolment pending_;
    core::MonoTime deadline_{};
    core::MonoTime sessionStart_{};
    std::optional<Command> activity_;
    std::deque<Event> queue_;
    std::mutex externalMu_;
    std::deque<Event> external_;
    mutable std::mutex snapshotMu_;
    RegistrationState snapshot_;
};

}  // namespace kiosk::registration
