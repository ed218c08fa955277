// bench_fingerprint: FNMR / FMR of the fingerprint path on FVC2000 B subsets.
// Protocol (../shared/data/fingerprints/README.md): enrol impressions 1-5 of each finger
// (the 5-stage enrolment), genuine probes = impressions 6-8 of the same finger, impostor
// probes = all 8 impressions of the other 9 fingers. Operating point: libfprint's fixed
// bozorth threshold 40. Scores come from libfprint's own matcher (identify over all
// enrolled prints, one minutiae detection per probe); a probe matches a print when any of
// the configured enhancement variants scores >= 40 (what verifyImage does).
// Two-finger transactions: every unordered pair of fingers is one virtual traveller.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "devices/fingerprint/finger_image_source.h"
#include "devices/fingerprint/libfprint_reader.h"

namespace fp = kiosk::devices::fingerprint;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

constexpr int kFingers = 10, kImpr = 8, kThreshold = 40;

struct Config {
    std::string name;
    fp::Enhancement enrol;
    std::vector<fp::Enhancement> probe;
    bool gate = true;
    std::vector<fp::Enhancement> extraEnrol = {};
};

struct Counts {
    int err = 0, n = 0;
    double pct() const { return n ? 100.0 * err / n : 0.0; }
    std::string str() const {
        char b[64];
        std::snprintf(b, sizeof b, "%5.1f %% (%d/%d)", pct(), err, n);
        return b;
    }
};

double msSince(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
}

struct SetResult {
    std::string set, config;
    int fte = 0;
    Counts fnmr1, fnmr3, fmr, pairEither1, pairEither3, pairBoth3, pairFmrEither1, pairFmrEither3;
    int minGenuine = 1000, maxImpostor = 0;
};

bool runSet(fp::LibfprintReader& reader, const fs::path& dir, const Config& cfg, SetResult& out) {
    // images[f][i], i = 0..7 (impressions 1..8)
    std::vector<std::vector<fp::FingerImage>> images(kFingers);
    for (int f = 0; f < kFingers; ++f)
        for (int i = 0; i < kImpr; ++i) {
            char name[32];
            std::snprintf(name, sizeof name, "%03d_%d.png", 101 + f, i + 1);
            auto img = fp::loadGrayImage(dir / name);
            if (!img.ok()) {
                std::fprintf(stderr, "bench_fingerprint: %s\n", img.error().message.c_str());
                return false;
            }
            images[f].push_back({std::move(img).value(), 500});
        }
    // Enrol.
    std::vector<std::vector<uint8_t>> prints(kFingers);
    std::vector<bool> enrolled(kFingers, false);
    for (int f = 0; f < kFingers; ++f) {
        std::vector<fp::FingerImage> enr(images[f].begin(), images[f].begin() + 5);
        auto e = reader.enrollImages(enr, {}, 30s);
        if (e.ok()) {
            prints[f] = e->print;
            enrolled[f] = true;
        } else {
            ++out.fte;
        }
    }
    std::vector<std::vector<uint8_t>> gallery;
    std::vector<int> galleryFinger;
    for (int f = 0; f < kFingers; ++f)
        if (enrolled[f]) {
            gallery.push_back(prints[f]);
            galleryFinger.push_back(f);
        }
    // score[f][i][t]: best score over variants of probe (f, i) against enrolled finger t.
    std::vector<std::vector<std::vector<int>>> score(
        kFingers, std::vector<std::vector<int>>(kImpr, std::vector<int>(kFingers, 0)));
    for (int f = 0; f < kFingers; ++f)
        for (int i = 0; i < kImpr; ++i) {
            if (cfg.gate) {
                auto a = reader.assess(images[f][i], cfg.probe.front());
                if (a.ok() && a->guidance != kiosk::devices::FingerGuidance::Ok) continue;  // refused: no match
            }
            for (auto e : cfg.probe) {
                auto s = reader.scoreAgainst(gallery, images[f][i], e, 20s);
                if (!s.ok()) {
                    std::fprintf(stderr, "bench_fingerprint: %s\n", s.error().message.c_str());
                    return false;
                }
                for (std::size_t g = 0; g < gallery.size(); ++g)
                    score[f][i][galleryFinger[g]] = std::max(score[f][i][galleryFinger[g]], (*s)[g]);
            }
        }
    auto match = [&](int probeF, int i, int t) { return enrolled[t] && score[probeF][i][t] >= kThreshold; };
    // Single finger.
    for (int f = 0; f < kFingers; ++f) {
        bool any = false;
        for (int i = 5; i < 8; ++i) {
            const bool m = match(f, i, f);
            any = any || m;
            out.fnmr1.n++;
            out.fnmr1.err += !m;
            if (enrolled[f]) out.minGenuine = std::min(out.minGenuine, score[f][i][f]);
        }
        out.fnmr3.n++;
        out.fnmr3.err += !any;
        for (int t = 0; t < kFingers; ++t) {
            if (t == f || !enrolled[t]) continue;
            for (int i = 0; i < kImpr; ++i) {
                out.fmr.n++;
                out.fmr.err += match(f, i, t);
                out.maxImpostor = std::max(out.maxImpostor, score[f][i][t]);
            }
        }
    }
    // Two fingers: traveller (a, b), genuine probes 6-8; impostor traveller (c, d).
    const std::vector<std::vector<int>> tries3 = {{0, 1, 2}, {3, 4, 5}, {5, 6, 7}};
    for (int a = 0; a < kFingers; ++a)
        for (int b = a + 1; b < kFingers; ++b) {
            bool anyA = false, anyB = false;
            for (int i = 5; i < 8; ++i) {
                const bool ma = match(a, i, a), mb = match(b, i, b);
                anyA = anyA || ma;
                anyB = anyB || mb;
                out.pairEither1.n++;
                out.pairEither1.err += !(ma || mb);
            }
            out.pairEither3.n++;
            out.pairEither3.err += !(anyA || anyB);
            out.pairBoth3.n++;
            out.pairBoth3.err += !(anyA && anyB);
            for (int c = 0; c < kFingers; ++c)
                for (int d = 0; d < kFingers; ++d) {
                    if (c == d || c == a || c == b || d == a || d == b) continue;
                    for (int i = 0; i < kImpr; ++i) {
                        out.pairFmrEither1.n++;
                        out.pairFmrEither1.err += match(c, i, a) || match(d, i, b);
                    }
                    for (const auto& tr : tries3) {
                        bool acc = false;
                        for (int i : tr) acc = acc || match(c, i, a) || match(d, i, b);
                        out.pairFmrEither3.n++;
                        out.pairFmrEither3.err += acc;
                    }
                }
        }
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    fs::path data = fs::path(KIOSK_SHARED_DIR) / "data" / "fingerprints";
    bool quick = false, all = false;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--data") && i + 1 < argc) data = argv[++i];
        if (!std::strcmp(argv[i], "--quick")) quick = true;
        if (!std::strcmp(argv[i], "--all")) all = true;
    }
    if (!fs::is_directory(data)) {
        std::printf("bench_fingerprint: %s is absent, nothing to measure\n", data.c_str());
        return 0;
    }
    std::vector<Config> configs;
    const fp::ReaderOptions def;
    if (!quick)
        configs.push_back({"libfprint alone (raw, no gate)", fp::Enhancement::None, {fp::Enhancement::None}, false});
    if (all) {
        configs.push_back({"stretch", fp::Enhancement::Stretch, {fp::Enhancement::Stretch}, true});
        configs.push_back({"clahe", fp::Enhancement::Clahe, {fp::Enhancement::Clahe}, true});
    }
    configs.push_back({"default: enrol clahe+gabor, probe clahe|gabor", def.enrolEnhancement, def.verifyVariants, true,
                       def.extraEnrolVariants});

    std::vector<SetResult> results;
    const auto t0 = std::chrono::steady_clock::now();
    for (const char* set : {"fvc2000_db1_b", "fvc2000_db4_b"}) {
        const fs::path dir = data / set;
        if (!fs::is_directory(dir)) continue;
        for (const auto& cfg : configs) {
            fp::ReaderOptions o;
            o.enrolEnhancement = cfg.enrol;
            o.verifyVariants = cfg.probe;
            o.extraEnrolVariants = cfg.extraEnrol;
            if (!cfg.gate) {
                o.minMinutiae = 0;
                o.quality = fp::QualityThresholds{0, 0, 0};
            }
            auto reader = fp::LibfprintReader::create(o, std::make_shared<fp::SimFingerSensor>());
            if (!reader.ok()) {
                std::fprintf(stderr, "bench_fingerprint: %s\n", reader.error().message.c_str());
                return 1;
            }
            SetResult r;
            r.set = set;
            r.config = cfg.name;
            const auto ts = std::chrono::steady_clock::now();
            if (!runSet(**reader, dir, cfg, r)) return 1;
            std::fprintf(stderr, "  %s / %s: %.1f s\n", set, cfg.name.c_str(), msSince(ts) / 1000);
            results.push_back(r);
        }
    }
    std::printf("Fingerprint: libfprint %s path (virtual_image + NBIS), threshold %d, %s\n", "1.94", kThreshold,
                data.c_str());
    std::printf("%-15s %-40s %4s %-20s %-20s %-20s %-20s %-20s %-20s %-22s %-22s %6s %6s\n", "set", "configuration",
                "FTE", "FNMR 1 try", "FNMR best of 3", "FMR", "2F either 1 try", "2F either 3 tries",
                "2F both 3 tries", "2F FMR either 1 try", "2F FMR either 3 tries", "minGen", "maxImp");
    for (const auto& r : results)
        std::printf("%-15s %-40s %4d %-20s %-20s %-20s %-20s %-20s %-20s %-22s %-22s %6d %6d\n", r.set.c_str(),
                    r.config.c_str(), r.fte, r.fnmr1.str().c_str(), r.fnmr3.str().c_str(), r.fmr.str().c_str(),
                    r.pairEither1.str().c_str(), r.pairEither3.str().c_str(), r.pairBoth3.str().c_str(),
                    r.pairFmrEither1.str().c_str(), r.pairFmrEither3.str().c_str(), r.minGenuine, r.maxImpostor);

    // Throughput of the full lane path (quality gate + enhancement + libfprint verify).
    const fs::path db1 = data / "fvc2000_db1_b";
    if (fs::is_directory(db1)) {
        auto reader = fp::LibfprintReader::create(fp::ReaderOptions{}, std::make_shared<fp::SimFingerSensor>());
        if (!reader.ok()) return 1;
        std::vector<fp::FingerImage> enr;
        for (int i = 1; i <= 5; ++i) enr.push_back({*fp::loadGrayImage(db1 / ("101_" + std::to_string(i) + ".png")), 500});
        auto e = (*reader)->enrollImages(enr, {}, 30s);
        if (e.ok()) {
            int n = 0;
            const auto tv = std::chrono::steady_clock::now();
            for (int f = 101; f <= 110; ++f)
                for (int i = 6; i <= 8; ++i) {
                    auto img = fp::loadGrayImage(db1 / (std::to_string(f) + "_" + std::to_string(i) + ".png"));
                    auto v = (*reader)->verifyImage(e->print, {*img, 500}, 20s);
                    n += v.ok();
                }
            const double ms = msSince(tv);
            std::printf("verify (gate + enhancement + libfprint verify, default config), %d probes: %.1f ms each, "
                        "%.1f verifies/s\n", n, ms / n, 1000.0 * n / ms);
        }
    }
    std::printf("total bench time %.1f s\n", msSince(t0) / 1000);
    return 0;
}
