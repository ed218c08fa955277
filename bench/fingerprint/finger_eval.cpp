#include "bench/fingerprint/finger_eval.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace kiosk::bench::finger {
namespace fp = devices::fingerprint;
using namespace std::chrono_literals;

std::string Rate::str() const {
    char b[64];
    std::snprintf(b, sizeof b, "%.1f %% (%ld/%ld)", pct(), err, n);
    return b;
}

core::Result<ScoreTable> scoreSet(fp::LibfprintReader& reader, const FingerSet& set,
                                  const std::vector<fp::Enhancement>& variants) {
    ScoreTable t;
    t.variants = variants;
    const std::size_t nf = set.fingers.size(), ni = set.images.front().size();
    std::vector<std::vector<uint8_t>> prints(nf);
    t.enrolled.assign(nf, false);
    const auto refused0 = reader.stats().qualityRefusals;
    std::vector<std::vector<fp::MccTemplate>> mccPrints(nf);  // per finger: one per impression
    for (std::size_t f = 0; f < nf; ++f) {
        std::vector<fp::FingerImage> enr(set.images[f].begin(), set.images[f].begin() + kEnrolImpressions);
        auto e = reader.enrollImages(enr, {}, 60s);
        if (e.ok()) {
            prints[f] = e->print;
            t.enrolled[f] = true;
            KIOSK_ASSIGN_OR_RETURN(auto sets, fp::printMinutiae(e->print));
            for (const auto& m : sets) mccPrints[f].push_back(fp::MccTemplate::build(m));
        } else if (e.error().code != "finger.quality") {
            return e.error();
        }
    }
    t.enrolRefusals = static_cast<int>(reader.stats().qualityRefusals - refused0);
    t.probeConditions.assign(8, 0);
    t.s.assign(variants.size(), std::vector<std::vector<std::vector<int>>>(
                                    nf, std::vector<std::vector<int>>(ni, std::vector<int>(nf, 0))));
    t.mcc.assign(variants.size(), std::vector<std::vector<std::vector<float>>>(
                                      nf, std::vector<std::vector<float>>(ni, std::vector<float>(nf, 0))));
    for (std::size_t f = 0; f < nf; ++f)
        for (std::size_t i = 0; i < ni; ++i) {
            const auto& img = set.images[f][i];
            const auto q = fp::assessImage(fp::resampleTo500(fp::toGray(img.image), img.ppi));
            ++t.probeConditions[static_cast<std::size_t>(q.condition)];
            // Gallery: every enrolled print, except the own one for an enrolment impression.
            std::vector<std::vector<uint8_t>> gallery;
            std::vector<std::size_t> who;
            for (std::size_t g = 0; g < nf; ++g) {
                if (!t.enrolled[g] || (g == f && i < static_cast<std::size_t>(kEnrolImpressions))) continue;
                gallery.push_back(prints[g]);
                who.push_back(g);
            }
            for (std::size_t v = 0; v < variants.size(); ++v) {
                for (std::size_t g = 0; g < nf; ++g) t.s[v][f][i][g] = -1, t.mcc[v][f][i][g] = -1;
                fp::Minutiae probe;
                KIOSK_ASSIGN_OR_RETURN(auto sc, reader.impressionScores(gallery, img, variants[v], 60s, &probe));
                const auto probeMcc = fp::MccTemplate::build(probe);
                for (std::size_t k = 0; k < who.size(); ++k) {
                    int best = 0;
                    for (int x : sc[k]) best = std::max(best, x);
                    t.s[v][f][i][who[k]] = best;
                    // A probe libfprint could not score has no minutiae: similarity 0, as in the reader.
                    t.mcc[v][f][i][who[k]] = fp::bestMccSimilarity(probeMcc, mccPrints[who[k]]);
                }
                for (std::size_t g = 0; g < nf; ++g)
                    if (!t.enrolled[g] && !(g == f && i < static_cast<std::size_t>(kEnrolImpressions)))
                        t.s[v][f][i][g] = 0, t.mcc[v][f][i][g] = 0;
            }
        }
    return t;
}

ScoreTable fusedTable(const ScoreTable& t, int mccWeight, int bozorthWeight) {
    ScoreTable out = t;
    for (std::size_t v = 0; v < t.s.size(); ++v)
        for (std::size_t f = 0; f < t.s[v].size(); ++f)
            for (std::size_t i = 0; i < t.s[v][f].size(); ++i)
                for (std::size_t g = 0; g < t.s[v][f][i].size(); ++g) {
                    const int b = t.s[v][f][i][g];
                    if (b < 0) continue;
                    out.s[v][f][i][g] = fp::fusedScore(b * bozorthWeight, t.mcc[v][f][i][g], mccWeight);
                }
    return out;
}

SetMetrics evaluate(const ScoreTable& t, const std::vector<std::size_t>& variantIdx, const fp::DecisionRule& rule) {
    SetMetrics m;
    const std::size_t nf = t.enrolled.size(), ni = t.s.front().front().size();
    m.fingers = static_cast<int>(nf);
    for (bool e : t.enrolled) m.fte += !e;
    m.enrolRefusals = t.enrolRefusals;
    for (std::size_t c = 1; c < t.probeConditions.size(); ++c) m.probeFlags += t.probeConditions[c];
    auto score = [&](std::size_t f, std::size_t i, std::size_t g) {
        int best = 0;
        for (auto v : variantIdx) best = std::max(best, t.s[v][f][i][g]);
        return best;
    };
    const std::size_t g0 = kEnrolImpressions, tries = std::min<std::size_t>(kTries, ni - g0);
    // Genuine: impressions after the enrolment ones against their own finger.
    std::vector<std::vector<int>> genuine(nf);
    for (std::size_t f = 0; f < nf; ++f) {
        for (std::size_t i = g0; i < g0 + tries; ++i) {
            const int s = t.enrolled[f] ? score(f, i, f) : 0;  // a finger that did not enrol fails
            genuine[f].push_back(s);
            ++m.fnmr1.n;
            m.fnmr1.err += !fp::isMatch(s, rule.threshold);
            if (t.enrolled[f]) m.lowestGenuine = std::min(m.lowestGenuine, s);
        }
        ++m.fnmr3.n;
        m.fnmr3.err += !fp::transactionAccepted({genuine[f]}, rule);
    }
    for (std::size_t a = 0; a < nf; ++a)
        for (std::size_t b = a + 1; b < nf; ++b) {
            ++m.pairFnmr3.n;
            m.pairFnmr3.err += !fp::transactionAccepted({genuine[a], genuine[b]}, rule);
        }
    // Impostor attempts: every impression against every other finger's print.
    for (std::size_t f = 0; f < nf; ++f)
        for (std::size_t i = 0; i < ni; ++i)
            for (std::size_t g = 0; g < nf; ++g) {
                if (g == f || !t.enrolled[g]) continue;
                const int s = score(f, i, g);
                ++m.fmrAttempt.n;
                m.fmrAttempt.err += fp::isMatch(s, rule.threshold);
                m.highestImpostor = std::max(m.highestImpostor, s);
            }
    // Impostor transactions: traveller (a, b); two other fingers (c on a, d on b), each with
    // the same 3 impressions {1,2,3}, {4,5,6}, ... (the last group ends at the last impression).
    std::vector<std::size_t> starts;
    for (std::size_t s = 0; s + tries <= ni; s += tries) starts.push_back(s);
    if (starts.back() + tries < ni) starts.push_back(ni - tries);
    for (std::size_t a = 0; a < nf; ++a)
        for (std::size_t b = a + 1; b < nf; ++b) {
            if (!t.enrolled[a] || !t.enrolled[b]) continue;
            for (std::size_t c = 0; c < nf; ++c)
                for (std::size_t d = 0; d < nf; ++d) {
                    if (c == d || c == a || c == b || d == a || d == b) continue;
                    for (std::size_t s0 : starts) {
                        std::vector<std::vector<int>> sc(2);
                        for (std::size_t k = 0; k < tries; ++k) {
                            sc[0].push_back(score(c, s0 + k, a));
                            sc[1].push_back(score(d, s0 + k, b));
                        }
                        const int ts = fp::transactionScore(sc, rule);
                        m.impostorTransactionScores.push_back(ts);
                        ++m.pairFmr3.n;
                        m.pairFmr3.err += fp::isMatch(ts, rule.threshold);
                    }
                }
        }
    return m;
}

}  // namespace kiosk::bench::finger
