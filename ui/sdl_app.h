#pragma once
// The SDL side of ui::App, shared by the files that draw with SDL (the only ones that
// include SDL): app.cpp (window, frame, events), sdl_draw.cpp (text, buttons, icons,
// preview), frame_parts.cpp (top bar and banners every traveller screen has),
// lane_screens.cpp, registration_screens.cpp, officer_screens.cpp. Private to ui/.
#include <SDL.h>
#include <SDL_image.h>
#include <SDL_ttf.h>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "ui/app.h"
#include "ui/palette.h"
#include "ui/sounds.h"
#include "ui/strings.h"
#include "ui/voice.h"

namespace kiosk::ui::detail {

inline SDL_Color sdl(Rgb c, uint8_t a = 255) { return SDL_Color{c.r, c.g, c.b, a}; }

std::string replaceAll(std::string s, const std::string& from, const std::string& to);
// Splits UTF-8 text into break units: a CJK code point is a unit on its own (it may
// wrap anywhere), Latin words keep their following spaces attached.
std::vector<std::string> breakUnits(const std::string& text);

enum class Align { Left, Center, Right };
enum class Weight { Regular, Bold };

struct Hit {
    std::string id;
    SDL_Rect rect;
    std::function<void(std::vector<UiEvent>&)> onTap;
};

class SdlApp final : public App {
public:
    ~SdlApp() override;

    // The output size can change (fullscreen switch, rotation): layout follows it.
    void updateSize();

    // Everything a frame shows, as one string: an unchanged frame in a window is not drawn
    // and presented again (a kiosk loop may call render() 30 times a second on a still screen).
    std::string frameKey(const ViewModel& vm) const;

    core::Status render(const ViewModel& vm) override;

    std::vector<UiEvent> pollEvents() override;

    core::Status screenshot(const std::filesystem::path& path) override;

    std::string rendererName() const override;
    int width() const override { return w_; }
    int height() const override { return h_; }

    static void copyWithoutPixels(const ViewModel& vm, ViewModel& out);

    void injectTap(int x, int y) override { pendingTaps_.push_back({x, y}); }
    std::vector<TapTarget> tapTargets() const override;
    std::string spokenText(const ViewModel& vm) const override;
    bool repeatPrompt() override;
    std::string lastSound() const override { return lastSound_; }

private:
    struct TextTex {
        SDL_Texture* tex = nullptr;
        int w = 0, h = 0;
    };
    using TextKey = std::tuple<std::string, int, int, uint32_t>;

    WindowOptions opt_;
    SDL_Window* window_ = nullptr;
    SDL_Surface* surface_ = nullptr;
    SDL_Renderer* renderer_ = nullptr;
    int w_ = 0, h_ = 0;
    double s_ = 1.0;  // layout scale (1.0 = 1920x1080 landscape / 1080x1920 portrait)
    bool portrait_ = false;
    StringTable strings_;
    std::map<std::pair<int, int>, TTF_Font*> fonts_;
    std::map<TextKey, TextTex> textures_;
    std::map<std::string, SDL_Texture*> icons_;
    SDL_Texture* previewTex_ = nullptr;
    int previewW_ = 0, previewH_ = 0;
    uint64_t previewSeq_ = ~0ull;
    Uint32 previewFormat_ = SDL_PIXELFORMAT_ARGB8888;
    std::vector<Hit> hits_;
    std::vector<std::pair<int, int>> pendingTaps_;
    ViewModel last_;
    bool hasLast_ = false;
    Uint32 sdlFlags_ = 0;  // subsystems this App initialised
    bool ttfInit_ = false;
    std::string lastFrameKey_;
    // Officer PIN pad: digits typed so far (input state, never leaves the UI).
    std::string pinDigits_;
    std::vector<uint32_t> cornerTaps_;  // SDL ticks of taps in the hidden corner
    std::optional<VoicePrompter> voice_;
    std::string lastSpoken_;
    // Sound cues (sounds.h): PCM made once at start-up, queued on an SDL audio device.
    SDL_AudioDeviceID audio_ = 0;
    std::vector<std::vector<int16_t>> cuePcm_;  // by SoundCue
    std::string lastSound_;
    Uint32 cueEndTicks_ = 0;
    std::string pendingSpeech_;  // a prompt waiting for the sound cue to end
    Language pendingLanguage_ = Language::ZhHant;

    int px(double v) const { return static_cast<int>(v * s_ + 0.5); }

    TTF_Font* font(int size, Weight w);

    const TextTex* textTexture(const std::string& text, int size, Weight w, Rgb color);

    int textWidth(const std::string& text, int size, Weight w);

    // The largest size <= size (down to 60 %) at which text fits on one line of maxWidth.
    int fitSize(const std::string& text, int size, Weight w, int maxWidth);

    std::vector<std::string> wrap(const std::string& text, int size, Weight w, int maxWidth);

    // Draws wrapped text in the box [x, x+width); returns the height used.
    int lineSkip(int size, Weight w);

    int drawText(const std::string& text, int x, int y, int width, int size, Weight w, Rgb color,
                 Align align = Align::Center);

    void fill(const SDL_Rect& r, Rgb c, uint8_t a = 255);

    void outline(const SDL_Rect& r, Rgb c, int thickness);

    void icon(const std::string& name, const SDL_Rect& dst, Rgb tint);

    // A button: filled box with centred label; registers a tap region.
    void button(const std::string& id, const SDL_Rect& r, const std::string& label, int size, Rgb bg, Rgb fg,
                std::function<void(std::vector<UiEvent>&)> onTap, bool record);

    const std::string& str(const std::string& key, Language l) const { return strings_.get(key, l); }

    struct ScreenLook {
        Rgb bg;
        Rgb fg;
        const char* icon;
    };

    static ScreenLook look(Screen s);

    // The text of the screen (title, body lines) in one language: also what is spoken.
    std::pair<std::string, std::vector<std::string>> screenText(const ViewModel& vm, Language l) const;

    void speakIfChanged(const ViewModel& vm);
    // Spoken lines of a screen: its drawn title and body, plus voice-only hints.
    std::vector<std::string> spokenLines(const ViewModel& vm) const;
    void openAudio();
    void playCue(const ViewModel& vm);  // before last_ becomes vm
    void flushSpeech();                 // speaks pendingSpeech_ once no cue is playing

    void drawTopBar(const ViewModel& vm, const ScreenLook& lk, bool record);

    SDL_Rect fitRect(int srcW, int srcH, const SDL_Rect& box);

    // The preview texture uses the target's own 32-bit format (ARGB8888 offscreen, the
    // window's XRGB8888 under X): the software renderer then blits without converting.
    // Frames are mirrored while they are converted (travellers expect a mirror image).
    void uploadPreview(const CameraPreview& p);

    void drawPreview(const CameraPreview& p, const SDL_Rect& box);

    void drawProgress(const ViewModel& vm, const SDL_Rect& area, Rgb fg);

    void drawBody(const ViewModel& vm, const ScreenLook& lk, bool record);
    static const char* livenessKey(LivenessPrompt p);
    // The crossing's step indicator; returns its bottom edge (0 when the screen has none).
    int drawCrossingSteps(const ViewModel& vm, const ScreenLook& lk);
    void drawStartup(const ViewModel& vm, const ScreenLook& lk, int y);
    void drawOfficerLaneStrip(const ViewModel& vm);

    // A timed step on any other screen (WCAG 2.2.1): countdown + Continue above the staff banner.
    static bool timeoutBanner(const ViewModel& vm);

    void drawTimeoutBanner(const ViewModel& vm, bool record);

    // Staff warnings stack at the bottom, one 110 px banner each.
    static int staffBanners(const ViewModel& vm);

    void drawStaffBanner(const ViewModel& vm);

    void drawStaffLine(const std::string& t, int top);

    static UiEvent actionEvent(OfficerAction a, std::string alertId = "");

    void drawOfficer(const ViewModel& vm, bool record);

    void pinKey(const std::string& k, std::vector<UiEvent>& out);

    void drawFrame(const ViewModel& vm, bool record);

    void tap(int x, int y, std::vector<UiEvent>& out);

    // registration_screens.cpp: the registration machine's screens (ViewModel::registration)
    static ScreenLook registrationLook(const RegistrationView& r);
    std::pair<std::string, std::vector<std::string>> registrationText(const ViewModel& vm, Language l) const;
    void drawRegistration(const ViewModel& vm, const ScreenLook& lk, bool record);
    void drawStepIndicator(const RegistrationView& r, const ScreenLook& lk, Language l);
    void drawTerms(const ViewModel& vm, const ScreenLook& lk, int top, int bottom, bool record);
    void drawRefused(const ViewModel& vm, const ScreenLook& lk, int top, int bottom, bool record);
    void drawFinger(const ViewModel& vm, const ScreenLook& lk, int top, int bottom, bool record);
    void drawReceipt(const ViewModel& vm, const ScreenLook& lk, int top, int bottom, bool record);
    void drawDots(int done, int total, int x, int y, int width, Rgb fg);
    void drawHands(const std::string& finger, const SDL_Rect& box, Rgb fg, Language l);
    void regButton(const std::string& id, const SDL_Rect& r, const std::string& label, bool primary,
                   RegistrationAction action, bool record);
    std::string both(const std::string& key, Language l) const;  // "<l> / <English>"
    int textHeight(const std::string& text, int size, Weight w, int width);  // wrapped, as drawText draws it
    void scrollTerms(int deltaPx);  // clamped; reports TermsReadToEnd at the next frame

    // Terms: the scroll position is presentation state kept here (like the PIN digits);
    // reset when the terms screen or its language changes.
    int termsScroll_ = 0;     // window pixels
    int termsMaxScroll_ = 0;
    bool termsEndSent_ = false;
    std::string termsKey_;
    std::vector<UiEvent> pendingEvents_;  // events raised while drawing (terms read to the end)

    friend core::Result<std::unique_ptr<App>> App::create(const WindowOptions&);
    friend core::Result<std::unique_ptr<App>> App::create(const WindowOptions&);
};

}  // namespace kiosk::ui::detail
