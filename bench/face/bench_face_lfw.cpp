// bench_face --lfw DIR: the full pipeline on every photo of an LFW-style folder
// (DIR/<identity>/<photo>), both recognisers; every genuine and every impostor pair; FNMR at
// FMR 0.1 / 0.05 / 0.01 %, EER, the detection rate, median CPU ms per stage; the same inside
// an East-Asian subset of the identities; and several enrolled templates per identity scored
// by the best and by the mean distance. Descriptors are computed once per run, in memory.
#include "bench/face/bench_face_lfw.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <set>

#include "bench/face/face_scores.h"
#include "devices/face/dlib_face_engine.h"
#include "devices/face/face_tools.h"

namespace kiosk::bench::face {
namespace {

namespace fs = std::filesystem;
using devices::FaceDescriptor;
using devices::FaceRecogniser;
namespace df = devices::face;

// East-Asian identities of ../shared/data/faces/lfw (Chinese incl. Hong Kong, Macau and
// Taiwan; Japanese; Korean; two Americans of Chinese descent). Chosen by name and public
// biography; identities whose origin was not certain were left out.
const std::set<std::string> kEastAsian = {
    "Alan_Tang_Kwong-wing", "Annette_Lu", "Antony_Leung", "Cecilia_Cheung", "Chang_Dae-whan", "Chen_Shui-bian",
    "Choi_Yun-yong", "Chung_Mong-joon", "Fujio_Cho", "Gao_Qiang", "Goh_Kun", "Hideki_Matsui", "Hidetoshi_Nakata",
    "Hisao_Oguchi", "Hu_Jintao", "Hu_Maoyuan", "Jiang_Zemin", "Ken_Watanabe", "Kim_Dong-hwa", "Kim_Jin-sun",
    "Kim_Jong-Il", "Lee_Hong-ki", "Lee_Tae-sik", "Lisa_Ling", "Lucy_Liu", "Masamori_Tokuyama", "Masatoshi_Koshiba",
    "Mitoji_Yabunaka", "Moon-So-ri", "Sachiko_Yamada", "Shingo_Katayama", "Stanley_Ho", "Takashi_Sorimachi",
    "Tang_Jiaxuan", "Tian_Liang", "Tian_Zhuang_Zhuang", "Tomoko_Hagiwara", "Toshihiko_Fukui", "Toshimitsu_Motegi",
    "Tsutomu_Takebe", "Tung_Chee-hwa", "Wang_Yingfan", "Wen_Ho_Lee", "Wen_Jiabao", "Yukiko_Okudo", "Zeng_Qinghong",
    "Zhang_Ziyi"};

struct Photo {
    int identity = 0;
    fs::path path;
    std::optional<FaceDescriptor> d[2];  // per recogniser (index: 0 dlib, 1 onnx)
    // What the lane's quality check says of the face (devices::face::judgeQuality) with the
    // face count taken as 1 (LFW photos show people behind the labelled one) and no distance
    // check (a 250-px photo says nothing of the traveller's distance from the lane's camera).
    devices::FaceGuidance laneQuality = devices::FaceGuidance::NoFace;
};

devices::FaceGuidance laneQualityOf(const df::FrameDetail& x, devices::FaceQualityOptions o) {
    o.minEyeDistancePx = 0;
    return df::judgeQuality(df::QualityMeasures{1, x.pose, x.brightness, x.sharpness}, o);
}

double median(std::vector<double> v) {
    if (v.empty()) return NAN;
    std::nth_element(v.begin(), v.begin() + static_cast<long>(v.size() / 2), v.end());
    return v[v.size() / 2];
}

struct Stage {
    std::vector<double> detect, landmarks, chip, align, descriptor, total;
};

Scores allPairs(const std::vector<Photo>& photos, int r, const df::DlibFaceEngine& e, const std::vector<bool>* keep) {
    Scores s;
    for (std::size_t i = 0; i < photos.size(); ++i) {
        if (!photos[i].d[r] || (keep && !(*keep)[i])) continue;
        for (std::size_t j = i + 1; j < photos.size(); ++j) {
            if (!photos[j].d[r] || (keep && !(*keep)[j])) continue;
            const float x = static_cast<float>(e.distance(*photos[i].d[r], *photos[j].d[r]));
            (photos[i].identity == photos[j].identity ? s.genuine : s.impostor).push_back(x);
        }
    }
    return s;
}

// Several templates: each identity's enrolment is its first two acquired photos; a probe is
// any other photo (genuine) or any photo of another identity (impostor). Scored by `rule`.
// With `keep`, only the kept photos take part, as probes and as enrolments (a subset's
// impostors come from inside it).
Scores multiTemplate(const std::vector<Photo>& photos, int r, const df::DlibFaceEngine& e, devices::TemplateRule rule,
                     std::size_t templates, const std::vector<bool>* keep = nullptr) {
    std::map<int, std::vector<std::size_t>> byId;
    for (std::size_t i = 0; i < photos.size(); ++i)
        if (photos[i].d[r] && (!keep || (*keep)[i])) byId[photos[i].identity].push_back(i);
    std::map<int, std::vector<const FaceDescriptor*>> enrol;
    // The same enrolments and probes for 1 and 2 templates: identities with >= 2 acquired photos
    // are enrolled; genuine probes come from identities with >= 3 (never a template itself).
    for (const auto& [id, v] : byId)
        if (v.size() >= 2)
            for (std::size_t k = 0; k < templates; ++k) enrol[id].push_back(&*photos[v[k]].d[r]);
    Scores s;
    for (std::size_t i = 0; i < photos.size(); ++i) {
        if (!photos[i].d[r] || (keep && !(*keep)[i])) continue;
        for (const auto& [id, ts] : enrol) {
            const bool same = id == photos[i].identity;
            if (same && (byId[id].size() < 3 || i == byId[id][0] || i == byId[id][1])) continue;
            double best = 1e9, sum = 0;
            for (const FaceDescriptor* t : ts) {
                const double x = e.distance(*photos[i].d[r], *t);
                best = std::min(best, x);
                sum += x;
            }
            const double v = rule == devices::TemplateRule::Mean ? sum / ts.size() : best;
            (same ? s.genuine : s.impostor).push_back(static_cast<float>(v));
        }
    }
    return s;
}

// The same with every enrolment an identity could have: for each identity with n >= 3
// photos, every pair of its photos as the two templates and each of its other n - 2 photos
// as a probe (n * C(n-1, 2) genuine trials instead of n - 2), so that one hard photo or
// one unlucky first pair does not decide the rate alone. Impostors as in multiTemplate (each
// other identity enrolled with its first two photos). `misses`: genuine trials refused at
// `threshold`, as "probe vs a + b (score)".
// `weighted`: each genuine trial with the weight 1 / C(n-1, 2), so that every probe photo counts
// once, averaged over its possible enrolments (otherwise an identity with n photos weighs
// ~n^3: Jiang_Zemin's 20 photos are half of the East-Asian trials).
Scores rotatedTemplates(const std::vector<Photo>& photos, int r, const df::DlibFaceEngine& e, devices::TemplateRule rule,
                        const std::vector<bool>* keep, double threshold, std::vector<std::string>* misses,
                        std::vector<std::pair<float, double>>* weighted = nullptr) {
    Scores s = multiTemplate(photos, r, e, rule, 2, keep);
    s.genuine.clear();
    std::map<int, std::vector<std::size_t>> byId;
    for (std::size_t i = 0; i < photos.size(); ++i)
        if (photos[i].d[r] && (!keep || (*keep)[i])) byId[photos[i].identity].push_back(i);
    for (const auto& [id, v] : byId) {
        if (v.size() < 3) continue;
        for (std::size_t a = 0; a < v.size(); ++a)
            for (std::size_t b = a + 1; b < v.size(); ++b)
                for (std::size_t p = 0; p < v.size(); ++p) {
                    if (p == a || p == b) continue;
                    const double x = e.distance(*photos[v[p]].d[r], *photos[v[a]].d[r]);
                    const double y = e.distance(*photos[v[p]].d[r], *photos[v[b]].d[r]);
                    const double score = rule == devices::TemplateRule::Mean ? (x + y) / 2 : std::min(x, y);
                    s.genuine.push_back(static_cast<float>(score));
                    if (weighted)
                        weighted->emplace_back(static_cast<float>(score),
                                               2.0 / static_cast<double>((v.size() - 1) * (v.size() - 2)));
                    if (misses && score > threshold)
                        misses->push_back(photos[v[p]].path.filename().string() + " vs " +
                                          photos[v[a]].path.filename().string() + " + " +
                                          photos[v[b]].path.filename().string() + " (" + std::to_string(score) + ")");
                }
    }
    return s;
}

// FNMR with every probe photo counted once (the weights above), at the thresholds of the
// unweighted table's FMR targets and at the configured one.
void printProbeWeighted(const std::string& name, const std::vector<std::pair<float, double>>& weighted, Scores s,
                        double configured) {
    sortScores(s);
    double probes = 0;
    for (const auto& [x, w] : weighted) probes += w;
    std::printf("%s, every probe photo counted once (%.0f probes):", name.c_str(), probes);
    auto fnmrAt = [&](double t) {
        double refused = 0;
        for (const auto& [x, w] : weighted)
            if (x > t) refused += w;
        return std::pair<double, double>{refused, probes > 0 ? 100.0 * refused / probes : NAN};
    };
    for (double p : {0.1, 0.05, 0.01}) {
        const AtFmr a = atFmr(s.genuine, s.impostor, p);
        const auto [refused, pct] = fnmrAt(a.threshold);
        std::printf(" FMR %.2f %% (t %.4f): FNMR %.2f %% (%.2f probes);", p, a.threshold, pct, refused);
    }
    const auto [refused, pct] = fnmrAt(configured);
    std::printf(" configured %.4f: FNMR %.2f %% (%.2f probes)\n", configured, pct, refused);
}

}  // namespace

std::vector<std::pair<std::string, std::vector<fs::path>>> identitiesOf(const fs::path& root) {
    std::vector<std::pair<std::string, std::vector<fs::path>>> out;
    if (!fs::is_directory(root)) return out;
    for (const auto& dir : fs::directory_iterator(root)) {
        if (!dir.is_directory()) continue;
        std::vector<fs::path> files;
        for (const auto& f : fs::directory_iterator(dir.path())) files.push_back(f.path());
        std::sort(files.begin(), files.end());
        out.emplace_back(dir.path().filename().string(), files);
    }
    std::sort(out.begin(), out.end());
    return out;
}

bool isEastAsian(const std::string& identity) { return kEastAsian.count(identity) > 0; }

// LFW's photos are centred on the labelled face. When the detector misses it, the face
// nearest the centre is someone behind or beside them (3 photos: Tung_Chee-hwa_0001 in
// profile, where a man at the edge was taken, Mark_Heller_0002, John_Taylor_0001): their eye
// midpoints lie 83-137 px from the centre of the 250x250 photo; every labelled face found
// lies within 54 px. A face farther than a quarter of the shorter side is not the labelled
// one: the photo counts as not detected, not as a comparison of another person.
bool isCentreFace(const df::FrameDetail& x, const devices::Image& img) {
    if (!x.landmarks) return false;
    const auto l = df::leftEyeCentre(*x.landmarks), r = df::rightEyeCentre(*x.landmarks);
    const double dx = (l.x + r.x) / 2 - img.width / 2.0, dy = (l.y + r.y) / 2 - img.height / 2.0;
    return std::hypot(dx, dy) <= std::min(img.width, img.height) / 4.0;
}

int runPose(const std::vector<fs::path>& files, devices::FaceEngineOptions o) {
    o.track = false;
    auto e = df::DlibFaceEngine::create(o);
    if (!e.ok()) {
        std::fprintf(stderr, "bench_face: %s\n", e.error().message.c_str());
        return 1;
    }
    for (const auto& f : files) {
        auto img = df::loadImageFile(f);
        if (!img.ok()) {
            std::printf("%s: %s\n", f.c_str(), img.error().message.c_str());
            continue;
        }
        auto x = (*e)->process(*img, df::DescriptorPolicy::Never, nullptr, df::FaceChoice::Centre);
        if (!x.ok() || !x->landmarks) {
            std::printf("%s: no face\n", f.filename().c_str());
            continue;
        }
        const auto& p = *x->landmarks;
        std::printf("%s: faces %d, eye distance %.1f, yaw %.3f, roll %.1f, brightness %.0f, sharpness %.0f, lane "
                    "quality %s; nose (%.0f,%.0f) jaw 0 (%.0f,%.0f) 16 (%.0f,%.0f) eyes (%.0f,%.0f) (%.0f,%.0f)\n",
                    f.filename().c_str(), x->analysis.faceCount, x->pose.eyeDistance, x->pose.yaw, x->pose.rollDeg,
                    x->brightness, x->sharpness, devices::toString(laneQualityOf(*x, o.quality)), p[30].x, p[30].y,
                    p[0].x, p[0].y, p[16].x, p[16].y, df::leftEyeCentre(p).x, df::leftEyeCentre(p).y,
                    df::rightEyeCentre(p).x, df::rightEyeCentre(p).y);
    }
    return 0;
}

int runLfwDetection(const fs::path& dir, devices::FaceEngineOptions o) {
    o.track = false;
    auto e = df::DlibFaceEngine::create(o);
    if (!e.ok()) {
        std::fprintf(stderr, "bench_face: %s\n", e.error().message.c_str());
        return 1;
    }
    int n = 0, found = 0;
    std::map<std::string, int> passes;
    std::vector<double> cpu;
    for (const auto& id : fs::directory_iterator(dir)) {
        if (!id.is_directory()) continue;
        for (const auto& f : fs::directory_iterator(id.path())) {
            auto img = df::loadImageFile(f.path());
            ++n;
            if (!img.ok()) continue;
            df::StageTimes t;
            auto x = (*e)->process(*img, df::DescriptorPolicy::Never, &t, df::FaceChoice::Centre);
            cpu.push_back(t.detectCpu);
            if (x.ok() && x->analysis.faceCount > 0 && isCentreFace(*x, *img)) {
                ++found;
                ++passes[t.pass];
            } else {
                std::printf("  no face: %s\n", f.path().c_str());
            }
        }
    }
    std::printf("detection (coarse %d px, upsample %d, fine down to %d px): %d / %d = %.2f %%, median detect CPU %.1f ms;",
                o.detectMaxSide, o.detectUpsample, o.detectMinFacePx, found, n, 100.0 * found / n, median(cpu));
    for (const auto& [p, k] : passes) std::printf(" %s %d", p.c_str(), k);
    std::printf("\n");
    return 0;
}

int runLfw(const fs::path& dir, const std::function<devices::FaceEngineOptions(FaceRecogniser)>& optionsOf,
           const std::vector<int>& recognisers) {
    std::vector<Photo> photos;
    std::vector<std::string> names;
    {
        std::vector<fs::path> ids;
        for (const auto& d : fs::directory_iterator(dir))
            if (d.is_directory()) ids.push_back(d.path());
        std::sort(ids.begin(), ids.end());
        for (const auto& id : ids) {
            std::vector<fs::path> files;
            for (const auto& f : fs::directory_iterator(id)) files.push_back(f.path());
            std::sort(files.begin(), files.end());
            for (const auto& f : files) photos.push_back(Photo{static_cast<int>(names.size()), f, {}});
            names.push_back(id.filename().string());
        }
    }
    std::printf("LFW %s: %zu identities, %zu photos\n", dir.c_str(), names.size(), photos.size());
    std::unique_ptr<df::DlibFaceEngine> engines[2];
    for (int r : recognisers) {
        auto o = optionsOf(r ? FaceRecogniser::Onnx : FaceRecogniser::DlibResnet);
        o.track = false;  // unrelated photos
        auto e = df::DlibFaceEngine::create(o);
        if (!e.ok()) {
            std::fprintf(stderr, "bench_face: %s: %s\n", e.error().code.c_str(), e.error().message.c_str());
            return 1;
        }
        engines[r] = std::move(e).value();
    }
    const auto& o0 = engines[recognisers.front()]->options();
    std::printf("detection: coarse pass at longest side %d (upsample %d), fine pass down to %d px faces; the face "
                "nearest the image centre is used\n",
                o0.detectMaxSide, o0.detectUpsample, o0.detectMinFacePx);
    Stage st[2];
    std::map<std::string, int> passes;
    int found = 0, unreadable = 0;
    for (std::size_t i = 0; i < photos.size(); ++i) {
        auto img = df::loadImageFile(photos[i].path);
        if (!img.ok()) {
            ++unreadable;
            continue;
        }
        for (int r : recognisers) {
            df::StageTimes t;
            auto x = engines[r]->process(*img, df::DescriptorPolicy::Always, &t, df::FaceChoice::Centre);
            if (!x.ok() || !x->analysis.hasDescriptor) {
                if (r == recognisers.front()) std::printf("  no face: %s\n", photos[i].path.c_str());
                continue;
            }
            if (!isCentreFace(*x, *img)) {
                if (r == recognisers.front())
                    std::printf("  no face at the centre (another person's taken): %s\n", photos[i].path.c_str());
                continue;
            }
            photos[i].d[r] = x->analysis.descriptor;
            if (r == recognisers.front()) {
                photos[i].laneQuality = laneQualityOf(*x, engines[r]->options().quality);
                ++found;
                ++passes[t.pass];
            }
            st[r].detect.push_back(t.detectCpu);
            st[r].landmarks.push_back(t.landmarksCpu);
            st[r].chip.push_back(t.chipCpu);
            st[r].align.push_back(t.alignCpu);
            st[r].descriptor.push_back(t.descriptorCpu);
            st[r].total.push_back(t.totalCpu);
        }
        if ((i + 1) % 500 == 0) {
            std::fprintf(stderr, "  %zu / %zu photos\n", i + 1, photos.size());
        }
    }
    std::printf("detection rate: %d / %zu photos = %.2f %% (unreadable %d; found by pass:", found, photos.size(),
                100.0 * found / photos.size(), unreadable);
    for (const auto& [p, n] : passes) std::printf(" %s %d", p.c_str(), n);
    std::printf(")\n");
    std::printf("\nmedian CPU ms per stage (process CPU time; run pinned to one core):\n");
    std::printf("| recogniser | detect | landmarks | chip+quality | align | descriptor | whole frame |\n|---|---|---|---|---|---|---|\n");
    for (int r : recognisers)
        std::printf("| %s | %.1f | %.1f | %.1f | %.2f | %.1f | %.1f |\n",
                    devices::toString(engines[r]->options().recogniser), median(st[r].detect),
                    median(st[r].landmarks), median(st[r].chip), median(st[r].align), median(st[r].descriptor),
                    median(st[r].total));

    std::vector<bool> eastAsian(photos.size());
    std::map<std::string, int> eaCount;
    for (std::size_t i = 0; i < photos.size(); ++i) {
        eastAsian[i] = kEastAsian.count(names[static_cast<std::size_t>(photos[i].identity)]) > 0;
        if (eastAsian[i]) ++eaCount[names[static_cast<std::size_t>(photos[i].identity)]];
    }
    std::printf("\nEast-Asian subset: %zu identities present, %ld photos:", eaCount.size(),
                std::count(eastAsian.begin(), eastAsian.end(), true));
    for (const auto& [n, c] : eaCount) std::printf(" %s (%d)", n.c_str(), c);
    std::printf("\n");

    // The photos the lane would take a descriptor of: its quality check passes (pose,
    // exposure, sharpness). A photo it refuses is a failure to acquire at the lane (the
    // traveller is told to look at the camera), not a false non-match; the figures over every
    // photo above stay the measure.
    std::vector<bool> laneOk(photos.size()), eaLaneOk(photos.size());
    std::map<std::string, int> refusedAll, refusedEa;
    int acquired = 0, eaAcquired = 0;
    for (std::size_t i = 0; i < photos.size(); ++i) {
        if (!photos[i].d[recognisers.front()]) continue;
        ++acquired;
        if (eastAsian[i]) ++eaAcquired;
        laneOk[i] = photos[i].laneQuality == devices::FaceGuidance::Ok;
        eaLaneOk[i] = laneOk[i] && eastAsian[i];
        if (!laneOk[i]) {
            ++refusedAll[devices::toString(photos[i].laneQuality)];
            if (eastAsian[i]) ++refusedEa[devices::toString(photos[i].laneQuality)];
        }
    }
    const auto okAll = std::count(laneOk.begin(), laneOk.end(), true);
    const auto okEa = std::count(eaLaneOk.begin(), eaLaneOk.end(), true);
    std::printf("\nlane quality check (pose, exposure, sharpness; face count 1, no distance check): "
                "%ld / %d photos with a face pass (%.2f %%), East-Asian %ld / %d (%.2f %%); refused:",
                okAll, acquired, 100.0 * okAll / acquired, okEa, eaAcquired, 100.0 * okEa / eaAcquired);
    for (const auto& [g, n] : refusedAll) std::printf(" %s %d", g.c_str(), n);
    std::printf("; East-Asian:");
    for (const auto& [g, n] : refusedEa) std::printf(" %s %d", g.c_str(), n);
    std::printf("\n");
    for (std::size_t i = 0; i < photos.size(); ++i)
        if (eastAsian[i] && photos[i].d[recognisers.front()] && !laneOk[i])
            std::printf("  East-Asian photo refused by the quality check: %s (%s)\n",
                        photos[i].path.filename().c_str(), devices::toString(photos[i].laneQuality));

    for (int r : recognisers) {
        const auto& e = *engines[r];
        const std::string name = devices::toString(e.options().recogniser);
        printRates("LFW all, " + name, allPairs(photos, r, e, nullptr), e.options().matchThreshold);
        printRates("LFW East-Asian subset (impostors inside it), " + name, allPairs(photos, r, e, &eastAsian),
                   e.options().matchThreshold);
        for (auto rule : {devices::TemplateRule::Best, devices::TemplateRule::Mean})
            printRates(std::string("LFW 2 enrolled templates, rule ") +
                           (rule == devices::TemplateRule::Mean ? "mean" : "best") + ", " + name,
                       multiTemplate(photos, r, e, rule, 2), e.options().matchThreshold);
        printRates("LFW 1 enrolled template (same probes as above), " + name,
                   multiTemplate(photos, r, e, devices::TemplateRule::Best, 1), e.options().matchThreshold);
        printRates("LFW East-Asian subset, 2 enrolled templates, rule best (impostors inside it), " + name,
                   multiTemplate(photos, r, e, devices::TemplateRule::Best, 2, &eastAsian), e.options().matchThreshold);
        printRates("LFW East-Asian subset, 1 enrolled template (same probes as above), " + name,
                   multiTemplate(photos, r, e, devices::TemplateRule::Best, 1, &eastAsian), e.options().matchThreshold);
        // Two templates over every enrolment pair, per trial and with each probe photo counted
        // once; `listMisses`: the genuine trials refused at the configured threshold.
        auto everyPair = [&](const std::string& n, const std::vector<bool>* keep, bool listMisses) {
            std::vector<std::pair<float, double>> weighted;
            std::vector<std::string> misses;
            const Scores q = rotatedTemplates(photos, r, e, devices::TemplateRule::Best, keep,
                                              e.options().matchThreshold, listMisses ? &misses : nullptr, &weighted);
            printRates(n, q, e.options().matchThreshold);
            printProbeWeighted(n, weighted, q, e.options().matchThreshold);
            if (!listMisses) return;
            std::printf("refused at the configured threshold (%zu):\n", misses.size());
            for (const auto& m : misses) std::printf("  %s\n", m.c_str());
        };
        everyPair("LFW 2 enrolled templates, every enrolment pair, rule best, " + name, nullptr, false);
        everyPair("LFW East-Asian subset, 2 enrolled templates, every enrolment pair, rule best (impostors inside "
                  "it), " + name,
                  &eastAsian, true);

        // The same over the photos the lane's quality check passes (above), enrolments included
        // (the registration machine keeps only captures that pass it).
        printRates("LFW all, lane quality passed, " + name, allPairs(photos, r, e, &laneOk),
                   e.options().matchThreshold);
        printRates("LFW East-Asian subset, lane quality passed (impostors inside it), " + name,
                   allPairs(photos, r, e, &eaLaneOk), e.options().matchThreshold);
        const std::string twoEvery = ", lane quality passed, 2 enrolled templates, every enrolment pair, rule best, ";
        everyPair("LFW all" + twoEvery + name, &laneOk, false);
        everyPair("LFW East-Asian subset" + twoEvery + name, &eaLaneOk, true);
        std::fflush(stdout);
    }
    return 0;
}

}  // namespace kiosk::bench::face
