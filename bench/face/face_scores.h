#pragma once
// Error rates from genuine and impostor distances (smaller = more alike; a pair matches when
// its distance <= the threshold). Shared by bench_face's sets.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

namespace kiosk::bench::face {

struct Scores {
    std::vector<float> genuine, impostor;
};

struct AtFmr {
    double targetPercent = 0;
    double threshold = NAN;
    std::size_t falseMatches = 0, impostors = 0;  // at that threshold
    std::size_t falseNonMatches = 0, genuine = 0;
    double fnmrPercent() const { return genuine ? 100.0 * falseNonMatches / genuine : NAN; }
    double fmrPercent() const { return impostors ? 100.0 * falseMatches / impostors : NAN; }
};

inline std::size_t countAtMost(const std::vector<float>& sorted, double t) {
    return static_cast<std::size_t>(std::upper_bound(sorted.begin(), sorted.end(), t) - sorted.begin());
}

// The largest threshold at which at most floor(target * impostors) impostor pairs match.
inline AtFmr atFmr(const std::vector<float>& genuineSorted, const std::vector<float>& impostorSorted, double targetPercent) {
    AtFmr r;
    r.targetPercent = targetPercent;
    r.impostors = impostorSorted.size();
    r.genuine = genuineSorted.size();
    if (impostorSorted.empty() || genuineSorted.empty()) return r;
    const std::size_t allowed = static_cast<std::size_t>(std::floor(targetPercent / 100.0 * impostorSorted.size()));
    r.threshold = allowed < impostorSorted.size() ? std::nextafter(double(impostorSorted[allowed]), -1e9) : 1e9;
    r.falseMatches = countAtMost(impostorSorted, r.threshold);
    r.falseNonMatches = genuineSorted.size() - countAtMost(genuineSorted, r.threshold);
    return r;
}

inline AtFmr atThreshold(const std::vector<float>& genuineSorted, const std::vector<float>& impostorSorted, double t) {
    AtFmr r;
    r.threshold = t;
    r.impostors = impostorSorted.size();
    r.genuine = genuineSorted.size();
    r.falseMatches = countAtMost(impostorSorted, t);
    r.falseNonMatches = genuineSorted.size() - countAtMost(genuineSorted, t);
    r.targetPercent = r.fmrPercent();
    return r;
}

// Equal error rate: the threshold where FNMR and FMR cross (sweep over all genuine scores).
inline std::pair<double, double> equalErrorRate(const std::vector<float>& g, const std::vector<float>& imp) {
    if (g.empty() || imp.empty()) return {NAN, NAN};
    double best = 1e9, eer = NAN, at = NAN;
    for (std::size_t i = 0; i < g.size(); ++i) {
        const double t = g[i];
        const double fnmr = 100.0 * (g.size() - countAtMost(g, t)) / g.size();
        const double fmr = 100.0 * countAtMost(imp, t) / imp.size();
        if (std::abs(fnmr - fmr) < best) {
            best = std::abs(fnmr - fmr);
            eer = (fnmr + fmr) / 2;
            at = t;
        }
    }
    return {eer, at};
}

inline void sortScores(Scores& s) {
    std::sort(s.genuine.begin(), s.genuine.end());
    std::sort(s.impostor.begin(), s.impostor.end());
}

// One block of results, markdown-table friendly. `configured`: the engine's threshold.
inline void printRates(const std::string& name, Scores s, double configured) {
    sortScores(s);
    std::printf("\n%s: %zu genuine pairs, %zu impostor pairs\n", name.c_str(), s.genuine.size(), s.impostor.size());
    std::printf("| FMR target | threshold | false matches / impostor pairs | FNMR | false non-matches / genuine pairs |\n");
    std::printf("|---|---|---|---|---|\n");
    for (double p : {0.1, 0.05, 0.01}) {
        const AtFmr r = atFmr(s.genuine, s.impostor, p);
        std::printf("| %.2f %% | %.4f | %zu / %zu | %.2f %% | %zu / %zu |\n", p, r.threshold, r.falseMatches, r.impostors,
                    r.fnmrPercent(), r.falseNonMatches, r.genuine);
    }
    const AtFmr c = atThreshold(s.genuine, s.impostor, configured);
    std::printf("| configured | %.4f | %zu / %zu (FMR %.4f %%) | %.2f %% | %zu / %zu |\n", configured, c.falseMatches,
                c.impostors, c.fmrPercent(), c.fnmrPercent(), c.falseNonMatches, c.genuine);
    const auto [eer, at] = equalErrorRate(s.genuine, s.impostor);
    std::printf("EER %.2f %% (at %.4f); largest genuine %.4f, smallest impostor %.4f\n", eer, at,
                s.genuine.empty() ? NAN : s.genuine.back(), s.impostor.empty() ? NAN : s.impostor.front());
}

}  // namespace kiosk::bench::face
