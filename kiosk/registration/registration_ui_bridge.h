#pragma once
// The registration machine's state -> the UI's view model, and the resident's touches ->
// machine events. The UI decides nothing: the screen, the refusal, the finger, the
// guidance and the reference all come from RegistrationState (kiosk/registration/
// registration_machine.h) and the configuration (which fingers, which offices).
//
//   auto vm = registrationViewModel(shell.snapshot(), context);      // pure
//   if (auto e = eventForUi(uiEvent, state)) shell.post(*e);          // pure
//   RegistrationUiBridge: the window, the live countdown, screenshots (main, demos).
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/result.h"
#include "devices/image.h"
#include "kiosk/registration/registration_machine.h"
#include "ui/view_model.h"

namespace kiosk::ui {
class App;
}

namespace kiosk::registration {

struct RegistrationUiContext {
    std::vector<std::string> fingers = {"right_index", "left_index"};  // RegistrationSettings::fingers
    std::vector<EnrolmentOffice> offices;                           // RegistrationSettings::offices
    int laneDelayMinutes = 180;   // policies' machine-channel delay, shown on Confirm
    int utcOffsetMinutes = 480;   // the receipt's "usable from" in local time (Hong Kong / Macau)
    int impressionsPerFinger = 5; // until the first impression reports libfprint's own count
    std::string deviceId;         // shown small in the corner
};

ui::Language uiLanguage(Language l);
Language machineLanguage(ui::Language l);

// "reg.under_18" -> Under18, ...; the first known code wins, anything else is Other.
ui::RefusalKind refusalFor(const std::vector<std::string>& reasons);
// Strings keys of the guidance: "reg.finger.press_firmly", "reg.face.look_straight"; "" for None.
std::string fingerGuidanceKey(FingerHint h);
std::string faceGuidanceKey(FaceHint h);
// Unix seconds -> "2026-12-01 15:42" at the given offset from UTC.
std::string formatLocalTime(int64_t unixSeconds, int utcOffsetMinutes);

// The view of one machine state. timeoutSecondsLeft: the live countdown while the machine
// shows its "need more time?" warning (the caller knows when the warning began).
ui::ViewModel registrationViewModel(const RegistrationState& s, const RegistrationUiContext& ctx,
                                    std::optional<int> timeoutSecondsLeft = std::nullopt);

// The machine event for a touch in state s, if it means one (language and voice buttons
// mid-session only change the display; the officer gesture is not the machine's).
std::optional<Event> eventForUi(const ui::UiEvent& e, const RegistrationState& s);

// The window: draws the machine's state, turns touches into events for `post`
// (RegistrationShell::post), counts the timeout warning down every second.
class RegistrationUiBridge {
public:
    // `uiConfig`: the "ui" object of the configuration (ui/ui_config.h); screenshots: a
    // folder to write one PNG per screen shown, or empty.
    static core::Result<std::unique_ptr<RegistrationUiBridge>> create(const core::ConfigView& uiConfig, bool windowed,
                                                                      std::filesystem::path screenshots,
                                                                      RegistrationUiContext context,
                                                                      core::Millis timeoutWarning = core::Millis(20000));
    ~RegistrationUiBridge();

    void setPost(std::function<void(Event)> post) { post_ = std::move(post); }
    // Draws s (and its face frame, if any) when anything shown changed; handles touches.
    // Call from the main loop several times a second: the countdown follows the clock.
    void tick(const RegistrationState& s);
    // The camera frame the shell just analysed (RegistrationObserver::onFace); may be called
    // from the shell's thread while tick() runs on the UI's.
    void setFaceFrame(const devices::Frame& frame);
    bool quitRequested() const { return quit_; }

private:
    RegistrationUiBridge() = default;
    ui::ViewModel viewFor(const RegistrationState& s);
    std::unique_ptr<ui::App> app_;
    std::filesystem::path screenshots_;
    RegistrationUiContext ctx_;
    core::Millis warning_{20000};
    std::function<void(Event)> post_;
    std::optional<ui::Language> displayLanguage_;  // a language button pressed mid-session
    bool voice_ = false;
    bool voiceDefault_ = false;  // "ui.voice"
    bool choosingLanguage_ = false;
    bool quit_ = false;
    int shot_ = 0;
    uint64_t shownEpoch_ = ~0ull;
    bool shownWarned_ = false;
    std::string shownScreen_;
    std::chrono::steady_clock::time_point warnedAt_{};
    std::mutex previewMu_;
    std::optional<ui::CameraPreview> preview_;
};

}  // namespace kiosk::registration
