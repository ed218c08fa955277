#include "devices/io/qr_grid.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "devices/io/qr_finder.h"

namespace kiosk::devices::io {

namespace {

// Row/column centres of the alignment patterns per version (ISO/IEC 18004 Annex E).
const std::vector<int>& alignmentCentres(int version) {
    static const std::vector<std::vector<int>> table = {
        {},
        {},
        {6, 18},
        {6, 22},
        {6, 26},
        {6, 30},
        {6, 34},
        {6, 22, 38},
        {6, 24, 42},
        {6, 26, 46},
        {6, 28, 50},
        {6, 30, 54},
        {6, 32, 58},
        {6, 34, 62},
        {6, 26, 46, 66},
        {6, 26, 48, 70},
        {6, 26, 50, 74},
        {6, 30, 54, 78},
        {6, 30, 56, 82},
        {6, 30, 58, 86},
        {6, 34, 62, 90},
        {6, 28, 50, 72, 94},
        {6, 26, 50, 74, 98},
        {6, 30, 54, 78, 102},
        {6, 28, 54, 80, 106},
        {6, 32, 58, 84, 110},
        {6, 30, 58, 86, 114},
        {6, 34, 62, 90, 118},
        {6, 26, 50, 74, 98, 122},
        {6, 30, 54, 78, 102, 126},
        {6, 26, 52, 78, 104, 130},
        {6, 30, 56, 82, 108, 134},
        {6, 34, 60, 86, 112, 138},
        {6, 30, 58, 86, 114, 142},
        {6, 34, 62, 90, 118, 146},
        {6, 30, 54, 78, 102, 126, 150},
        {6, 24, 50, 76, 102, 128, 154},
        {6, 28, 54, 80, 106, 132, 158},
        {6, 32, 58, 84, 110, 136, 162},
        {6, 26, 54, 82, 110, 138, 166},
        {6, 30, 58, 86, 114, 142, 170},
    };
    return table[static_cast<std::size_t>(std::clamp(version, 0, 40))];
}

double bilinear(const LumPlane& p, double x, double y) {
    x = std::clamp(x, 0.0, p.width - 1.0);
    y = std::clamp(y, 0.0, p.height - 1.0);
    const int x0 = static_cast<int>(x), y0 = static_cast<int>(y);
    const int x1 = std::min(x0 + 1, p.width - 1), y1 = std::min(y0 + 1, p.height - 1);
    const double fx = x - x0, fy = y - y0;
    auto at = [&](int xx, int yy) { return static_cast<double>(p.pixels[static_cast<std::size_t>(yy) * p.width + xx]); };
    return (at(x0, y0) * (1 - fx) + at(x1, y0) * fx) * (1 - fy) + (at(x0, y1) * (1 - fx) + at(x1, y1) * fx) * fy;
}

// Otsu's threshold over the samples: the split that maximises the between-class variance.
double otsu(const std::vector<double>& v) {
    int hist[256] = {};
    for (double s : v) ++hist[std::clamp(static_cast<int>(s), 0, 255)];
    const double total = static_cast<double>(v.size());
    double sumAll = 0;
    for (int i = 0; i < 256; ++i) sumAll += i * static_cast<double>(hist[i]);
    double wB = 0, sumB = 0, best = -1, threshold = 128;
    for (int t = 0; t < 256; ++t) {
        wB += hist[t];
        if (wB == 0) continue;
        const double wF = total - wB;
        if (wF == 0) break;
        sumB += t * static_cast<double>(hist[t]);
        const double mB = sumB / wB, mF = (sumAll - sumB) / wF;
        const double between = wB * wF * (mB - mF) * (mB - mF);
        if (between > best) {
            best = between;
            threshold = t + 0.5;
        }
    }
    return threshold;
}

// The function patterns every code of this size carries, written over the sampled grid
// (true = dark).
void redrawFunctionPatterns(std::vector<char>& dark, int n, int version) {
    auto set = [&](int r, int c, bool d) {
        if (r >= 0 && r < n && c >= 0 && c < n) dark[static_cast<std::size_t>(r) * n + c] = d ? 1 : 0;
    };
    for (const auto [r0, c0] : {std::pair{0, 0}, std::pair{0, n - 7}, std::pair{n - 7, 0}}) {
        for (int r = -1; r <= 7; ++r)
            for (int c = -1; c <= 7; ++c) {
                const int ring = std::max(std::abs(r - 3), std::abs(c - 3));  // 0..4 from the centre
                set(r0 + r, c0 + c, ring != 2 && ring != 4);                   // the separator is ring 4
            }
    }
    for (int i = 8; i < n - 8; ++i) {
        set(6, i, i % 2 == 0);
        set(i, 6, i % 2 == 0);
    }
    const auto& centres = alignmentCentres(version);
    for (const int r : centres)
        for (const int c : centres) {
            // Not where a finder pattern is.
            if ((r < 9 && c < 9) || (r < 9 && c > n - 10) || (r > n - 10 && c < 9)) continue;
            for (int dr = -2; dr <= 2; ++dr)
                for (int dc = -2; dc <= 2; ++dc) set(r + dr, c + dc, std::max(std::abs(dr), std::abs(dc)) != 1);
        }
    set(n - 8, 8, true);
}

RebuiltQr redraw(const LumPlane& p, const QrFinderTriple& t, int version, QrPolarity polarity) {
    const int n = 17 + 4 * version;
    // A at the top-left corner, B top-right, C bottom-left: in image coordinates (y down)
    // the turn from AB to AC is clockwise, a positive cross product.
    double bx = t.bx, by = t.by, cx = t.cx, cy = t.cy;
    if ((bx - t.ax) * (cy - t.ay) - (by - t.ay) * (cx - t.ax) < 0) {
        std::swap(bx, cx);
        std::swap(by, cy);
    }
    const double ux = (bx - t.ax) / (n - 7), uy = (by - t.ay) / (n - 7);
    const double vx = (cx - t.ax) / (n - 7), vy = (cy - t.ay) / (n - 7);
    auto at = [&](double col, double row) {  // module coordinates (centres at k + 0.5) to plane
        return std::array<double, 2>{t.ax + (col - 3.5) * ux + (row - 3.5) * vx, t.ay + (col - 3.5) * uy + (row - 3.5) * vy};
    };
    std::vector<double> samples(static_cast<std::size_t>(n) * n);
    for (int r = 0; r < n; ++r)
        for (int c = 0; c < n; ++c) {
            // The mean of five points around the centre: one blurred edge pixel does not
            // flip a module.
            double s = 0;
            for (const auto [dc, dr] : {std::pair{0.0, 0.0}, std::pair{-0.2, -0.2}, std::pair{0.2, -0.2}, std::pair{-0.2, 0.2}, std::pair{0.2, 0.2}}) {
                const auto q = at(c + 0.5 + dc, r + 0.5 + dr);
                s += bilinear(p, q[0], q[1]);
            }
            samples[static_cast<std::size_t>(r) * n + c] = s / 5;
        }
    const double threshold = otsu(samples);
    std::vector<char> dark(samples.size());
    const bool lightOnDark = polarity == QrPolarity::LightOnDark;
    for (std::size_t i = 0; i < samples.size(); ++i) dark[i] = (lightOnDark ? samples[i] > threshold : samples[i] < threshold) ? 1 : 0;
    redrawFunctionPatterns(dark, n, version);

    RebuiltQr out;
    out.modules = n;
    const int side = (n + 2 * kRebuiltQuietModules) * kRebuiltModulePx;
    out.plane.width = out.plane.height = side;
    out.plane.pixels.assign(static_cast<std::size_t>(side) * side, 255);
    for (int r = 0; r < n; ++r)
        for (int c = 0; c < n; ++c) {
            if (!dark[static_cast<std::size_t>(r) * n + c]) continue;
            const int y0 = (r + kRebuiltQuietModules) * kRebuiltModulePx, x0 = (c + kRebuiltQuietModules) * kRebuiltModulePx;
            for (int y = y0; y < y0 + kRebuiltModulePx; ++y)
                std::fill_n(out.plane.pixels.begin() + static_cast<std::ptrdiff_t>(y) * side + x0, kRebuiltModulePx, uint8_t{0});
        }
    out.corners = {at(0, 0), at(n, 0), at(n, n), at(0, n)};
    return out;
}

// The strongest finder patterns grouped: grouping costs the cube of their number (60, as
// the crops keep, took 3 ms of a dense 720p frame with open ends; 30 take a tenth of that),
// and a code's own finders are crossed by more scanned rows than noise is.
constexpr int kMaxFinders = 30;

}  // namespace

std::vector<RebuiltQr> rebuildQrCodes(const LumPlane& plane, QrPolarity polarity, int maxTriples) {
    std::vector<RebuiltQr> out;
    for (const auto& t : findQrFinderTriples(plane, maxTriples, kMaxFinders, QrFinderEnds::OneOpen, polarity)) {
        // Sampled through one affine map, only a code seen nearly square on can be read:
        // arms within 15 % of each other and near a right angle (the finder search allows
        // 40 % and 70 degrees for its crops). Fewer noise triples to redraw.
        const double abx = t.bx - t.ax, aby = t.by - t.ay, acx = t.cx - t.ax, acy = t.cy - t.ay;
        const double ab = std::hypot(abx, aby), ac = std::hypot(acx, acy);
        if (ac < 0.85 * ab || ac > ab / 0.85 || std::abs(abx * acx + aby * acy) > 0.2 * ab * ac) continue;
        const double estimate = ((ab + ac) / 2 / t.module + 7 - 17) / 4;
        if (estimate < 0.5 || estimate > 40.5) continue;
        const int v0 = static_cast<int>(std::lround(estimate));
        for (const int v : {v0, v0 - 1, v0 + 1})
            if (v >= 1 && v <= 40) out.push_back(redraw(plane, t, v, polarity));
    }
    return out;
}

}  // namespace kiosk::devices::io
