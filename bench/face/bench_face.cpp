// bench_face: face accuracy (johns: descriptor level; bbt: full pipeline) and speed per stage
// on 640x480 frames, with 1 and 2 OpenBLAS threads and with the reference BLAS.
//   bench_face               everything (speed runs re-start this binary with other envs)
//   bench_face --speed       speed table only, in the current environment
//   env KIOSK_BUILD_DIR (model, demo faces), KIOSK_SHARED_DIR (../shared)
#include <algorithm>
#include <chrono>
#include <ctime>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "devices/face.h"
#include "devices/face/dlib_face_engine.h"
#include "devices/face/face_tools.h"

namespace fs = std::filesystem;
using namespace kiosk;
using namespace kiosk::devices;
using namespace kiosk::devices::face;

namespace {

fs::path buildDir() {
    const char* e = std::getenv("KIOSK_BUILD_DIR");
    return e ? fs::path(e) : fs::path(KIOSK_BUILD_DIR_DEFAULT);
}
fs::path sharedData() {
    const char* e = std::getenv("KIOSK_SHARED_DIR");
    return (e ? fs::path(e) : fs::path(KIOSK_SHARED_DIR_DEFAULT)) / "data";
}

FaceEngineOptions options(int upsample) {
    FaceEngineOptions o;
    o.recognitionModelPath = (buildDir() / "models" / "dlib_face_recognition_resnet.dat").string();
    const fs::path sp = buildDir() / "models" / "shape_predictor_68_face_landmarks.dat";
    if (fs::exists(sp)) o.shapePredictorPath = sp.string();
    o.detectUpsample = upsample;
    return o;
}

std::unique_ptr<DlibFaceEngine> engineOrDie(int upsample) {
    auto e = DlibFaceEngine::create(options(upsample));
    if (!e.ok()) {
        std::fprintf(stderr, "bench_face: %s: %s\n", e.error().code.c_str(), e.error().message.c_str());
        std::exit(1);
    }
    return std::move(e).value();
}

struct Scores {
    std::vector<double> genuine, impostor;
};

double quantile(std::vector<double> v, double q) {
    if (v.empty()) return NAN;
    std::sort(v.begin(), v.end());
    const double pos = q * (v.size() - 1);
    const std::size_t i = static_cast<std::size_t>(pos);
    return i + 1 < v.size() ? v[i] + (pos - i) * (v[i + 1] - v[i]) : v[i];
}

double rate(const std::vector<double>& v, double t, bool above) {
    if (v.empty()) return NAN;
    std::size_t n = 0;
    for (double x : v) n += above ? (x > t) : (x <= t);
    return 100.0 * n / v.size();
}

void printAccuracy(const char* name, const Scores& s, double threshold) {
    std::printf("\n%s: %zu genuine pairs, %zu impostor pairs\n", name, s.genuine.size(), s.impostor.size());
    std::printf("  %-9s %6s %6s %6s %6s %6s %6s\n", "distance", "min", "p1", "median", "mean", "p99", "max");
    for (auto [label, v] : {std::pair{"genuine", &s.genuine}, std::pair{"impostor", &s.impostor}}) {
        double mean = 0;
        for (double x : *v) mean += x;
        mean /= std::max<std::size_t>(1, v->size());
        std::printf("  %-9s %6.3f %6.3f %6.3f %6.3f %6.3f %6.3f\n", label, quantile(*v, 0), quantile(*v, 0.01),
                    quantile(*v, 0.5), mean, quantile(*v, 0.99), quantile(*v, 1));
    }
    // Threshold at FMR <= 0.1 %: the largest t with at most floor(0.001 * n) impostors <= t.
    std::vector<double> imp = s.impostor;
    std::sort(imp.begin(), imp.end());
    const std::size_t allowed = static_cast<std::size_t>(std::floor(0.001 * imp.size()));
    const double tFmr = imp.empty() ? NAN : std::nextafter(imp[std::min(allowed, imp.size() - 1)], 0.0);
    std::printf("  at FMR <= 0.1 %% (threshold %.3f, <= %zu false matches of %zu): FNMR %.2f %%\n", tFmr, allowed,
                imp.size(), rate(s.genuine, tFmr, true));
    const std::size_t allowed05 = static_cast<std::size_t>(std::floor(0.0005 * imp.size()));
    const double t05 = imp.empty() ? NAN : std::nextafter(imp[std::min(allowed05, imp.size() - 1)], 0.0);
    std::printf("  at FMR <= 0.05 %% (threshold %.3f): FNMR %.2f %%\n", t05, rate(s.genuine, t05, true));
    std::printf("  at the threshold %.2f: FNMR %.2f %%, FMR %.3f %%\n", threshold, rate(s.genuine, threshold, true),
                rate(s.impostor, threshold, false));
    double eer = 100, eerT = 0;
    for (double t = 0.2; t <= 0.9; t += 0.0005) {
        const double fnmr = rate(s.genuine, t, true), fmr = rate(s.impostor, t, false);
        if (fnmr <= fmr) {  // first crossing
            eer = (fnmr + fmr) / 2;
            eerT = t;
            break;
        }
    }
    std::printf("  EER %.2f %% (at %.3f); gap between largest genuine and smallest impostor: %.3f\n", eer, eerT,
                quantile(s.impostor, 0) - quantile(s.genuine, 1));
}

Scores pairs(const std::vector<std::pair<int, FaceDescriptor>>& d) {
    Scores s;
    for (std::size_t i = 0; i < d.size(); ++i)
        for (std::size_t j = i + 1; j < d.size(); ++j)
            (d[i].first == d[j].first ? s.genuine : s.impostor).push_back(faceDistance(d[i].second, d[j].second));
    return s;
}

std::vector<std::pair<std::string, std::vector<fs::path>>> identities(const fs::path& root) {
    std::vector<std::pair<std::string, std::vector<fs::path>>> out;
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

void accuracy() {
    const fs::path faces = sharedData() / "faces";
    if (!fs::is_directory(faces)) {
        std::printf("accuracy: %s absent, skipped\n", faces.string().c_str());
        return;
    }
    const double threshold = FaceEngineOptions{}.matchThreshold;
    {
        auto e = engineOrDie(0);
        std::printf("reference descriptors (face-api JS, same weights): ");
        for (int i = 1; i <= 2; ++i) {
            auto img = loadImageFile(faces / "reference" / ("face" + std::to_string(i) + ".png"));
            std::ifstream f(faces / "reference" / ("faceDescriptor" + std::to_string(i) + ".json"));
            auto j = nlohmann::json::parse(f);
            FaceDescriptor r{};
            for (std::size_t k = 0; k < 128; ++k) r[k] = j[k].get<float>();
            auto d = e->describeChip(*img);
            std::printf("face%d %.4f  ", i, d.ok() ? faceDistance(*d, r) : NAN);
        }
        std::printf("(Euclidean)\n");
        std::vector<std::pair<int, FaceDescriptor>> d;
        int id = 0;
        for (const auto& [name, files] : identities(faces / "johns")) {
            for (const auto& f : files) {
                auto img = loadImageFile(f);
                if (!img.ok()) continue;
                auto x = e->describeChip(*img);
                if (x.ok()) d.emplace_back(id, *x);
            }
            ++id;
        }
        std::printf("johns: %d identities, %zu chips (aligned 150x150, descriptor only)", id, d.size());
        printAccuracy("johns (descriptor level)", pairs(d), threshold);
    }
    {
        auto e = engineOrDie(1);
        std::vector<std::pair<int, FaceDescriptor>> d;
        int id = 0, images = 0, fta = 0;
        for (const auto& [name, files] : identities(faces / "bbt")) {
            for (const auto& f : files) {
                ++images;
                auto img = loadImageFile(f);
                auto x = img.ok() ? e->process(*img, DescriptorPolicy::Always) : core::Result<FrameDetail>(img.error());
                if (x.ok() && x->analysis.hasDescriptor)
                    d.emplace_back(id, x->analysis.descriptor);
                else
                    ++fta;
            }
            ++id;
        }
        std::printf("\nbbt: %d identities, %d images, %d failed to acquire (no face found: detect upsample 1)", id,
                    images, fta);
        printAccuracy("bbt (full pipeline: detect, landmarks, chip, descriptor)", pairs(d), threshold);
    }
}

Image frame640(const Image& src) {
    // The 400x400 demo crop scaled to 480x480 and centred in a 640x480 grey frame.
    Image f;
    f.format = PixelFormat::Bgr8;
    f.width = 640;
    f.height = 480;
    f.pixels.assign(f.stride() * f.height, 110);
    for (int r = 0; r < 480; ++r)
        for (int c = 0; c < 480; ++c)
            for (int k = 0; k < 3; ++k)
                f.pixels[r * f.stride() + (c + 80) * 3 + k] =
                    src.pixels[(r * src.height / 480) * src.stride() + (c * src.width / 480) * src.channels() +
                               (src.channels() == 3 ? k : 0)];
    return f;
}

double median(std::vector<double> v) { return quantile(std::move(v), 0.5); }

// CPU time of the whole process (all threads): on a loaded shared machine wall time
// includes waiting for a core; CPU time is what the work costs on an idle core.
double cpuMs() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

void speed(const char* label) {
    auto e = engineOrDie(0);
    const fs::path demo = buildDir() / "demo" / "faces";
    std::vector<Image> frames;
    for (int p = 1; p <= 3; ++p) {
        auto img = loadImageFile(demo / ("p" + std::to_string(p)) / "enrol.png");
        if (!img.ok()) {
            std::fprintf(stderr, "bench_face: demo faces missing (%s): run scripts/setup\n", img.error().message.c_str());
            std::exit(1);
        }
        frames.push_back(frame640(*img));
    }
    FaceDescriptor enrolled{};
    std::vector<double> det, lm, chip, desc, total, cpu;
    const int runs = 15;
    for (int i = 0; i < runs + 2; ++i) {
        StageTimes t;
        const auto t0 = std::chrono::steady_clock::now();
        const double c0 = cpuMs();
        auto d = e->process(frames[static_cast<std::size_t>(i) % frames.size()], DescriptorPolicy::Always, &t);
        volatile double dist = d.ok() ? faceDistance(d->analysis.descriptor, enrolled) : 0;  // the decision
        (void)dist;
        const double all = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        const double c = cpuMs() - c0;
        if (i < 2) continue;  // warm-up
        cpu.push_back(c);
        det.push_back(t.detect);
        lm.push_back(t.landmarks);
        chip.push_back(t.chip);
        desc.push_back(t.descriptor);
        total.push_back(all);
    }
    // A whole verify(): 6-frame live sequence (liveness on all, descriptors until a match).
    std::vector<Frame> seq;
    for (int k = 0; k < 6; ++k) {
        auto img = loadImageFile(demo / "p1" / ("probe_" + std::to_string(k) + ".png"));
        if (img.ok()) seq.push_back(Frame{frame640(*img), {}, static_cast<uint64_t>(k)});
    }
    auto enr = e->process(frames[0], DescriptorPolicy::Always);
    std::vector<double> ver;
    for (int i = 0; i < 4; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        auto m = e->verify(seq, {enr->analysis.descriptor});
        ver.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
    // Descriptor alone, CPU time (chips of the three frames).
    std::vector<double> descCpu;
    for (int i = 0; i < 8; ++i) {
        auto d = e->process(frames[static_cast<std::size_t>(i) % frames.size()], DescriptorPolicy::Never);
        if (!d.ok() || d->rgbChip.empty()) continue;
        Image chipImg;
        chipImg.width = chipImg.height = 150;
        chipImg.format = PixelFormat::Bgr8;
        chipImg.pixels = d->rgbChip;
        for (std::size_t k = 0; k < chipImg.pixels.size(); k += 3) std::swap(chipImg.pixels[k], chipImg.pixels[k + 2]);
        const double c0 = cpuMs();
        auto x = e->describeChip(chipImg);
        descCpu.push_back(cpuMs() - c0);
    }
    std::printf("| %-30s | %6.1f | %9.1f | %4.1f | %10.1f | %11.1f | %13.0f | %8.1f | %9.1f |\n", label, median(det),
                median(lm), median(chip), median(desc), median(total), median(ver), median(descCpu), median(cpu));
}

}  // namespace

int main(int argc, char** argv) {
    if (argc > 2 && std::string(argv[1]) == "--speed") {
        speed(argv[2]);
        return 0;
    }
    std::printf("bench_face (model %s)\n", (buildDir() / "models" / "dlib_face_recognition_resnet.dat").c_str());
    accuracy();
    std::printf("\nspeed, 640x480 frames, median ms (detect on the frame shrunk to 320 px, no upsampling)\n");
    std::printf("wall-clock ms per stage; the last two columns are CPU ms (all threads) for the descriptor alone\n"
                "and for the whole frame -- what it costs on an idle machine. Load average now: ");
    {
        std::ifstream la("/proc/loadavg");
        std::string a;
        la >> a;
        std::printf("%s\n", a.c_str());
    }
    std::printf("| %-30s | %6s | %9s | %4s | %10s | %11s | %13s | %8s | %9s |\n", "configuration", "detect", "landmarks",
                "chip", "descriptor", "whole frame", "verify 6 fr.", "desc CPU", "frame CPU");
    std::printf("|%s|%s|%s|%s|%s|%s|%s|%s|%s|\n", std::string(32, '-').c_str(), std::string(8, '-').c_str(),
                std::string(11, '-').c_str(), std::string(6, '-').c_str(), std::string(12, '-').c_str(),
                std::string(13, '-').c_str(), std::string(15, '-').c_str(), std::string(10, '-').c_str(),
                std::string(11, '-').c_str());
    std::fflush(stdout);
    const std::string self = fs::canonical("/proc/self/exe").string();
    const std::string blasRef = "/usr/lib/x86_64-linux-gnu/blas";
    struct Run {
        const char* env;
        const char* label;
    };
    const std::string refEnv = "LD_LIBRARY_PATH=" + blasRef + " OPENBLAS_NUM_THREADS=1 taskset -c 0";
    const Run runs[] = {
        {"OPENBLAS_NUM_THREADS=1 taskset -c 0", "OpenBLAS, 1 thread, 1 core"},
        {"OPENBLAS_NUM_THREADS=2", "OpenBLAS, 2 threads, 2 cores"},
        {refEnv.c_str(), "reference BLAS, 1 core"},
    };
    for (const auto& r : runs) {
        if (std::string(r.env).find(blasRef) != std::string::npos && !fs::exists(blasRef + "/libblas.so.3")) {
            std::printf("| %-30s | (no %s/libblas.so.3: package libblas3) |\n", r.label, blasRef.c_str());
            continue;
        }
        const std::string cmd = std::string("env ") + r.env + " '" + self + "' --speed '" + r.label + "'";
        if (std::system(cmd.c_str()) != 0) std::printf("| %-30s | failed |\n", r.label);
        std::fflush(stdout);
    }
    return 0;
}
