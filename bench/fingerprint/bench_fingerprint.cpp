// bench_fingerprint: accuracy and cost of the lane's fingerprint decision against plain
// libfprint, on every FFF_I image set of a folder (default ../shared/data/fingerprints).
// Protocol (that folder's README): enrol impressions 1-5 of each finger, genuine probes =
// the next 3 impressions, impostors = every impression against every other finger. Scores
// are libfprint's own bozorth3 scores (every impression of every print, see
// LibfprintReader::impressionScores); the decision is finger_decision.h's. The lane's one
// threshold is calibrated on the impostor transactions of all sets together.
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "bench/fingerprint/finger_eval.h"
#include "bench/fingerprint/finger_sets.h"

namespace fp = kiosk::devices::fingerprint;
namespace fs = std::filesystem;
using namespace kiosk::bench::finger;
using namespace std::chrono_literals;

namespace {

double cpuMs() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

double median(std::vector<double> v) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

// Median process CPU ms of verifyImage (the lane's whole per-attempt path: gate, variants,
// libfprint) on `n` genuine and `n` impostor probes. libfprint's threads belong to this
// process and nothing else runs meanwhile, so this is the CPU of one verify on one core.
struct VerifyCost {
    double cpuMs = 0, wallMs = 0;
};
VerifyCost verifyCost(fp::LibfprintReader& reader, const FingerSet& set, int n) {
    std::vector<double> ms, wall;
    const std::size_t nf = set.fingers.size(), ni = set.images.front().size();
    int done = 0;
    for (std::size_t f = 0; f < nf && done < n; ++f) {
        std::vector<fp::FingerImage> enr(set.images[f].begin(), set.images[f].begin() + kEnrolImpressions);
        auto e = reader.enrollImages(enr, {}, 60s);
        if (!e.ok()) continue;
        for (const fp::FingerImage* probe : {&set.images[f][kEnrolImpressions % ni], &set.images[(f + 1) % nf][0]}) {
            const double c0 = cpuMs();
            const auto w0 = std::chrono::steady_clock::now();
            auto v = reader.verifyImage(e->print, *probe, 30s);
            if (!v.ok()) continue;
            ms.push_back(cpuMs() - c0);
            wall.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - w0).count());
        }
        ++done;
    }
    return {median(ms), median(wall)};
}

std::vector<std::size_t> indicesOf(const std::vector<fp::Enhancement>& all, const std::vector<fp::Enhancement>& want) {
    std::vector<std::size_t> out;
    for (auto w : want)
        for (std::size_t i = 0; i < all.size(); ++i)
            if (all[i] == w) out.push_back(i);
    return out;
}

std::string variantsName(const std::vector<fp::Enhancement>& v) {
    std::string s;
    for (auto e : v) s += (s.empty() ? "" : "+") + std::string(fp::toString(e));
    return s;
}

struct SetRun {
    std::string name;
    int ppi = 500;
    ScoreTable plain, lane;
    VerifyCost plainCost, laneCost;
};

void usage() {
    std::fprintf(stderr,
                 "usage: bench_fingerprint [--data DIR] [--sets a,b] [--ppi SET=DPI] [--margin N] [--timing N]\n"
                 "                         [--alternatives] [--scores FILE.csv]\n");
}

}  // namespace

int main(int argc, char** argv) {
    fs::path data = fs::path(KIOSK_SHARED_DIR) / "data" / "fingerprints";
    std::set<std::string> only;
    std::map<std::string, int> ppiOverride;
    int margin = 5, timing = 6;
    bool alternatives = false;
    std::string scoresOut;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc) {
                usage();
                std::exit(2);
            }
            return argv[++i];
        };
        if (a == "--data") data = next();
        else if (a == "--sets") {
            std::string s = next();
            for (std::size_t p = 0; p <= s.size();) {
                auto q = s.find(',', p);
                if (q == std::string::npos) q = s.size();
                if (q > p) only.insert(s.substr(p, q - p));
                p = q + 1;
            }
        } else if (a == "--ppi") {
            const std::string s = next();
            const auto eq = s.find('=');
            if (eq == std::string::npos) return usage(), 2;
            ppiOverride[s.substr(0, eq)] = std::stoi(s.substr(eq + 1));
        } else if (a == "--margin") margin = std::stoi(next());
        else if (a == "--timing") timing = std::stoi(next());
        else if (a == "--alternatives") alternatives = true;
        else if (a == "--scores") scoresOut = next();
        else return usage(), 2;
    }
    auto dirs = findSets(data);
    if (!dirs.ok()) {
        std::fprintf(stderr, "bench_fingerprint: %s\n", dirs.error().message.c_str());
        return 1;
    }
    auto readme = readmeResolutions(data);

    fp::ReaderOptions plainOpt;
    plainOpt.gate = fp::QualityGate::Off;
    plainOpt.minMinutiae = 0;
    plainOpt.enrolEnhancement = fp::Enhancement::None;
    plainOpt.extraEnrolVariants = {};
    plainOpt.verifyVariants = {fp::Enhancement::None};
    plainOpt.matchThreshold = fp::kLibfprintThreshold;
    const fp::ReaderOptions laneOpt;
    auto plainReader = fp::LibfprintReader::create(plainOpt, std::make_shared<fp::SimFingerSensor>());
    auto laneReader = fp::LibfprintReader::create(laneOpt, std::make_shared<fp::SimFingerSensor>());
    if (!plainReader.ok() || !laneReader.ok()) {
        std::fprintf(stderr, "bench_fingerprint: cannot create the libfprint readers\n");
        return 1;
    }
    // Without --alternatives only the lane's own verify variants are scored (faster).
    const std::vector<fp::Enhancement> allVariants =
        alternatives ? std::vector<fp::Enhancement>{fp::Enhancement::None, fp::Enhancement::Clahe, fp::Enhancement::Gabor}
                     : laneOpt.verifyVariants;

    const auto t0 = std::chrono::steady_clock::now();
    std::vector<SetRun> runs;
    for (const auto& dir : *dirs) {
        const std::string name = dir.filename().string();
        if (!only.empty() && !only.count(name)) continue;
        int ppi = 500;
        if (readme.count(name)) ppi = readme[name];
        if (ppiOverride.count(name)) ppi = ppiOverride[name];
        auto set = loadSet(dir, ppi);
        if (!set.ok()) {
            std::fprintf(stderr, "bench_fingerprint: %s\n", set.error().message.c_str());
            return 1;
        }
        const auto ts = std::chrono::steady_clock::now();
        SetRun r;
        r.name = name;
        r.ppi = ppi;
        auto p = scoreSet(**plainReader, *set, {fp::Enhancement::None});
        auto l = p.ok() ? scoreSet(**laneReader, *set, allVariants) : p;
        if (!l.ok()) {
            std::fprintf(stderr, "bench_fingerprint: %s: %s\n", name.c_str(), l.error().message.c_str());
            return 1;
        }
        r.plain = std::move(p).value();
        r.lane = std::move(l).value();
        if (timing > 0) {
            r.plainCost = verifyCost(**plainReader, *set, timing);
            r.laneCost = verifyCost(**laneReader, *set, timing);
        }
        std::fprintf(stderr, "  %s (%zu fingers x %zu impressions, %d ppi): %.0f s\n", name.c_str(),
                     set->fingers.size(), set->images.front().size(), ppi,
                     std::chrono::duration<double>(std::chrono::steady_clock::now() - ts).count());
        runs.push_back(std::move(r));
    }
    if (runs.empty()) {
        std::fprintf(stderr, "bench_fingerprint: no set selected\n");
        return 1;
    }
    if (!scoresOut.empty()) {
        std::ofstream out(scoresOut);
        out << "set,system,variant,probe_finger,impression,print_finger,score\n";
        for (const auto& r : runs)
            for (const auto* t : {&r.plain, &r.lane})
                for (std::size_t v = 0; v < t->variants.size(); ++v)
                    for (std::size_t f = 0; f < t->s[v].size(); ++f)
                        for (std::size_t i = 0; i < t->s[v][f].size(); ++i)
                            for (std::size_t g = 0; g < t->s[v][f][i].size(); ++g)
                                out << r.name << ',' << (t == &r.plain ? "plain" : "lane") << ','
                                    << fp::toString(t->variants[v]) << ',' << f << ',' << i << ',' << g << ','
                                    << t->s[v][f][i][g] << '\n';
    }

    // Calibration: the lane's rule, every impostor transaction of every set together.
    const auto laneIdx = indicesOf(allVariants, laneOpt.verifyVariants);
    fp::DecisionRule laneRule;
    laneRule.threshold = laneOpt.matchThreshold;
    std::vector<int> impostors;
    for (const auto& r : runs) {
        auto m = evaluate(r.lane, laneIdx, laneRule);
        impostors.insert(impostors.end(), m.impostorTransactionScores.begin(), m.impostorTransactionScores.end());
    }
    const auto cal = fp::calibrateThreshold(impostors, fp::kLibfprintThreshold, margin);

    std::printf("Fingerprint: plain libfprint (raw image, 5-impression print, threshold %d) vs the lane "
                "(gate, enrol %s + %s merged, verify best of %s, threshold %d), %s\n",
                fp::kLibfprintThreshold, fp::toString(laneOpt.enrolEnhancement),
                variantsName(laneOpt.extraEnrolVariants).c_str(), variantsName(laneOpt.verifyVariants).c_str(),
                laneOpt.matchThreshold, data.c_str());
    std::printf("calibration: %zu impostor transactions (2 fingers x %d tries, either finger) over %zu sets, "
                "highest score %d, margin %d -> threshold %d (configured default %d%s)\n",
                cal.impostorTransactions, kTries, runs.size(), cal.highestImpostor, margin, cal.threshold,
                laneOpt.matchThreshold, cal.threshold == laneOpt.matchThreshold ? "" : ": DIFFERS");
    std::printf("\n| set | system | FTE | enrol refusals / probes flagged | FNMR 1 try | FNMR best of 3 | "
                "2 fingers 3 tries FNMR | FMR per attempt | 2 fingers 3 tries FMR | highest impostor | "
                "lowest genuine | median CPU ms / verify (wall) |\n");
    std::printf("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    bool aboveBaseline = false;
    fp::DecisionRule plainRule;
    plainRule.threshold = fp::kLibfprintThreshold;
    for (const auto& r : runs) {
        const auto pm = evaluate(r.plain, {0}, plainRule);
        const auto lm = evaluate(r.lane, laneIdx, laneRule);
        for (int k = 0; k < 2; ++k) {
            const auto& m = k == 0 ? pm : lm;
            const auto& cost = k == 0 ? r.plainCost : r.laneCost;
            std::printf("| %s | %s | %d/%d | %d / %d | %s | %s | %s | %s | %s | %d | %d | %.0f (%.0f) |\n", r.name.c_str(),
                        k == 0 ? "plain libfprint" : "**lane**", m.fte, m.fingers, m.enrolRefusals, m.probeFlags,
                        m.fnmr1.str().c_str(), m.fnmr3.str().c_str(), m.pairFnmr3.str().c_str(),
                        m.fmrAttempt.str().c_str(), m.pairFmr3.str().c_str(), m.highestImpostor, m.lowestGenuine,
                        cost.cpuMs, cost.wallMs);
        }
        if (lm.pairFmr3.err * pm.pairFmr3.n > pm.pairFmr3.err * lm.pairFmr3.n) aboveBaseline = true;
    }
    std::printf("\ngate conditions of every impression (lane reader's assessImage):\n");
    for (const auto& r : runs) {
        std::printf("  %s:", r.name.c_str());
        for (std::size_t c = 0; c < r.lane.probeConditions.size(); ++c)
            if (r.lane.probeConditions[c])
                std::printf(" %s %d", fp::toString(static_cast<fp::FingerCondition>(c)), r.lane.probeConditions[c]);
        std::printf("\n");
    }
    if (alternatives) {
        std::printf("\nalternatives (each calibrated on all sets, margin %d; totals over the sets):\n", margin);
        std::printf("| verify variants | threshold | FNMR 1 try | FNMR best of 3 | 2 fingers 3 tries FNMR | "
                    "2 fingers 3 tries FMR | worst set FNMR 1 try |\n| --- | ---: | ---: | ---: | ---: | ---: | --- |\n");
        const std::vector<std::vector<fp::Enhancement>> combos{
            {fp::Enhancement::None}, {fp::Enhancement::Clahe}, {fp::Enhancement::Gabor},
            {fp::Enhancement::Clahe, fp::Enhancement::Gabor}, {fp::Enhancement::None, fp::Enhancement::Clahe},
            {fp::Enhancement::None, fp::Enhancement::Clahe, fp::Enhancement::Gabor}};
        for (const auto& combo : combos) {
            const auto idx = indicesOf(allVariants, combo);
            if (idx.size() != combo.size()) continue;
            fp::DecisionRule rule;
            std::vector<int> imp;
            for (const auto& r : runs) {
                auto m = evaluate(r.lane, idx, rule);
                imp.insert(imp.end(), m.impostorTransactionScores.begin(), m.impostorTransactionScores.end());
            }
            rule.threshold = fp::calibrateThreshold(imp, fp::kLibfprintThreshold, margin).threshold;
            Rate f1, f3, p3, pf;
            std::string worst;
            double worstPct = -1;
            for (const auto& r : runs) {
                auto m = evaluate(r.lane, idx, rule);
                f1.err += m.fnmr1.err, f1.n += m.fnmr1.n, f3.err += m.fnmr3.err, f3.n += m.fnmr3.n;
                p3.err += m.pairFnmr3.err, p3.n += m.pairFnmr3.n, pf.err += m.pairFmr3.err, pf.n += m.pairFmr3.n;
                if (m.fnmr1.pct() > worstPct) worstPct = m.fnmr1.pct(), worst = r.name + " " + m.fnmr1.str();
            }
            std::printf("| %s | %d | %s | %s | %s | %s | %s |\n", variantsName(combo).c_str(), rule.threshold,
                        f1.str().c_str(), f3.str().c_str(), p3.str().c_str(), pf.str().c_str(), worst.c_str());
        }
    }
    std::printf("\n%s\ntotal bench time %.0f s\n",
                aboveBaseline ? "FAIL: a set's 2-finger transaction FMR is above plain libfprint's"
                              : "no set's 2-finger transaction FMR is above plain libfprint's",
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    return aboveBaseline ? 3 : 0;
}
