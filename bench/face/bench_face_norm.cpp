// bench_face --lfw-norm [DIR] [--cache FILE]: score normalisation against a cohort of other
// people's templates (devices/face/score_norm.h), measured on every LFW pair with a cohort that
// never holds either identity of the pair: the identities are split into kFolds folds (by their
// sorted index), and a pair of identities in folds a and b is normalised with a cohort drawn from
// the other folds only (one photo per identity: its first, as the lane takes one template per
// enrolment; identities in a fixed shuffled order). For cohort sizes 100/300/1000 and several k:
// raw cosine, Z-norm (enrolled side) and AS-norm; on all LFW pairs, on the East-Asian subset
// (impostors inside it, cohort as above and also from East-Asian identities only), with two
// enrolled templates (rule best), and on johns and bbt (../shared/data/faces; cohort from LFW).
// For each rule one threshold is chosen on all sets together (the smallest normalised score at
// which the FMR is <= 0.05 % both on all LFW and on the East-Asian subset) and every set's FNMR
// and FMR at it are printed. The ONNX descriptors are computed once (full pipeline, the face
// nearest the centre) and kept in FILE (default logs/lfw_onnx_descriptors.bin) for re-runs.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <numeric>
#include <random>
#include <set>

#include <opencv2/core.hpp>

#include "bench/face/bench_face_lfw.h"
#include "bench/face/face_scores.h"
#include "devices/face/dlib_face_engine.h"
#include "devices/face/face_tools.h"
#include "devices/face/score_norm.h"

namespace kiosk::bench::face {
namespace {

namespace fs = std::filesystem;
namespace df = devices::face;

constexpr int kFolds = 10;

struct Item {
    std::string set, identity, path;
    std::vector<float> d;
};

// ---- descriptors: computed once, cached ----
void writeString(std::ofstream& f, const std::string& s) {
    const uint32_t n = static_cast<uint32_t>(s.size());
    f.write(reinterpret_cast<const char*>(&n), 4);
    f.write(s.data(), n);
}
bool readString(std::ifstream& f, std::string& s) {
    uint32_t n = 0;
    if (!f.read(reinterpret_cast<char*>(&n), 4) || n > 4096) return false;
    s.resize(n);
    return static_cast<bool>(f.read(s.data(), n));
}

bool loadCache(const fs::path& p, std::vector<Item>& items) {
    std::ifstream f(p, std::ios::binary);
    if (!f) return false;
    uint64_t n = 0;
    if (!f.read(reinterpret_cast<char*>(&n), 8)) return false;
    items.resize(n);
    for (auto& it : items) {
        uint32_t dims = 0;
        if (!readString(f, it.set) || !readString(f, it.identity) || !readString(f, it.path) ||
            !f.read(reinterpret_cast<char*>(&dims), 4) || dims > 4096)
            return false;
        it.d.resize(dims);
        if (!f.read(reinterpret_cast<char*>(it.d.data()), dims * 4)) return false;
    }
    return true;
}

void saveCache(const fs::path& p, const std::vector<Item>& items) {
    std::ofstream f(p, std::ios::binary);
    const uint64_t n = items.size();
    f.write(reinterpret_cast<const char*>(&n), 8);
    for (const auto& it : items) {
        writeString(f, it.set);
        writeString(f, it.identity);
        writeString(f, it.path);
        const uint32_t dims = static_cast<uint32_t>(it.d.size());
        f.write(reinterpret_cast<const char*>(&dims), 4);
        f.write(reinterpret_cast<const char*>(it.d.data()), dims * 4);
    }
}

// lfw and bbt through the full pipeline (bbt with one upsampling step, as bench_face's bbt
// accuracy), johns as aligned chips (describeChip), exactly as the other bench_face modes.
core::Result<std::vector<Item>> computeDescriptors(const fs::path& lfw, const fs::path& faces,
                                                   const devices::FaceEngineOptions& o) {
    std::vector<Item> items;
    devices::FaceEngineOptions lo = o;
    lo.track = false;
    KIOSK_ASSIGN_OR_RETURN(auto e, df::DlibFaceEngine::create(lo));
    devices::FaceEngineOptions bo = lo;
    bo.detectUpsample = 1;
    KIOSK_ASSIGN_OR_RETURN(auto eb, df::DlibFaceEngine::create(bo));
    int n = 0, missed = 0;
    for (const auto& [set, root] : {std::pair<std::string, fs::path>{"lfw", lfw}, {"johns", faces / "johns"},
                                    {"bbt", faces / "bbt"}}) {
        for (const auto& [name, files] : identitiesOf(root))
            for (const auto& f : files) {
                auto img = df::loadImageFile(f);
                if (!img.ok()) continue;
                std::optional<devices::FaceDescriptor> d;
                if (set == "johns") {
                    auto x = e->describeChip(*img);
                    if (x.ok()) d = *x;
                } else {
                    auto x = (set == "bbt" ? eb : e)->process(*img, df::DescriptorPolicy::Always, nullptr,
                                                              set == "lfw" ? df::FaceChoice::Centre : df::FaceChoice::Largest);
                    if (x.ok() && x->analysis.hasDescriptor) d = x->analysis.descriptor;
                }
                if (d)
                    items.push_back(Item{set, name, f.string(), *d});
                else
                    ++missed;
                if (++n % 500 == 0) std::fprintf(stderr, "  %d photos\n", n);
            }
    }
    std::printf("descriptors computed: %zu (%d photos without a descriptor)\n", items.size(), missed);
    return items;
}

// ---- normalised scoring ----
enum class Rule { Raw, ZNorm, AsNorm };
const char* ruleName(Rule r) { return r == Rule::Raw ? "raw cosine" : r == Rule::ZNorm ? "Z-norm" : "AS-norm"; }

struct Config {
    Rule rule = Rule::Raw;
    int cohort = 0, k = 0;
    bool eastAsianCohort = false;  // cohort from East-Asian identities only (all their photos)
};

struct Data {
    std::vector<Item> items;
    std::vector<int> lfw, johns, bbt;                // item indices per set
    std::vector<int> identity;                       // per item: identity number (per set)
    std::vector<int> fold;                           // per LFW item
    std::vector<bool> eastAsian;                     // per item
    cv::Mat unit;                                    // items x dims, L2-normalised
    cv::Mat sim;                                     // lfw x lfw cosine (rows/cols: position in `lfw`)
    std::vector<int> firstPhotoOrder;                // LFW positions: each identity's first photo, shuffled
    std::vector<int> eastAsianPhotos;                // LFW positions of every East-Asian photo
};

double dot(const cv::Mat& u, int a, int b) { return u.row(a).dot(u.row(b)); }

// Cohort (LFW positions) for a pair whose identities lie in folds fa and fb (-1: no fold, e.g. johns).
std::vector<int> cohortFor(const Data& D, const Config& c, int fa, int fb) {
    std::vector<int> out;
    const auto& pool = c.eastAsianCohort ? D.eastAsianPhotos : D.firstPhotoOrder;
    for (int p : pool) {
        const int f = D.fold[static_cast<std::size_t>(p)];
        if (f == fa || f == fb) continue;
        out.push_back(p);
        if (static_cast<int>(out.size()) >= c.cohort) break;
    }
    return out;
}

struct SetScores {
    Scores all, eastAsian, twoTemplates, johns, bbt;  // "distances": minus the normalised score
    double meanCohort = 0;
};

// stats[pos][g]: LFW item at position pos, cohort excluding its own fold and fold g.
std::vector<std::array<df::CohortStats, kFolds>> lfwStats(const Data& D, const Config& c) {
    std::vector<std::array<df::CohortStats, kFolds>> st(D.lfw.size());
    if (c.rule == Rule::Raw) return st;
    std::vector<std::vector<int>> cohorts(kFolds * kFolds);
    for (int a = 0; a < kFolds; ++a)
        for (int b = 0; b < kFolds; ++b) cohorts[a * kFolds + b] = cohortFor(D, c, a, b);
    std::vector<double> s;
    for (std::size_t p = 0; p < D.lfw.size(); ++p) {
        const float* row = D.sim.ptr<float>(static_cast<int>(p));
        for (int g = 0; g < kFolds; ++g) {
            const auto& co = cohorts[static_cast<std::size_t>(D.fold[p] * kFolds + g)];
            s.clear();
            for (int q : co) s.push_back(row[q]);
            st[p][static_cast<std::size_t>(g)] = df::topKStats(s, c.k);
        }
    }
    return st;
}

float normalised(const Config& c, double s, const df::CohortStats& probe, const df::CohortStats& enrolled) {
    switch (c.rule) {
        case Rule::Raw: return static_cast<float>(s);
        case Rule::ZNorm: return static_cast<float>(df::zNorm(s, enrolled));
        case Rule::AsNorm: return static_cast<float>(df::asNorm(s, probe, enrolled));
    }
    return 0;
}

SetScores score(const Data& D, const Config& c) {
    SetScores out;
    const auto st = lfwStats(D, c);
    const std::size_t n = D.lfw.size();
    for (std::size_t i = 0; i < n; ++i) {
        const float* row = D.sim.ptr<float>(static_cast<int>(i));
        const int ii = D.lfw[i];
        for (std::size_t j = i + 1; j < n; ++j) {
            const int jj = D.lfw[j];
            const float v = -normalised(c, row[j], st[i][static_cast<std::size_t>(D.fold[j])],
                                        st[j][static_cast<std::size_t>(D.fold[i])]);
            const bool same = D.identity[static_cast<std::size_t>(ii)] == D.identity[static_cast<std::size_t>(jj)];
            (same ? out.all.genuine : out.all.impostor).push_back(v);
            if (D.eastAsian[static_cast<std::size_t>(ii)] && D.eastAsian[static_cast<std::size_t>(jj)])
                (same ? out.eastAsian.genuine : out.eastAsian.impostor).push_back(v);
        }
    }
    // Two enrolled templates (an identity's first two photos), rule best over the normalised
    // scores; probes: every other photo (genuine: identities with >= 3 photos).
    std::map<int, std::vector<std::size_t>> byId;
    for (std::size_t p = 0; p < n; ++p) byId[D.identity[static_cast<std::size_t>(D.lfw[p])]].push_back(p);
    for (const auto& [id, ps] : byId) {
        if (ps.size() < 2) continue;
        for (std::size_t p = 0; p < n; ++p) {
            const bool same = D.identity[static_cast<std::size_t>(D.lfw[p])] == id;
            if (same && (ps.size() < 3 || p == ps[0] || p == ps[1])) continue;
            float best = 1e9f;
            for (std::size_t t = 0; t < 2; ++t) {
                const std::size_t e = ps[t];
                best = std::min(best, -normalised(c, D.sim.at<float>(static_cast<int>(p), static_cast<int>(e)),
                                                  st[p][static_cast<std::size_t>(D.fold[e])],
                                                  st[e][static_cast<std::size_t>(D.fold[p])]));
            }
            (same ? out.twoTemplates.genuine : out.twoTemplates.impostor).push_back(best);
        }
    }
    // johns and bbt: cohort from LFW (no identity in common), no fold excluded.
    const std::vector<int> co = c.rule == Rule::Raw ? std::vector<int>{} : cohortFor(D, c, -1, -1);
    out.meanCohort = static_cast<double>(co.size());
    for (auto [set, dst] : {std::pair<const std::vector<int>*, Scores*>{&D.johns, &out.johns}, {&D.bbt, &out.bbt}}) {
        std::vector<df::CohortStats> sst(set->size());
        if (c.rule != Rule::Raw)
            for (std::size_t i = 0; i < set->size(); ++i) {
                std::vector<double> s;
                for (int q : co) s.push_back(dot(D.unit, (*set)[i], D.lfw[static_cast<std::size_t>(q)]));
                sst[i] = df::topKStats(s, c.k);
            }
        for (std::size_t i = 0; i < set->size(); ++i)
            for (std::size_t j = i + 1; j < set->size(); ++j) {
                const int a = (*set)[i], b = (*set)[j];
                const float v = -normalised(c, dot(D.unit, a, b), sst[i], sst[j]);
                (D.identity[static_cast<std::size_t>(a)] == D.identity[static_cast<std::size_t>(b)] ? dst->genuine
                                                                                                     : dst->impostor)
                    .push_back(v);
            }
    }
    for (Scores* s : {&out.all, &out.eastAsian, &out.twoTemplates, &out.johns, &out.bbt}) sortScores(*s);
    return out;
}

std::string cell(const AtFmr& r) {
    char b[96];
    std::snprintf(b, sizeof b, "%.2f %% (%zu/%zu)", r.fnmrPercent(), r.falseNonMatches, r.genuine);
    return b;
}
std::string fmrCell(const AtFmr& r) {
    char b[96];
    std::snprintf(b, sizeof b, "%.4f %% (%zu/%zu)", r.fmrPercent(), r.falseMatches, r.impostors);
    return b;
}

void report(const Data& D, const Config& c) {
    const SetScores s = score(D, c);
    char name[160];
    if (c.rule == Rule::Raw)
        std::snprintf(name, sizeof name, "raw cosine");
    else
        std::snprintf(name, sizeof name, "%s, cohort %d%s, k %d", ruleName(c.rule), c.cohort,
                      c.eastAsianCohort ? " East-Asian" : "", c.k);
    // Rates at FMR targets (thresholds printed as normalised scores: a pair matches when >=).
    auto at = [](const Scores& x, double p) { return atFmr(x.genuine, x.impostor, p); };
    const AtFmr a1 = at(s.all, 0.1), a05 = at(s.all, 0.05), a01 = at(s.all, 0.01);
    const AtFmr e05 = at(s.eastAsian, 0.05), e01 = at(s.eastAsian, 0.01);
    const AtFmr t05 = at(s.twoTemplates, 0.05), t01 = at(s.twoTemplates, 0.01);
    std::printf("| %s | %s | %s | %s | %s | %s | %s | %s |\n", name, cell(a1).c_str(), cell(a05).c_str(),
                cell(a01).c_str(), cell(e05).c_str(), cell(e01).c_str(), cell(t05).c_str(), cell(t01).c_str());
    // One threshold on all sets together: the FMR <= 0.05 % on all LFW and on the East-Asian subset.
    const double t = std::min(a05.threshold, e05.threshold);
    std::printf("    one threshold %.4f (match when the %s >= %.4f):", t, c.rule == Rule::Raw ? "cosine" : "score", -t);
    for (auto [n, x] : {std::pair<const char*, const Scores*>{"LFW", &s.all}, {"East-Asian", &s.eastAsian},
                        {"2 templates", &s.twoTemplates}, {"johns", &s.johns}, {"bbt", &s.bbt}}) {
        const AtFmr r = atThreshold(x->genuine, x->impostor, t);
        std::printf(" %s FNMR %s FMR %s;", n, cell(r).c_str(), fmrCell(r).c_str());
    }
    std::printf("\n");
    std::fflush(stdout);
}

}  // namespace

int runLfwNorm(const fs::path& lfwDir, const fs::path& facesDir, const fs::path& cache,
               const devices::FaceEngineOptions& options) {
    Data D;
    if (!loadCache(cache, D.items)) {
        std::printf("computing ONNX descriptors (cache %s absent)\n", cache.c_str());
        auto items = computeDescriptors(lfwDir, facesDir, options);
        if (!items.ok()) {
            std::fprintf(stderr, "bench_face: %s\n", items.error().message.c_str());
            return 1;
        }
        D.items = std::move(*items);
        saveCache(cache, D.items);
    } else {
        std::printf("descriptors from %s\n", cache.c_str());
    }
    // Identities: numbered per set, sorted by name; LFW folds by that number.
    std::map<std::pair<std::string, std::string>, int> ids;
    std::map<int, int> lfwIdNumber;
    for (const auto& it : D.items) ids.emplace(std::make_pair(it.set, it.identity), 0);
    int next = 0;
    for (auto& [k, v] : ids) v = next++;
    const int dims = static_cast<int>(D.items.empty() ? 0 : D.items.front().d.size());
    D.unit = cv::Mat(static_cast<int>(D.items.size()), dims, CV_32F);
    std::map<int, int> firstPos;  // identity -> its first LFW position
    std::set<int> lfwIdentities;
    for (std::size_t i = 0; i < D.items.size(); ++i) {
        const auto& it = D.items[i];
        const int id = ids[{it.set, it.identity}];
        D.identity.push_back(id);
        D.eastAsian.push_back(it.set == "lfw" && isEastAsian(it.identity));
        double norm = 0;
        for (float x : it.d) norm += double(x) * x;
        norm = std::sqrt(norm);
        float* u = D.unit.ptr<float>(static_cast<int>(i));
        for (int k = 0; k < dims; ++k) u[k] = static_cast<float>(it.d[static_cast<std::size_t>(k)] / norm);
        if (it.set == "lfw") {
            const int pos = static_cast<int>(D.lfw.size());
            D.lfw.push_back(static_cast<int>(i));
            lfwIdentities.insert(id);
            if (!firstPos.count(id)) firstPos[id] = pos;
            if (D.eastAsian.back()) D.eastAsianPhotos.push_back(pos);
        } else {
            (it.set == "johns" ? D.johns : D.bbt).push_back(static_cast<int>(i));
        }
    }
    // Fold of an LFW identity: its sorted index modulo kFolds.
    std::map<int, int> idIndex;
    for (int id : lfwIdentities) idIndex.emplace(id, static_cast<int>(idIndex.size()));
    for (int i : D.lfw) D.fold.push_back(idIndex[D.identity[static_cast<std::size_t>(i)]] % kFolds);
    for (const auto& [id, pos] : firstPos) D.firstPhotoOrder.push_back(pos);
    std::mt19937 rng(20261201);
    std::shuffle(D.firstPhotoOrder.begin(), D.firstPhotoOrder.end(), rng);
    std::shuffle(D.eastAsianPhotos.begin(), D.eastAsianPhotos.end(), rng);
    cv::Mat lfwUnit(static_cast<int>(D.lfw.size()), dims, CV_32F);
    for (std::size_t p = 0; p < D.lfw.size(); ++p) D.unit.row(D.lfw[p]).copyTo(lfwUnit.row(static_cast<int>(p)));
    D.sim = lfwUnit * lfwUnit.t();
    std::printf("LFW %zu photos of %zu identities (%d folds; East-Asian photos %zu), johns %zu, bbt %zu chips/photos; "
                "cohort pool: %zu first photos\n",
                D.lfw.size(), lfwIdentities.size(), kFolds, D.eastAsianPhotos.size(), D.johns.size(), D.bbt.size(),
                D.firstPhotoOrder.size());
    std::printf("FNMR (false non-matches / genuine pairs); cohort never holds either identity of a pair\n");
    std::printf("| rule | LFW @0.1 %% | LFW @0.05 %% | LFW @0.01 %% | East-Asian @0.05 %% | East-Asian @0.01 %% | "
                "2 templates @0.05 %% | 2 templates @0.01 %% |\n|---|---|---|---|---|---|---|---|\n");
    report(D, Config{Rule::Raw, 0, 0, false});
    for (int n : {100, 300, 1000})
        for (int k : {10, 25, 50, 100, 200}) {
            if (k > n / 2) continue;
            report(D, Config{Rule::ZNorm, n, k, false});
            report(D, Config{Rule::AsNorm, n, k, false});
        }
    for (int k : {10, 25, 50, 100}) report(D, Config{Rule::AsNorm, 1000, k, true});
    return 0;
}

}  // namespace kiosk::bench::face
