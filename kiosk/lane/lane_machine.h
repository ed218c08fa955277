#pragma once
// The lane as a pure state machine: step(state, event, config) -> next state + commands.
// No I/O, no clock: the shell (lane_shell.h) runs the commands against devices, store and
// services and feeds results back as events; timeouts arrive as events too.
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/clock.h"

namespace kiosk::lane {

enum class State {
    Idle,              // between travellers: doors closed, devices checked
    ReadCredential,    // welcome screen, waiting for a QR or an ID card
    VerifyCredential,  // signature, freshness, replay
    ReadHealthCode,    // only while a health-code rule set is in force: the second QR
    CheckEligibility,  // policies: enrolment, age, delay, health, watchlist
    Door1Open,         // entry door opening
    AwaitEntry,        // waiting for exactly one person inside
    CaptureFace,
    CaptureFinger,
    Decide,            // verdict recorded in the journal before the exit door opens
    Door2Open,
    AwaitExit,
    Refused,           // reason shown; the traveller leaves by the entry door; officer alerted
    OutOfService,      // doors closed; waits for devices and the officer
    Emergency,         // fire alarm: both doors open for free exit
};
const char* toString(State s);

enum class CredentialKind { Qr, Mrz };
enum class Outcome { Passed, Refused, Aborted, Fault };
const char* toString(Outcome o);

// ---- Events (results the shell feeds back) ----
namespace ev {
struct DevicesReady {};
struct DeviceFault { std::string device; std::string code; };
struct CredentialRead { CredentialKind kind; std::string text; };  // text: QR text, or MRZ lines joined by '\n'
struct NothingPresented {};                                       // a read slice ended empty
struct CredentialAccepted {
    std::string subject;
    std::vector<std::string> warnings;
    bool healthCodeRequired = false;  // a health rule set is in force on this date
};
struct HealthCodeRead { std::string text; };
struct CredentialRejected { std::string reason; };
struct EligibilityPassed {};
struct EligibilityRefused { std::vector<std::string> reasons; bool quiet = false; };
struct DoorOpened { int door; };
struct DoorClosed { int door; };
struct LaneOccupancy { int people; bool exitPassage = false; };
struct FaceResult { bool match; bool livenessPassed; double distance; bool faceFound = true; };
struct FingerResult { bool match; bool qualityOk; int score; };
struct Recorded {};
struct Timeout { uint64_t epoch; };
struct FireAlarm { bool active; };
struct OfficerSetInService { bool inService; };
struct OfficerRelease {};  // officer cleared a held lane (after tailgating)
struct ContinuePressed {};  // the traveller asked for more time on the timeout warning
}  // namespace ev

using Event = std::variant<ev::DevicesReady, ev::DeviceFault, ev::CredentialRead, ev::NothingPresented,
                           ev::CredentialAccepted, ev::CredentialRejected, ev::HealthCodeRead, ev::EligibilityPassed,
                           ev::EligibilityRefused, ev::DoorOpened, ev::DoorClosed, ev::LaneOccupancy,
                           ev::FaceResult, ev::FingerResult, ev::Recorded, ev::Timeout, ev::FireAlarm,
                           ev::OfficerSetInService, ev::OfficerRelease, ev::ContinuePressed>;
std::string describe(const Event& e);

// ---- Commands (what the shell must do) ----
enum class Screen { Welcome, Reading, EnterOnePerson, Face, Finger, Proceed, SeeOfficer, OutOfService, Emergency, Processing, TimeoutWarning, HealthCode };
namespace cmd {
struct CheckDevices {};
struct ReadCredential {};                    // poll scanner + document reader for one slice
struct VerifyCredential { CredentialKind kind; std::string text; };
struct CheckEligibility { std::string subject; std::string healthText; };
struct ReadHealthCode {};                    // poll the QR scanner for the health code
struct OpenDoor { int door; };
struct CloseDoor { int door; };
struct WatchLane {};                         // poll the gate for one slice
struct CaptureFace { int attempt; };
struct CaptureFinger { int attempt; };
struct Record { Outcome outcome; std::vector<std::string> reasons; };
struct AlertOfficer { std::string reason; };
struct Show { Screen screen; std::vector<std::string> reasons; };
}  // namespace cmd

using Command = std::variant<cmd::CheckDevices, cmd::ReadCredential, cmd::ReadHealthCode, cmd::VerifyCredential, cmd::CheckEligibility,
                             cmd::OpenDoor, cmd::CloseDoor, cmd::WatchLane, cmd::CaptureFace, cmd::CaptureFinger,
                             cmd::Record, cmd::AlertOfficer, cmd::Show>;
std::string describe(const Command& c);

struct LaneConfig {
    core::Millis idleRecheck{5000};
    core::Millis readSlice{60000};       // ReadCredential re-arms after this (the welcome loop)
    core::Millis verifyTimeout{2000};
    core::Millis eligibilityTimeout{2000};
    core::Millis healthCodeTimeout{20000};  // to show the health code after the crossing QR
    core::Millis doorTimeout{3000};      // door must reach its state (controller ack) in time
    core::Millis entryTimeout{10000};    // nobody entered
    core::Millis faceTimeout{8000};      // per attempt
    core::Millis fingerTimeout{10000};   // per attempt
    core::Millis decideTimeout{2000};
    core::Millis exitTimeout{15000};
    core::Millis refusedTimeout{20000};  // traveller to leave after a refusal
    core::Millis refusedDisplay{3000};   // message shown when nobody is inside
    core::Millis outOfServiceRecheck{5000};
    // WCAG 2.2.1: before a traveller's time runs out, warn and offer at least 20 s more.
    core::Millis timeoutWarning{20000};
    int faceAttempts = 3;
    int fingerAttempts = 3;
};

// Everything the machine remembers. Plain data: copyable, comparable, printable.
struct LaneState {
    State state = State::Idle;
    uint64_t epoch = 0;                 // increments on every state entry; stale timeouts are ignored
    std::string subject;                // opaque enrolment reference of the current traveller
    std::optional<CredentialKind> credentialKind;
    std::string pendingText;            // the credential being verified (cleared after)
    std::string healthText;             // the health code shown (cleared after eligibility)
    int faceAttempt = 0;
    int fingerAttempt = 0;
    int occupancy = 0;
    std::vector<std::string> reasons;   // refusal or fault reasons of the current traveller
    bool quiet = false;                 // watchlist: generic text to the traveller
    bool holdForOfficer = false;        // tailgating: doors stay closed until an officer releases
    bool recorded = false;
    bool officerOutOfService = false;   // officer took the lane out of service
    bool fireAlarm = false;
    bool timeoutWarned = false;         // the "need more time?" warning is showing
    std::optional<Outcome> finished;    // set on the step that completes a traveller
};

struct StepResult {
    LaneState next;
    std::vector<Command> commands;
    core::Millis timeout{0};  // for the new state; the shell arms a timer with next.epoch
};

StepResult step(const LaneState& s, const Event& e, const LaneConfig& cfg);
// The commands and timeout of entering a state (used for the initial state too).
StepResult enter(LaneState s, State to, const LaneConfig& cfg);

}  // namespace kiosk::lane
