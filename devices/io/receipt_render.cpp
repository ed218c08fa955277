// SDL2_ttf / SDL2_image / libqrencode adapter: draws a Receipt into a 1-bit raster and
// writes images as PNG. The only printer file that includes SDL.
#include "devices/io/receipt_render.h"

#include <SDL.h>
#include <SDL_image.h>
#include <SDL_ttf.h>
#include <qrencode.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <tuple>

namespace kiosk::devices::io {

namespace {

constexpr const char* kRenderError = "device.render";

core::Error renderError(const std::string& what) { return core::makeError(kRenderError, what); }

// Our own reference on SDL_ttf (it counts TTF_Init calls), so the UI's TTF_Quit cannot
// pull the library from under the cached fonts. Called under renderMutex().
core::Status initTtf() {
    static bool ours = false;
    if (!ours) {
        if (TTF_Init() != 0) return renderError(std::string("TTF_Init: ") + TTF_GetError());
        ours = true;
    }
    return {};
}

// Fonts are opened once per (file, face, size) for the life of the process and rendering is
// serialised: FreeType's library object is shared with the UI's SDL_ttf in the same
// process, and opening/closing faces there is not thread-safe, so it happens rarely here.
std::mutex& renderMutex() {
    static std::mutex mu;
    return mu;
}

class FontSet {
public:
    explicit FontSet(const ReceiptRenderOptions& o) : o_(o) {}

    core::Result<TTF_Font*> get(int px, bool bold) {
        // Never closed and never destroyed: a static map would be torn down at exit while a
        // printer thread may still render, and would drop the only pointers to the open fonts.
        static auto& cache = *new std::map<std::tuple<std::string, int, int>, TTF_Font*>();
        const auto& path = bold ? o_.boldFontPath : o_.fontPath;
        const auto key = std::make_tuple(path.string(), o_.fontFaceIndex, px);
        if (auto it = cache.find(key); it != cache.end()) return it->second;
        TTF_Font* f = TTF_OpenFontIndex(path.string().c_str(), px, o_.fontFaceIndex);
        if (!f) return renderError("cannot open font " + path.string() + " face " + std::to_string(o_.fontFaceIndex) +
                                   ": " + TTF_GetError());
        cache[key] = f;
        return f;
    }

private:
    const ReceiptRenderOptions& o_;
};

// The growing paper: Gray8, 255 = paper.
struct Paper {
    int width = 0;
    int height = 0;
    std::vector<uint8_t> px;

    void grow(int rows) {
        px.resize(px.size() + std::size_t(rows) * width, 255);
        height += rows;
    }
    void ink(int x, int y) {
        if (x >= 0 && x < width && y >= 0 && y < height) px[std::size_t(y) * width + x] = 0;
    }
};

// ---- UTF-8 line breaking ----

std::vector<uint32_t> decodeUtf8(const std::string& s) {
    std::vector<uint32_t> out;
    for (std::size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        int n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
        uint32_t cp = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
        for (int k = 1; k < n && i + k < s.size(); ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
        out.push_back(cp);
        i += n;
    }
    return out;
}

void appendUtf8(std::string& s, uint32_t cp) {
    if (cp < 0x80) {
        s += char(cp);
    } else if (cp < 0x800) {
        s += char(0xC0 | (cp >> 6));
        s += char(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        s += char(0xE0 | (cp >> 12));
        s += char(0x80 | ((cp >> 6) & 0x3F));
        s += char(0x80 | (cp & 0x3F));
    } else {
        s += char(0xF0 | (cp >> 18));
        s += char(0x80 | ((cp >> 12) & 0x3F));
        s += char(0x80 | ((cp >> 6) & 0x3F));
        s += char(0x80 | (cp & 0x3F));
    }
}

// Han, kana, CJK punctuation and full-width forms: a line may break around each one.
bool isCjk(uint32_t cp) {
    return (cp >= 0x2E80 && cp <= 0x9FFF) || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFF00 && cp <= 0xFFEF) ||
           (cp >= 0x20000 && cp <= 0x2FFFF);
}

// Closing punctuation never starts a line (kinsoku): it sticks to the character before.
bool noBreakBefore(uint32_t cp) {
    switch (cp) {
        case 0x3001: case 0x3002: case 0xFF0C: case 0xFF0E: case 0xFF1A: case 0xFF1B: case 0xFF01:
        case 0xFF1F: case 0xFF09: case 0x300D: case 0x300F: case 0x3009: case 0x300B: case 0x3011:
        case ',': case '.': case ':': case ';': case ')': case '!': case '?':
            return true;
        default:
            return false;
    }
}

// Unbreakable pieces: words, single spaces, single CJK characters (with trailing closing
// punctuation glued on).
std::vector<std::string> segments(const std::string& text) {
    std::vector<std::string> segs;
    std::string cur;
    bool curIsCjk = false;
    auto flush = [&] {
        if (!cur.empty()) segs.push_back(cur);
        cur.clear();
        curIsCjk = false;
    };
    for (uint32_t cp : decodeUtf8(text)) {
        if (cp == ' ') {
            flush();
            segs.push_back(" ");
        } else if (noBreakBefore(cp)) {
            if (cur.empty() && !segs.empty() && segs.back() != " ") {
                appendUtf8(segs.back(), cp);
            } else {
                appendUtf8(cur, cp);
            }
        } else if (isCjk(cp)) {
            flush();
            appendUtf8(cur, cp);
            curIsCjk = true;
        } else {
            if (curIsCjk) flush();
            appendUtf8(cur, cp);
        }
    }
    flush();
    return segs;
}

int textWidth(TTF_Font* f, const std::string& s) {
    int w = 0, h = 0;
    if (s.empty() || TTF_SizeUTF8(f, s.c_str(), &w, &h) != 0) return 0;
    return w;
}

std::string trimSpaces(std::string s) {
    while (!s.empty() && s.back() == ' ') s.pop_back();
    std::size_t i = 0;
    while (i < s.size() && s[i] == ' ') ++i;
    return s.substr(i);
}

std::vector<std::string> wrap(TTF_Font* f, const std::string& paragraph, int maxWidth) {
    std::vector<std::string> segs;
    for (auto& s : segments(paragraph)) {
        if (textWidth(f, s) <= maxWidth) {
            segs.push_back(std::move(s));
            continue;
        }
        // A word wider than the paper (a long reference): break it between characters.
        for (uint32_t cp : decodeUtf8(s)) {
            std::string one;
            appendUtf8(one, cp);
            segs.push_back(one);
        }
    }
    std::vector<std::string> lines;
    std::string line;
    for (const auto& s : segs) {
        if (line.empty() && s == " ") continue;
        const std::string candidate = line + s;
        if (line.empty() || textWidth(f, trimSpaces(candidate)) <= maxWidth) {
            line = candidate;
        } else {
            lines.push_back(trimSpaces(line));
            line = s == " " ? std::string() : s;
        }
    }
    if (!trimSpaces(line).empty()) lines.push_back(trimSpaces(line));
    return lines;
}

core::Status drawText(Paper& paper, TTF_Font* f, const std::string& text, ReceiptAlign align,
                      const ReceiptRenderOptions& o) {
    const int usable = paper.width - 2 * o.marginDots;
    const int skip = TTF_FontLineSkip(f);
    std::vector<std::string> paragraphs;
    std::size_t start = 0;
    while (true) {
        const auto nl = text.find('\n', start);
        paragraphs.push_back(text.substr(start, nl == std::string::npos ? std::string::npos : nl - start));
        if (nl == std::string::npos) break;
        start = nl + 1;
    }
    for (const auto& p : paragraphs) {
        auto lines = wrap(f, p, usable);
        if (lines.empty()) lines.push_back("");
        for (const auto& line : lines) {
            const int top = paper.height;
            paper.grow(skip);
            if (line.empty()) continue;
            SDL_Surface* s = TTF_RenderUTF8_Blended(f, line.c_str(), SDL_Color{0, 0, 0, 255});
            if (!s) return renderError(std::string("TTF_RenderUTF8_Blended: ") + TTF_GetError());
            SDL_Surface* argb = SDL_ConvertSurfaceFormat(s, SDL_PIXELFORMAT_ARGB8888, 0);
            SDL_FreeSurface(s);
            if (!argb) return renderError(std::string("SDL_ConvertSurfaceFormat: ") + SDL_GetError());
            const int x0 = align == ReceiptAlign::Centre ? std::max(o.marginDots, (paper.width - argb->w) / 2)
                                                         : o.marginDots;
            for (int y = 0; y < argb->h && y < skip; ++y) {
                const auto* row = reinterpret_cast<const uint32_t*>(static_cast<const uint8_t*>(argb->pixels) +
                                                                    std::size_t(y) * argb->pitch);
                for (int x = 0; x < argb->w; ++x) {
                    // Thermal dots are on or off: half-covered edge pixels become ink at 50 %.
                    if ((row[x] >> 24) >= 128) paper.ink(x0 + x, top + y);
                }
            }
            SDL_FreeSurface(argb);
        }
    }
    return {};
}

core::Status drawQr(Paper& paper, const std::string& text, const ReceiptRenderOptions& o) {
    if (text.empty()) return {};
    QRcode* qr = QRcode_encodeString(text.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (!qr) return renderError("QR code: the text does not fit a QR code");
    const int quiet = 4;
    const int modules = qr->width + 2 * quiet;
    int dot = o.qrModuleDots;
    while (dot > 1 && modules * dot > paper.width - 2 * o.marginDots) --dot;
    const int side = modules * dot;
    const int x0 = (paper.width - side) / 2;
    const int top = paper.height;
    paper.grow(side);
    for (int my = 0; my < qr->width; ++my)
        for (int mx = 0; mx < qr->width; ++mx) {
            if (!(qr->data[my * qr->width + mx] & 1)) continue;
            for (int dy = 0; dy < dot; ++dy)
                for (int dx = 0; dx < dot; ++dx)
                    paper.ink(x0 + (quiet + mx) * dot + dx, top + (quiet + my) * dot + dy);
        }
    QRcode_free(qr);
    return {};
}

int sizePx(ReceiptTextSize s, const ReceiptRenderOptions& o) {
    switch (s) {
        case ReceiptTextSize::Small: return o.smallPx;
        case ReceiptTextSize::Normal: return o.normalPx;
        case ReceiptTextSize::Large: return o.largePx;
    }
    return o.normalPx;
}

}  // namespace

core::Result<ReceiptRenderOptions> ReceiptRenderOptions::fromConfig(const core::ConfigView& cfg) {
    ReceiptRenderOptions o;
    KIOSK_ASSIGN_OR_RETURN(auto width, cfg.integerOr("width_dots", o.widthDots, 200, 2048));
    if (width % 8 != 0) return cfg.bad("width_dots", "must be a multiple of 8");
    o.widthDots = static_cast<int>(width);
    KIOSK_ASSIGN_OR_RETURN(auto font, cfg.stringOr("font", o.fontPath.string()));
    KIOSK_ASSIGN_OR_RETURN(auto bold, cfg.stringOr("font_bold", o.boldFontPath.string()));
    KIOSK_ASSIGN_OR_RETURN(auto face, cfg.integerOr("font_face_index", o.fontFaceIndex, 0, 64));
    o.fontPath = font;
    o.boldFontPath = bold;
    o.fontFaceIndex = static_cast<int>(face);
    return o;
}

core::Result<Image> renderReceipt(const Receipt& receipt, const ReceiptRenderOptions& o) {
    if (o.widthDots <= 2 * o.marginDots || o.widthDots % 8 != 0)
        return renderError("receipt width must be a multiple of 8 dots, wider than the margins");
    std::lock_guard lock(renderMutex());
    KIOSK_TRY(initTtf());
    FontSet fonts(o);
    Paper paper;
    paper.width = o.widthDots;
    paper.grow(o.marginDots);
    for (const auto& line : receipt.lines) {
        switch (line.kind) {
            case ReceiptLineKind::Text: {
                KIOSK_ASSIGN_OR_RETURN(TTF_Font * f, fonts.get(sizePx(line.size, o), line.bold));
                KIOSK_TRY(drawText(paper, f, line.text, line.align, o));
                break;
            }
            case ReceiptLineKind::Reference: {
                KIOSK_ASSIGN_OR_RETURN(TTF_Font * f, fonts.get(o.referencePx, true));
                KIOSK_TRY(drawText(paper, f, receipt.reference, ReceiptAlign::Centre, o));
                break;
            }
            case ReceiptLineKind::Code:
                KIOSK_TRY(drawQr(paper, receipt.codeText.empty() ? receipt.reference : receipt.codeText, o));
                break;
            case ReceiptLineKind::Rule: {
                const int top = paper.height + o.lineGapDots * 2;
                paper.grow(o.lineGapDots * 4 + 2);
                for (int y = top; y < top + 2; ++y)
                    for (int x = o.marginDots; x < paper.width - o.marginDots; ++x) paper.ink(x, y);
                break;
            }
            case ReceiptLineKind::Space:
                paper.grow(o.normalPx);
                break;
        }
        paper.grow(o.lineGapDots);
    }
    paper.grow(o.marginDots * 2);
    Image img;
    img.width = paper.width;
    img.height = paper.height;
    img.format = PixelFormat::Gray8;
    img.pixels = std::move(paper.px);
    return img;
}

std::vector<uint8_t> packRaster(const Image& raster) {
    const int bytesPerRow = (raster.width + 7) / 8;
    std::vector<uint8_t> out(std::size_t(bytesPerRow) * raster.height, 0);
    const int ch = raster.channels();
    for (int y = 0; y < raster.height; ++y)
        for (int x = 0; x < raster.width; ++x) {
            const auto* p = raster.pixels.data() + (std::size_t(y) * raster.width + x) * ch;
            const int lum = ch == 1 ? p[0] : (p[0] + p[1] + p[2]) / 3;
            if (lum < 128) out[std::size_t(y) * bytesPerRow + x / 8] |= uint8_t(0x80 >> (x % 8));
        }
    return out;
}

Image unpackRaster(const std::vector<uint8_t>& bits, int width, int height) {
    Image img;
    img.width = width;
    img.height = height;
    img.format = PixelFormat::Gray8;
    img.pixels.assign(std::size_t(width) * height, 255);
    const int bytesPerRow = (width + 7) / 8;
    for (int y = 0; y < height; ++y)
        for (int x = 0; x < width; ++x) {
            const std::size_t i = std::size_t(y) * bytesPerRow + x / 8;
            if (i < bits.size() && (bits[i] & (0x80 >> (x % 8)))) img.pixels[std::size_t(y) * width + x] = 0;
        }
    return img;
}

core::Status writePng(const Image& image, const std::filesystem::path& path) {
    if (image.empty()) return renderError("empty image");
    SDL_Surface* s = SDL_CreateRGBSurfaceWithFormat(0, image.width, image.height, 24, SDL_PIXELFORMAT_RGB24);
    if (!s) return renderError(std::string("SDL_CreateRGBSurfaceWithFormat: ") + SDL_GetError());
    for (int y = 0; y < image.height; ++y) {
        auto* row = static_cast<uint8_t*>(s->pixels) + std::size_t(y) * s->pitch;
        for (int x = 0; x < image.width; ++x) {
            const auto* p = image.pixels.data() + (std::size_t(y) * image.width + x) * image.channels();
            if (image.format == PixelFormat::Gray8) {
                row[3 * x] = row[3 * x + 1] = row[3 * x + 2] = p[0];
            } else {  // BGR -> RGB
                row[3 * x] = p[2];
                row[3 * x + 1] = p[1];
                row[3 * x + 2] = p[0];
            }
        }
    }
    const int rc = IMG_SavePNG(s, path.string().c_str());
    SDL_FreeSurface(s);
    if (rc != 0) return core::makeError(errc::kFault, "cannot write " + path.string() + ": " + IMG_GetError());
    return {};
}

}  // namespace kiosk::devices::io
