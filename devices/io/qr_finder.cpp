#include "devices/io/qr_finder.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace kiosk::devices::io {

namespace {

constexpr int kBlock = QrLocalThresholds::kBlock;

// A pixel is dark when it is below its block's threshold (QrLocalThresholds); the
// polarity only flips the comparison, so both searches of a frame share one table. Only
// the scanned rows are thresholded as a whole; the vertical cross-checks ask pixel by pixel.
class DarkMap {
public:
    DarkMap(const QrLocalThresholds& t, QrPolarity polarity)
        : p_(t.plane()), invert_(polarity == QrPolarity::LightOnDark), bw_(t.blocksWide()), thr_(t.table()) {}
    // LightOnDark: the light side counts as dark (the plane read inverted, without a copy).
    bool dark(int x, int y) const {
        const int v = p_.pixels[static_cast<std::size_t>(y) * p_.width + x],
                  t = thr_[static_cast<std::size_t>(y / kBlock) * bw_ + x / kBlock];
        return t >= 0 && (invert_ ? v > t : v < t);
    }
    void row(int y, std::vector<uint8_t>& out) const {
        const int w = p_.width;
        out.resize(static_cast<std::size_t>(w));
        const uint8_t* src = p_.pixels.data() + static_cast<std::size_t>(y) * w;
        const int* t = thr_.data() + static_cast<std::size_t>(y / kBlock) * bw_;
        for (int bx = 0, x = 0; bx < bw_; ++bx) {
            const int th = t[bx], end = std::min(w, x + kBlock);
            if (th < 0)
                for (; x < end; ++x) out[static_cast<std::size_t>(x)] = 0;
            else if (invert_)
                for (; x < end; ++x) out[static_cast<std::size_t>(x)] = src[x] > th ? 1 : 0;
            else
                for (; x < end; ++x) out[static_cast<std::size_t>(x)] = src[x] < th ? 1 : 0;
        }
    }
    int width() const { return p_.width; }
    int height() const { return p_.height; }

private:
    const LumPlane& p_;
    bool invert_;
    int bw_;
    const std::vector<int>& thr_;
};

// Five runs dark-light-dark-light-dark in the ratio 1:1:3:1:1 (each within 60 % of a module).
bool closedRatio(const int r[5], double& module) {
    const int total = r[0] + r[1] + r[2] + r[3] + r[4];
    if (total < 7) return false;
    module = total / 7.0;
    const double tol = module * 0.6;
    return std::abs(r[0] - module) < tol && std::abs(r[1] - module) < tol && std::abs(r[2] - 3 * module) < 3 * tol &&
           std::abs(r[3] - module) < tol && std::abs(r[4] - module) < tol;
}

// The same, except that one outer dark run may run on into a dark region fused to it (a
// bar, a dark surround, dark modules where the separator should be light): 1:3:1:1 on the
// other side and at least 1.5 modules on the fused one (a run of about one module is the
// closed pattern's business; accepting it here too costs a third more candidates).
bool finderRatio(const int r[5], double& module, QrFinderEnds ends) {
    if (closedRatio(r, module)) return true;
    if (ends == QrFinderEnds::Closed) return false;
    for (const bool leftOpen : {true, false}) {
        const int open = leftOpen ? r[0] : r[4], outer = leftOpen ? r[4] : r[0];
        const int total = r[1] + r[2] + r[3] + outer;
        if (total < 6) continue;
        const double m = total / 6.0, tol = m * 0.6;
        if (open >= 1.5 * m && std::abs(r[1] - m) < tol && std::abs(r[2] - 3 * m) < 3 * tol && std::abs(r[3] - m) < tol &&
            std::abs(outer - m) < tol) {
            module = m;
            return true;
        }
    }
    return false;
}

// The same pattern down column x through row y (y inside the centre square): its centre
// row and module size, or false.
bool crossCheckDown(const DarkMap& dark, int x, int y, double& cy, double& module, QrFinderEnds ends) {
    const int h = dark.height();
    auto at = [&](int yy) { return dark.dark(x, yy); };
    if (!at(y)) return false;
    int r[5] = {0, 0, 0, 0, 0};
    int yy = y;
    while (yy >= 0 && at(yy)) --yy, ++r[2];
    while (yy >= 0 && !at(yy)) --yy, ++r[1];
    while (yy >= 0 && at(yy)) --yy, ++r[0];
    const int top = yy + 1;
    yy = y + 1;
    while (yy < h && at(yy)) ++yy, ++r[2];
    while (yy < h && !at(yy)) ++yy, ++r[3];
    while (yy < h && at(yy)) ++yy, ++r[4];
    if (r[0] == 0 || r[1] == 0 || r[3] == 0 || r[4] == 0) return false;
    if (!finderRatio(r, module, ends)) return false;
    cy = top + r[0] + r[1] + r[2] / 2.0;
    return true;
}

struct Finder {
    double x = 0, y = 0, module = 0;
    int hits = 0;
};

std::vector<Finder> findFinders(const QrLocalThresholds& t, std::size_t giveUpAt, QrFinderEnds ends, QrPolarity polarity) {
    const int w = t.plane().width, h = t.plane().height;
    const DarkMap dark(t, polarity);
    std::vector<Finder> finders;
    std::vector<int> runs;
    std::vector<uint8_t> line;
    for (int y = 0; y < h; y += 2) {
        dark.row(y, line);
        const uint8_t* row = line.data();
        runs.clear();
        int start = 0;
        // Runs alternate from the row's first colour; runs[0] is light if the row starts light.
        const bool firstDark = row[0] != 0;
        for (int x = 1; x <= w; ++x)
            if (x == w || row[x] != row[x - 1]) {
                runs.push_back(x - start);
                start = x;
            }
        int x0 = 0;
        for (std::size_t i = 0; i + 4 < runs.size(); x0 += runs[i], ++i) {
            const bool isDark = ((i % 2 == 0) == firstDark);
            if (!isDark) continue;
            const int r[5] = {runs[i], runs[i + 1], runs[i + 2], runs[i + 3], runs[i + 4]};
            double mh = 0, mv = 0, cy = 0;
            if (!finderRatio(r, mh, ends)) continue;
            const int cx = x0 + r[0] + r[1] + r[2] / 2;
            if (!crossCheckDown(dark, cx, y, cy, mv, ends)) continue;
            if (mv < mh * 0.5 || mv > mh * 2.0) continue;
            const double m = (mh + mv) / 2;
            bool merged = false;
            for (auto& f : finders) {
                if (std::abs(f.x - cx) < 2 * m && std::abs(f.y - cy) < 2 * m) {
                    f.x = (f.x * f.hits + cx) / (f.hits + 1);
                    f.y = (f.y * f.hits + cy) / (f.hits + 1);
                    f.module = (f.module * f.hits + m) / (f.hits + 1);
                    ++f.hits;
                    merged = true;
                    break;
                }
            }
            if (!merged) finders.push_back(Finder{static_cast<double>(cx), cy, m, 1});
            if (finders.size() > giveUpAt) return finders;  // a pattern everywhere: give up on candidates
        }
    }
    // A finder's centre square is three modules tall: a real one is crossed by more than
    // one scanned row unless its modules are tiny.
    finders.erase(std::remove_if(finders.begin(), finders.end(), [](const Finder& f) { return f.hits < 2 && f.module >= 2.5; }),
                  finders.end());
    return finders;
}

bool similarModules(const Finder& a, const Finder& b) {
    const double r = a.module / b.module;
    return r > 0.6 && r < 1.67;
}

QrCandidate boxAround(const std::vector<std::pair<double, double>>& pts, double module, double margin, int corners, int w, int h) {
    double x0 = pts[0].first, x1 = x0, y0 = pts[0].second, y1 = y0;
    for (const auto& [x, y] : pts) {
        x0 = std::min(x0, x);
        x1 = std::max(x1, x);
        y0 = std::min(y0, y);
        y1 = std::max(y1, y);
    }
    QrCandidate c;
    c.x = std::clamp(static_cast<int>(x0 - margin), 0, w);
    c.y = std::clamp(static_cast<int>(y0 - margin), 0, h);
    c.width = std::clamp(static_cast<int>(x1 + margin), 0, w) - c.x;
    c.height = std::clamp(static_cast<int>(y1 + margin), 0, h) - c.y;
    c.module = module;
    c.corners = corners;
    return c;
}

// Three corners: A at the right angle, B and C about as far from it (a square code seen
// at an angle stays within ~40 %), the angle at A near 90 degrees.
struct Triple {
    std::size_t a, b, c;
    int hits;
    double side;  // mean of |AB| and |AC| in pixels
    double skew;  // |cos A| + how unequal the arms are: 0 for a code seen square on
};

std::vector<Triple> groupTriples(const std::vector<Finder>& f, QrGrouping grouping) {
    std::vector<Triple> triples;
    for (std::size_t a = 0; a < f.size(); ++a)
        for (std::size_t b = 0; b < f.size(); ++b) {
            if (b == a || !similarModules(f[a], f[b])) continue;
            const double abx = f[b].x - f[a].x, aby = f[b].y - f[a].y, ab = std::hypot(abx, aby);
            const double m = f[a].module;
            if (ab < 12 * m || ab > 200 * m) continue;
            for (std::size_t c = b + 1; c < f.size(); ++c) {
                if (c == a || !similarModules(f[a], f[c])) continue;
                const double acx = f[c].x - f[a].x, acy = f[c].y - f[a].y, ac = std::hypot(acx, acy);
                if (ac < 0.7 * ab || ac > ab / 0.7) continue;
                const double cosA = (abx * acx + aby * acy) / (ab * ac);
                if (std::abs(cosA) > 0.35) continue;
                triples.push_back({a, b, c, f[a].hits + f[b].hits + f[c].hits, (ab + ac) / 2,
                                   std::abs(cosA) + std::abs(1 - std::min(ab, ac) / std::max(ab, ac))});
            }
        }
    if (grouping == QrGrouping::SmallestFirst)
        std::sort(triples.begin(), triples.end(), [](const Triple& x, const Triple& y) { return x.side < y.side; });
    else
        // Equal evidence: the squarer L first (a code's own L against one of two of its
        // finders and a pattern inside it), not whatever order the sort leaves.
        std::sort(triples.begin(), triples.end(), [](const Triple& x, const Triple& y) {
            return x.hits != y.hits ? x.hits > y.hits : x.skew < y.skew;
        });
    return triples;
}

// The strongest finder patterns of the plane (empty when there are so many that it is a
// texture, not codes).
std::vector<Finder> strongestFinders(const QrLocalThresholds& thresholds, int maxFinders, QrFinderEnds ends,
                                     QrPolarity polarity) {
    // Far more raw patterns than would be kept: a texture, not codes (the lane's 60 kept
    // give up at 400; a caller asking for a sheet of codes allows 5 per kept one).
    const std::size_t giveUpAt = static_cast<std::size_t>(std::max(400, 5 * maxFinders));
    std::vector<Finder> f = findFinders(thresholds, giveUpAt, ends, polarity);
    if (f.size() > giveUpAt) return {};
    std::sort(f.begin(), f.end(), [](const Finder& a, const Finder& b) { return a.hits > b.hits; });
    if (f.size() > static_cast<std::size_t>(maxFinders)) f.resize(static_cast<std::size_t>(maxFinders));
    return f;
}

}  // namespace

QrLocalThresholds::QrLocalThresholds(const LumPlane& p)
    : p_(p), bw_((p.width + kBlock - 1) / kBlock), bh_((p.height + kBlock - 1) / kBlock) {
    const int w = p.width, h = p.height;
    std::vector<int> sum(static_cast<std::size_t>(bw_) * bh_, 0), lo(sum.size(), 255), hi(sum.size(), 0), n(sum.size(), 0);
    for (int y = 0; y < h; y += 2) {  // block statistics from every second row: half the reads
        const uint8_t* row = p.pixels.data() + static_cast<std::size_t>(y) * w;
        const std::size_t base = static_cast<std::size_t>(y / kBlock) * bw_;
        for (int bx = 0, x = 0; bx < bw_; ++bx) {
            int s = 0, mn = 255, mx = 0;
            const int end = std::min(w, x + kBlock);
            for (; x < end; ++x) {
                const int v = row[x];
                s += v;
                mn = std::min(mn, v);
                mx = std::max(mx, v);
            }
            sum[base + bx] += s;
            n[base + bx] += end - bx * kBlock;
            lo[base + bx] = std::min(lo[base + bx], mn);
            hi[base + bx] = std::max(hi[base + bx], mx);
        }
    }
    thr_.assign(sum.size(), -1);
    for (int by = 0; by < bh_; ++by)
        for (int bx = 0; bx < bw_; ++bx) {
            int s = 0, k = 0, mn = 255, mx = 0;
            for (int yy = std::max(0, by - 1); yy <= std::min(bh_ - 1, by + 1); ++yy)
                for (int xx = std::max(0, bx - 1); xx <= std::min(bw_ - 1, bx + 1); ++xx) {
                    const auto i = static_cast<std::size_t>(yy) * bw_ + xx;
                    s += sum[i] / std::max(1, n[i]);
                    mn = std::min(mn, lo[i]);
                    mx = std::max(mx, hi[i]);
                    ++k;
                }
            // -1: never dark (a pixel value is never below it)
            thr_[static_cast<std::size_t>(by) * bw_ + bx] = mx - mn >= 20 ? s / k : -1;
        }
}

std::vector<QrFinderTriple> findQrFinderTriples(const LumPlane& plane, int maxTriples, int maxFinders, QrFinderEnds ends,
                                                QrPolarity polarity, QrSquareness squareness, QrFinderSharing sharing) {
    if (plane.width < 21 || plane.height < 21 || maxTriples <= 0) return {};
    return findQrFinderTriples(QrLocalThresholds(plane), maxTriples, maxFinders, ends, polarity, squareness, sharing);
}

std::vector<QrFinderTriple> findQrFinderTriples(const QrLocalThresholds& thresholds, int maxTriples, int maxFinders,
                                                QrFinderEnds ends, QrPolarity polarity, QrSquareness squareness,
                                                QrFinderSharing sharing) {
    std::vector<QrFinderTriple> out;
    const LumPlane& plane = thresholds.plane();
    if (plane.width < 21 || plane.height < 21 || maxTriples <= 0) return out;
    const std::vector<Finder> f = strongestFinders(thresholds, maxFinders, ends, polarity);
    std::vector<char> used(f.size(), 0);
    std::vector<Triple> square, left;
    for (const auto& t : groupTriples(f, QrGrouping::StrongestFirst)) {
        // Checked before the finders are taken: a looser L of two of a code's finders and a
        // stray pattern must not take them from the code's own.
        const double abx = f[t.b].x - f[t.a].x, aby = f[t.b].y - f[t.a].y, acx = f[t.c].x - f[t.a].x, acy = f[t.c].y - f[t.a].y;
        const double ab = std::hypot(abx, aby), ac = std::hypot(acx, acy);
        if (ac < squareness.armRatio * ab || ac * squareness.armRatio > ab || std::abs(abx * acx + aby * acy) > squareness.maxCos * ab * ac) continue;
        if (static_cast<int>(square.size()) < maxTriples && !used[t.a] && !used[t.b] && !used[t.c]) {
            used[t.a] = used[t.b] = used[t.c] = 1;
            square.push_back(t);
        } else if (static_cast<int>(left.size()) < sharing.extraShared) {
            left.push_back(t);
        }
    }
    // Then, if asked, the strongest L's that share a finder with one taken: an L of a pattern
    // inside a code and two of the code's finders can be stronger than the code's own.
    square.insert(square.end(), left.begin(), left.end());
    for (const auto& t : square) {
        const Finder &A = f[t.a], &B = f[t.b], &C = f[t.c];
        out.push_back({A.x, A.y, B.x, B.y, C.x, C.y, (A.module + B.module + C.module) / 3});
    }
    return out;
}

std::vector<QrCandidate> findQrCandidates(const LumPlane& plane, int maxCandidates, int maxFinders, QrGrouping grouping) {
    if (plane.width < 21 || plane.height < 21 || maxCandidates <= 0) return {};
    return findQrCandidates(QrLocalThresholds(plane), maxCandidates, maxFinders, grouping);
}

std::vector<QrCandidate> findQrCandidates(const QrLocalThresholds& thresholds, int maxCandidates, int maxFinders,
                                          QrGrouping grouping) {
    std::vector<QrCandidate> out;
    const LumPlane& plane = thresholds.plane();
    if (plane.width < 21 || plane.height < 21 || maxCandidates <= 0) return out;
    const std::vector<Finder> f = strongestFinders(thresholds, maxFinders, QrFinderEnds::Closed, QrPolarity::DarkOnLight);
    const int w = plane.width, h = plane.height;
    std::vector<char> used(f.size(), 0);
    const std::vector<Triple> triples = groupTriples(f, grouping);
    for (const auto& t : triples) {
        if (static_cast<int>(out.size()) >= maxCandidates) break;
        if (used[t.a] || used[t.b] || used[t.c]) continue;
        used[t.a] = used[t.b] = used[t.c] = 1;
        const Finder &A = f[t.a], &B = f[t.b], &C = f[t.c];
        const double m = (A.module + B.module + C.module) / 3;
        // The fourth corner completes the parallelogram; 8 modules of margin cover the
        // finder's outer half and the quiet zone.
        out.push_back(boxAround({{A.x, A.y}, {B.x, B.y}, {C.x, C.y}, {B.x + C.x - A.x, B.y + C.y - A.y}}, m, 8 * m, 3, w, h));
        // Finder centres are 3.5 modules in from the code's edges: side = size - 7 modules,
        // size = 17 + 4 * version.
        out.back().version = std::max(1, static_cast<int>(std::lround((t.side / m + 7 - 17) / 4)));
    }
    // Two corners (the third lost to glare or damage): the code lies on one side of the
    // pair or the other, so the box reaches one pair-distance each way.
    for (std::size_t a = 0; a < f.size() && static_cast<int>(out.size()) < maxCandidates; ++a) {
        if (used[a]) continue;
        for (std::size_t b = a + 1; b < f.size(); ++b) {
            if (used[b] || !similarModules(f[a], f[b])) continue;
            const double d = std::hypot(f[b].x - f[a].x, f[b].y - f[a].y), m = (f[a].module + f[b].module) / 2;
            if (d < 12 * m || d > 60 * m) continue;
            used[a] = used[b] = 1;
            out.push_back(boxAround({{f[a].x, f[a].y}, {f[b].x, f[b].y}}, m, d + 8 * m, 2, w, h));
            break;
        }
    }
    out.erase(std::remove_if(out.begin(), out.end(), [](const QrCandidate& c) { return c.width < 21 || c.height < 21; }), out.end());
    return out;
}

}  // namespace kiosk::devices::io
