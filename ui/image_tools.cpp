// SDL_image / SDL_ttf adapter for the image and font helpers.
#include "ui/image_tools.h"

#include <SDL.h>
#include <SDL_image.h>
#include <SDL_ttf.h>

#include <cstdlib>
#include <cstring>

namespace kiosk::ui {

core::Result<RgbImage> loadPng(const std::filesystem::path& path) {
    SDL_Surface* raw = IMG_Load(path.string().c_str());
    if (!raw) return core::makeError("ui.image", "cannot read " + path.string() + ": " + IMG_GetError());
    SDL_Surface* s = SDL_ConvertSurfaceFormat(raw, SDL_PIXELFORMAT_RGB24, 0);
    SDL_FreeSurface(raw);
    if (!s) return core::makeError("ui.image", std::string("convert: ") + SDL_GetError());
    RgbImage img;
    img.width = s->w;
    img.height = s->h;
    img.pixels.resize(std::size_t(s->w) * s->h * 3);
    for (int y = 0; y < s->h; ++y)
        std::memcpy(img.pixels.data() + std::size_t(y) * s->w * 3, static_cast<uint8_t*>(s->pixels) + std::size_t(y) * s->pitch,
                    std::size_t(s->w) * 3);
    SDL_FreeSurface(s);
    return img;
}

ImageDiff compareImages(const RgbImage& a, const RgbImage& b, int channelThreshold) {
    ImageDiff d;
    d.sameSize = a.width == b.width && a.height == b.height && a.pixels.size() == b.pixels.size();
    if (!d.sameSize || a.pixels.empty()) {
        d.meanAbsDiff = 255;
        d.differingFraction = 1;
        return d;
    }
    uint64_t sum = 0, differing = 0;
    std::size_t n = std::size_t(a.width) * a.height;
    for (std::size_t i = 0; i < n; ++i) {
        bool diff = false;
        for (int c = 0; c < 3; ++c) {
            int v = std::abs(int(a.pixels[3 * i + c]) - int(b.pixels[3 * i + c]));
            sum += v;
            diff = diff || v > channelThreshold;
        }
        differing += diff;
    }
    d.meanAbsDiff = double(sum) / (3.0 * n);
    d.differingFraction = double(differing) / n;
    return d;
}

core::Result<std::vector<uint32_t>> missingGlyphs(const std::filesystem::path& fontPath, int faceIndex,
                                                  const std::string& utf8) {
    if (!TTF_WasInit() && TTF_Init() != 0) return core::makeError("ui.font", std::string("TTF_Init: ") + TTF_GetError());
    TTF_Font* f = TTF_OpenFontIndex(fontPath.string().c_str(), 24, faceIndex);
    if (!f) return core::makeError("ui.font", "cannot open " + fontPath.string() + ": " + TTF_GetError());
    std::vector<uint32_t> missing;
    std::size_t i = 0;
    while (i < utf8.size()) {
        unsigned char c = static_cast<unsigned char>(utf8[i]);
        uint32_t cp = 0;
        std::size_t len = 1;
        if (c < 0x80) {
            cp = c;
        } else if ((c >> 5) == 0x6 && i + 1 < utf8.size()) {
            cp = ((c & 0x1F) << 6) | (utf8[i + 1] & 0x3F);
            len = 2;
        } else if ((c >> 4) == 0xE && i + 2 < utf8.size()) {
            cp = ((c & 0x0F) << 12) | ((utf8[i + 1] & 0x3F) << 6) | (utf8[i + 2] & 0x3F);
            len = 3;
        } else if ((c >> 3) == 0x1E && i + 3 < utf8.size()) {
            cp = ((c & 0x07) << 18) | ((utf8[i + 1] & 0x3F) << 12) | ((utf8[i + 2] & 0x3F) << 6) | (utf8[i + 3] & 0x3F);
            len = 4;
        } else {
            cp = 0xFFFD;  // invalid UTF-8 counts as missing
        }
        i += len;
        if (cp == ' ' || cp == '\n' || cp == '\t') continue;
        if (cp == 0xFFFD || !TTF_GlyphIsProvided32(f, cp)) missing.push_back(cp);
    }
    TTF_CloseFont(f);
    return missing;
}

}  // namespace kiosk::ui
