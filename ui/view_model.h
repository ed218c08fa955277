#pragma once
// What the kiosk screen shows, as plain values. The lane (kiosk/) maps its state to a
// ViewModel every frame; the UI draws it and reports user input as UiEvents. The UI makes
// no lane decisions: it never chooses a screen, a reason or an outcome.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ui/registration_view.h"

namespace kiosk::ui {

enum class Screen {
    Welcome,         // attract: "show your QR code or insert your card"
    Reading,         // credential being read / verified
    DoorOpen,        // door 1 open: "enter, one person only"
    FaceCapture,     // live camera preview + face guide box + quality guidance
    Fingerprint,     // "place your right index finger" + progress
    Proceed,         // green: door 2 open
    SeeOfficer,      // refused: generic reason text, never the watchlist
    OutOfService,
    Processing,      // checking (between steps)
    Emergency,       // fire alarm: doors open, leave the lane
    TimeoutWarning,  // WCAG 2.2.1: "do you need more time?" with a Continue button
    Starting,        // start-up: the engines (face model, fingerprint reader) load; `startup` lists them
};

// The crossing's steps, one indicator on every screen of a crossing (credential, enter,
// face, fingerprint, exit). None: no indicator (welcome's attract loop excluded: it is step 1).
enum class CrossingStep { None, Credential, Enter, Face, Fingerprint, Exit };
const char* crossingStepName(CrossingStep s);  // "credential", ... (string keys "step.<name>")

// What the liveness check asks the traveller to do on the face screen (configured:
// face.liveness.challenge); said in words on the screen and in its spoken instruction.
enum class LivenessPrompt { None, Blink, HeadTurn, BlinkOrHeadTurn };

// One engine of the start-up screen: "startup.face_model", "startup.finger_reader", ...
struct StartupItem {
    std::string key;
    bool done = false;
};

enum class Language { ZhHant, En, Pt };

// Stable tag of a language in the strings table and in config: "zh-Hant", "en", "pt".
const char* languageTag(Language l);
std::optional<Language> languageFromTag(const std::string& tag);
const char* screenName(Screen s);  // "welcome", "reading", ... (used in string keys)
std::optional<Screen> screenFromName(const std::string& name);
const std::vector<Screen>& allScreens();

struct TextTriple {
    std::string zhHant, en, pt;
    const std::string& in(Language l) const {
        return l == Language::ZhHant ? zhHant : l == Language::Pt ? pt : en;
    }
};

struct Box {
    int x = 0, y = 0, w = 0, h = 0;  // in preview image pixels
};

enum class PreviewFormat { Gray8, Bgr8 };

// One camera frame to show (the lane copies or moves devices::Image pixels in here).
struct CameraPreview {
    int width = 0;
    int height = 0;
    PreviewFormat format = PreviewFormat::Bgr8;
    std::vector<uint8_t> pixels;  // tightly packed rows, width * channels bytes each
    uint64_t sequence = 0;        // frame number: the texture is re-uploaded only when it changes
    std::optional<Box> faceBox;   // detected face, if any
    std::optional<Box> guideBox;  // where the face should be (drawn as the guide)
    bool faceOk = false;          // face box drawn green (ok) or amber (adjust)
};

enum class OfficerAction {
    None,
    LaneInService,
    LaneOutOfService,
    OpenDoor1,
    CloseDoor1,
    OpenDoor2,
    CloseDoor2,
    ShowScanLog,
    ShowAlerts,
    AcknowledgeAlert,
    BackToMenu,
    CloseOverlay,
};

const char* officerActionName(OfficerAction a);  // "lane_in_service", ... (for the audit log)

enum class OfficerMode { Closed, PinEntry, Menu, ScanLog, Alerts };

// The result of the officer's last lane or door action, as the lane reported it.
enum class OfficerResult { None, Done, RefusedInService, Failed };

struct ScanLogRow {
    std::string time;        // "14:03:12" local, already formatted by the lane
    std::string credential;  // masked / hashed: never a full document number
    std::string outcome;     // "passed", "refused", ...
    std::string reasonCode;  // "qr.expired", "" when passed
};

struct OfficerAlert {
    std::string id;       // echoed back in AcknowledgeAlert
    std::string time;     // formatted by the lane
    std::string code;     // "qr.duplicate_scan", "lane.tailgating", ...
    std::string message;  // for the officer (no personal data)
    bool acknowledged = false;
};

struct OfficerOverlay {
    OfficerMode mode = OfficerMode::Closed;
    bool pinRejected = false;  // show "wrong PIN" on the PIN pad
    bool laneInService = true;
    bool door1Open = false;
    bool door2Open = false;
    std::vector<ScanLogRow> scanLog;  // last 12 hours, newest first
    std::vector<OfficerAlert> alerts;
    // PIN pad: too many wrong PINs; no PIN is checked for this many more seconds (0 = open).
    int lockedSeconds = 0;
    // Menu: what became of the last lane/door action (a refused door keeps its label).
    OfficerResult lastResult = OfficerResult::None;
    OfficerAction lastAction = OfficerAction::None;
    // Beside the overlay: the lane keeps running; this is the traveller screen it shows now.
    Screen laneScreen = Screen::Welcome;
    int idleSecondsLeft = 0;  // the overlay closes by itself after this (shown in the menu)
};

struct ViewModel {
    Screen screen = Screen::Welcome;
    Language language = Language::ZhHant;
    bool voiceEnabled = false;  // voice prompts (espeak-ng) on/off; toggled via VoiceToggled

    // Traveller text of the refusal reason (from the policy table, filled by the lane).
    // SeeOfficer without it shows the generic "please see an officer".
    std::optional<TextTriple> reasonText;
    // Key into the strings table, e.g. "face.come_closer", "finger.press_harder";
    // empty = the screen's default instruction.
    std::string guidanceKey;
    int progressStep = 0;   // e.g. fingerprint stage 2 of 5 (0/0 = no progress bar)
    int progressTotal = 0;
    CrossingStep step = CrossingStep::None;  // the crossing's step indicator under the top bar
    int attempt = 0;   // face / fingerprint: try `attempt` of `attempts`, shown from the 2nd try
    int attempts = 0;
    LivenessPrompt liveness = LivenessPrompt::None;  // face screen: what the liveness check needs
    std::vector<StartupItem> startup;                // Starting: the engines, done or loading
    std::optional<CameraPreview> preview;

    bool staffWarningTrustStale = false;  // trust list in its day 23..30 warning window
    int trustListDaysLeft = 0;
    // Enrolment data from the clearance service is getting old (or too old: the lane stops).
    bool staffWarningEnrolmentsStale = false;
    // Devices that need a technician ("camera", "fingerprint", ...): one staff banner each.
    std::vector<std::string> staffDeviceWarnings;

    std::optional<int> timeoutSecondsLeft;  // TimeoutWarning: seconds left (>= 20 offered)

    OfficerOverlay officer;
    std::string laneId;  // shown small in the corner, e.g. "LANE 07"

    // Set by the registration machine: its screens are drawn instead of `screen`'s.
    std::optional<RegistrationView> registration;
};

enum class UiEventType {
    LanguageSelected,   // language
    VoiceToggled,       // the traveller pressed the voice switch
    ContinuePressed,    // "continue" on the timeout warning
    OfficerRequested,   // hidden gesture (3 taps top-right corner within 2 s, or F12)
    OfficerPinEntered,  // pinOk: checked by the UI against the configured salted hash
    OfficerAction,      // action (+ alertId for AcknowledgeAlert)
    Quit,               // window closed / Escape in windowed mode
    Registration,       // registrationAction (registration machine screens)
};


struct UiEvent {
    UiEventType type = UiEventType::Quit;
    Language language = Language::ZhHant;  // LanguageSelected
    bool pinOk = false;                    // OfficerPinEntered (the PIN itself never leaves the UI)
    OfficerAction action = OfficerAction::None;
    std::string alertId;  // AcknowledgeAlert
    RegistrationAction registrationAction = RegistrationAction::None;  // Registration
};

}  // namespace kiosk::ui
