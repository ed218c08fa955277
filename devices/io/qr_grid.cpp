#include "devices/io/qr_grid.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <optional>

#include "devices/io/qr_finder.h"

namespace kiosk::devices::io {

namespace {

// Row/column centres of the alignment patterns per version (ISO/IEC 18004 Annex E).
const std::vector<int>& alignmentCentresOf(int version) {
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

// Positions are continuous (pixel i covers [i, i + 1), as the finder search measures runs);
// pixel values sit at the pixels' centres.
double bilinear(const LumPlane& p, double x, double y) {
    x = std::clamp(x - 0.5, 0.0, p.width - 1.0);
    y = std::clamp(y - 0.5, 0.0, p.height - 1.0);
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
    for (const auto& [r0, c0] : {std::pair{0, 0}, std::pair{0, n - 7}, std::pair{n - 7, 0}}) {
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
    const auto& centres = alignmentCentresOf(version);
    for (const int r : centres)
        for (const int c : centres) {
            // Not where a finder pattern is.
            if ((r < 9 && c < 9) || (r < 9 && c > n - 10) || (r > n - 10 && c < 9)) continue;
            for (int dr = -2; dr <= 2; ++dr)
                for (int dc = -2; dc <= 2; ++dc) set(r + dr, c + dc, std::max(std::abs(dr), std::abs(dc)) != 1);
        }
    set(n - 8, 8, true);
}

using Pt = std::array<double, 2>;

// The projective map of four point pairs (module coordinates to pixels), or nothing when
// they are degenerate.
class Homography {
public:
    static std::optional<Homography> fromPoints(const std::array<Pt, 4>& from, const std::array<Pt, 4>& to) {
        double a[8][9] = {};
        for (int i = 0; i < 4; ++i) {
            const double x = from[i][0], y = from[i][1], X = to[i][0], Y = to[i][1];
            const double r0[9] = {x, y, 1, 0, 0, 0, -x * X, -y * X, X};
            const double r1[9] = {0, 0, 0, x, y, 1, -x * Y, -y * Y, Y};
            std::copy(r0, r0 + 9, a[2 * i]);
            std::copy(r1, r1 + 9, a[2 * i + 1]);
        }
        for (int c = 0; c < 8; ++c) {  // Gaussian elimination with partial pivoting
            int best = c;
            for (int r = c + 1; r < 8; ++r)
                if (std::abs(a[r][c]) > std::abs(a[best][c])) best = r;
            if (std::abs(a[best][c]) < 1e-12) return std::nullopt;
            std::swap(a[c], a[best]);
            for (int r = 0; r < 8; ++r) {
                if (r == c) continue;
                const double f = a[r][c] / a[c][c];
                for (int k = c; k < 9; ++k) a[r][k] -= f * a[c][k];
            }
        }
        Homography h;
        for (int i = 0; i < 8; ++i) h.h_[i] = a[i][8] / a[i][i];
        return h;
    }
    Pt operator()(double x, double y) const {
        const double w = h_[6] * x + h_[7] * y + 1;
        return {(h_[0] * x + h_[1] * y + h_[2]) / w, (h_[3] * x + h_[4] * y + h_[5]) / w};
    }

private:
    double h_[8] = {};
};

// How much the point q looks like the centre of an alignment pattern (dark centre, light
// ring, dark ring, one module each; du, dv: one module across and down): the light ring's
// mean minus the dark modules' mean, in grey levels (the other way round for light-on-dark).
double alignmentScore(const LumPlane& p, Pt q, Pt du, Pt dv, QrPolarity polarity) {
    double dark = 0, light = 0;
    for (int b = -2; b <= 2; ++b)
        for (int a = -2; a <= 2; ++a) {
            const double v = bilinear(p, q[0] + a * du[0] + b * dv[0], q[1] + a * du[1] + b * dv[1]);
            (std::max(std::abs(a), std::abs(b)) == 1 ? light : dark) += v;
        }
    const double score = light / 8 - dark / 17;
    return polarity == QrPolarity::LightOnDark ? -score : score;
}

// The alignment pattern nearest in look to `predicted`, searched within `radius` modules in
// steps of a quarter module; nothing when no place there has the pattern's contrast.
std::optional<Pt> locateAlignment(const LumPlane& p, Pt predicted, Pt du, Pt dv, double radius, QrPolarity polarity) {
    constexpr double kMinContrast = 20;  // grey levels between the light ring and the dark modules
    auto at = [&](Pt o, double i, double j) { return Pt{o[0] + i * du[0] + j * dv[0], o[1] + i * du[1] + j * dv[1]}; };
    // Coarse, half a module apart over the radius; then a quarter module apart around the
    // best of those (a third of the samples of a fine search over the whole radius).
    const int coarse = static_cast<int>(radius * 2);
    double best = kMinContrast;
    std::optional<Pt> centre;
    for (int j = -coarse; j <= coarse; ++j)
        for (int i = -coarse; i <= coarse; ++i) {
            const Pt q = at(predicted, i / 2.0, j / 2.0);
            const double s = alignmentScore(p, q, du, dv, polarity);
            if (s > best) {
                best = s;
                centre = q;
            }
        }
    if (!centre) return std::nullopt;
    double scores[5][5];
    for (int j = -2; j <= 2; ++j)
        for (int i = -2; i <= 2; ++i) {
            scores[j + 2][i + 2] = alignmentScore(p, at(*centre, i / 4.0, j / 4.0), du, dv, polarity);
            best = std::max(best, scores[j + 2][i + 2]);
        }
    // A sharp pattern scores the same over most of its centre module: the centre of the
    // places within 10 % of the best, not the first of them.
    double sx = 0, sy = 0;
    int count = 0;
    for (int j = -2; j <= 2; ++j)
        for (int i = -2; i <= 2; ++i)
            if (scores[j + 2][i + 2] >= 0.9 * best) {
                sx += i;
                sy += j;
                ++count;
            }
    return at(*centre, sx / count / 4, sy / count / 4);
}

// Module coordinates (a module's centre at index + 0.5) to pixels. Version 1: the affine map
// of the three finder centres. Version 2 and up: a homography through them and the
// bottom-right alignment pattern where it is found (perspective). Version 7 and up: every
// alignment pattern located, each searched from where its located neighbours put it, and
// each cell between four of them mapped on its own (paper that bends, lenses that bow), as
// zbar samples: one perspective for a whole high-version code reads only flat ones.
class ModuleMap {
public:
    ModuleMap(const LumPlane& p, Pt a, Pt b, Pt c, int n, int version, QrPolarity polarity) {
        const double far = n - 3.5;
        const Pt d{b[0] + c[0] - a[0], b[1] + c[1] - a[1]};
        const auto affine = Homography::fromPoints({Pt{3.5, 3.5}, Pt{far, 3.5}, Pt{3.5, far}, Pt{far, far}}, {a, b, c, d});
        if (!affine) return;  // three finder centres on a line: no code to sample
        h_ = *affine;
        valid_ = true;
        if (version < 2) return;
        const double ac = n - 6.5;  // the bottom-right alignment pattern's centre
        const auto found = locate(p, ac, ac, h_(ac, ac), 3.0, polarity);
        if (!found) return;  // no alignment pattern where one must be: not worth a grid
        if (auto h = Homography::fromPoints({Pt{3.5, 3.5}, Pt{far, 3.5}, Pt{3.5, far}, Pt{ac, ac}}, {a, b, c, *found})) h_ = *h;
        if (version < 7) return;
        const auto& centres = alignmentCentresOf(version);
        k_ = static_cast<int>(centres.size());
        for (const int cc : centres) coords_.push_back(cc + 0.5);
        points_.assign(static_cast<std::size_t>(k_) * k_, Pt{});
        // Diagonal by diagonal from the top-left, so each pattern's neighbours above and to
        // the left are placed first; the three under finder patterns stay on the homography.
        for (int sum = 0; sum <= 2 * (k_ - 1); ++sum)
            for (int i = std::max(0, sum - k_ + 1); i <= std::min(sum, k_ - 1); ++i) {
                const int j = sum - i;
                const double x = coords_[static_cast<std::size_t>(j)], y = coords_[static_cast<std::size_t>(i)];
                Pt predicted = h_(x, y);
                const bool underFinder = (i == 0 && j == 0) || (i == 0 && j == k_ - 1) || (i == k_ - 1 && j == 0);
                if (!underFinder) {
                    double sx = 0, sy = 0;
                    int count = 0;
                    for (const auto& [di, dj] : {std::pair{-1, 0}, std::pair{0, -1}, std::pair{-1, -1}}) {
                        if (i + di < 0 || j + dj < 0) continue;
                        const Pt& q = point(i + di, j + dj);
                        const Pt e = h_(coords_[static_cast<std::size_t>(j + dj)], coords_[static_cast<std::size_t>(i + di)]);
                        sx += q[0] - e[0];
                        sy += q[1] - e[1];
                        ++count;
                    }
                    if (count > 0) predicted = {predicted[0] + sx / count, predicted[1] + sy / count};
                    // Its neighbours place it within a module and a half.
                    if (auto found = locate(p, x, y, predicted, 1.5, polarity)) predicted = *found;
                }
                point(i, j) = predicted;
            }
    }

    bool valid() const { return valid_; }
    Pt at(double col, double row) const {
        if (k_ < 2) return h_(col, row);
        const auto cell = [&](double v) {
            int idx = 0;
            while (idx + 2 < k_ && v >= coords_[static_cast<std::size_t>(idx + 1)]) ++idx;
            const double t = (v - coords_[static_cast<std::size_t>(idx)]) / (coords_[static_cast<std::size_t>(idx + 1)] - coords_[static_cast<std::size_t>(idx)]);
            return std::pair{idx, t};
        };
        const auto [j, tx] = cell(col);
        const auto [i, ty] = cell(row);
        const Pt &p00 = point(i, j), &p01 = point(i, j + 1), &p10 = point(i + 1, j), &p11 = point(i + 1, j + 1);
        Pt out;
        for (int d = 0; d < 2; ++d)
            out[static_cast<std::size_t>(d)] = (p00[d] * (1 - tx) + p01[d] * tx) * (1 - ty) + (p10[d] * (1 - tx) + p11[d] * tx) * ty;
        return out;
    }

private:
    std::optional<Pt> locate(const LumPlane& p, double x, double y, Pt predicted, double radius, QrPolarity polarity) const {
        const Pt o = h_(x, y), ex = h_(x + 1, y), ey = h_(x, y + 1);
        return locateAlignment(p, predicted, Pt{ex[0] - o[0], ex[1] - o[1]}, Pt{ey[0] - o[0], ey[1] - o[1]}, radius, polarity);
    }
    Pt& point(int i, int j) { return points_[static_cast<std::size_t>(i) * k_ + j]; }
    const Pt& point(int i, int j) const { return points_[static_cast<std::size_t>(i) * k_ + j]; }

    Homography h_;
    bool valid_ = false;
    int k_ = 0;
    std::vector<double> coords_;
    std::vector<Pt> points_;
};

// The triple's corners as the code is read: A top-left, B top-right, C bottom-left. In
// image coordinates (y down) the turn from AB to AC is then clockwise, a positive cross
// product.
std::array<Pt, 3> readingOrder(const QrFinderTriple& t) {
    const Pt a{t.ax, t.ay};
    Pt b{t.bx, t.by}, c{t.cx, t.cy};
    if ((b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]) < 0) std::swap(b, c);
    return {a, b, c};
}

RebuiltQr redraw(const LumPlane& p, const QrFinderTriple& t, int version, QrPolarity polarity) {
    const int n = 17 + 4 * version;
    const auto [a, b, c] = readingOrder(t);
    const ModuleMap map(p, a, b, c, n, version, polarity);
    if (!map.valid()) return {};
    auto at = [&](double col, double row) { return map.at(col, row); };
    // The module corners once ((n + 1)^2 map evaluations); within a module, bilinear
    // between its four corners.
    std::vector<Pt> lattice(static_cast<std::size_t>(n + 1) * (n + 1));
    for (int r = 0; r <= n; ++r)
        for (int c = 0; c <= n; ++c) lattice[static_cast<std::size_t>(r) * (n + 1) + c] = at(c, r);
    std::vector<double> samples(static_cast<std::size_t>(n) * n);
    for (int r = 0; r < n; ++r)
        for (int c = 0; c < n; ++c) {
            const Pt& p00 = lattice[static_cast<std::size_t>(r) * (n + 1) + c];
            const Pt& p01 = lattice[static_cast<std::size_t>(r) * (n + 1) + c + 1];
            const Pt& p10 = lattice[static_cast<std::size_t>(r + 1) * (n + 1) + c];
            const Pt& p11 = lattice[static_cast<std::size_t>(r + 1) * (n + 1) + c + 1];
            // The mean of five points around the centre: one blurred edge pixel does not
            // flip a module.
            double s = 0;
            for (const auto& [fx, fy] : {std::pair{0.5, 0.5}, std::pair{0.3, 0.3}, std::pair{0.7, 0.3}, std::pair{0.3, 0.7}, std::pair{0.7, 0.7}}) {
                const double qx = (p00[0] * (1 - fx) + p01[0] * fx) * (1 - fy) + (p10[0] * (1 - fx) + p11[0] * fx) * fy;
                const double qy = (p00[1] * (1 - fx) + p01[1] * fx) * (1 - fy) + (p10[1] * (1 - fx) + p11[1] * fx) * fy;
                s += bilinear(p, qx, qy);
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

constexpr double kHalfPi = 1.57079632679489661923;

}  // namespace

// Found from the finder patterns' own module size: the block's place from them does not
// depend on the version.
int readQrVersionBlock(const LumPlane& p, const QrFinderTriple& t, QrPolarity polarity) {
    const auto [a, b, c] = readingOrder(t);
    const double ab = std::hypot(b[0] - a[0], b[1] - a[1]), ac = std::hypot(c[0] - a[0], c[1] - a[1]);
    const Pt ex{(b[0] - a[0]) / ab * t.module, (b[1] - a[1]) / ab * t.module};
    const Pt ey{(c[0] - a[0]) / ac * t.module, (c[1] - a[1]) / ac * t.module};
    auto sample = [&](Pt o, double dx, double dy) { return bilinear(p, o[0] + dx * ex[0] + dy * ey[0], o[1] + dx * ex[1] + dy * ey[1]); };
    // Dark and light as the finder pattern shows them: its centre and its light ring.
    const double darkLevel = (sample(b, 0, 0) + sample(c, 0, 0)) / 2;
    const double lightLevel = (sample(b, -2, 0) + sample(b, 0, 2) + sample(c, 2, 0) + sample(c, 0, -2)) / 4;
    const double threshold = (darkLevel + lightLevel) / 2;
    const bool lightOnDark = polarity == QrPolarity::LightOnDark;
    auto bit = [&](Pt o, double dx, double dy) {
        const double v = sample(o, dx, dy);
        return (lightOnDark ? v > threshold : v < threshold) ? 1 : 0;
    };
    // Top-right block: columns n-11..n-9 (7 to 5 modules left of B's centre), rows 0..5;
    // bottom-left block: its transpose next to C. Most significant bit first, as zxing reads.
    int topRight = 0, bottomLeft = 0;
    for (int j = 5; j >= 0; --j)
        for (int i = 2; i >= 0; --i) {
            topRight = (topRight << 1) | bit(b, i - 7, j - 3);
            bottomLeft = (bottomLeft << 1) | bit(c, j - 3, i - 7);
        }
    int best = 0, bestDistance = 4;  // up to 3 bit errors corrected
    for (int v = 7; v <= 40; ++v) {
        int code = v << 12;
        for (int k = 17; k >= 12; --k)
            if (code & (1 << k)) code ^= 0x1F25 << (k - 12);
        code |= v << 12;
        for (const int seen : {topRight, bottomLeft}) {
            const int d = __builtin_popcount(static_cast<unsigned>(seen ^ code));
            if (d < bestDistance) {
                bestDistance = d;
                best = v;
            }
        }
    }
    return best;
}

void rebuildQrCodes(const QrLocalThresholds& thresholds, QrPolarity polarity, int maxTriples, int extraShared,
                    const std::function<RebuildStep(const RebuiltQr&)>& read) {
    const LumPlane& plane = thresholds.plane();
    if (plane.width < 21 || plane.height < 21) return;
    // Only a code seen nearly square on: arms within 15 % of each other and near a right
    // angle (the crops allow 30 % and 70 degrees). Fewer noise triples to redraw, and the
    // version estimate from the arms' length holds.
    for (const auto& t : findQrFinderTriples(thresholds, maxTriples, kMaxFinders, QrFinderEnds::OneOpen, polarity, QrSquareness{0.85, 0.2},
                                             QrFinderSharing{extraShared})) {
        const double abx = t.bx - t.ax, aby = t.by - t.ay, acx = t.cx - t.ax, acy = t.cy - t.ay;
        const double ab = std::hypot(abx, aby), ac = std::hypot(acx, acy);
        // The finder search measures modules along rows and columns: a code turned by an
        // angle a crosses them 1 / cos(a) longer (15 % at 30 degrees, a version in 20).
        double turn = std::fmod(std::abs(std::atan2(aby, abx)), kHalfPi);
        if (turn > kHalfPi / 2) turn = kHalfPi - turn;
        QrFinderTriple square = t;
        square.module = t.module * std::cos(turn);
        const double estimate = ((ab + ac) / 2 / square.module + 7 - 17) / 4;
        if (estimate < 0.5 || estimate > 40.5) continue;
        const int v0 = static_cast<int>(std::lround(estimate));
        // From version 7 the code says its version: then only that one.
        const int told = estimate >= 6 ? readQrVersionBlock(plane, square, polarity) : 0;
        // A triple of version 7 or more whose version block cannot be read is tried at its
        // estimate only (each larger candidate costs a millisecond or more).
        const std::vector<int> versions = told > 0 && std::abs(told - v0) <= 3 ? std::vector<int>{told}
                                          : estimate >= 7                         ? std::vector<int>{v0}
                                                                                  : std::vector<int>{v0, v0 - 1, v0 + 1};
        for (const int v : versions) {
            if (v < 1 || v > 40) continue;
            const RebuiltQr rebuilt = redraw(plane, t, v, polarity);
            if (rebuilt.modules == 0) break;
            const RebuildStep step = read(rebuilt);
            if (step == RebuildStep::Stop) return;
            if (step == RebuildStep::NextTriple) break;
        }
    }
}

std::vector<RebuiltQr> rebuildQrCodes(const LumPlane& plane, QrPolarity polarity, int maxTriples) {
    std::vector<RebuiltQr> out;
    if (plane.width < 21 || plane.height < 21) return out;
    rebuildQrCodes(QrLocalThresholds(plane), polarity, maxTriples, 2, [&](const RebuiltQr& r) {
        out.push_back(r);
        return RebuildStep::Next;
    });
    return out;
}

}  // namespace kiosk::devices::io
