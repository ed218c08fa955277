#pragma once
// The self-service registration machine as a pure state machine, like the lane's
// (kiosk/lane/lane_machine.h): step(state, event, config) -> next state + commands +
// timeout. No I/O, no clock, no biometrics: the shell (registration_shell.h) keeps the
// captured templates and the MRZ in its own pending buffer and runs the commands; the
// machine only knows what happened ("finger 0 enrolled", "face captured").
//
// ChooseLanguage -> InsertCard -> CheckEligibility -> Terms -> TakeCardBack ->
// CaptureFingers (per configured finger: enrol 5 impressions with a quality loop, then a
// verify that must match; the finger is placed again up to fingerVerifyAttempts times
// before the round is redone) -> CaptureFace (quality + liveness) -> Confirm -> Commit
// (store + outbox in one transaction) -> Receipt -> ChooseLanguage.
// Refused (with next steps) and OutOfService from anywhere. Every state has a timeout.
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/clock.h"
#include "policies/reasons.h"

namespace kiosk::registration {

using policies::Language;  // ZhHant, En, Pt

enum class State {
    ChooseLanguage,    // attract screen; devices checked; nothing of a resident held
    InsertCard,        // waiting for the ID card (MRZ)
    CheckEligibility,  // policies::evaluateRegistration on the card + the store's enrolment
    Terms,             // terms in the chosen language: scroll to the end, then accept
    TakeCardBack,      // card must leave the reader; an alarm sounds after a timeout
    CaptureFingers,    // per finger: Enrol phase (impressions), then Verify phase
    CaptureFace,       // quality (one face, frontal, eyes open, size, light) + liveness
    Confirm,           // summary; resident confirms or cancels
    Commit,            // one store transaction: enrolment + outbox "enrolment"
    Receipt,           // print (or reprint after a printer fault); enrolment already kept
    Refused,           // reason + next steps; the card is taken back first
    OutOfService,      // device fault or staff; anything pending is discarded
};
const char* toString(State s);

// How a resident's session ended (set on the step that ends it; for the journal, the
// scenario runner and the benchmark).
enum class Outcome { Enrolled, Refused, Abandoned, Fault };
const char* toString(Outcome o);

enum class FingerPhase { Enrol, Verify };

// Guidance the quality loop shows while a finger is captured.
enum class FingerHint { None, PressFirmly, Moisten, CleanSensor, Centre, LiftAndPlaceAgain };
const char* toString(FingerHint h);  // "press_firmly", ...

// Guidance for the face capture.
enum class FaceHint { None, NoFace, OneFaceOnly, LookAtCamera, OpenEyes, ComeCloser, MoveBack,
                      MoreLight, LessLight, HoldStill, Blink };
const char* toString(FaceHint h);  // "no_face", ...

// ---- Events (results the shell feeds back) ----
namespace ev {
struct DevicesReady {};
struct DeviceFault { std::string device; std::string code; };  // "camera"/"document"/"fingerprint"/"printer"/"store"
struct LanguageChosen { Language language; };
struct CardRead {};                                             // a card's MRZ was read (the shell keeps the lines)
struct CardUnreadable {};                                       // MRZ did not parse: insert again
struct NothingPresented {};                                     // a poll slice ended empty
struct EligibilityPassed { bool reenrolment = false; };         // reenrolment: replaces an active enrolment
struct EligibilityRefused { std::vector<std::string> reasons; };  // reg.under_18, reg.not_permanent_resident, reg.document_expired
struct TermsScrolled { bool atEnd; };
struct TermsAccepted {};
struct TermsDeclined {};
struct CardRemoved {};
struct FingerImpression { int finger; int stage; int stages; FingerHint hint; };  // one enrolment stage done or retried
struct FingerEnrolled { int finger; };
struct FingerVerified { int finger; bool match; FingerHint hint; };  // no match: refused by the gate or not the finger
struct FingerQualityLow { int finger; FingerHint hint; };      // enrolment gave up (too many bad impressions)
struct FaceCaptured {};
struct FaceQualityLow { FaceHint hint; bool livenessFailed = false; };
struct Confirmed {};
struct CancelPressed {};                                        // any resident-paced state
struct Committed { std::string reference; int64_t usableFrom; };  // usableFrom: Unix s
struct CommitFailed { std::string code; };                       // nothing written (one transaction)
struct Printed {};
struct PrinterFault { std::string code; };                       // printer.out_of_paper, printer.cover_open, device.lost
struct ReprintPressed {};
struct ContinuePressed {};                                       // "need more time?" answered
struct Timeout { uint64_t epoch; };
struct StaffSetInService { bool inService; };
}  // namespace ev

using Event = std::variant<ev::DevicesReady, ev::DeviceFault, ev::LanguageChosen, ev::CardRead, ev::CardUnreadable,
                           ev::NothingPresented, ev::EligibilityPassed, ev::EligibilityRefused, ev::TermsScrolled,
                           ev::TermsAccepted, ev::TermsDeclined, ev::CardRemoved, ev::FingerImpression,
                           ev::FingerEnrolled, ev::FingerVerified, ev::FingerQualityLow, ev::FaceCaptured,
                           ev::FaceQualityLow, ev::Confirmed, ev::CancelPressed, ev::Committed, ev::CommitFailed,
                           ev::Printed, ev::PrinterFault, ev::ReprintPressed, ev::ContinuePressed, ev::Timeout,
                           ev::StaffSetInService>;
std::string describe(const Event& e);

// ---- Commands (what the shell must do) ----
enum class Screen {
    ChooseLanguage, InsertCard, Checking, Terms, TakeCardBack, CardLeftAlarm, Finger, Face, Confirm, Saving,
    Receipt, ReceiptPrinterFault, Refused, OutOfService, TimeoutWarning, Cancelled,
};
const char* toString(Screen s);

namespace cmd {
struct CheckDevices {};
struct Show { Screen screen; std::vector<std::string> reasons; };  // everything else the UI needs is in RegistrationState
struct ReadCard {};                          // poll the document reader for one slice
struct CheckEligibility {};                  // on the MRZ the shell holds (the machine never holds it)
struct WatchCard {};                         // poll: has the card left the reader?
struct CardAlarm { bool on; };               // audible alarm: card left in the reader
struct EnrolFinger { int finger; int attempt; };
struct VerifyFinger { int finger; int attempt; int presentation = 0; };  // presentation: within the round
struct CaptureFace { int attempt; };
struct Commit { Language language; };        // store + outbox, one transaction, idempotent
struct PrintReceipt { std::string reference; int64_t usableFrom; Language language; };
struct Discard {};                           // drop the pending MRZ and templates (shell memory only)
struct AlertStaff { std::string reason; };   // outbox "alert"
struct Record { Outcome outcome; std::vector<std::string> reasons; };  // audit line (no personal data)
}  // namespace cmd

using Command = std::variant<cmd::CheckDevices, cmd::Show, cmd::ReadCard, cmd::CheckEligibility, cmd::WatchCard,
                             cmd::CardAlarm, cmd::EnrolFinger, cmd::VerifyFinger, cmd::CaptureFace, cmd::Commit,
                             cmd::PrintReceipt, cmd::Discard, cmd::AlertStaff, cmd::Record>;
std::string describe(const Command& c);

struct RegistrationConfig {
    core::Millis attractRecheck{10000};       // ChooseLanguage: device check, language reset
    core::Millis insertCardTimeout{60000};
    core::Millis eligibilityTimeout{3000};
    core::Millis termsTimeout{120000};        // resident-paced: warning first (WCAG 2.2.1)
    core::Millis takeCardTimeout{20000};      // then the card-left alarm
    core::Millis cardAlarmRepeat{30000};      // alarm on: staff re-alerted this often
    core::Millis fingerTimeout{30000};        // per capture command (5 impressions)
    core::Millis faceTimeout{20000};          // per attempt
    core::Millis confirmTimeout{60000};       // resident-paced: warning first
    core::Millis commitTimeout{10000};
    core::Millis receiptTimeout{30000};       // receipt shown; printer fault: reprint offered this long
    core::Millis refusedTimeout{30000};       // reason and next steps shown (card already out)
    core::Millis outOfServiceRecheck{10000};
    core::Millis timeoutWarning{20000};       // "need more time?"
    int fingers = 2;                          // how many (which ones: configuration, RegistrationSettings)
    int fingerAttempts = 3;                   // enrol/verify rounds per finger before reg.finger_quality
    // Verify presentations per round (a capture the quality gate refused or that did not
    // match asks for the finger again, with guidance) before the round enrols afresh:
    // the first one + the reader's 3 re-captures per stage (ReaderOptions::maxCaptureRetries).
    int fingerVerifyAttempts = 4;
    int faceAttempts = 3;                     // before reg.face_quality
    int printAttempts = 3;                    // reprints offered after a printer fault
};

// Everything the machine remembers. Plain data; no personal data (no MRZ, no templates).
struct RegistrationState {
    State state = State::ChooseLanguage;
    uint64_t epoch = 0;                      // increments on every state entry; stale timeouts are ignored
    Language language = Language::ZhHant;
    bool inSession = false;                  // a resident has chosen a language
    bool cardInReader = false;
    bool cardAlarm = false;
    bool termsRead = false;                  // scrolled to the end: Accept enabled
    bool reenrolment = false;                // the commit replaces an active enrolment (audit trail)
    int finger = 0;                          // index into the configured fingers
    FingerPhase fingerPhase = FingerPhase::Enrol;
    int fingerAttempt = 0;                   // round (enrolment + verifies)
    int fingerVerifyAttempt = 0;             // verify presentation within the round
    int impressionStage = 0, impressionStages = 0;  // progress of the current enrolment
    FingerHint fingerHint = FingerHint::None;
    int faceAttempt = 0;
    FaceHint faceHint = FaceHint::None;
    bool livenessFailed = false;
    bool committed = false;                  // the enrolment is in the store (receipt faults keep it)
    std::string reference;                   // enrolment reference, after the commit
    int64_t usableFrom = 0;                  // Unix s, after the commit
    bool printerFault = false;
    std::string printerFaultCode;
    int printAttempt = 0;
    bool printed = false;
    bool cancelled = false;                  // resident cancelled / timed out: card back, then ChooseLanguage
    std::vector<std::string> reasons;        // refusal or fault reasons
    bool staffOutOfService = false;
    bool timeoutWarned = false;              // the "need more time?" warning is showing
    std::optional<Outcome> finished;         // set on the step that ends a resident's session
};

struct StepResult {
    RegistrationState next;
    std::vector<Command> commands;
    core::Millis timeout{0};  // for the new state; the shell arms a timer with next.epoch
};

StepResult step(const RegistrationState& s, const Event& e, const RegistrationConfig& cfg);
StepResult enter(RegistrationState s, State to, const RegistrationConfig& cfg);

// Every state, in declaration order (tests: every state has a timeout).
std::vector<State> allStates();

// An enrolment office for the under-18 referral (configuration "offices").
struct EnrolmentOffice {
    std::string name;
    std::string address;
    std::string hours;
};

}  // namespace kiosk::registration
