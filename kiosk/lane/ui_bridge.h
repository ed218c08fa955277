#pragma once
// Turns lane states into the UI's view model and shows them (the UI decides nothing).
#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/config.h"
#include "core/result.h"
#include "devices/face.h"
#include "kiosk/lane/lane_machine.h"
#include "kiosk/lane/lane_shell.h"
#include "ui/view_model.h"

namespace kiosk::ui {
class App;
}

namespace kiosk::lane {

class OfficerSession;

// The traveller-facing view of a lane state. Watchlist refusals (quiet) and unknown
// codes show the generic "see an officer" text. The step indicator follows the state;
// face and fingerprint tries are counted against `config`'s attempts.
ui::ViewModel viewModelFor(const LaneState& s, ui::Language language, const LaneConfig& config = {});
// Which step of the crossing a state belongs to (None: no crossing on screen).
ui::CrossingStep crossingStepOf(State s);

// What staff must see on the lane's screen (yellow banners at the bottom).
struct StaffNotices {
    DataFreshness enrolments = DataFreshness::Fresh;  // old enrolment data from the clearance service
    std::optional<int> trustListDaysLeft;            // set from day 23 of the trust list's 30
    std::vector<std::string> devices;                // devices that are degraded, faulty or lost
};
void applyStaffNotices(ui::ViewModel& vm, const StaffNotices& notices);
void applyStaffNotices(ui::ViewModel& vm, DataFreshness enrolments);

// The doors as the gate last reported them (the officer menu's labels follow them).
struct LaneDoors {
    bool entryOpen = false;
    bool exitOpen = false;
};

// What the officer overlay needs from the lane.
struct OfficerHooks {
    // Lane and door actions, alert acknowledgement (detail: the alert id); audited by the
    // lane, which answers what really happened (a door on a lane in service: refused).
    std::function<ui::OfficerResult(ui::OfficerAction, const std::string& detail)> act;
    // An overlay event for the audit log: "officer.pin_ok", "officer.pin_rejected",
    // "officer.pin_locked", "officer.overlay_idle_closed", ... with a note (no PIN, ever).
    std::function<void(const std::string& action, const std::string& note)> audit;
    std::function<std::vector<ui::ScanLogRow>()> scanLog;
    std::function<std::vector<ui::OfficerAlert>()> alerts;
    std::function<LaneDoors()> doors;
    // The traveller pressed "continue" on the timeout warning.
    std::function<void()> continuePressed;
};

class UiBridge {
public:
    // `uiConfig`: the "ui" object of the kiosk configuration (window, fonts, voice, officer PIN hash).
    static core::Result<std::unique_ptr<UiBridge>> create(const core::ConfigView& uiConfig, bool windowed,
                                                          std::filesystem::path screenshots, std::string laneId);
    ~UiBridge();
    void show(const LaneState& s);
    // The face screen with the camera frame the lane just analysed (and the face it found).
    void showFace(const LaneState& s, const devices::Frame& frame, const devices::FaceMatch& match);
    // The start-up screen: the engines and whether each is ready. Handles touches too.
    void showStartup(const std::vector<ui::StartupItem>& items);
    bool quitRequested() const { return quit_ || (stop_ && stop_->load()); }
    // A flag the signal handler sets (SIGTERM): the bridge stops pacing at once.
    void setStop(const std::atomic<bool>* stop) { stop_ = stop; }
    // When the process started: the first frame and the lane's first welcome screen (in
    // service) are printed as "kiosk: start-up: ..." lines measured from here.
    void setStartTime(core::MonoTime t) { startedAt_ = t; }
    void requestQuit() { quit_ = true; }
    // How long each state stays on screen before the (simulated) lane goes on; 0 in live mode.
    void setPacing(int ms) { pacingMs_ = ms; }
    void setOfficerHooks(OfficerHooks hooks);
    // Attempts and the timeout warning's length (the countdown) of the lane's machine.
    void setLaneConfig(const LaneConfig& c) { laneConfig_ = c; }
    // What the face screen asks for (face.liveness.challenge).
    void setLivenessPrompt(ui::LivenessPrompt p) { liveness_ = p; }
    // Read on every frame drawn and about once a second by tick() (a change redraws).
    void setStaffNotices(std::function<StaffNotices()> f) { notices_ = std::move(f); }
    // The clock of the countdown, the language reset and the officer overlay (tests).
    void setClock(std::function<core::MonoTime()> now) { now_ = std::move(now); }
    // The welcome screen goes back to the default language after this without a touch.
    void setLanguageTimeout(core::Millis t) { languageTimeout_ = t; }
    // Handles touches and keys while the lane stays in one state (live mode), counts the
    // timeout warning down, closes an idle officer overlay.
    void tick();

    // For tests: the view model drawn last, and the window.
    const ui::ViewModel& lastViewModel() const { return drawn_; }
    ui::App& app() { return *app_; }
    ui::Language language() const { return language_; }

private:
    UiBridge();
    void present(const ui::ViewModel& vm, const LaneState& s);
    void draw();
    ui::ViewModel decorate(ui::ViewModel vm) const;
    bool handleEvents();  // true when the screen must be redrawn
    bool refreshTimers();  // countdown second, language timeout, officer overlay, notices
    core::MonoTime now() const { return now_ ? now_() : std::chrono::steady_clock::now(); }

    std::unique_ptr<ui::App> app_;
    std::filesystem::path screenshots_;
    static constexpr ui::Language kDefaultLanguage = ui::Language::ZhHant;
    ui::Language language_ = kDefaultLanguage;
    core::MonoTime languageTouched_{};
    core::Millis languageTimeout_{30000};
    bool voice_ = false;         // this traveller's voice switch
    bool voiceDefault_ = false;  // "ui.voice"
    std::optional<State> shownState_;
    std::string laneId_;
    int shot_ = 0;
    bool quit_ = false;
    int pacingMs_ = 700;
    LaneConfig laneConfig_;
    ui::LivenessPrompt liveness_ = ui::LivenessPrompt::Blink;
    OfficerHooks hooks_;
    std::unique_ptr<OfficerSession> officer_;
    std::function<StaffNotices()> notices_;
    StaffNotices shownNotices_;
    core::MonoTime lastNoticeCheck_{};
    std::function<core::MonoTime()> now_;
    const std::atomic<bool>* stop_ = nullptr;
    std::optional<core::MonoTime> startedAt_;
    bool firstFrameReported_ = false;
    bool inServiceReported_ = false;
    // The timeout warning: when it appeared (the countdown runs from there).
    std::optional<core::MonoTime> warnedAt_;
    int shownSecondsLeft_ = -1;
    State lastState_ = State::Idle;
    ui::ViewModel last_;   // the lane's view (without the bridge's decoration)
    ui::ViewModel drawn_;  // what was drawn last (decorated; preview pixels dropped)
};

}  // namespace kiosk::lane
