// bench_face: face accuracy (johns: descriptor level; bbt: full pipeline) for both recognisers
// and speed per stage on 640x480 frames, with 1 and 2 OpenBLAS threads and with the reference BLAS.
//   bench_face               johns, bbt and speed (speed runs re-start this binary with other envs)
//   bench_face --speed LABEL [dlib_resnet|onnx]   speed table row only, in the current environment
//   bench_face --johns-bbt   johns and bbt only (both recognisers), no speed runs
//   bench_face --speed720 [dlib_resnet|onnx]   CPU per stage on 1280x720 lane frames (first / tracked)
//   bench_face --lfw-align DIR [STEP]   the ONNX recogniser's preprocessing variants (bench_face_align.cpp)
//   bench_face --lfw-detect DIR [MIN_FACE_PX [MAX_SIDE [UPSAMPLE]]]   LFW detection only
//   bench_face --lfw-norm [DIR [CACHE]]   score normalisation against a cohort (bench_face_norm.cpp)
//   bench_face --lfw [DIR [dlib_resnet|onnx]]   LFW (default ../shared/data/faces/lfw): bench_face_lfw.cpp; run it
//                            pinned: OPENBLAS_NUM_THREADS=1 taskset -c 0 bench_face --lfw
//   ... --config kiosk.json  (last) run with that configuration's "face" section
//   env KIOSK_BUILD_DIR (models, demo faces), KIOSK_SHARED_DIR (../shared)
#include <algorithm>
#include <chrono>
#include <ctime>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/face/bench_face_lfw.h"
#include "bench/face/face_scores.h"
#include "core/config.h"
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

// --config FILE: a kiosk configuration whose "face" section the bench runs with (the
// recogniser is still chosen per measurement).
core::Json gConfig = core::Json::object();
std::string gConfigDir = ".";

FaceEngineOptions options(int upsample, FaceRecogniser r = kDefaultRecogniser) {
    if (!gConfig.empty()) {
        core::Json j = gConfig;
        j["face"]["recogniser"] = toString(r);
        auto o = faceEngineOptionsFromKioskConfig(core::ConfigView(j), gConfigDir, (buildDir() / "models").string());
        if (!o.ok()) {
            std::fprintf(stderr, "bench_face: %s\n", o.error().message.c_str());
            std::exit(2);
        }
        return *o;
    }
    FaceEngineOptions o;
    o.recogniser = r;
    o.matchThreshold = defaultThreshold(r);
    o.recognitionModelPath = (buildDir() / "models" / "dlib_face_recognition_resnet.dat").string();
    o.onnx.modelPath = (buildDir() / "models" / kOnnxModelFile).string();
    const fs::path sp = buildDir() / "models" / "shape_predictor_68_face_landmarks.dat";
    if (fs::exists(sp)) o.shapePredictorPath = sp.string();
    o.detectUpsample = upsample;
    return o;
}

std::unique_ptr<DlibFaceEngine> engineOrDie(int upsample, FaceRecogniser r = kDefaultRecogniser) {
    auto e = DlibFaceEngine::create(options(upsample, r));
    if (!e.ok()) {
        std::fprintf(stderr, "bench_face: %s: %s\n", e.error().code.c_str(), e.error().message.c_str());
        std::exit(1);
    }
    return std::move(e).value();
}

double quantile(std::vector<double> v, double q) {
    if (v.empty()) return NAN;
    std::sort(v.begin(), v.end());
    const double pos = q * (v.size() - 1);
    const std::size_t i = static_cast<std::size_t>(pos);
    return i + 1 < v.size() ? v[i] + (pos - i) * (v[i + 1] - v[i]) : v[i];
}

bench::face::Scores pairs(const DlibFaceEngine& e, const std::vector<std::pair<int, FaceDescriptor>>& d) {
    bench::face::Scores s;
    for (std::size_t i = 0; i < d.size(); ++i)
        for (std::size_t j = i + 1; j < d.size(); ++j)
            (d[i].first == d[j].first ? s.genuine : s.impostor)
                .push_back(static_cast<float>(e.distance(d[i].second, d[j].second)));
    return s;
}

void accuracy() {
    const fs::path faces = sharedData() / "faces";
    if (!fs::is_directory(faces)) {
        std::printf("accuracy: %s absent, skipped\n", faces.string().c_str());
        return;
    }
  for (FaceRecogniser rec : {FaceRecogniser::DlibResnet, FaceRecogniser::Onnx}) {
    const char* rn = toString(rec);
    {
        auto e = engineOrDie(0, rec);
        const double threshold = e->options().matchThreshold;
        if (rec == FaceRecogniser::DlibResnet) {
        std::printf("reference descriptors (face-api JS, same weights): ");
        for (int i = 1; i <= 2; ++i) {
            auto img = loadImageFile(faces / "reference" / ("face" + std::to_string(i) + ".png"));
            std::ifstream f(faces / "reference" / ("faceDescriptor" + std::to_string(i) + ".json"));
            auto j = nlohmann::json::parse(f);
            FaceDescriptor r(128);
            for (std::size_t k = 0; k < 128; ++k) r[k] = j[k].get<float>();
            auto d = e->describeChip(*img);
            std::printf("face%d %.4f  ", i, d.ok() ? faceDistance(*d, r) : NAN);
        }
        std::printf("(Euclidean)\n");
        }
        std::vector<std::pair<int, FaceDescriptor>> d;
        int id = 0;
        for (const auto& [name, files] : bench::face::identitiesOf(faces / "johns")) {
            for (const auto& f : files) {
                auto img = loadImageFile(f);
                if (!img.ok()) continue;
                auto x = e->describeChip(*img);
                if (x.ok()) d.emplace_back(id, *x);
            }
            ++id;
        }
        std::printf("johns: %d identities, %zu chips (aligned 150x150, descriptor only)", id, d.size());
        bench::face::printRates(std::string("johns (descriptor level), ") + rn, pairs(*e, d), threshold);
    }
    {
        auto e = engineOrDie(1, rec);
        std::vector<std::pair<int, FaceDescriptor>> d;
        int id = 0, images = 0, fta = 0;
        for (const auto& [name, files] : bench::face::identitiesOf(faces / "bbt")) {
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
        bench::face::printRates(std::string("bbt (full pipeline: detect, landmarks, chip, descriptor), ") + rn,
                                pairs(*e, d), e->options().matchThreshold);
    }
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

void speed(const char* label, FaceRecogniser rec) {
    auto e = engineOrDie(0, rec);
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
    FaceDescriptor enrolled(e->descriptorSize(), 0.0f);
    std::vector<double> det, lm, chip, desc, total, cpu;
    const int runs = 15;
    for (int i = 0; i < runs + 2; ++i) {
        StageTimes t;
        const auto t0 = std::chrono::steady_clock::now();
        const double c0 = cpuMs();
        auto d = e->process(frames[static_cast<std::size_t>(i) % frames.size()], DescriptorPolicy::Always, &t);
        volatile double dist = d.ok() ? e->distance(d->analysis.descriptor, enrolled) : 0;  // the decision
        (void)dist;
        const double all = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        const double c = cpuMs() - c0;
        if (i < 2) continue;  // warm-up
        cpu.push_back(c);
        det.push_back(t.detectCpu);
        lm.push_back(t.landmarksCpu);
        chip.push_back(t.chipCpu + t.alignCpu);
        desc.push_back(t.descriptorCpu);
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
    std::vector<double> descCpu = desc;
    std::printf("| %-30s | %6.1f | %9.1f | %4.1f | %10.1f | %11.1f | %13.0f | %8.1f | %9.1f |\n", label, median(det),
                median(lm), median(chip), median(desc), median(total), median(ver), median(descCpu), median(cpu));
}

// The demo crop (400x400, eye distance ~66 px: a traveller about 0.9 m from a 70° 1280x720
// camera, docs/face.md "Detection") unscaled at the centre of a grey 1280x720 lane frame.
Image frame720(const Image& src) {
    Image f;
    f.format = PixelFormat::Bgr8;
    f.width = 1280;
    f.height = 720;
    f.pixels.assign(f.stride() * f.height, 110);
    const int x0 = (1280 - src.width) / 2, y0 = (720 - src.height) / 2;
    for (int r = 0; r < src.height; ++r)
        for (int c = 0; c < src.width; ++c)
            for (int k = 0; k < 3; ++k)
                f.pixels[(r + y0) * f.stride() + (c + x0) * 3 + k] =
                    src.pixels[r * src.stride() + c * src.channels() + (src.channels() == 3 ? k : 0)];
    return f;
}

// --speed720 [dlib_resnet|onnx]: CPU per stage on 1280x720 lane frames, with the options of
// --config (the lane's face section) or the defaults: a frame without a tracked face (the
// first of a traveller: coarse pass, then the fine pass) and the frames of a sequence after it
// (track pass). Process CPU time (all threads); run pinned to one core.
void speed720(FaceRecogniser rec) {
    auto e = engineOrDie(0, rec);
    const fs::path demo = buildDir() / "demo" / "faces";
    std::vector<std::vector<Image>> people;
    for (int p = 1; p <= 3; ++p) {
        std::vector<Image> seq;
        for (const std::string n : {"enrol", "probe_0", "probe_1", "probe_2", "probe_3", "probe_4", "probe_5"}) {
            auto img = loadImageFile(demo / ("p" + std::to_string(p)) / (n + ".png"));
            if (!img.ok()) {
                std::fprintf(stderr, "bench_face: demo faces missing (%s): run scripts/setup\n", img.error().message.c_str());
                std::exit(1);
            }
            seq.push_back(frame720(*img));
        }
        people.push_back(std::move(seq));
    }
    const auto& o = e->options();
    std::printf("1280x720 frames, recogniser %s (flip_test %s), detect_max_side %d, detect_min_face_px %d, track %s\n",
                toString(o.recogniser), o.onnx.flipTest ? "on" : "off", o.detectMaxSide, o.detectMinFacePx,
                o.track ? "on" : "off");
    std::printf("| frame | pass | n | detect | landmarks | chip+quality | align | descriptor | whole frame |\n");
    std::printf("| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
    for (int tracked = 0; tracked < 2; ++tracked) {
        std::vector<double> det, lm, chip, al, desc, total;
        std::map<std::string, int> passes;
        for (int round = 0; round < 4; ++round)
            for (const auto& seq : people) {
                e->forgetTrack();
                for (std::size_t i = 0; i < seq.size(); ++i) {
                    StageTimes t;
                    auto d = e->process(seq[i], DescriptorPolicy::Always, &t);
                    if (!d.ok() || !d->analysis.hasDescriptor) {
                        std::fprintf(stderr, "bench_face: no descriptor on a 1280x720 frame\n");
                        continue;
                    }
                    if ((i == 0) != (tracked == 0) || round == 0) continue;  // round 0: warm-up
                    ++passes[t.pass];
                    det.push_back(t.detectCpu);
                    lm.push_back(t.landmarksCpu);
                    chip.push_back(t.chipCpu);
                    al.push_back(t.alignCpu);
                    desc.push_back(t.descriptorCpu);
                    total.push_back(t.totalCpu);
                }
            }
        std::string ps;
        for (const auto& [p, n] : passes) ps += (ps.empty() ? "" : ", ") + p + " " + std::to_string(n);
        std::printf("| %s | %s | %zu | %.1f | %.1f | %.1f | %.2f | %.1f | **%.1f** |\n",
                    tracked ? "in a sequence (face tracked)" : "first (no tracked face)", ps.c_str(), total.size(),
                    median(det), median(lm), median(chip), median(al), median(desc), median(total));
    }
}

}  // namespace

int main(int argc, char** argv) {
    if (argc > 2 && std::string(argv[argc - 2]) == "--config") {
        auto j = core::loadJsonFile(argv[argc - 1]);
        if (!j.ok()) {
            std::fprintf(stderr, "bench_face: %s\n", j.error().message.c_str());
            return 2;
        }
        gConfig = *j;
        gConfigDir = fs::path(argv[argc - 1]).parent_path().string();
        argc -= 2;
    }
    if (argc > 1 && std::string(argv[1]) == "--johns-bbt") {  // accuracy on johns and bbt only, both recognisers
        accuracy();
        return 0;
    }
    if (argc > 1 && std::string(argv[1]) == "--speed720") {
        speed720(argc > 2 && std::string(argv[2]) == "dlib_resnet" ? FaceRecogniser::DlibResnet : FaceRecogniser::Onnx);
        return 0;
    }
    if (argc > 2 && std::string(argv[1]) == "--speed") {
        speed(argv[2], argc > 3 && std::string(argv[3]) == "dlib_resnet" ? FaceRecogniser::DlibResnet
                                                                          : FaceRecogniser::Onnx);
        return 0;
    }
    if (argc > 1 && std::string(argv[1]) == "--lfw") {
        const fs::path dir = argc > 2 ? fs::path(argv[2]) : sharedData() / "faces" / "lfw";
        if (!fs::is_directory(dir)) {
            std::printf("LFW: %s absent\n", dir.c_str());
            return 1;
        }
        std::vector<int> which{0, 1};  // --lfw DIR dlib_resnet|onnx: one recogniser only
        if (argc > 3) which = {std::string(argv[3]) == "dlib_resnet" ? 0 : 1};
        return bench::face::runLfw(dir, [](FaceRecogniser r) { return options(0, r); }, which);
    }
    if (argc > 2 && std::string(argv[1]) == "--pose") {  // --pose FILE...
        return bench::face::runPose(std::vector<fs::path>(argv + 2, argv + argc), options(0));
    }
    if (argc > 1 && std::string(argv[1]) == "--lfw-norm") {  // --lfw-norm [DIR [CACHE]]
        const fs::path dir = argc > 2 ? fs::path(argv[2]) : sharedData() / "faces" / "lfw";
        const fs::path cache = argc > 3 ? fs::path(argv[3]) : fs::path("logs/lfw_onnx_descriptors.bin");
        return bench::face::runLfwNorm(dir, sharedData() / "faces", cache, options(0, FaceRecogniser::Onnx));
    }
    if (argc > 1 && std::string(argv[1]) == "--lfw-align") {  // --lfw-align DIR [STEP]
        const fs::path dir = argc > 2 ? fs::path(argv[2]) : sharedData() / "faces" / "lfw";
        return bench::face::runLfwAlign(dir, options(0, FaceRecogniser::Onnx), argc > 3 ? std::atoi(argv[3]) : 1);
    }
    if (argc > 1 && std::string(argv[1]) == "--lfw-detect") {  // --lfw-detect DIR [MIN_FACE_PX [MAX_SIDE [UPSAMPLE]]]
        const fs::path dir = argc > 2 ? fs::path(argv[2]) : sharedData() / "faces" / "lfw";
        FaceEngineOptions o = options(0);
        if (argc > 3) o.detectMinFacePx = std::atoi(argv[3]);
        if (argc > 4) o.detectMaxSide = std::atoi(argv[4]);
        if (argc > 5) o.detectUpsample = std::atoi(argv[5]);
        return bench::face::runLfwDetection(dir, o);
    }
    std::printf("bench_face (model %s)\n", (buildDir() / "models" / "dlib_face_recognition_resnet.dat").c_str());
    accuracy();
    std::printf("\nspeed, 640x480 frames, median ms (coarse detection on the frame shrunk to 320 px)\n");
    std::printf("CPU ms (process, all threads) per stage -- what it costs on an idle machine; 'whole frame' and\n"
                "'verify 6 fr.' are wall clock. Load average now: ");
    {
        std::ifstream la("/proc/loadavg");
        std::string a;
        la >> a;
        std::printf("%s\n", a.c_str());
    }
    std::printf("| %-30s | %6s | %9s | %4s | %10s | %11s | %13s | %8s | %9s |\n", "configuration", "detect", "landmarks",
                "chip+align", "descriptor", "whole frame", "verify 6 fr.", "desc CPU", "frame CPU");
    std::printf("|%s|%s|%s|%s|%s|%s|%s|%s|%s|\n", std::string(32, '-').c_str(), std::string(8, '-').c_str(),
                std::string(11, '-').c_str(), std::string(6, '-').c_str(), std::string(12, '-').c_str(),
                std::string(13, '-').c_str(), std::string(15, '-').c_str(), std::string(10, '-').c_str(),
                std::string(11, '-').c_str());
    std::fflush(stdout);
    const std::string self = fs::canonical("/proc/self/exe").string();
    const std::string blasRef = "/usr/lib/x86_64-linux-gnu/blas";
    const std::string refEnv = "LD_LIBRARY_PATH=" + blasRef + " OPENBLAS_NUM_THREADS=1 taskset -c 0";
    struct RecRun {
        const char* env;
        const char* label;
        const char* rec;
    };
    const RecRun runs[] = {
        {"OPENBLAS_NUM_THREADS=1 taskset -c 0", "onnx, 1 core", "onnx"},
        {"OPENBLAS_NUM_THREADS=1 taskset -c 0", "dlib, OpenBLAS, 1 core", "dlib_resnet"},
        {"OPENBLAS_NUM_THREADS=2", "dlib, OpenBLAS, 2 threads", "dlib_resnet"},
        {refEnv.c_str(), "dlib, reference BLAS, 1 core", "dlib_resnet"},
    };
    for (const auto& r : runs) {
        if (std::string(r.env).find(blasRef) != std::string::npos && !fs::exists(blasRef + "/libblas.so.3")) {
            std::printf("| %-30s | (no %s/libblas.so.3: package libblas3) |\n", r.label, blasRef.c_str());
            continue;
        }
        const std::string cmd = std::string("env ") + r.env + " '" + self + "' --speed '" + r.label + "' " + r.rec;
        if (std::system(cmd.c_str()) != 0) std::printf("| %-30s | failed |\n", r.label);
        std::fflush(stdout);
    }
    return 0;
}
