#pragma once
// Turns lane states into the UI's view model and shows them (the UI decides nothing).
#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>
#include <memory>
#include <optional>

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

// The traveller-facing view of a lane state. Watchlist refusals (quiet) and unknown
// codes show the generic "see an officer" text.
ui::ViewModel viewModelFor(const LaneState& s, ui::Language language);
// The staff banners the lane's data asks for: old enrolment data (Warning, and Stale
// while the lane is stopped for it).
void applyStaffNotices(ui::ViewModel& vm, DataFreshness enrolments);

// What the officer overlay needs from the lane; every call is audited by the caller.
struct OfficerHooks {
    // Lane and door actions, alert acknowledgement (alertId), PIN results ("officer.pin_ok"
    // / "officer.pin_rejected" arrive as action None with the text in alertId).
    std::function<void(ui::OfficerAction, const std::string& detail)> act;
    std::function<std::vector<ui::ScanLogRow>()> scanLog;
    std::function<std::vector<ui::OfficerAlert>()> alerts;
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
    // The face screen with the camera frame the lane just analysed.
    void showFace(const LaneState& s, const devices::Frame& frame, const devices::FaceMatch& match);
    bool quitRequested() const { return quit_; }
    // How long each state stays on screen before the (simulated) lane goes on; 0 in live mode.
    void setPacing(int ms) { pacingMs_ = ms; }
    void setOfficerHooks(OfficerHooks hooks) { hooks_ = std::move(hooks); }
    // Read on every frame drawn and about once a second by tick() (a change redraws).
    void setEnrolmentFreshness(std::function<DataFreshness()> f) { freshness_ = std::move(f); }
    // Handles touches and keys while the lane stays in one state (live mode).
    void tick();

private:
    UiBridge() = default;
    void present(const ui::ViewModel& vm, const LaneState& s);
    ui::ViewModel decorate(ui::ViewModel vm) const;
    bool handleEvents();  // true when the screen must be redrawn
    std::unique_ptr<ui::App> app_;
    std::filesystem::path screenshots_;
    ui::Language language_ = ui::Language::ZhHant;
    bool voice_ = false;         // this traveller's voice switch
    bool voiceDefault_ = false;  // "ui.voice"
    std::optional<State> shownState_;
    std::string laneId_;
    int shot_ = 0;
    bool quit_ = false;
    int pacingMs_ = 700;
    OfficerHooks hooks_;
    std::function<DataFreshness()> freshness_;
    DataFreshness shownFreshness_ = DataFreshness::Fresh;
    std::chrono::steady_clock::time_point lastFreshnessCheck_{};
    ui::OfficerOverlay officer_;
    ui::ViewModel last_;
};

}  // namespace kiosk::lane
