// bench_fingerprint: accuracy and cost of the lane's fingerprint decision against plain
// libfprint, on every FFF_I image set of a folder (default ../shared/data/fingerprints).
// Protocol (that folder's README): enrol impressions 1-5 of each finger, genuine probes =
// the next 3 impressions, impostors = every impression against every other finger. Scores
// are libfprint's own bozorth3 scores (every impression of every print, see
// LibfprintReader::impressionScores); the decision is finger_decision.h's. The lane's one
// threshold is calibrated on the impostor transactions of all sets together.
#include <time.h>

#include <algorithm>
#include <cmath>
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
    VerifyCost plainCost, laneCost, fusedCost;
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
    plainOpt.matcher = fp::Matcher::Bozorth3;
    plainOpt.matchThreshold = fp::kLibfprintThreshold;
    // The lane with each matcher at its configured default threshold (the scores are the
    // same: one scoring run gives bozorth3 and MCC; the second reader is only timed).
    fp::ReaderOptions laneOpt, fusedOpt;
    laneOpt.matcher = fp::Matcher::Bozorth3;
    laneOpt.matchThreshold = fp::defaultThreshold(laneOpt.matcher);
    fusedOpt.matcher = fp::Matcher::Bozorth3Mcc;
    fusedOpt.matchThreshold = fp::defaultThreshold(fusedOpt.matcher);
    const fp::Matcher defaultMatcher = fp::ReaderOptions{}.matcher;
    auto plainReader = fp::LibfprintReader::create(plainOpt, std::make_shared<fp::SimFingerSensor>());
    auto laneReader = fp::LibfprintReader::create(laneOpt, std::make_shared<fp::SimFingerSensor>());
    auto fusedReader = fp::LibfprintReader::create(fusedOpt, std::make_shared<fp::SimFingerSensor>());
    if (!plainReader.ok() || !laneReader.ok() || !fusedReader.ok()) {
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
            r.fusedCost = verifyCost(**fusedReader, *set, timing);
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
        out << "set,system,variant,probe_finger,impression,print_finger,score,mcc\n";
        for (const auto& r : runs)
            for (const auto* t : {&r.plain, &r.lane})
                for (std::size_t v = 0; v < t->variants.size(); ++v)
                    for (std::size_t f = 0; f < t->s[v].size(); ++f)
                        for (std::size_t i = 0; i < t->s[v][f].size(); ++i)
                            for (std::size_t g = 0; g < t->s[v][f][i].size(); ++g)
                                out << r.name << ',' << (t == &r.plain ? "plain" : "lane") << ','
                                    << fp::toString(t->variants[v]) << ',' << f << ',' << i << ',' << g << ','
                                    << t->s[v][f][i][g] << ',' << t->mcc[v][f][i][g] << '\n';
    }

    // Calibration: each matcher's rule, every impostor transaction of every set together.
    const auto laneIdx = indicesOf(allVariants, laneOpt.verifyVariants);
    struct System {
        std::string name;
        fp::Matcher matcher;
        int threshold;
        std::vector<ScoreTable> tables;  // per run
        fp::Calibration cal;
    };
    std::vector<System> systems;
    for (const auto* o : {&laneOpt, &fusedOpt}) {
        System sys{fp::toString(o->matcher), o->matcher, o->matchThreshold, {}, {}};
        std::vector<int> impostors;
        for (const auto& r : runs) {
            sys.tables.push_back(o->matcher == fp::Matcher::Bozorth3Mcc ? fusedTable(r.lane, o->mccWeight) : r.lane);
            fp::DecisionRule rule;
            rule.threshold = o->matchThreshold;
            auto m = evaluate(sys.tables.back(), laneIdx, rule);
            impostors.insert(impostors.end(), m.impostorTransactionScores.begin(), m.impostorTransactionScores.end());
        }
        sys.cal = fp::calibrateThreshold(impostors, fp::kLibfprintThreshold, margin);
        systems.push_back(std::move(sys));
    }

    std::printf("Fingerprint: plain libfprint (raw image, 5-impression print, threshold %d) vs the lane "
                "(gate, enrol %s + %s merged, verify best of %s) with bozorth3 alone (threshold %d) and "
                "bozorth3 + %d x MCC (threshold %d); default matcher %s; %s\n",
                fp::kLibfprintThreshold, fp::toString(laneOpt.enrolEnhancement),
                variantsName(laneOpt.extraEnrolVariants).c_str(), variantsName(laneOpt.verifyVariants).c_str(),
                laneOpt.matchThreshold, fusedOpt.mccWeight, fusedOpt.matchThreshold, fp::toString(defaultMatcher),
                data.c_str());
    for (const auto& sys : systems)
        std::printf("calibration %s: %zu impostor transactions (2 fingers x %d tries, either finger) over %zu sets, "
                    "highest score %d, margin %d -> threshold %d (configured default %d%s)\n",
                    sys.name.c_str(), sys.cal.impostorTransactions, kTries, runs.size(), sys.cal.highestImpostor,
                    margin, sys.cal.threshold, sys.threshold, sys.cal.threshold == sys.threshold ? "" : ": DIFFERS");
    std::printf("\n| set | system | FTE | enrol refusals / probes flagged | FNMR 1 try | FNMR best of 3 | "
                "2 fingers 3 tries FNMR | FMR per attempt | 2 fingers 3 tries FMR | highest impostor | "
                "lowest genuine | median CPU ms / verify (wall) |\n");
    std::printf("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    bool aboveBaseline = false;
    fp::DecisionRule plainRule;
    plainRule.threshold = fp::kLibfprintThreshold;
    for (std::size_t ri = 0; ri < runs.size(); ++ri) {
        const auto& r = runs[ri];
        const auto pm = evaluate(r.plain, {0}, plainRule);
        auto row = [&](const std::string& label, const SetMetrics& m, const VerifyCost& cost) {
            std::printf("| %s | %s | %d/%d | %d / %d | %s | %s | %s | %s | %s | %d | %d | %.0f (%.0f) |\n",
                        r.name.c_str(), label.c_str(), m.fte, m.fingers, m.enrolRefusals, m.probeFlags,
                        m.fnmr1.str().c_str(), m.fnmr3.str().c_str(), m.pairFnmr3.str().c_str(),
                        m.fmrAttempt.str().c_str(), m.pairFmr3.str().c_str(), m.highestImpostor, m.lowestGenuine,
                        cost.cpuMs, cost.wallMs);
        };
        row("plain libfprint", pm, r.plainCost);
        for (const auto& sys : systems) {
            fp::DecisionRule rule;
            rule.threshold = sys.threshold;
            const auto lm = evaluate(sys.tables[ri], laneIdx, rule);
            const bool isDefault = sys.matcher == defaultMatcher;
            const std::string label = (isDefault ? "**lane " : "lane ") + sys.name + " (" +
                                      std::to_string(sys.threshold) + (isDefault ? ")**" : ")");
            row(label, lm, sys.matcher == fp::Matcher::Bozorth3Mcc ? r.fusedCost : r.laneCost);
            if (lm.pairFmr3.err * pm.pairFmr3.n > pm.pairFmr3.err * lm.pairFmr3.n) aboveBaseline = true;
        }
    }
    // The fusion weight: a normalised sum weighs each matcher by the spread of its impostor
    // attempt scores (all sets together), so w ~ sd(bozorth3) / sd(MCC).
    {
        double n = 0, sb = 0, sbb = 0, sm = 0, smm = 0;
        for (const auto& r : runs) {
            const auto& t = r.lane;
            for (std::size_t f = 0; f < t.enrolled.size(); ++f)
                for (std::size_t i = 0; i < t.s.front()[f].size(); ++i)
                    for (std::size_t g = 0; g < t.enrolled.size(); ++g) {
                        if (g == f || !t.enrolled[g]) continue;
                        int b = 0;
                        float m = 0;
                        for (auto v : laneIdx) b = std::max(b, t.s[v][f][i][g]), m = std::max(m, t.mcc[v][f][i][g]);
                        n += 1, sb += b, sbb += double(b) * b, sm += m, smm += double(m) * m;
                    }
        }
        const double sdB = std::sqrt(std::max(0.0, sbb / n - (sb / n) * (sb / n)));
        const double sdM = std::sqrt(std::max(0.0, smm / n - (sm / n) * (sm / n)));
        std::printf("\nimpostor attempts (all sets, %.0f): bozorth3 mean %.2f sd %.2f; MCC mean %.4f sd %.4f; "
                    "sd ratio %.0f (configured weight %d)\n",
                    n, sb / n, sdB, sm / n, sdM, sdM > 0 ? sdB / sdM : 0.0, fusedOpt.mccWeight);
    }
    // Each weight's rule calibrated on all sets together, FNMR 1 try per set.
    {
        struct Alt {
            std::string name;
            int mccWeight, bozorthWeight, floor;
        };
        const std::vector<Alt> alts{{"bozorth3", 0, 1, fp::kLibfprintThreshold},
                                    {"+100 MCC", 100, 1, fp::kLibfprintThreshold},
                                    {"+500 MCC", 500, 1, fp::kLibfprintThreshold},
                                    {"+1000 MCC", 1000, 1, fp::kLibfprintThreshold},
                                    {"+2000 MCC", 2000, 1, fp::kLibfprintThreshold},
                                    {"+3000 MCC", 3000, 1, fp::kLibfprintThreshold},
                                    {"+5000 MCC", 5000, 1, fp::kLibfprintThreshold},
                                    {"2000 MCC alone", 2000, 0, 0}};
        std::printf("\nmatchers (bozorth3 + w x MCC similarity; each calibrated on all sets, margin %d): FNMR 1 try "
                    "per set, then totals\n| set |",
                    margin);
        for (const auto& a : alts) std::printf(" %s |", a.name.c_str());
        std::printf("\n| --- |");
        for (std::size_t k = 0; k < alts.size(); ++k) std::printf(" ---: |");
        std::printf("\n");
        std::vector<std::vector<SetMetrics>> ms(alts.size());
        std::vector<int> thr(alts.size());
        for (std::size_t k = 0; k < alts.size(); ++k) {
            std::vector<ScoreTable> tabs;
            std::vector<int> imp;
            fp::DecisionRule rule;
            for (const auto& r : runs) {
                tabs.push_back(fusedTable(r.lane, alts[k].mccWeight, alts[k].bozorthWeight));
                auto m = evaluate(tabs.back(), laneIdx, rule);
                imp.insert(imp.end(), m.impostorTransactionScores.begin(), m.impostorTransactionScores.end());
            }
            rule.threshold = thr[k] = fp::calibrateThreshold(imp, alts[k].floor, margin).threshold;
            for (const auto& t : tabs) ms[k].push_back(evaluate(t, laneIdx, rule));
        }
        for (std::size_t ri = 0; ri < runs.size(); ++ri) {
            std::printf("| %s |", runs[ri].name.c_str());
            for (std::size_t k = 0; k < alts.size(); ++k) std::printf(" %s |", ms[k][ri].fnmr1.str().c_str());
            std::printf("\n");
        }
        auto total = [&](const char* what, Rate SetMetrics::*field) {
            std::printf("| %s |", what);
            for (std::size_t k = 0; k < alts.size(); ++k) {
                Rate t;
                for (const auto& m : ms[k]) t.err += (m.*field).err, t.n += (m.*field).n;
                std::printf(" %s |", t.str().c_str());
            }
            std::printf("\n");
        };
        std::printf("| threshold |");
        for (int t : thr) std::printf(" %d |", t);
        std::printf("\n");
        total("all sets, FNMR 1 try", &SetMetrics::fnmr1);
        total("all sets, best of 3", &SetMetrics::fnmr3);
        total("all sets, 2 fingers 3 tries FNMR", &SetMetrics::pairFnmr3);
        total("all sets, 2 fingers 3 tries FMR", &SetMetrics::pairFmr3);
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
