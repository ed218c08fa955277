#pragma once
// The kiosk window: draws a ViewModel, reports input as UiEvents, speaks prompts.
//
//   auto app = ui::App::create({.mode = ui::DisplayMode::Fullscreen});
//   if (!app) { /* app.error().code == "ui.no_display": offer --headless */ }
//   (*app)->render(vm);
//   for (auto& e : (*app)->pollEvents()) ...
//   (*app)->screenshot("shot.png");
//
// Offscreen mode renders with SDL's software renderer onto a surface (no display
// needed, deterministic pixels): used by the screenshot tests and the benchmark.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "ui/view_model.h"

namespace kiosk::ui {

enum class DisplayMode { Fullscreen, Windowed, Offscreen };
enum class VoiceMode { Off, Espeak };  // Off: never spawn espeak-ng (tests, benches)
enum class SoundMode { Off, Tones };   // Tones: success / refusal / see-an-officer cues (SDL audio)

struct WindowOptions {
    DisplayMode mode = DisplayMode::Fullscreen;
    int width = 1920;   // Windowed / Offscreen size; Fullscreen uses the desktop size
    int height = 1080;
    // assets/ folder (strings/strings.json, ui/*.png). Empty = the source tree's assets/.
    std::filesystem::path assetsDir;
    // Noto Sans CJK (TTC); the face index selects Traditional Chinese (TC = 3).
    std::filesystem::path fontPath = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc";
    std::filesystem::path boldFontPath = "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc";
    int fontFaceIndex = 3;
    // Salted PBKDF2 hash of the officer PIN (see ui/officer_pin.h); empty = no PIN accepted.
    std::string officerPinHash;
    // Espeak: the lane starts each traveller with voice on (ViewModel::voiceEnabled, the
    // traveller's switch turns it off). Off: nothing is ever spoken.
    VoiceMode voice = VoiceMode::Espeak;
    std::string voiceBinary = "espeak-ng";
    // Short tones on success, refusal and "see an officer" (ui/sounds.h). No audio device
    // = silent, never an error. Off here (tests, tools); windowOptionsFromConfig turns them
    // on unless "ui.sounds" is false.
    SoundMode sounds = SoundMode::Off;
};

// A touch target of the last rendered frame: "lang.en", "voice", "continue", "pin.7",
// "pin.ok", "pin.clear", "officer.open_door1", "officer.back", "ack.<alert id>", ...
struct TapTarget {
    std::string id;
    Box box;  // window pixels
};

// The default assets/ folder (source tree), for tests and tools.
std::filesystem::path defaultAssetsDir();

class App {
public:
    // Error "ui.no_display" when no display is available (no DISPLAY / WAYLAND_DISPLAY
    // or SDL video init fails) in Fullscreen/Windowed mode; "ui.font", "ui.strings",
    // "ui.sdl" for other failures.
    static core::Result<std::unique_ptr<App>> create(const WindowOptions& options);
    virtual ~App() = default;

    virtual core::Status render(const ViewModel& vm) = 0;
    virtual std::vector<UiEvent> pollEvents() = 0;
    // Last rendered frame as PNG.
    virtual core::Status screenshot(const std::filesystem::path& path) = 0;
    // A tap at window pixel (x, y), handled by the next pollEvents() exactly like a touch
    // (tests, scripted demos).
    virtual void injectTap(int x, int y) = 0;
    virtual std::vector<TapTarget> tapTargets() const = 0;
    // What the voice says for this view model in its language (the screen's own title and
    // body lines, as drawn, plus voice-only hints): the table the spoken-instruction tests
    // enumerate. Empty while the officer overlay is open.
    virtual std::string spokenText(const ViewModel& vm) const = 0;
    // Says the current screen's instruction again now (the "repeat" button, keys R and F1):
    // also when the traveller switched voice off, never with VoiceMode::Off. False when
    // nothing could be spoken.
    virtual bool repeatPrompt() = 0;
    // Name of the last sound cue queued on the audio device ("success", ...; "" = none yet).
    virtual std::string lastSound() const = 0;
    // SDL render driver in use: "software" offscreen; "opengl", "opengles2" or "software" in a window.
    virtual std::string rendererName() const = 0;
    virtual int width() const = 0;
    virtual int height() const = 0;
};

}  // namespace kiosk::ui
