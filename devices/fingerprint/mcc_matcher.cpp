#include "devices/fingerprint/mcc_matcher.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace kiosk::devices::fingerprint {

namespace {

constexpr float kPi = 3.14159265358979f;
constexpr float kNegligible = 1e-6f;  // a pair compatibility below this counts as 0

// Angle difference folded into [-pi, pi).
float angleDiff(float a, float b) {
    float d = a - b;
    if (d >= -3 * kPi && d < 3 * kPi) {  // the usual case: no fmod
        if (d < -kPi) d += 2 * kPi;
        else if (d >= kPi) d -= 2 * kPi;
        if (d >= -kPi && d < kPi) return d;
    }
    d = std::fmod(d, 2 * kPi);
    if (d < -kPi) d += 2 * kPi;
    if (d >= kPi) d -= 2 * kPi;
    return d;
}

float sigmoid(float v, float mu, float tau) { return 1.0f / (1.0f + std::exp(-tau * (v - mu))); }

struct Point {
    float x, y;
};

// Convex hull (Andrew's monotone chain), counter-clockwise, no repeated points.
std::vector<Point> convexHull(std::vector<Point> p) {
    std::sort(p.begin(), p.end(), [](const Point& a, const Point& b) { return a.x < b.x || (a.x == b.x && a.y < b.y); });
    p.erase(std::unique(p.begin(), p.end(), [](const Point& a, const Point& b) { return a.x == b.x && a.y == b.y; }),
            p.end());
    if (p.size() < 3) return p;
    auto cross = [](const Point& o, const Point& a, const Point& b) {
        return (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x);
    };
    std::vector<Point> h(2 * p.size());
    std::size_t k = 0;
    for (const auto& q : p) {
        while (k >= 2 && cross(h[k - 2], h[k - 1], q) <= 0) --k;
        h[k++] = q;
    }
    for (std::size_t i = p.size() - 1, lo = k + 1; i-- > 0;) {
        while (k >= lo && cross(h[k - 2], h[k - 1], p[i]) <= 0) --k;
        h[k++] = p[i];
    }
    h.resize(k - 1);
    return h;
}

// Distance from a point inside the (counter-clockwise, >= 3 points) hull to its boundary;
// negative when outside.
float depthInHull(const std::vector<Point>& hull, Point q) {
    if (hull.size() < 3) return -1;
    float depth = std::numeric_limits<float>::max();
    for (std::size_t i = 0; i < hull.size(); ++i) {
        const Point a = hull[i], b = hull[(i + 1) % hull.size()];
        const float ex = b.x - a.x, ey = b.y - a.y;
        const float len = std::sqrt(ex * ex + ey * ey);
        if (len <= 0) continue;
        depth = std::min(depth, (ex * (q.y - a.y) - ey * (q.x - a.x)) / len);  // signed distance to the edge's line
    }
    return depth;
}

// Inside the hull, or within `margin` of it.
bool nearHull(const std::vector<Point>& hull, Point q, float margin) {
    if (hull.empty()) return false;
    const float m2 = margin * margin;
    if (hull.size() == 1) {
        const float dx = q.x - hull[0].x, dy = q.y - hull[0].y;
        return dx * dx + dy * dy <= m2;
    }
    bool inside = hull.size() >= 3;
    for (std::size_t i = 0; i < hull.size(); ++i) {
        const Point a = hull[i], b = hull[(i + 1) % hull.size()];
        const float ex = b.x - a.x, ey = b.y - a.y, qx = q.x - a.x, qy = q.y - a.y;
        if (ex * qy - ey * qx < 0) inside = false;
        const float len2 = ex * ex + ey * ey;
        const float t = len2 > 0 ? std::clamp((qx * ex + qy * ey) / len2, 0.0f, 1.0f) : 0.0f;
        const float dx = qx - t * ex, dy = qy - t * ey;
        if (dx * dx + dy * dy <= m2) return true;
    }
    return inside;
}

// Bit counts of two cylinders over the cells valid in both: common valid cells, set bits
// of each, differing bits. Cloned for CPUs with the POPCNT instruction (the x86-64
// baseline has none; the pair loop is most of a match's cost).
struct BitCounts {
    int common = 0, a = 0, b = 0, diff = 0;
};
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
__attribute__((target_clones("popcnt", "default")))
#endif
BitCounts countBits(const uint64_t* bitsA, const uint64_t* validA, const uint64_t* bitsB, const uint64_t* validB,
                    int words) {
    BitCounts c;
    for (int w = 0; w < words; ++w) {
        const uint64_t mk = validA[w] & validB[w];
        const uint64_t va = bitsA[w] & mk, vb = bitsB[w] & mk;
        c.common += __builtin_popcountll(mk);
        c.a += __builtin_popcountll(va);
        c.b += __builtin_popcountll(vb);
        c.diff += __builtin_popcountll(va ^ vb);
    }
    return c;
}

}  // namespace

MccTemplate MccTemplate::build(const Minutiae& minutiae, const MccParams& p) {
    MccTemplate t;
    const int ns = std::max(p.spatialCells, 1), nd = std::max(p.directionCells, 1);
    const int bitsPerCylinder = ns * ns * nd;
    t.words_ = (bitsPerCylinder + 63) / 64;
    const float deltaS = 2 * p.radius / static_cast<float>(ns);
    const float deltaD = 2 * kPi / static_cast<float>(nd);
    const float reach = 3 * p.sigmaS;
    const float gaussNorm = 1.0f / (p.sigmaS * std::sqrt(2 * kPi));
    // The cells of the square grid inside the circle, as offsets in the minutia's frame.
    std::vector<Point> offsets;
    std::vector<int> cellIndex;
    for (int i = 0; i < ns; ++i)
        for (int j = 0; j < ns; ++j) {
            const float u = (static_cast<float>(i) + 0.5f - static_cast<float>(ns) / 2) * deltaS;
            const float v = (static_cast<float>(j) + 0.5f - static_cast<float>(ns) / 2) * deltaS;
            if (u * u + v * v > p.radius * p.radius) continue;
            offsets.push_back({u, v});
            cellIndex.push_back(i * ns + j);
        }
    t.circleCells_ = static_cast<int>(offsets.size());
    if (minutiae.empty() || offsets.empty()) return t;

    std::vector<Point> pts;
    for (const auto& m : minutiae)
        if (std::isfinite(m.x) && std::isfinite(m.y) && std::isfinite(m.theta)) pts.push_back({m.x, m.y});
    const auto hull = convexHull(pts);

    // Directional contribution of a neighbour whose direction differs from the minutia's by
    // `rel`: the Gaussian's mass over each direction cell. Tabulated over the angle (the
    // erf pairs dominated the cost otherwise).
    constexpr int kAngleBins = 720;
    std::vector<float> dirTable(static_cast<std::size_t>(kAngleBins * nd));
    {
        const float s2 = p.sigmaD * std::sqrt(2.0f);
        for (int b = 0; b < kAngleBins; ++b) {
            const float rel = -kPi + (static_cast<float>(b) + 0.5f) * 2 * kPi / kAngleBins;
            for (int k = 0; k < nd; ++k) {
                const float d = angleDiff(-kPi + (static_cast<float>(k) + 0.5f) * deltaD, rel);
                dirTable[static_cast<std::size_t>(b * nd + k)] =
                    0.5f * (std::erf((d + deltaD / 2) / s2) - std::erf((d - deltaD / 2) / s2));
            }
        }
    }
    const float reach2 = reach * reach, twoSigma2 = 2 * p.sigmaS * p.sigmaS;
    const float half = static_cast<float>(ns) / 2 - 0.5f;  // cell i's centre: (i - half) * deltaS
    std::vector<std::size_t> near;
    std::vector<float> sum(static_cast<std::size_t>(ns * ns * nd));
    std::vector<float> du2(static_cast<std::size_t>(ns)), dv2(static_cast<std::size_t>(ns)),
        eu(static_cast<std::size_t>(ns)), ev(static_cast<std::size_t>(ns));
    std::vector<char> inside(static_cast<std::size_t>(ns * ns));
    for (std::size_t a = 0; a < minutiae.size(); ++a) {
        const Minutia& m = minutiae[a];
        if (!std::isfinite(m.x) || !std::isfinite(m.y) || !std::isfinite(m.theta)) continue;
        near.clear();
        const float far = p.radius + reach;
        for (std::size_t b = 0; b < minutiae.size(); ++b) {
            if (b == a) continue;
            const Minutia& n = minutiae[b];
            if (!std::isfinite(n.x) || !std::isfinite(n.y) || !std::isfinite(n.theta)) continue;
            const float dx = n.x - m.x, dy = n.y - m.y;
            if (dx * dx + dy * dy <= far * far) near.push_back(b);
        }
        if (static_cast<int>(near.size()) < p.minNeighbours) continue;
        Cylinder c;
        c.m = m;
        c.bits.assign(static_cast<std::size_t>(t.words_), 0);
        c.valid.assign(static_cast<std::size_t>(t.words_), 0);
        const float cs = std::cos(m.theta), sn = std::sin(m.theta);
        // Valid cells: inside the circle and near the hull. The grid turns with the minutia,
        // so the code does not depend on the print's rotation.
        std::fill(inside.begin(), inside.end(), 0);
        // A minutia at least R - Omega inside the hull has every cell of its circle valid.
        const bool deep = depthInHull(hull, {m.x, m.y}) >= p.radius - p.hullMargin;
        for (std::size_t o = 0; o < offsets.size(); ++o) {
            const Point cell{m.x + cs * offsets[o].x - sn * offsets[o].y, m.y + sn * offsets[o].x + cs * offsets[o].y};
            if (!deep && !nearHull(hull, cell, p.hullMargin)) continue;
            inside[static_cast<std::size_t>(cellIndex[o])] = 1;
            ++c.validCells;
        }
        if (static_cast<float>(c.validCells) < p.minValidCells * static_cast<float>(t.circleCells_)) continue;
        // Each neighbour adds to the cells within 3 sigma_S of it (in the minutia's frame; the
        // spatial Gaussian factors into a row and a column term).
        std::fill(sum.begin(), sum.end(), 0.0f);
        for (std::size_t q : near) {
            const Minutia& n = minutiae[q];
            const float dx = n.x - m.x, dy = n.y - m.y;
            const float u = cs * dx + sn * dy, v = -sn * dx + cs * dy;
            const int i0 = std::max(0, static_cast<int>(std::ceil((u - reach) / deltaS + half)));
            const int i1 = std::min(ns - 1, static_cast<int>(std::floor((u + reach) / deltaS + half)));
            const int j0 = std::max(0, static_cast<int>(std::ceil((v - reach) / deltaS + half)));
            const int j1 = std::min(ns - 1, static_cast<int>(std::floor((v + reach) / deltaS + half)));
            if (i0 > i1 || j0 > j1) continue;
            for (int i = i0; i <= i1; ++i) {
                const float d = (static_cast<float>(i) - half) * deltaS - u;
                du2[static_cast<std::size_t>(i)] = d * d;
                eu[static_cast<std::size_t>(i)] = std::exp(-d * d / twoSigma2);
            }
            for (int j = j0; j <= j1; ++j) {
                const float d = (static_cast<float>(j) - half) * deltaS - v;
                dv2[static_cast<std::size_t>(j)] = d * d;
                ev[static_cast<std::size_t>(j)] = std::exp(-d * d / twoSigma2);
            }
            const float rel = angleDiff(n.theta, m.theta);
            const int bin = std::clamp(static_cast<int>((rel + kPi) / (2 * kPi) * kAngleBins), 0, kAngleBins - 1);
            const float* dw = &dirTable[static_cast<std::size_t>(bin * nd)];
            for (int i = i0; i <= i1; ++i)
                for (int j = j0; j <= j1; ++j) {
                    const float d2 = du2[static_cast<std::size_t>(i)] + dv2[static_cast<std::size_t>(j)];
                    if (d2 > reach2 || !inside[static_cast<std::size_t>(i * ns + j)]) continue;
                    const float g = gaussNorm * eu[static_cast<std::size_t>(i)] * ev[static_cast<std::size_t>(j)];
                    float* out = &sum[static_cast<std::size_t>((i * ns + j) * nd)];
                    for (int k = 0; k < nd; ++k) out[k] += g * dw[k];
                }
        }
        for (int cell = 0; cell < ns * ns; ++cell) {
            if (!inside[static_cast<std::size_t>(cell)]) continue;
            for (int k = 0; k < nd; ++k) {
                const int bit = cell * nd + k;
                c.valid[static_cast<std::size_t>(bit / 64)] |= uint64_t{1} << (bit % 64);
                if (sum[static_cast<std::size_t>(bit)] >= p.muPsi)
                    c.bits[static_cast<std::size_t>(bit / 64)] |= uint64_t{1} << (bit % 64);
            }
        }
        t.cylinders_.push_back(std::move(c));
    }
    return t;
}

float mccSimilarity(const MccTemplate& a, const MccTemplate& b, const MccParams& p) {
    const std::size_t na = a.cylinders_.size(), nb = b.cylinders_.size();
    if (na == 0 || nb == 0 || a.words_ != b.words_ || a.circleCells_ != b.circleCells_) return 0.0f;
    const int words = a.words_;
    const int nd = std::max(p.directionCells, 1);
    const float minCommon = p.minMatchableCells * static_cast<float>(a.circleCells_ * nd);
    // Local similarities (only the matchable pairs are kept).
    struct Local {
        float gamma;
        uint32_t i, j;
    };
    std::vector<Local> local;
    local.reserve(na * nb / 2);
    for (std::size_t i = 0; i < na; ++i) {
        const auto& ca = a.cylinders_[i];
        for (std::size_t j = 0; j < nb; ++j) {
            const auto& cb = b.cylinders_[j];
            if (std::fabs(angleDiff(ca.m.theta, cb.m.theta)) > p.maxDirectionDiff) continue;
            const BitCounts c = countBits(ca.bits.data(), ca.valid.data(), cb.bits.data(), cb.valid.data(), words);
            if (static_cast<float>(c.common) < minCommon || c.a + c.b == 0) continue;
            const float denom = std::sqrt(static_cast<float>(c.a)) + std::sqrt(static_cast<float>(c.b));
            const float g = 1.0f - std::sqrt(static_cast<float>(c.diff)) / denom;
            if (g > 0) local.push_back({g, static_cast<uint32_t>(i), static_cast<uint32_t>(j)});
        }
    }
    // n_P: how many pairs make the score, more for larger templates.
    const float nmin = static_cast<float>(std::min(na, nb));
    const int nP = p.minPairs + static_cast<int>(std::lround(sigmoid(nmin, p.muP, p.tauP) *
                                                             static_cast<float>(p.maxPairs - p.minPairs)));
    // LSS-R: one-to-one pairs, best local similarity first. The greedy choice rarely goes
    // deep into the list: order the best 8 n_R first, the rest only when needed (same result
    // as sorting everything).
    const auto better = [](const Local& l, const Local& r) {
        return l.gamma > r.gamma || (l.gamma == r.gamma && (l.i < r.i || (l.i == r.i && l.j < r.j)));
    };
    const std::size_t head = std::min(local.size(), 8 * std::min(na, nb));
    std::partial_sort(local.begin(), local.begin() + static_cast<std::ptrdiff_t>(head), local.end(), better);
    std::vector<char> usedA(na, 0), usedB(nb, 0);
    struct Pair {
        std::size_t i, j;
        float lambda0;
    };
    std::vector<Pair> pairs;
    const std::size_t nR = std::min(na, nb);
    for (std::size_t at = 0; at < local.size() && pairs.size() < nR; ++at) {
        if (at == head) std::sort(local.begin() + static_cast<std::ptrdiff_t>(head), local.end(), better);
        const Local& l = local[at];
        if (usedA[l.i] || usedB[l.j]) continue;
        usedA[l.i] = usedB[l.j] = 1;
        pairs.push_back({l.i, l.j, l.gamma});
    }
    if (pairs.empty()) return 0.0f;
    const std::size_t n = pairs.size();
    std::vector<float> rho(n * n, 0.0f);
    for (std::size_t r = 0; r < n; ++r)
        for (std::size_t k = r + 1; k < n; ++k) {
            const Minutia& a1 = a.cylinders_[pairs[r].i].m;
            const Minutia& a2 = a.cylinders_[pairs[k].i].m;
            const Minutia& b1 = b.cylinders_[pairs[r].j].m;
            const Minutia& b2 = b.cylinders_[pairs[k].j].m;
            const float da = std::sqrt((a1.x - a2.x) * (a1.x - a2.x) + (a1.y - a2.y) * (a1.y - a2.y));
            const float db = std::sqrt((b1.x - b2.x) * (b1.x - b2.x) + (b1.y - b2.y) * (b1.y - b2.y));
            // Most pairs of pairs are incompatible: stop once the product is negligible
            // (< 1e-6, counted as 0) before the costlier angle terms. This is most of a
            // match's time otherwise (n_R^2 atan2 and exp).
            float v = sigmoid(std::fabs(da - db), p.mu1, p.tau1);
            if (v < kNegligible) continue;
            v *= sigmoid(std::fabs(angleDiff(angleDiff(a1.theta, a2.theta), angleDiff(b1.theta, b2.theta))), p.mu2,
                         p.tau2);
            if (v < kNegligible) continue;
            const float ra = angleDiff(a1.theta, std::atan2(a1.y - a2.y, a1.x - a2.x));
            const float rb = angleDiff(b1.theta, std::atan2(b1.y - b2.y, b1.x - b2.x));
            v *= sigmoid(std::fabs(angleDiff(ra, rb)), p.mu3, p.tau3);
            if (v < kNegligible) continue;
            rho[r * n + k] = rho[k * n + r] = v;
        }
    std::vector<float> lambda(n), next(n);
    for (std::size_t r = 0; r < n; ++r) lambda[r] = pairs[r].lambda0;
    for (int it = 0; it < p.relaxIterations && n > 1; ++it) {
        for (std::size_t r = 0; r < n; ++r) {
            float support = 0;
            for (std::size_t k = 0; k < n; ++k)
                if (k != r) support += rho[r * n + k] * lambda[k];
            next[r] = p.relaxWeight * lambda[r] + (1 - p.relaxWeight) * support / static_cast<float>(n - 1);
        }
        lambda.swap(next);
    }
    // The n_P pairs whose similarity held up best under relaxation (efficiency).
    std::vector<std::size_t> idx(n);
    std::iota(idx.begin(), idx.end(), std::size_t{0});
    std::sort(idx.begin(), idx.end(), [&](std::size_t l, std::size_t r) {
        return lambda[l] / pairs[l].lambda0 > lambda[r] / pairs[r].lambda0;
    });
    const std::size_t take = std::min<std::size_t>(n, static_cast<std::size_t>(std::max(nP, 1)));
    float sum = 0;
    for (std::size_t r = 0; r < take; ++r) sum += lambda[idx[r]];
    // A score over fewer than n_P pairs is diluted as if the missing pairs scored 0.
    return std::clamp(sum / static_cast<float>(std::max<std::size_t>(take, static_cast<std::size_t>(nP))), 0.0f, 1.0f);
}

float bestMccSimilarity(const MccTemplate& probe, const std::vector<MccTemplate>& impressions, const MccParams& p) {
    float best = 0;
    for (const auto& t : impressions) best = std::max(best, mccSimilarity(probe, t, p));
    return best;
}

}  // namespace kiosk::devices::fingerprint
