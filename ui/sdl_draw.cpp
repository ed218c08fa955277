// Drawing primitives: fonts, wrapped text, buttons (tap regions), icons, the camera preview.
#include "ui/sdl_app.h"

#include <algorithm>

namespace kiosk::ui::detail {

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


TTF_Font* SdlApp::font(int size, Weight w) {
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

const SdlApp::TextTex* SdlApp::textTexture(const std::string& text, int size, Weight w, Rgb color) {
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

int SdlApp::textWidth(const std::string& text, int size, Weight w) {
    int tw = 0, th = 0;
    if (TTF_Font* f = font(size, w)) TTF_SizeUTF8(f, text.c_str(), &tw, &th);
    return tw;
}

// The largest size <= size (down to 60 %) at which text fits on one line of maxWidth.
int SdlApp::fitSize(const std::string& text, int size, Weight w, int maxWidth) {
    int minSize = std::max(8, size * 6 / 10);
    while (size > minSize && textWidth(text, size, w) > maxWidth) --size;
    return size;
}

std::vector<std::string> SdlApp::wrap(const std::string& text, int size, Weight w, int maxWidth) {
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
int SdlApp::lineSkip(int size, Weight w) {
    TTF_Font* f = font(size, w);
    return f ? TTF_FontLineSkip(f) : size;
}

int SdlApp::drawText(const std::string& text, int x, int y, int width, int size, Weight w, Rgb color,
             Align align) {
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

void SdlApp::fill(const SDL_Rect& r, Rgb c, uint8_t a) {
    SDL_SetRenderDrawBlendMode(renderer_, a == 255 ? SDL_BLENDMODE_NONE : SDL_BLENDMODE_BLEND);
    SDL_SetRenderDrawColor(renderer_, c.r, c.g, c.b, a);
    SDL_RenderFillRect(renderer_, &r);
}

void SdlApp::outline(const SDL_Rect& r, Rgb c, int thickness) {
    fill({r.x, r.y, r.w, thickness}, c);
    fill({r.x, r.y + r.h - thickness, r.w, thickness}, c);
    fill({r.x, r.y, thickness, r.h}, c);
    fill({r.x + r.w - thickness, r.y, thickness, r.h}, c);
}

void SdlApp::icon(const std::string& name, const SDL_Rect& dst, Rgb tint) {
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
void SdlApp::button(const std::string& id, const SDL_Rect& r, const std::string& label, int size, Rgb bg, Rgb fg,
            std::function<void(std::vector<UiEvent>&)> onTap, bool record) {
    fill(r, bg);
    size = fitSize(label, size, Weight::Bold, r.w - px(16));
    int lineH = lineSkip(size, Weight::Bold);
    auto lines = wrap(label, size, Weight::Bold, r.w - px(16));
    int total = lineH * static_cast<int>(lines.size());
    drawText(label, r.x + px(8), r.y + (r.h - total) / 2, r.w - px(16), size, Weight::Bold, fg);
    if (record) hits_.push_back({id, r, std::move(onTap)});
}

SDL_Rect SdlApp::fitRect(int srcW, int srcH, const SDL_Rect& box) {
    double k = std::min(double(box.w) / srcW, double(box.h) / srcH);
    int w = int(srcW * k), h = int(srcH * k);
    return {box.x + (box.w - w) / 2, box.y + (box.h - h) / 2, w, h};
}

// The preview texture uses the target's own 32-bit format (ARGB8888 offscreen, the
// window's XRGB8888 under X): the software renderer then blits without converting.
// Frames are mirrored while they are converted (travellers expect a mirror image).
void SdlApp::uploadPreview(const CameraPreview& p) {
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

void SdlApp::drawPreview(const CameraPreview& p, const SDL_Rect& box) {
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

}  // namespace kiosk::ui::detail
