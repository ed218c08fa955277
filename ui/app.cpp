// SDL2 adapter: the only file that includes SDL. Draws a ViewModel, turns touches into
// UiEvents, speaks prompts through VoicePrompter.
#include "ui/app.h"

#include <SDL.h>
#include <SDL_image.h>
#include <SDL_ttf.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <map>
#include <optional>
#include <tuple>

#include "ui/layout.h"
#include "ui/officer_pin.h"
#include "ui/palette.h"
#include "ui/strings.h"
#include "ui/voice.h"

namespace kiosk::ui {

std::filesystem::path defaultAssetsDir() {
    if (const char* env = std::getenv("KIOSK_ASSETS_DIR"); env && *env) return env;
    return KIOSK_UI_SOURCE_ASSETS;
}

namespace {

SDL_Color sdl(Rgb c, uint8_t a = 255) { return SDL_Color{c.r, c.g, c.b, a}; }

std::string replaceAll(std::string s, const std::string& from, const std::string& to) {
    for (std::size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size())
        s.replace(pos, from.size(), to);
    return s;
}

// Splits UTF-8 text into break units: a CJK code point is a unit on its own (it may
// wrap anywhere), Latin words keep their following spaces attached.
std::vector<std::string> breakUnits(const std::string& text) {
    std::vector<std::string> units;
    std::string cur;
    std::size_t i = 0;
    while (i < text.size()) {
        unsigned char c = static_cast<unsigned char>(text[i]);
        std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 1;
        len = std::min(len, text.size() - i);  // truncated UTF-8 at the end
        std::string cp = text.substr(i, len);
        uint32_t code = 0;
        if (len == 3 && (c >> 4) == 0xE) code = ((c & 0x0F) << 12) | ((text[i + 1] & 0x3F) << 6) | (text[i + 2] & 0x3F);
        bool wide = len == 4 || code >= 0x2E80;  // CJK, fullwidth forms, supplementary planes
        bool closingPunct = code == 0x3002 || code == 0xFF0C || code == 0xFF1A || code == 0xFF1F ||
                            code == 0x3001 || code == 0x300D || code == 0xFF01;
        if (wide) {
            if (closingPunct && !units.empty() && cur.empty()) {
                units.back() += cp;  // never start a line with a closing mark
            } else {
                if (!cur.empty()) units.push_back(cur);
                cur.clear();
                units.push_back(cp);
            }
        } else if (cp == " ") {
            cur += cp;
            units.push_back(cur);
            cur.clear();
        } else {
            cur += cp;
        }
        i += len;
    }
    if (!cur.empty()) units.push_back(cur);
    return units;
}

enum class Align { Left, Center, Right };
enum class Weight { Regular, Bold };

struct Hit {
    std::string id;
    SDL_Rect rect;
    std::function<void(std::vector<UiEvent>&)> onTap;
};

class SdlApp final : public App {
public:
    ~SdlApp() override {
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
    void updateSize() {
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
    std::string frameKey(const ViewModel& vm) const {
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
            std::to_string(w_) + "x" + std::to_string(h_) + "," + std::to_string(pinDigits_.size()));
        if (vm.reasonText) add(vm.reasonText->zhHant + '\x1e' + vm.reasonText->en + '\x1e' + vm.reasonText->pt);
        add(vm.guidanceKey);
        add(vm.laneId);
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
            std::to_string(o.laneInService) + std::to_string(o.door1Open) + std::to_string(o.door2Open));
        if (o.mode != OfficerMode::Closed) {
            for (const auto& r : o.scanLog) add(r.time + '\x1e' + r.credential + '\x1e' + r.outcome + '\x1e' + r.reasonCode);
            for (const auto& a : o.alerts)
                add(a.id + '\x1e' + a.time + '\x1e' + a.code + '\x1e' + a.message + (a.acknowledged ? "1" : "0"));
        }
        return k;
    }

    core::Status render(const ViewModel& vm) override {
        updateSize();
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

    std::vector<UiEvent> pollEvents() override;

    core::Status screenshot(const std::filesystem::path& path) override {
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

    std::string rendererName() const override {
        SDL_RendererInfo info{};
        if (SDL_GetRendererInfo(renderer_, &info) != 0 || !info.name) return "unknown";
        return info.name;
    }
    int width() const override { return w_; }
    int height() const override { return h_; }

    static void copyWithoutPixels(const ViewModel& vm, ViewModel& out) {
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
        out.trustListDaysLeft = vm.trustListDaysLeft;
        out.timeoutSecondsLeft = vm.timeoutSecondsLeft;
        out.officer = vm.officer;
        out.laneId = vm.laneId;
        out.preview = std::move(keep);
    }

    void injectTap(int x, int y) override { pendingTaps_.push_back({x, y}); }
    std::vector<TapTarget> tapTargets() const override {
        std::vector<TapTarget> out;
        for (const auto& h : hits_) out.push_back({h.id, Box{h.rect.x, h.rect.y, h.rect.w, h.rect.h}});
        return out;
    }

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

    int px(double v) const { return static_cast<int>(v * s_ + 0.5); }

    TTF_Font* font(int size, Weight w) {
        auto key = std::make_pair(size, w == Weight::Bold ? 1 : 0);
        auto it = fonts_.find(key);
        if (it != fonts_.end()) return it->second;
        const auto& path = w == Weight::Bold ? opt_.boldFontPath : opt_.fontPath;
        TTF_Font* f = TTF_OpenFontIndex(path.string().c_str(), size, opt_.fontFaceIndex);
        if (!f && w == Weight::Bold) f = TTF_OpenFontIndex(opt_.fontPath.string().c_str(), size, opt_.fontFaceIndex);
        if (f) {
            TTF_SetFontHinting(f, TTF_HINTING_LIGHT);
            fonts_[key] = f;
            return f;
        }
        // should not happen once one size opened; fall back to any open size rather than crash
        for (auto& [k, other] : fonts_)
            if (other) return other;
        return nullptr;
    }

    const TextTex* textTexture(const std::string& text, int size, Weight w, Rgb color) {
        if (text.empty()) return nullptr;
        uint32_t c = (uint32_t(color.r) << 16) | (uint32_t(color.g) << 8) | color.b;
        TextKey key{text, size, w == Weight::Bold ? 1 : 0, c};
        auto it = textures_.find(key);
        if (it != textures_.end()) return &it->second;
        if (textures_.size() > 600) {
            for (auto& [k, t] : textures_) SDL_DestroyTexture(t.tex);
            textures_.clear();
        }
        TTF_Font* f = font(size, w);
        if (!f) return nullptr;
        SDL_Surface* surf = TTF_RenderUTF8_Blended(f, text.c_str(), sdl(color));
        if (!surf) return nullptr;
        TextTex t;
        t.tex = SDL_CreateTextureFromSurface(renderer_, surf);
        t.w = surf->w;
        t.h = surf->h;
        SDL_FreeSurface(surf);
        return &(textures_[key] = t);
    }

    int textWidth(const std::string& text, int size, Weight w) {
        int tw = 0, th = 0;
        if (TTF_Font* f = font(size, w)) TTF_SizeUTF8(f, text.c_str(), &tw, &th);
        return tw;
    }

    // The largest size <= size (down to 60 %) at which text fits on one line of maxWidth.
    int fitSize(const std::string& text, int size, Weight w, int maxWidth) {
        int minSize = std::max(8, size * 6 / 10);
        while (size > minSize && textWidth(text, size, w) > maxWidth) --size;
        return size;
    }

    std::vector<std::string> wrap(const std::string& text, int size, Weight w, int maxWidth) {
        std::vector<std::string> lines;
        std::string line;
        for (const auto& u : breakUnits(text)) {
            std::string candidate = line + u;
            std::string trimmed = candidate;
            while (!trimmed.empty() && trimmed.back() == ' ') trimmed.pop_back();
            if (!line.empty() && textWidth(trimmed, size, w) > maxWidth) {
                while (!line.empty() && line.back() == ' ') line.pop_back();
                lines.push_back(line);
                line = u;
            } else {
                line = candidate;
            }
        }
        while (!line.empty() && line.back() == ' ') line.pop_back();
        if (!line.empty()) lines.push_back(line);
        return lines;
    }

    // Draws wrapped text in the box [x, x+width); returns the height used.
    int lineSkip(int size, Weight w) {
        TTF_Font* f = font(size, w);
        return f ? TTF_FontLineSkip(f) : size;
    }

    int drawText(const std::string& text, int x, int y, int width, int size, Weight w, Rgb color,
                 Align align = Align::Center) {
        int lineH = lineSkip(size, w);
        int yy = y;
        for (const auto& line : wrap(text, size, w, width)) {
            if (const TextTex* t = textTexture(line, size, w, color)) {
                int xx = align == Align::Left ? x : align == Align::Right ? x + width - t->w : x + (width - t->w) / 2;
                SDL_Rect dst{xx, yy, t->w, t->h};
                SDL_RenderCopy(renderer_, t->tex, nullptr, &dst);
            }
            yy += lineH;
        }
        return yy - y;
    }

    void fill(const SDL_Rect& r, Rgb c, uint8_t a = 255) {
        SDL_SetRenderDrawBlendMode(renderer_, a == 255 ? SDL_BLENDMODE_NONE : SDL_BLENDMODE_BLEND);
        SDL_SetRenderDrawColor(renderer_, c.r, c.g, c.b, a);
        SDL_RenderFillRect(renderer_, &r);
    }

    void outline(const SDL_Rect& r, Rgb c, int thickness) {
        fill({r.x, r.y, r.w, thickness}, c);
        fill({r.x, r.y + r.h - thickness, r.w, thickness}, c);
        fill({r.x, r.y, thickness, r.h}, c);
        fill({r.x + r.w - thickness, r.y, thickness, r.h}, c);
    }

    void icon(const std::string& name, const SDL_Rect& dst, Rgb tint) {
        auto it = icons_.find(name);
        if (it == icons_.end()) {
            auto path = opt_.assetsDir / "ui" / (name + ".png");
            SDL_Texture* t = IMG_LoadTexture(renderer_, path.string().c_str());
            if (t) SDL_SetTextureBlendMode(t, SDL_BLENDMODE_BLEND);
            it = icons_.emplace(name, t).first;
        }
        if (!it->second) return;
        SDL_SetTextureColorMod(it->second, tint.r, tint.g, tint.b);
        SDL_RenderCopy(renderer_, it->second, nullptr, &dst);
    }

    // A button: filled box with centred label; registers a tap region.
    void button(const std::string& id, const SDL_Rect& r, const std::string& label, int size, Rgb bg, Rgb fg,
                std::function<void(std::vector<UiEvent>&)> onTap, bool record) {
        fill(r, bg);
        size = fitSize(label, size, Weight::Bold, r.w - px(16));
        int lineH = lineSkip(size, Weight::Bold);
        auto lines = wrap(label, size, Weight::Bold, r.w - px(16));
        int total = lineH * static_cast<int>(lines.size());
        drawText(label, r.x + px(8), r.y + (r.h - total) / 2, r.w - px(16), size, Weight::Bold, fg);
        if (record) hits_.push_back({id, r, std::move(onTap)});
    }

    const std::string& str(const std::string& key, Language l) const { return strings_.get(key, l); }

    struct ScreenLook {
        Rgb bg;
        Rgb fg;
        const char* icon;
    };

    static ScreenLook look(Screen s) {
        using namespace palette;
        switch (s) {
            case Screen::Welcome: return {kBackground, kText, "qr"};
            case Screen::Reading: return {kBackground, kText, "hourglass"};
            case Screen::DoorOpen: return {kBackground, kText, "door"};
            case Screen::FaceCapture: return {kBackground, kText, "face"};
            case Screen::Fingerprint: return {kBackground, kText, "finger"};
            case Screen::Proceed: return {kProceedBg, kText, "check"};
            case Screen::SeeOfficer: return {kOfficerBg, kText, "officer"};
            case Screen::OutOfService: return {kServiceBg, kText, "noentry"};
            case Screen::Processing: return {kBackground, kText, "hourglass"};
            case Screen::Emergency: return {kEmergencyBg, kEmergencyText, "exit"};
            case Screen::TimeoutWarning: return {kBackground, kText, "hourglass"};
        }
        return {kBackground, kText, "qr"};
    }

    // The text of the screen (title, body lines) in one language: also what is spoken.
    std::pair<std::string, std::vector<std::string>> screenText(const ViewModel& vm, Language l) const {
        std::string base = screenName(vm.screen);
        std::string title = str(base + ".title", l);
        std::vector<std::string> body;
        if (vm.screen == Screen::SeeOfficer && vm.reasonText) {
            body.push_back(vm.reasonText->in(l));
            body.push_back(str(base + ".body", l));
        } else if (!vm.guidanceKey.empty() && strings_.has(vm.guidanceKey)) {
            body.push_back(str(vm.guidanceKey, l));
        } else {
            body.push_back(str(base + ".body", l));
        }
        if (vm.screen == Screen::TimeoutWarning && vm.timeoutSecondsLeft)
            body.push_back(replaceAll(str("timeout.seconds_left", l), "{seconds}", std::to_string(*vm.timeoutSecondsLeft)));
        if (vm.screen == Screen::Fingerprint && vm.progressTotal > 0)
            body.push_back(replaceAll(replaceAll(str("finger.progress", l), "{step}", std::to_string(vm.progressStep)),
                                      "{total}", std::to_string(vm.progressTotal)));
        return {title, body};
    }

    void speakIfChanged(const ViewModel& vm) {
        if (!voice_) return;
        if (!vm.voiceEnabled || vm.officer.mode != OfficerMode::Closed) {
            if (!lastSpoken_.empty()) voice_->stop();
            lastSpoken_.clear();
            return;
        }
        auto [title, body] = screenText(vm, vm.language);
        std::string text = title;
        for (const auto& b : body) {
            // the countdown is spoken once when the warning appears, not every second
            if (vm.screen == Screen::TimeoutWarning && &b == &body.back() && vm.timeoutSecondsLeft) continue;
            text += ". " + b;
        }
        std::string key = std::string(languageTag(vm.language)) + "|" + text;
        if (key == lastSpoken_) return;
        lastSpoken_ = key;
        voice_->speak(text, vm.language);
    }

    void drawTopBar(const ViewModel& vm, const ScreenLook& lk, bool record) {
        int barH = px(120);
        // language buttons, right aligned; voice switch left of them
        int bw = px(250), bh = px(88), gap = px(16);
        int x = w_ - gap - 3 * bw - 2 * gap;
        int y = (barH - bh) / 2;
        for (Language l : {Language::ZhHant, Language::En, Language::Pt}) {
            bool sel = l == vm.language;
            SDL_Rect r{x, y, bw, bh};
            button(std::string("lang.") + languageTag(l), r, str(std::string("lang.") + languageTag(l), vm.language),
                   px(layout::kButtonPx),
                   sel ? palette::kAccent : palette::kButtonBg, palette::kButtonText,
                   [l](std::vector<UiEvent>& out) {
                       UiEvent e;
                       e.type = UiEventType::LanguageSelected;
                       e.language = l;
                       out.push_back(e);
                   },
                   record);
            if (sel) outline(r, lk.fg, px(4));
            x += bw + gap;
        }
        // landscape: voice switch left of the language buttons; portrait: on a second row
        int vw = px(300);
        SDL_Rect vr = portrait_ ? SDL_Rect{w_ - gap - vw, y + bh + gap, vw, bh}
                                : SDL_Rect{w_ - gap - 3 * bw - 2 * gap - gap - vw, y, vw, bh};
        fill(vr, palette::kButtonBg);
        icon("speaker", {vr.x + px(10), vr.y + (bh - px(56)) / 2, px(56), px(56)}, palette::kButtonText);
        const std::string& vlabel = str(vm.voiceEnabled ? "ui.voice_on" : "ui.voice_off", vm.language);
        int vsize = fitSize(vlabel, px(36), Weight::Bold, vw - px(84));
        drawText(vlabel, vr.x + px(72), vr.y + (bh - lineSkip(vsize, Weight::Bold)) / 2, vw - px(80), vsize,
                 Weight::Bold, palette::kButtonText);
        if (record)
            hits_.push_back({"voice", vr, [](std::vector<UiEvent>& out) {
                                 UiEvent e;
                                 e.type = UiEventType::VoiceToggled;
                                 out.push_back(e);
                             }});
        if (!vm.laneId.empty())
            drawText(str("ui.lane", vm.language) + " " + vm.laneId, px(24), (barH - px(40)) / 2, px(400), px(32),
                     Weight::Regular, lk.fg, Align::Left);
    }

    SDL_Rect fitRect(int srcW, int srcH, const SDL_Rect& box) {
        double k = std::min(double(box.w) / srcW, double(box.h) / srcH);
        int w = int(srcW * k), h = int(srcH * k);
        return {box.x + (box.w - w) / 2, box.y + (box.h - h) / 2, w, h};
    }

    // The preview texture uses the target's own 32-bit format (ARGB8888 offscreen, the
    // window's XRGB8888 under X): the software renderer then blits without converting.
    // Frames are mirrored while they are converted (travellers expect a mirror image).
    void uploadPreview(const CameraPreview& p) {
        if (p.pixels.empty()) return;  // redraw from the texture we already have
        std::size_t ch = p.format == PreviewFormat::Gray8 ? 1 : 3;
        if (p.width <= 0 || p.height <= 0 || p.pixels.size() < std::size_t(p.width) * p.height * ch) return;
        if (!previewTex_ || previewW_ != p.width || previewH_ != p.height) {
            if (previewTex_) SDL_DestroyTexture(previewTex_);
            previewTex_ = SDL_CreateTexture(renderer_, previewFormat_, SDL_TEXTUREACCESS_STREAMING, p.width, p.height);
            if (previewTex_) SDL_SetTextureBlendMode(previewTex_, SDL_BLENDMODE_NONE);
            previewW_ = p.width;
            previewH_ = p.height;
            previewSeq_ = ~0ull;
        }
        if (!previewTex_ || (p.sequence != 0 && p.sequence == previewSeq_)) return;
        previewSeq_ = p.sequence;
        void* dst = nullptr;
        int pitch = 0;
        if (SDL_LockTexture(previewTex_, nullptr, &dst, &pitch) != 0) return;
        for (int y = 0; y < p.height; ++y) {
            uint32_t* d = reinterpret_cast<uint32_t*>(static_cast<uint8_t*>(dst) + std::size_t(y) * pitch);
            if (ch == 1) {
                const uint8_t* s = p.pixels.data() + std::size_t(y) * p.width;
                for (int x = 0, mx = p.width - 1; x < p.width; ++x, --mx)
                    d[mx] = 0xFF000000u | (uint32_t(s[x]) << 16) | (uint32_t(s[x]) << 8) | s[x];
            } else {
                const uint8_t* s = p.pixels.data() + std::size_t(y) * p.width * 3;
                for (int x = 0, mx = p.width - 1; x < p.width; ++x, --mx, s += 3)
                    d[mx] = 0xFF000000u | (uint32_t(s[2]) << 16) | (uint32_t(s[1]) << 8) | s[0];
            }
        }
        SDL_UnlockTexture(previewTex_);
    }

    void drawPreview(const CameraPreview& p, const SDL_Rect& box) {
        uploadPreview(p);
        if (!previewTex_ || p.width <= 0 || p.height <= 0) return;
        SDL_Rect dst = fitRect(p.width, p.height, box);
        SDL_RenderCopy(renderer_, previewTex_, nullptr, &dst);
        double k = double(dst.w) / p.width;
        auto map = [&](const Box& b) {
            int x = dst.x + int((p.width - b.x - b.w) * k);  // mirrored
            return SDL_Rect{x, dst.y + int(b.y * k), int(b.w * k), int(b.h * k)};
        };
        if (p.guideBox) outline(map(*p.guideBox), palette::kText, std::max(2, px(6)));
        if (p.faceBox) outline(map(*p.faceBox), p.faceOk ? palette::kGood : palette::kAdjust, std::max(2, px(5)));
        outline(dst, palette::kTextMuted, std::max(1, px(2)));
    }

    void drawProgress(const ViewModel& vm, const SDL_Rect& area, Rgb fg) {
        if (vm.progressTotal <= 0) return;
        int n = std::min(vm.progressTotal, 12);
        int d = px(44), gap = px(28);
        int total = n * d + (n - 1) * gap;
        int x = area.x + (area.w - total) / 2;
        for (int i = 0; i < n; ++i) {
            SDL_Rect r{x + i * (d + gap), area.y, d, d};
            if (i < vm.progressStep)
                fill(r, palette::kAccent);
            else
                outline(r, fg, std::max(2, px(5)));
        }
    }

    void drawBody(const ViewModel& vm, const ScreenLook& lk, bool record) {
        auto [title, body] = screenText(vm, vm.language);
        int top = px(portrait_ ? 240 : 140);
        int bottom = h_ - staffBanners(vm) * px(110) - (timeoutBanner(vm) ? px(140) : 0);
        bool withPreview = vm.screen == Screen::FaceCapture && vm.preview;
        SDL_Rect iconArea, textArea;
        if (withPreview) {
            if (portrait_) {
                iconArea = {px(60), top, w_ - px(120), (bottom - top) / 2};
                textArea = {px(60), top + (bottom - top) / 2 + px(30), w_ - px(120), (bottom - top) / 2 - px(30)};
            } else {
                iconArea = {px(60), top + px(20), w_ / 2 - px(60), bottom - top - px(80)};
                textArea = {w_ / 2 + px(40), top + px(120), w_ / 2 - px(100), bottom - top - px(120)};
            }
            drawPreview(*vm.preview, iconArea);
        } else {
            // with the countdown banner on a landscape screen there is no room for the icon
            bool compact = timeoutBanner(vm) && !portrait_;
            int iconSize = compact ? 0 : px(vm.screen == Screen::TimeoutWarning ? 200 : 260);
            int iy = portrait_ ? top + (bottom - top) / 5 : top + px(compact ? 0 : 50);
            if (iconSize > 0) icon(lk.icon, {(w_ - iconSize) / 2, iy, iconSize, iconSize}, lk.fg);
            textArea = {px(80), iy + iconSize + px(40), w_ - px(160), bottom - iy - iconSize - px(40)};
        }
        int y = textArea.y;
        Rgb bodyColor = lk.fg;
        y += drawText(title, textArea.x, y, textArea.w, px(layout::kTitlePx), Weight::Bold, lk.fg) + px(20);
        for (std::size_t i = 0; i < body.size(); ++i) {
            bool guidance = i == 0 && !vm.guidanceKey.empty() && vm.screen != Screen::SeeOfficer;
            y += drawText(body[i], textArea.x, y, textArea.w, px(layout::kBodyPx), guidance ? Weight::Bold : Weight::Regular,
                          guidance && lk.bg.r == palette::kBackground.r ? palette::kAccent : bodyColor) +
                 px(12);
        }
        if (vm.screen == Screen::Fingerprint) drawProgress(vm, {textArea.x, y + px(24), textArea.w, px(44)}, lk.fg);
        if (vm.screen == Screen::TimeoutWarning) {
            int bw = px(520), bh = px(130);
            button("continue", {(w_ - bw) / 2, y + px(30), bw, bh}, str("ui.continue", vm.language), px(60), palette::kButtonBg,
                   palette::kButtonText,
                   [](std::vector<UiEvent>& out) {
                       UiEvent e;
                       e.type = UiEventType::ContinuePressed;
                       out.push_back(e);
                   },
                   record);
        }
    }

    // A timed step on any other screen (WCAG 2.2.1): countdown + Continue above the staff banner.
    static bool timeoutBanner(const ViewModel& vm) {
        return vm.timeoutSecondsLeft && vm.screen != Screen::TimeoutWarning && vm.screen != Screen::Emergency &&
               vm.screen != Screen::OutOfService;
    }

    void drawTimeoutBanner(const ViewModel& vm, bool record) {
        if (!timeoutBanner(vm)) return;
        int bh = px(140);
        SDL_Rect r{0, h_ - staffBanners(vm) * px(110) - bh, w_, bh};
        fill(r, palette::kButtonBg);
        std::string t = replaceAll(str("timeout.seconds_left", vm.language), "{seconds}",
                                   std::to_string(*vm.timeoutSecondsLeft));
        int bw = px(420);
        int size = fitSize(t, px(layout::kBodyPx), Weight::Bold, w_ - bw - px(100));
        drawText(t, px(40), r.y + (bh - lineSkip(size, Weight::Bold)) / 2, w_ - bw - px(100), size, Weight::Bold,
                 palette::kButtonText, Align::Left);
        button("continue", {w_ - bw - px(30), r.y + px(15), bw, bh - px(30)}, str("ui.continue", vm.language),
               px(layout::kBodyPx), palette::kAccent, palette::kButtonText,
               [](std::vector<UiEvent>& out) {
                   UiEvent e;
                   e.type = UiEventType::ContinuePressed;
                   out.push_back(e);
               },
               record);
    }

    // Staff warnings stack at the bottom, one 110 px banner each.
    static int staffBanners(const ViewModel& vm) {
        return (vm.staffWarningTrustStale ? 1 : 0) + (vm.staffWarningEnrolmentsStale ? 1 : 0);
    }

    void drawStaffBanner(const ViewModel& vm) {
        int y = h_;
        if (vm.staffWarningTrustStale) {
            y -= px(110);
            drawStaffLine(replaceAll(str("staff.trust_stale", vm.language), "{days}", std::to_string(vm.trustListDaysLeft)),
                          y);
        }
        if (vm.staffWarningEnrolmentsStale) {
            y -= px(110);
            drawStaffLine(str("staff.enrolments_stale", vm.language), y);
        }
    }

    void drawStaffLine(const std::string& t, int top) {
        SDL_Rect r{0, top, w_, px(110)};
        fill(r, palette::kWarningBg);
        icon("warning", {px(24), r.y + px(15), px(80), px(80)}, palette::kWarningText);
        int size = px(layout::kStaffPx);
        int lines = static_cast<int>(wrap(t, size, Weight::Bold, w_ - px(150)).size());
        if (lines > 1) size = px(30);
        int lh = lineSkip(size, Weight::Bold);
        int n = static_cast<int>(wrap(t, size, Weight::Bold, w_ - px(150)).size());
        drawText(t, px(124), r.y + (r.h - n * lh) / 2, w_ - px(150), size, Weight::Bold, palette::kWarningText,
                 Align::Left);
    }

    static UiEvent actionEvent(OfficerAction a, std::string alertId = "") {
        UiEvent e;
        e.type = UiEventType::OfficerAction;
        e.action = a;
        e.alertId = std::move(alertId);
        return e;
    }

    void drawOfficer(const ViewModel& vm, bool record) {
        const auto& o = vm.officer;
        if (o.mode == OfficerMode::Closed) {
            pinDigits_.clear();
            return;
        }
        Language l = vm.language;
        fill({0, 0, w_, h_}, palette::kOverlayBg);
        int margin = px(40);
        auto emit = [](OfficerAction a) { return [a](std::vector<UiEvent>& out) { out.push_back(actionEvent(a)); }; };
        int titleY = px(30);
        const int bodySize = px(40);
        if (o.mode == OfficerMode::PinEntry) {
            drawText(str("officer.pin_title", l), 0, titleY, w_, px(64), Weight::Bold, palette::kText);
            std::string dots;
            for (std::size_t i = 0; i < pinDigits_.size(); ++i) dots += "● ";
            int dy = titleY + px(100);
            fill({w_ / 2 - px(300), dy, px(600), px(90)}, palette::kButtonBg);
            drawText(dots.empty() ? " " : dots, w_ / 2 - px(300), dy + px(10), px(600), px(48), Weight::Bold,
                     palette::kButtonText);
            if (o.pinRejected && pinDigits_.empty())
                drawText(str("officer.pin_wrong", l), 0, dy + px(100), w_, bodySize, Weight::Bold, palette::kAccent);
            int kw = px(portrait_ ? 240 : 200), kh = px(portrait_ ? 150 : 120), gap = px(16);
            int kx = (w_ - 3 * kw - 2 * gap) / 2, ky = dy + px(160);
            const char* keys[12] = {"1", "2", "3", "4", "5", "6", "7", "8", "9", "C", "0", "OK"};
            for (int i = 0; i < 12; ++i) {
                SDL_Rect r{kx + (i % 3) * (kw + gap), ky + (i / 3) * (kh + gap), kw, kh};
                std::string k = keys[i];
                std::string label = k == "C" ? str("officer.clear", l) : k == "OK" ? str("officer.ok", l) : k;
                std::string id = k == "C" ? "pin.clear" : k == "OK" ? "pin.ok" : "pin." + k;
                button(id, r, label, px(52), k == "OK" ? palette::kAccent : palette::kButtonBg, palette::kButtonText,
                       [this, k](std::vector<UiEvent>& out) { pinKey(k, out); }, record);
            }
            int cy = ky + 4 * (kh + gap) + px(10);
            button("officer.cancel", {(w_ - px(400)) / 2, cy, px(400), px(100)}, str("officer.cancel", l), px(44), palette::kButtonBg,
                   palette::kButtonText, emit(OfficerAction::CloseOverlay), record);
            return;
        }
        if (o.mode == OfficerMode::Menu) {
            drawText(str("officer.menu_title", l), 0, titleY, w_, px(64), Weight::Bold, palette::kText);
            std::string status = str(o.laneInService ? "officer.status_in" : "officer.status_out", l);
            drawText(status, 0, titleY + px(96), w_, bodySize, Weight::Regular,
                     o.laneInService ? palette::kGood : palette::kAccent);
            std::vector<std::pair<std::string, OfficerAction>> items = {
                {o.laneInService ? "officer.lane_out_of_service" : "officer.lane_in_service",
                 o.laneInService ? OfficerAction::LaneOutOfService : OfficerAction::LaneInService},
                {o.door1Open ? "officer.close_door1" : "officer.open_door1",
                 o.door1Open ? OfficerAction::CloseDoor1 : OfficerAction::OpenDoor1},
                {o.door2Open ? "officer.close_door2" : "officer.open_door2",
                 o.door2Open ? OfficerAction::CloseDoor2 : OfficerAction::OpenDoor2},
                {"officer.scan_log", OfficerAction::ShowScanLog},
                {"officer.alerts", OfficerAction::ShowAlerts},
                {"officer.close", OfficerAction::CloseOverlay},
            };
            int cols = portrait_ ? 1 : 2;
            int gap = px(24);
            int bw = (w_ - 2 * margin - (cols - 1) * gap) / cols;
            int bh = px(portrait_ ? 150 : 150);
            int y0 = titleY + px(180);
            int unacked = 0;
            for (const auto& a : o.alerts) unacked += a.acknowledged ? 0 : 1;
            for (std::size_t i = 0; i < items.size(); ++i) {
                SDL_Rect r{margin + int(i % cols) * (bw + gap), y0 + int(i / cols) * (bh + gap), bw, bh};
                std::string label = str(items[i].first, l);
                if (items[i].second == OfficerAction::ShowAlerts && unacked > 0)
                    label += " (" + std::to_string(unacked) + ")";
                bool hot = items[i].second == OfficerAction::ShowAlerts && unacked > 0;
                button(std::string("officer.") + officerActionName(items[i].second), r, label, px(48), hot ? palette::kAccent : palette::kButtonBg, palette::kButtonText,
                       emit(items[i].second), record);
            }
            return;
        }
        bool log = o.mode == OfficerMode::ScanLog;
        drawText(str(log ? "officer.scan_log" : "officer.alerts", l), 0, titleY, w_, px(56), Weight::Bold,
                 palette::kText);
        int backW = px(300), backH = px(96);
        button("officer.back", {w_ - margin - backW, h_ - margin - backH, backW, backH}, str("officer.back", l), px(44),
               palette::kButtonBg, palette::kButtonText, emit(OfficerAction::BackToMenu), record);
        int rowH = px(portrait_ ? 64 : 60), y = titleY + px(110);
        int textSize = px(layout::kOfficerPx);
        int maxY = h_ - margin - backH - px(20);
        int tableW = w_ - 2 * margin;
        if (log) {
            int cx[4] = {margin, margin + tableW * 18 / 100, margin + tableW * 48 / 100, margin + tableW * 68 / 100};
            const char* heads[4] = {"officer.col_time", "officer.col_credential", "officer.col_outcome", "officer.col_reason"};
            for (int c = 0; c < 4; ++c)
                drawText(str(heads[c], l), cx[c], y, (c < 3 ? cx[c + 1] : margin + tableW) - cx[c] - px(10), textSize,
                         Weight::Bold, palette::kAccent, Align::Left);
            y += rowH;
            if (o.scanLog.empty()) drawText(str("officer.no_rows", l), margin, y, tableW, textSize, Weight::Regular, palette::kText, Align::Left);
            for (const auto& row : o.scanLog) {
                if (y + rowH > maxY) break;
                const std::string* cells[4] = {&row.time, &row.credential, &row.outcome, &row.reasonCode};
                for (int c = 0; c < 4; ++c) {
                    int cw = (c < 3 ? cx[c + 1] : margin + tableW) - cx[c] - px(10);
                    if (const TextTex* t = textTexture(*cells[c], textSize, Weight::Regular, palette::kText)) {
                        SDL_Rect src{0, 0, std::min(t->w, cw), t->h};
                        SDL_Rect dst{cx[c], y, src.w, t->h};
                        SDL_RenderCopy(renderer_, t->tex, &src, &dst);
                    }
                }
                y += rowH;
            }
            return;
        }
        if (o.alerts.empty()) drawText(str("officer.no_rows", l), margin, y, tableW, textSize, Weight::Regular, palette::kText, Align::Left);
        int ackW = px(300);
        for (const auto& a : o.alerts) {
            if (y + rowH * 2 > maxY) break;
            std::string line = a.time + "  " + a.code;
            drawText(line, margin, y, tableW - ackW - px(20), textSize, Weight::Bold,
                     a.acknowledged ? palette::kTextMuted : palette::kAccent, Align::Left);
            drawText(a.message, margin, y + rowH - px(8), tableW - ackW - px(20), px(30), Weight::Regular,
                     palette::kText, Align::Left);
            SDL_Rect r{w_ - margin - ackW, y, ackW, rowH * 2 - px(16)};
            if (a.acknowledged) {
                drawText(str("officer.acknowledged", l), r.x, r.y + px(20), r.w, px(32), Weight::Regular,
                         palette::kTextMuted);
            } else {
                std::string id = a.id;
                button("ack." + id, r, str("officer.acknowledge", l), px(36), palette::kButtonBg, palette::kButtonText,
                       [id](std::vector<UiEvent>& out) { out.push_back(actionEvent(OfficerAction::AcknowledgeAlert, id)); },
                       record);
            }
            y += rowH * 2;
        }
    }

    void pinKey(const std::string& k, std::vector<UiEvent>& out) {
        if (k == "C") {
            pinDigits_.clear();
        } else if (k == "OK") {
            UiEvent e;
            e.type = UiEventType::OfficerPinEntered;
            e.pinOk = !opt_.officerPinHash.empty() && verifyOfficerPin(pinDigits_, opt_.officerPinHash);
            std::fill(pinDigits_.begin(), pinDigits_.end(), '\0');
            pinDigits_.clear();
            out.push_back(e);
        } else if (pinDigits_.size() < 12) {
            pinDigits_ += k;
        }
    }

    void drawFrame(const ViewModel& vm, bool record) {
        if (record) hits_.clear();
        ScreenLook lk = look(vm.screen);
        SDL_SetRenderDrawColor(renderer_, lk.bg.r, lk.bg.g, lk.bg.b, 255);
        SDL_RenderClear(renderer_);
        if (vm.officer.mode == OfficerMode::Closed) {
            drawTopBar(vm, lk, record);
            drawBody(vm, lk, record);
            drawTimeoutBanner(vm, record);
            drawStaffBanner(vm);
        }
        drawOfficer(vm, record);
    }

    void tap(int x, int y, std::vector<UiEvent>& out) {
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

    friend core::Result<std::unique_ptr<App>> App::create(const WindowOptions&);
};

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
            case SDL_KEYDOWN: {
                auto k = ev.key.keysym.sym;
                if (k == SDLK_F12) {
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
    if (voice_) voice_->speaking();  // reap a finished espeak-ng
    return out;
}

}  // namespace

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
    return std::unique_ptr<App>(std::move(app));
}

}  // namespace kiosk::ui
