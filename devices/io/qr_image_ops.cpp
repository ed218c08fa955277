#include "devices/io/qr_image_ops.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>

namespace kiosk::devices::io {

namespace {

inline uint8_t lumBgr(const uint8_t* p) {
    // Same weights as zxing's RGBToLum (ITU-R BT.601, integer).
    return static_cast<uint8_t>((306 * p[2] + 601 * p[1] + 117 * p[0] + 0x200) >> 10);
}

}  // namespace

LumPlane luminanceOf(const Image& image, int x, int y, int w, int h, int step) {
    step = std::max(1, step);
    LumPlane out;
    out.width = (w + step - 1) / step;
    out.height = (h + step - 1) / step;
    out.pixels.resize(static_cast<std::size_t>(out.width) * out.height);
    const int ch = image.channels();
    for (int row = 0; row < out.height; ++row) {
        const uint8_t* src = image.pixels.data() + (y + row * step) * image.stride() + static_cast<std::size_t>(x) * ch;
        uint8_t* dst = out.pixels.data() + static_cast<std::size_t>(row) * out.width;
        if (ch == 1 && step == 1) {
            std::copy(src, src + w, dst);
        } else if (ch == 1) {
            for (int c = 0; c < out.width; ++c, src += step) dst[c] = *src;
        } else {
            for (int c = 0; c < out.width; ++c, src += 3 * step) dst[c] = lumBgr(src);
        }
    }
    return out;
}

LumPlane inverted(const LumPlane& in) {
    LumPlane out = in;
    for (auto& p : out.pixels) p = static_cast<uint8_t>(255 - p);
    return out;
}

LumPlane sharpened(const LumPlane& in) {
    const int w = in.width, h = in.height;
    LumPlane out;
    out.width = w;
    out.height = h;
    out.pixels.resize(in.pixels.size());
    std::vector<uint16_t> tmp(in.pixels.size());
    // Separable running sums of a 5x5 box.
    for (int row = 0; row < h; ++row) {
        const uint8_t* s = in.pixels.data() + static_cast<std::size_t>(row) * w;
        uint16_t* t = tmp.data() + static_cast<std::size_t>(row) * w;
        for (int c = 0; c < w; ++c) {
            int sum = 0;
            for (int k = -2; k <= 2; ++k) sum += s[std::clamp(c + k, 0, w - 1)];
            t[c] = static_cast<uint16_t>(sum);
        }
    }
    for (int row = 0; row < h; ++row) {
        for (int c = 0; c < w; ++c) {
            int sum = 0;
            for (int k = -2; k <= 2; ++k) sum += tmp[static_cast<std::size_t>(std::clamp(row + k, 0, h - 1)) * w + c];
            const int v = in.pixels[static_cast<std::size_t>(row) * w + c];
            out.pixels[static_cast<std::size_t>(row) * w + c] = static_cast<uint8_t>(std::clamp(v + 2 * (v - sum / 25), 0, 255));
        }
    }
    return out;
}

LumPlane equalizedLocally(const LumPlane& in, int tiles, double clip) {
    const int w = in.width, h = in.height;
    LumPlane out;
    out.width = w;
    out.height = h;
    out.pixels.resize(in.pixels.size());
    if (w < 2 || h < 2) {
        out.pixels = in.pixels;
        return out;
    }
    const int tx = std::clamp(tiles, 1, w), ty = std::clamp(tiles, 1, h);
    // One tone curve per region.
    std::vector<std::array<uint8_t, 256>> lut(static_cast<std::size_t>(tx) * ty);
    for (int j = 0; j < ty; ++j) {
        const int y0 = j * h / ty, y1 = (j + 1) * h / ty;
        for (int i = 0; i < tx; ++i) {
            const int x0 = i * w / tx, x1 = (i + 1) * w / tx;
            std::array<int, 256> hist{};
            for (int y = y0; y < y1; ++y) {
                const uint8_t* row = in.pixels.data() + static_cast<std::size_t>(y) * w;
                for (int x = x0; x < x1; ++x) ++hist[row[x]];
            }
            const int n = (x1 - x0) * (y1 - y0);
            const int limit = std::max(1, static_cast<int>(clip * n / 256.0));
            int excess = 0;
            for (int& v : hist) {
                if (v > limit) {
                    excess += v - limit;
                    v = limit;
                }
            }
            const int spread = excess / 256, rest = excess % 256;
            auto& l = lut[static_cast<std::size_t>(j) * tx + i];
            int acc = 0;
            for (int v = 0; v < 256; ++v) {
                acc += hist[v] + spread + (v < rest ? 1 : 0);
                l[v] = static_cast<uint8_t>(std::min(255, static_cast<int>(255LL * acc / std::max(1, n))));
            }
        }
    }
    // Blend the four nearest regions' curves by the pixel's distance to their centres.
    std::vector<int> xi(w);
    std::vector<int> xw(w);  // weight of region xi+1, 0..256
    for (int x = 0; x < w; ++x) {
        const double f = (x + 0.5) * tx / w - 0.5;
        const int i = std::clamp(static_cast<int>(std::floor(f)), 0, tx - 1);
        xi[x] = i;
        xw[x] = i + 1 < tx ? std::clamp(static_cast<int>((f - i) * 256), 0, 256) : 0;
    }
    for (int y = 0; y < h; ++y) {
        const double f = (y + 0.5) * ty / h - 0.5;
        const int j = std::clamp(static_cast<int>(std::floor(f)), 0, ty - 1);
        const int yw = j + 1 < ty ? std::clamp(static_cast<int>((f - j) * 256), 0, 256) : 0;
        const int j1 = std::min(j + 1, ty - 1);
        const uint8_t* src = in.pixels.data() + static_cast<std::size_t>(y) * w;
        uint8_t* dst = out.pixels.data() + static_cast<std::size_t>(y) * w;
        // Runs of columns between the same two region centres share their four curves.
        for (int x = 0; x < w;) {
            const int i = xi[x], i1 = std::min(i + 1, tx - 1);
            const uint8_t* a = lut[static_cast<std::size_t>(j) * tx + i].data();
            const uint8_t* b = lut[static_cast<std::size_t>(j) * tx + i1].data();
            const uint8_t* c = lut[static_cast<std::size_t>(j1) * tx + i].data();
            const uint8_t* d = lut[static_cast<std::size_t>(j1) * tx + i1].data();
            for (; x < w && xi[x] == i; ++x) {
                const int v = src[x], wx = xw[x];
                const int top = a[v] * (256 - wx) + b[v] * wx;  // <= 255 * 256
                const int bot = c[v] * (256 - wx) + d[v] * wx;
                dst[x] = static_cast<uint8_t>((top * (256 - yw) + bot * yw + (1 << 15)) >> 16);
            }
        }
    }
    return out;
}

LumPlane croppedPlane(const LumPlane& in, int x, int y, int w, int h) {
    x = std::clamp(x, 0, in.width);
    y = std::clamp(y, 0, in.height);
    w = std::clamp(w, 0, in.width - x);
    h = std::clamp(h, 0, in.height - y);
    LumPlane out;
    out.width = w;
    out.height = h;
    out.pixels.resize(static_cast<std::size_t>(w) * h);
    for (int r = 0; r < h; ++r) {
        const uint8_t* src = in.pixels.data() + static_cast<std::size_t>(y + r) * in.width + x;
        std::copy(src, src + w, out.pixels.data() + static_cast<std::size_t>(r) * w);
    }
    return out;
}

LumPlane enlarged(const LumPlane& in, int factor) {
    factor = std::max(1, factor);
    LumPlane out;
    out.width = in.width * factor;
    out.height = in.height * factor;
    out.pixels.resize(static_cast<std::size_t>(out.width) * out.height);
    if (in.width == 0 || in.height == 0) return out;
    // Source coordinate of output pixel o: (o + 0.5) / factor - 0.5, in 1/256 steps.
    std::vector<int> sx(out.width), wx(out.width);
    for (int o = 0; o < out.width; ++o) {
        const int f = std::max(0, ((2 * o + 1) * 256 / factor - 256) / 2);
        sx[o] = std::min(f >> 8, in.width - 1);
        wx[o] = sx[o] + 1 < in.width ? (f & 255) : 0;
    }
    for (int o = 0; o < out.height; ++o) {
        const int f = std::max(0, ((2 * o + 1) * 256 / factor - 256) / 2);
        const int y0 = std::min(f >> 8, in.height - 1), y1 = std::min(y0 + 1, in.height - 1), wy = y1 > y0 ? (f & 255) : 0;
        const uint8_t* a = in.pixels.data() + static_cast<std::size_t>(y0) * in.width;
        const uint8_t* b = in.pixels.data() + static_cast<std::size_t>(y1) * in.width;
        uint8_t* dst = out.pixels.data() + static_cast<std::size_t>(o) * out.width;
        for (int x = 0; x < out.width; ++x) {
            const int i = sx[x], j = std::min(i + 1, in.width - 1), w = wx[x];
            const int top = a[i] * (256 - w) + a[j] * w, bot = b[i] * (256 - w) + b[j] * w;
            dst[x] = static_cast<uint8_t>((top * (256 - wy) + bot * wy + (1 << 15)) >> 16);
        }
    }
    return out;
}

LumPlane halved(const LumPlane& in) {
    LumPlane out;
    out.width = in.width / 2;
    out.height = in.height / 2;
    out.pixels.resize(static_cast<std::size_t>(out.width) * out.height);
    for (int y = 0; y < out.height; ++y) {
        const uint8_t* a = in.pixels.data() + static_cast<std::size_t>(2 * y) * in.width;
        const uint8_t* b = a + in.width;
        uint8_t* dst = out.pixels.data() + static_cast<std::size_t>(y) * out.width;
        for (int x = 0; x < out.width; ++x) dst[x] = static_cast<uint8_t>((a[2 * x] + a[2 * x + 1] + b[2 * x] + b[2 * x + 1] + 2) >> 2);
    }
    return out;
}

LumPlane withQuietZone(const LumPlane& in, int border) {
    // The bright level: the 90th percentile of the plane (paper or screen white).
    std::array<int, 256> hist{};
    for (std::size_t i = 0; i < in.pixels.size(); i += 7) ++hist[in.pixels[i]];
    int total = 0;
    for (int v : hist) total += v;
    int acc = 0, bright = 255;
    for (int v = 0; v < 256; ++v) {
        acc += hist[v];
        if (acc * 10 >= total * 9) {
            bright = v;
            break;
        }
    }
    LumPlane out;
    out.width = in.width + 2 * border;
    out.height = in.height + 2 * border;
    out.pixels.assign(static_cast<std::size_t>(out.width) * out.height, static_cast<uint8_t>(bright));
    for (int row = 0; row < in.height; ++row) {
        std::copy_n(in.pixels.data() + static_cast<std::size_t>(row) * in.width, in.width,
                    out.pixels.data() + static_cast<std::size_t>(row + border) * out.width + border);
    }
    return out;
}

FrameSignature frameSignature(const Image& image) {
    FrameSignature s;
    if (image.empty()) return s;
    s.cols = 40;
    s.rows = 24;
    s.cells.assign(static_cast<std::size_t>(s.cols) * s.rows, 0);
    std::vector<uint32_t> sum(s.cells.size(), 0), n(s.cells.size(), 0);
    std::array<int, 256> hist{};
    const int ch = image.channels();
    // Every 4th row, every 4th pixel: ~58k samples on 1280x720, well under 0.1 ms.
    for (int y = 0; y < image.height; y += 4) {
        const uint8_t* row = image.pixels.data() + y * image.stride();
        const int cy = y * s.rows / image.height;
        for (int x = 0; x < image.width; x += 4) {
            const uint8_t v = ch == 1 ? row[x] : lumBgr(row + 3 * x);
            const std::size_t cell = static_cast<std::size_t>(cy) * s.cols + x * s.cols / image.width;
            sum[cell] += v;
            ++n[cell];
            ++hist[v];
        }
    }
    for (std::size_t i = 0; i < sum.size(); ++i) s.cells[i] = static_cast<uint8_t>(n[i] ? sum[i] / n[i] : 0);
    int total = 0;
    for (int v : hist) total += v;
    int acc = 0, lo = -1, hi = 255;
    for (int v = 0; v < 256; ++v) {
        acc += hist[v];
        if (lo < 0 && acc * 100 >= total) lo = v;
        if (acc * 100 >= total * 99) {
            hi = v;
            break;
        }
    }
    s.contrast = hi - std::max(lo, 0);
    return s;
}

double signatureDistance(const FrameSignature& a, const FrameSignature& b) {
    if (a.cells.empty() || a.cols != b.cols || a.rows != b.rows) return 255;
    long d = 0;
    for (std::size_t i = 0; i < a.cells.size(); ++i) d += std::abs(int(a.cells[i]) - int(b.cells[i]));
    return static_cast<double>(d) / static_cast<double>(a.cells.size());
}

}  // namespace kiosk::devices::io
