// SDL2 adapter: the window (or offscreen surface), the frame, input events, voice. The
// drawing is in sdl_draw.cpp and the *_screens.cpp files (ui/sdl_app.h).
#include "ui/sdl_app.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>

#include "core/log.h"
#include "ui/layout.h"
#include "ui/officer_pin.h"

namespace kiosk::ui {

std::filesystem::path defaultAssetsDir() {
    if (const char* env = std::getenv("KIOSK_ASSETS_DIR"); env && *env) return env;
    return KIOSK_UI_SOURCE_ASSETS;
}

namespace detail {

SdlApp::~SdlApp() {
    if (audio_) SDL_CloseAudioDevice(audio_);
    for (auto& [k, t] : textures_) SDL_DestroyTexture(t.tex);
    for (auto& [k, t] : icons_) SDL_DestroyTexture(t);
    if (previewTex_) SDL_DestroyTexture(previewTex_);
    for (auto& [k, f] : fonts_) TTF_CloseFont(f);
    if (renderer_) SDL_DestroyRenderer(renderer_);
    if (surface_) SDL_FreeSurface(surface_);
    if (window_) SDL_DestroyWindow(window_);
    if (ttfInit_) TTF_Quit();  // reference counted by SDL_ttf
    if (sdlFlags_) SDL_QuitSubSystem(sdlFlags_);  // reference counted: other Apps keep theirs
    // IMG_Init(PNG) stays for the process: IMG_Quit is not reference counted.
}

// The output size can change (fullscreen switch, rotation): layout follows it.
void SdlApp::updateSize() {
    if (window_) SDL_GetRendererOutputSize(renderer_, &w_, &h_);
    bool portrait = h_ > w_;
    double s = layout::layoutScale(w_, h_);
    if (s != s_ || portrait != portrait_) {
        for (auto& [k, t] : textures_) SDL_DestroyTexture(t.tex);
        textures_.clear();
    }
    portrait_ = portrait;
    s_ = s;
}

// Everything a frame shows, as one string: an unchanged frame in a window is not drawn
// and presented again (a kiosk loop may call render() 30 times a second on a still screen).
std::string SdlApp::frameKey(const ViewModel& vm) const {
    std::string k;
    k.reserve(256);
    auto add = [&k](const std::string& s) {
        k += s;
        k += '\x1f';
    };
    add(std::to_string(static_cast<int>(vm.screen)) + "," + std::to_string(static_cast<int>(vm.language)) + "," +
        std::to_string(vm.voiceEnabled) + "," + std::to_string(vm.progressStep) + "," +
        std::to_string(vm.progressTotal) + "," + std::to_string(vm.staffWarningTrustStale) + "," +
        std::to_string(vm.staffWarningEnrolmentsStale) + "," +
        std::to_string(vm.trustListDaysLeft) + "," + std::to_string(vm.timeoutSecondsLeft.value_or(-99999)) + "," +
        std::to_string(w_) + "x" + std::to_string(h_) + "," + std::to_string(pinDigits_.size()) + "," +
        std::to_string(static_cast<int>(vm.step)) + "," + std::to_string(vm.attempt) + "/" + std::to_string(vm.attempts) +
        "," + std::to_string(static_cast<int>(vm.liveness)));
    for (const auto& it : vm.startup) add(it.key + (it.done ? "+" : "-"));
    for (const auto& d : vm.staffDeviceWarnings) add("dev:" + d);
    if (vm.reasonText) add(vm.reasonText->zhHant + '\x1e' + vm.reasonText->en + '\x1e' + vm.reasonText->pt);
    add(vm.guidanceKey);
    add(vm.laneId);
    if (vm.registration) {
        const auto& r = *vm.registration;
        add("reg," + std::to_string(static_cast<int>(r.screen)) + "," + std::to_string(static_cast<int>(r.refusal)) + "," +
            std::to_string(r.termsAcceptEnabled) + std::to_string(r.reenrolment) + std::to_string(r.cardAlarm) + "," +
            r.fingerName + "," + std::to_string(r.fingerNumber) + "/" + std::to_string(r.fingerCount) + "," +
            std::to_string(static_cast<int>(r.fingerPhase)) + "," + std::to_string(r.impression) + "/" +
            std::to_string(r.impressions) + "," + std::to_string(r.livenessPrompt) + "," +
            std::to_string(r.laneDelayMinutes) + "," + std::to_string(static_cast<int>(r.printer)) +
            std::to_string(r.reprintOffered) + "," + std::to_string(termsScroll_));
        add(r.reference + '\x1e' + r.usableFrom);
        for (const auto& o : r.offices) add(o.name + '\x1e' + o.address + '\x1e' + o.hours);
    }
    if (vm.preview) {
        const auto& p = *vm.preview;
        if (p.sequence == 0) return {};  // unnumbered frames: always draw
        add(std::to_string(p.sequence) + "," + std::to_string(p.width) + "," + std::to_string(p.height) + "," +
            std::to_string(p.faceOk));
        for (const auto& b : {p.faceBox, p.guideBox})
            if (b) add(std::to_string(b->x) + "," + std::to_string(b->y) + "," + std::to_string(b->w) + "," + std::to_string(b->h));
    }
    const auto& o = vm.officer;
    add(std::to_string(static_cast<int>(o.mode)) + "," + std::to_string(o.pinRejected) + "," +
        std::to_string(o.laneInService) + std::to_string(o.door1Open) + std::to_string(o.door2Open) + "," +
        std::to_string(o.lockedSeconds) + "," + std::to_string(static_cast<int>(o.lastResult)) + "," +
        std::to_string(static_cast<int>(o.lastAction)) + "," + std::to_string(static_cast<int>(o.laneScreen)) + "," +
        std::to_string(o.idleSecondsLeft));
    if (o.mode != OfficerMode::Closed) {
        for (const auto& r : o.scanLog) add(r.time + '\x1e' + r.credential + '\x1e' + r.outcome + '\x1e' + r.reasonCode);
        for (const auto& a : o.alerts)
            add(a.id + '\x1e' + a.time + '\x1e' + a.code + '\x1e' + a.message + (a.acknowledged ? "1" : "0"));
    }
    return k;
}

core::Status SdlApp::render(const ViewModel& vm) {
    updateSize();
    playCue(vm);
    if (window_) {
        std::string key = frameKey(vm);
        if (!key.empty() && key == lastFrameKey_ && hasLast_) {
            speakIfChanged(vm);
            return {};
        }
        lastFrameKey_ = std::move(key);
    }
    drawFrame(vm, true);
    // Keep what screenshot() needs to redraw this frame (the preview stays in its texture).
    copyWithoutPixels(vm, last_);
    hasLast_ = true;
    if (window_) SDL_RenderPresent(renderer_);
    speakIfChanged(vm);
    return {};
}

core::Status SdlApp::screenshot(const std::filesystem::path& path) {
    if (!hasLast_) return core::makeError("ui.screenshot", "nothing rendered yet");
    SDL_Surface* shot = nullptr;
    if (surface_) {
        shot = surface_;
    } else {
        drawFrame(last_, false);  // redraw into the back buffer, read before presenting
        shot = SDL_CreateRGBSurfaceWithFormat(0, w_, h_, 32, SDL_PIXELFORMAT_ARGB8888);
        if (!shot || SDL_RenderReadPixels(renderer_, nullptr, SDL_PIXELFORMAT_ARGB8888, shot->pixels, shot->pitch) != 0) {
            if (shot) SDL_FreeSurface(shot);
            return core::makeError("ui.screenshot", std::string("read pixels: ") + SDL_GetError());
        }
        SDL_RenderPresent(renderer_);
    }
    std::error_code ec;
    if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
    int rc = IMG_SavePNG(shot, path.string().c_str());
    if (shot != surface_) SDL_FreeSurface(shot);
    if (rc != 0) return core::makeError("ui.screenshot", "cannot write " + path.string() + ": " + IMG_GetError());
    return {};
}

std::string SdlApp::rendererName() const {
    SDL_RendererInfo info{};
    if (SDL_GetRendererInfo(renderer_, &info) != 0 || !info.name) return "unknown";
    return info.name;
}

void SdlApp::copyWithoutPixels(const ViewModel& vm, ViewModel& out) {
    // everything but the preview pixels (they live on in the preview texture)
    std::optional<CameraPreview> keep;
    if (vm.preview) {
        keep.emplace();
        keep->width = vm.preview->width;
        keep->height = vm.preview->height;
        keep->format = vm.preview->format;
        keep->sequence = vm.preview->sequence;
        keep->faceBox = vm.preview->faceBox;
        keep->guideBox = vm.preview->guideBox;
        keep->faceOk = vm.preview->faceOk;
    }
    // field by field: copying the whole struct would copy the frame's pixels too
    out.screen = vm.screen;
    out.language = vm.language;
    out.voiceEnabled = vm.voiceEnabled;
    out.reasonText = vm.reasonText;
    out.guidanceKey = vm.guidanceKey;
    out.progressStep = vm.progressStep;
    out.progressTotal = vm.progressTotal;
    out.staffWarningTrustStale = vm.staffWarningTrustStale;
    out.staffWarningEnrolmentsStale = vm.staffWarningEnrolmentsStale;
    out.staffDeviceWarnings = vm.staffDeviceWarnings;
    out.step = vm.step;
    out.attempt = vm.attempt;
    out.attempts = vm.attempts;
    out.liveness = vm.liveness;
    out.startup = vm.startup;
    out.trustListDaysLeft = vm.trustListDaysLeft;
    out.timeoutSecondsLeft = vm.timeoutSecondsLeft;
    out.officer = vm.officer;
    out.laneId = vm.laneId;
    out.registration = vm.registration;
    out.preview = std::move(keep);
}

std::vector<TapTarget> SdlApp::tapTargets() const {
    std::vector<TapTarget> out;
    for (const auto& h : hits_) out.push_back({h.id, Box{h.rect.x, h.rect.y, h.rect.w, h.rect.h}});
    return out;
}

std::vector<std::string> SdlApp::spokenLines(const ViewModel& vm) const {
    if (vm.officer.mode != OfficerMode::Closed) return {};
    auto [title, body] = vm.registration ? registrationText(vm, vm.language) : screenText(vm, vm.language);
    std::vector<std::string> lines{title};
    lines.insert(lines.end(), body.begin(), body.end());
    // Voice only: how to hear it again, said on the screen a traveller starts from.
    if (!vm.registration && vm.screen == Screen::Welcome) lines.push_back(str("voice.repeat_hint", vm.language));
    return lines;
}

std::string SdlApp::spokenText(const ViewModel& vm) const {
    // Lines become sentences: a full stop (a pause for espeak-ng) after a line that has no
    // closing punctuation of its own (the reason texts end in "。" or ".").
    auto closed = [](const std::string& t) {
        for (const char* end : {".", "!", "?", "。", "！", "？"}) {
            const std::string e(end);
            if (t.size() >= e.size() && t.compare(t.size() - e.size(), e.size(), e) == 0) return true;
        }
        return false;
    };
    std::string text;
    for (const auto& line : spokenLines(vm)) {
        if (line.empty()) continue;
        if (!text.empty()) text += closed(text) ? " " : ". ";
        text += line;
    }
    return text;
}

bool SdlApp::repeatPrompt() {
    if (!voice_ || !hasLast_) return false;
    std::string text = spokenText(last_);
    if (text.empty()) return false;
    pendingSpeech_.clear();
    return voice_->speak(text, last_.language);
}

void SdlApp::speakIfChanged(const ViewModel& vm) {
    if (!voice_) return;
    if (!vm.voiceEnabled || vm.officer.mode != OfficerMode::Closed) {
        if (!lastSpoken_.empty()) voice_->stop();
        lastSpoken_.clear();
        pendingSpeech_.clear();
        return;
    }
    // The countdown is spoken with the warning, not again every second: it is not part of
    // what makes the prompt new (repeatPrompt() says the current count).
    bool warning = vm.registration ? vm.registration->screen == RegistrationScreen::TimeoutWarning
                                   : vm.screen == Screen::TimeoutWarning;
    ViewModel keyVm;
    copyWithoutPixels(vm, keyVm);
    if (warning) keyVm.timeoutSecondsLeft = 0;
    std::string key = std::string(languageTag(vm.language)) + "|" + spokenText(keyVm);
    if (key == lastSpoken_) {
        flushSpeech();
        return;
    }
    lastSpoken_ = key;
    // A sound cue still playing goes first: the prompt would talk over it.
    pendingSpeech_ = spokenText(vm);
    pendingLanguage_ = vm.language;
    flushSpeech();
}

void SdlApp::flushSpeech() {
    if (!voice_ || pendingSpeech_.empty()) return;
    if (audio_ != 0 && SDL_GetQueuedAudioSize(audio_) > 0 && SDL_GetTicks() < cueEndTicks_) return;
    voice_->speak(pendingSpeech_, pendingLanguage_);
    pendingSpeech_.clear();
}

void SdlApp::openAudio() {
    if (SDL_InitSubSystem(SDL_INIT_AUDIO) != 0) {
        core::logWarn("ui.no_audio", {{"error", SDL_GetError()}});
        return;
    }
    sdlFlags_ |= SDL_INIT_AUDIO;
    SDL_AudioSpec want{};
    want.freq = kSoundSampleRate;
    want.format = AUDIO_S16SYS;
    want.channels = 1;
    want.samples = 1024;
    audio_ = SDL_OpenAudioDevice(nullptr, 0, &want, nullptr, 0);  // SDL converts to the device's format
    if (audio_ == 0) {
        core::logWarn("ui.no_audio", {{"error", SDL_GetError()}});
        return;
    }
    for (SoundCue c : allSoundCues()) cuePcm_.push_back(synthesizeCue(c));
    SDL_PauseAudioDevice(audio_, 0);
}

void SdlApp::playCue(const ViewModel& vm) {
    if (audio_ == 0) return;
    auto cue = cueForTransition(hasLast_ ? &last_ : nullptr, vm);
    if (!cue) return;
    const auto& pcm = cuePcm_[static_cast<std::size_t>(*cue)];
    SDL_ClearQueuedAudio(audio_);  // a new outcome replaces one still sounding
    if (SDL_QueueAudio(audio_, pcm.data(), static_cast<Uint32>(pcm.size() * sizeof(int16_t))) == 0) {
        lastSound_ = soundCueName(*cue);
        // the prompt waits for the cue, but never longer than the cue lasts (a stalled device)
        cueEndTicks_ = SDL_GetTicks() + static_cast<Uint32>(pcm.size() * 1000 / kSoundSampleRate) + 50;
    }
}

void SdlApp::drawFrame(const ViewModel& vm, bool record) {
    if (record) hits_.clear();
    ScreenLook lk = vm.registration ? registrationLook(*vm.registration) : look(vm.screen);
    SDL_SetRenderDrawColor(renderer_, lk.bg.r, lk.bg.g, lk.bg.b, 255);
    SDL_RenderClear(renderer_);
    if (vm.officer.mode == OfficerMode::Closed) {
        drawTopBar(vm, lk, record);
        if (vm.registration)
            drawRegistration(vm, lk, record);
        else
            drawBody(vm, lk, record);
        drawTimeoutBanner(vm, record);
        drawStaffBanner(vm);
    }
    drawOfficer(vm, record);
}

void SdlApp::tap(int x, int y, std::vector<UiEvent>& out) {
    // hidden officer gesture: three taps within 2 s in the top-left corner
    if (x < px(200) && y < px(120) && last_.officer.mode == OfficerMode::Closed) {
        uint32_t now = SDL_GetTicks();
        cornerTaps_.push_back(now);
        cornerTaps_.erase(std::remove_if(cornerTaps_.begin(), cornerTaps_.end(),
                                         [now](uint32_t t) { return now - t > 2000; }),
                          cornerTaps_.end());
        if (cornerTaps_.size() >= 3) {
            cornerTaps_.clear();
            UiEvent e;
            e.type = UiEventType::OfficerRequested;
            out.push_back(e);
        }
        return;
    }
    // copy: a handler may not change hits_, but be safe against re-entrancy
    for (auto it = hits_.rbegin(); it != hits_.rend(); ++it) {
        const SDL_Rect& r = it->rect;
        if (x >= r.x && x < r.x + r.w && y >= r.y && y < r.y + r.h) {
            it->onTap(out);
            return;
        }
    }
}

std::vector<UiEvent> SdlApp::pollEvents() {
    std::vector<UiEvent> out;
    SDL_Event ev;
    while (SDL_PollEvent(&ev)) {
        switch (ev.type) {
            case SDL_QUIT: {
                UiEvent e;
                e.type = UiEventType::Quit;
                out.push_back(e);
                break;
            }
            case SDL_WINDOWEVENT:
                lastFrameKey_.clear();  // exposed, resized, moved: draw the next frame in full
                break;
            case SDL_FINGERDOWN:
                tap(int(ev.tfinger.x * w_), int(ev.tfinger.y * h_), out);
                break;
            case SDL_MOUSEBUTTONDOWN:
                if (ev.button.which != SDL_TOUCH_MOUSEID && ev.button.button == SDL_BUTTON_LEFT)
                    tap(ev.button.x, ev.button.y, out);
                break;
            case SDL_MOUSEWHEEL:
                scrollTerms(-ev.wheel.y * px(120));
                break;
            case SDL_KEYDOWN: {
                auto k = ev.key.keysym.sym;
                if (k == SDLK_DOWN || k == SDLK_PAGEDOWN) scrollTerms(px(k == SDLK_DOWN ? 120 : 480));
                if (k == SDLK_UP || k == SDLK_PAGEUP) scrollTerms(-px(k == SDLK_UP ? 120 : 480));
                if ((k == SDLK_r || k == SDLK_F1) && last_.officer.mode == OfficerMode::Closed) {
                    repeatPrompt();  // the traveller's "say it again" key
                } else if (k == SDLK_F12) {
                    UiEvent e;
                    e.type = UiEventType::OfficerRequested;
                    out.push_back(e);
                } else if (k == SDLK_ESCAPE && opt_.mode == DisplayMode::Windowed) {
                    UiEvent e;
                    e.type = UiEventType::Quit;
                    out.push_back(e);
                } else if (last_.officer.mode == OfficerMode::PinEntry) {
                    if (k >= SDLK_0 && k <= SDLK_9) pinKey(std::string(1, char('0' + (k - SDLK_0))), out);
                    if (k >= SDLK_KP_1 && k <= SDLK_KP_9) pinKey(std::string(1, char('1' + (k - SDLK_KP_1))), out);
                    if (k == SDLK_KP_0) pinKey("0", out);
                    if (k == SDLK_RETURN || k == SDLK_KP_ENTER) pinKey("OK", out);
                    if (k == SDLK_BACKSPACE) pinKey("C", out);
                }
                break;
            }
            default:
                break;
        }
    }
    auto taps = std::move(pendingTaps_);
    pendingTaps_.clear();
    for (auto [x, y] : taps) tap(x, y, out);
    for (auto& e : pendingEvents_) out.push_back(std::move(e));
    pendingEvents_.clear();
    flushSpeech();                   // a prompt that waited for a sound cue
    if (voice_) voice_->speaking();  // reap a finished espeak-ng
    return out;
}

}  // namespace detail

using detail::SdlApp;
using detail::Weight;

core::Result<std::unique_ptr<App>> App::create(const WindowOptions& options) {
    auto app = std::make_unique<SdlApp>();
    app->opt_ = options;
    if (app->opt_.assetsDir.empty()) app->opt_.assetsDir = defaultAssetsDir();
    auto stringsPath = app->opt_.assetsDir / "strings" / "strings.json";
    auto table = StringTable::load(stringsPath);
    if (!table) return core::makeError("ui.strings", table.error().message);
    app->strings_ = std::move(table).value();

    bool offscreen = options.mode == DisplayMode::Offscreen;
    SDL_SetHint(SDL_HINT_TOUCH_MOUSE_EVENTS, "0");
    SDL_SetHint(SDL_HINT_MOUSE_TOUCH_EVENTS, "0");
    SDL_SetHint(SDL_HINT_VIDEO_ALLOW_SCREENSAVER, "0");
    if (offscreen) {
        if (SDL_InitSubSystem(SDL_INIT_EVENTS) != 0)
            return core::makeError("ui.sdl", std::string("SDL_Init(events): ") + SDL_GetError());
        app->sdlFlags_ = SDL_INIT_EVENTS;
    } else {
        const char* drv = std::getenv("SDL_VIDEODRIVER");
        const char* x11 = std::getenv("DISPLAY");
        const char* wl = std::getenv("WAYLAND_DISPLAY");
        bool named = drv && *drv;  // e.g. kmsdrm on a kiosk without X: let SDL try
        if (!named && !(x11 && *x11) && !(wl && *wl))
            return core::makeError("ui.no_display",
                                   "no display: neither DISPLAY nor WAYLAND_DISPLAY is set (run with --headless, "
                                   "or under xvfb-run)");
        if (SDL_InitSubSystem(SDL_INIT_VIDEO | SDL_INIT_EVENTS) != 0)
            return core::makeError("ui.no_display", std::string("cannot open the display: ") + SDL_GetError());
        app->sdlFlags_ = SDL_INIT_VIDEO | SDL_INIT_EVENTS;
    }
    if (TTF_Init() != 0) return core::makeError("ui.sdl", std::string("TTF_Init: ") + TTF_GetError());
    app->ttfInit_ = true;
    IMG_Init(IMG_INIT_PNG);

    if (offscreen) {
        app->w_ = options.width;
        app->h_ = options.height;
        app->surface_ = SDL_CreateRGBSurfaceWithFormat(0, app->w_, app->h_, 32, SDL_PIXELFORMAT_ARGB8888);
        if (!app->surface_) return core::makeError("ui.sdl", std::string("surface: ") + SDL_GetError());
        app->renderer_ = SDL_CreateSoftwareRenderer(app->surface_);
    } else {
        Uint32 flags = SDL_WINDOW_SHOWN;
        int w = options.width, h = options.height;
        if (options.mode == DisplayMode::Fullscreen) {
            flags |= SDL_WINDOW_FULLSCREEN_DESKTOP | SDL_WINDOW_BORDERLESS;
            SDL_DisplayMode dm;
            if (SDL_GetDesktopDisplayMode(0, &dm) == 0) {
                w = dm.w;
                h = dm.h;
            }
        }
        app->window_ = SDL_CreateWindow("e-Channel", SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, w, h, flags);
        if (!app->window_) return core::makeError("ui.no_display", std::string("cannot create the window: ") + SDL_GetError());
        SDL_ShowCursor(SDL_DISABLE);
        app->renderer_ = SDL_CreateRenderer(app->window_, -1, SDL_RENDERER_PRESENTVSYNC);
        if (!app->renderer_) app->renderer_ = SDL_CreateRenderer(app->window_, -1, SDL_RENDERER_SOFTWARE);
        SDL_PumpEvents();  // let the window manager's size changes reach the renderer
        if (SDL_GetWindowPixelFormat(app->window_) == SDL_PIXELFORMAT_RGB888) app->previewFormat_ = SDL_PIXELFORMAT_RGB888;
    }
    if (!app->renderer_) return core::makeError("ui.sdl", std::string("renderer: ") + SDL_GetError());
    app->updateSize();

    TTF_Font* probe = app->font(app->px(52), Weight::Regular);
    if (!probe)
        return core::makeError("ui.font", "cannot open font " + options.fontPath.string() + " face " +
                                              std::to_string(options.fontFaceIndex) + ": " + TTF_GetError());
    if (options.voice == VoiceMode::Espeak) app->voice_.emplace(options.voiceBinary);
    if (options.sounds == SoundMode::Tones) app->openAudio();
    return std::unique_ptr<App>(std::move(app));
}

}  // namespace kiosk::ui
