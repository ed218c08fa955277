#pragma once
// What the registration machine's screen shows, as plain values (ViewModel::registration).
// kiosk/registration/registration_ui_bridge.cpp maps the machine's state to it; the UI
// draws it and reports touches as UiEvents. Like the lane's screens, the UI decides
// nothing: which screen, which refusal, which finger, the reference all come in here.
//
// The rest of ViewModel still applies: language, voiceEnabled, guidanceKey (finger and
// face guidance, "reg.finger.press_firmly", "reg.face.blink", ...), preview (the face
// screen's camera frame), timeoutSecondsLeft (the countdown), staff banners, officer.
#include <optional>
#include <string>
#include <vector>

namespace kiosk::ui {

enum class RegistrationScreen {
    ChooseLanguage,  // three large language buttons; nothing of a resident held yet
    InsertCard,
    Checking,        // eligibility check
    Refused,         // refusal + next steps (offices for under-18)
    Terms,           // scrollable terms, Accept (enabled once read to the end) / Decline
    TakeCard,        // take your card back (cardAlarm: the card was left in the reader)
    Finger,          // enrolment impressions 1..5, then one verify, per finger
    Face,            // camera preview, guidance, liveness prompt (blink)
    Confirm,
    Committing,      // saving: do not leave
    Receipt,         // reference, usable-from, printer state (reprint after a fault)
    OutOfService,
    TimeoutWarning,  // WCAG 2.2.1: "do you need more time?" with a live countdown
    Cancelled,       // nothing saved; take your card
};

// Stable name: string keys "reg.<name>.title|body", golden files registration_<name>_*.
const char* registrationScreenName(RegistrationScreen s);
const std::vector<RegistrationScreen>& allRegistrationScreens();

// The step indicator across the top of the flow (none on ChooseLanguage / OutOfService).
enum class RegistrationStep { Card, Terms, Fingers, Face, Confirm, Receipt };
const std::vector<RegistrationStep>& allRegistrationSteps();
const char* registrationStepName(RegistrationStep s);  // "card", ... ("reg.step.<name>")
std::optional<RegistrationStep> stepOf(RegistrationScreen s);

// Why the resident cannot register here; the strings "reg.refusal.<name>" (what happened)
// and "reg.refusal.<name>.next" (what to do now).
enum class RefusalKind {
    Under18,               // referral to an enrolment office: offices listed
    NotPermanentResident,
    DocumentExpired,
    FingerQuality,         // finger quality never reached (or the verify never matched)
    FaceQuality,
    FaceLiveness,
    CardUnreadable,
    Other,                 // anything else: "please ask a member of staff"
};
const char* refusalName(RefusalKind k);

struct EnrolmentOfficeRow {
    std::string name;     // as configured (usually bilingual already)
    std::string address;
    std::string hours;
};

enum class FingerPhase { Enrol, Verify };

// Finger names the strings table knows ("reg.finger_name.<name>"): right_thumb,
// right_index, right_middle, right_ring, right_little, the same for left.
const std::vector<std::string>& knownFingerNames();

enum class ReceiptPrinter {
    Printing,
    Printed,     // "take your receipt"
    OutOfPaper,  // staff alerted; the enrolment is kept; reprint offered
    Fault,       // cover open, printer lost, ...: the same, other words
};

struct RegistrationView {
    RegistrationScreen screen = RegistrationScreen::ChooseLanguage;

    // Refused
    RefusalKind refusal = RefusalKind::Other;
    std::vector<EnrolmentOfficeRow> offices;  // shown for Under18

    // Terms
    bool termsAcceptEnabled = false;  // the machine saw the resident reach the end
    bool reenrolment = false;         // also on Confirm: "this replaces your current enrolment"

    // TakeCard
    bool cardAlarm = false;

    // Finger
    std::string fingerName = "right_index";  // one of knownFingerNames()
    int fingerNumber = 1;                    // 1-based, of fingerCount
    int fingerCount = 2;
    FingerPhase fingerPhase = FingerPhase::Enrol;
    int impression = 0;                      // impressions done, 0..impressions
    int impressions = 5;

    // Face
    bool livenessPrompt = false;  // "blink now" shown large

    // Confirm
    int laneDelayMinutes = 180;  // the enrolment works at the lanes this long after the commit

    // Receipt
    std::string reference;   // "R7F3K92QD", as the machine has it
    std::string usableFrom;  // local time, formatted by the bridge: "2026-12-01 15:42"
    ReceiptPrinter printer = ReceiptPrinter::Printing;
    bool reprintOffered = false;
};

// Touches on the registration screens (UiEventType::Registration).
enum class RegistrationAction {
    None,
    TermsReadToEnd,  // the end of the terms became visible (sent once per Terms screen)
    Accept,          // terms
    Decline,         // terms
    Confirm,
    Cancel,          // any resident-paced screen
    Reprint,
    Done,            // receipt / refusal / cancelled: finish now
};
const char* registrationActionName(RegistrationAction a);

}  // namespace kiosk::ui
