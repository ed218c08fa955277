// bench_registration: the registration machine's device work, on real libraries.
//  1. Machine time per registration: two fingers through the machine's loop (the pure
//     registration machine's CaptureFingers state driven by registration::runFingerLoop,
//     whose FingerCapture is the one RegistrationShell runs: libfprint 5-impression
//     enrolment on the simulated image sensor, then verifies until one matches — the
//     finger placed again up to RegistrationConfig::fingerVerifyAttempts times — up to
//     fingerAttempts rounds) and the face step (dlib quality on a 6-frame
//     live sequence of build/demo/faces, descriptors of the good frames, the lane's
//     liveness check on the same sequence).
//  2. Failure to enrol per fingerprint set in ../shared/data/fingerprints: every finger
//     (10 per set, impressions 1..8) enrolled by plain libfprint (impressions 1-5, no
//     gate, no enhancement) and through the machine's quality loop (the resident presents
//     the finger again whenever asked: impressions in order 1..8, then from 1 again).
//     Fingers plain libfprint enrols but the loop does not are listed: they must not exist.
// Options: --data DIR (fingerprint sets), --build-dir DIR (models, demo faces),
// --residents N (per set for the timing, default 5), --sets a,b (only these sets).
// Prints markdown tables (docs/benchmarks.md, "Registration (bench_registration)").
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "core/log.h"
#include "devices/face.h"
#include "devices/fingerprint/finger_image_source.h"
#include "devices/fingerprint/libfprint_reader.h"
#include "kiosk/registration/finger_capture.h"
#include "kiosk/registration/registration_shell.h"

namespace fs = std::filesystem;
namespace fp = kiosk::devices::fingerprint;
using namespace kiosk;
using namespace std::chrono_literals;

namespace {

constexpr int kFingers = 10, kImpr = 8;
constexpr int kFaceFrames = 6, kFaceDescriptors = 3, kFaceRounds = 3;

using Steady = std::chrono::steady_clock;
double msSince(Steady::time_point t) { return std::chrono::duration<double, std::milli>(Steady::now() - t).count(); }

int setPpi(const std::string& set) {
    if (set == "fvc2002_db2_b") return 569;
    if (set == "fvc2004_db3_b") return 512;
    return 500;
}

struct FingerSet {
    std::string name;
    std::vector<std::vector<fp::FingerImage>> images;  // [finger][impression]
};

bool loadSet(const fs::path& dir, FingerSet& out) {
    out.name = dir.filename().string();
    out.images.assign(kFingers, {});
    for (int f = 0; f < kFingers; ++f)
        for (int i = 0; i < kImpr; ++i) {
            char name[32];
            std::snprintf(name, sizeof name, "%03d_%d.png", 101 + f, i + 1);
            auto img = fp::loadGrayImage(dir / name);
            if (!img.ok()) {
                std::fprintf(stderr, "bench_registration: %s\n", img.error().message.c_str());
                return false;
            }
            out.images[f].push_back({std::move(img).value(), setPpi(out.name)});
        }
    return true;
}

// One finger through the machine's loop. The sensor holds the resident's presentations.
struct FingerOutcome {
    bool enrolled = false;
    int rounds = 0;          // enrolment rounds used
    int verifies = 0;        // verify presentations (refused by the gate or matched against)
    int captures = 0;        // images the sensor handed out
    int qualityRefusals = 0; // captures refused by the gate (the resident was guided)
    std::string lastError;
    std::string hints;       // guidance shown, in order
    bool acceptedOnRepeat = false;  // the matching verify capture was an impression the enrolment also used
    double ms = 0;
};

// The reader as the loop sees it, noting which of the sensor's captures each call took:
// the 8 impressions of a finger are replayed in a cycle, so a verify capture can be the
// very image an enrolment used (a real resident's presentations are all fresh). The table
// says when a finger was accepted that way.
class Witness final : public devices::FingerprintReader {
public:
    Witness(fp::LibfprintReader& r, fp::SimFingerSensor& s, std::size_t base, std::vector<bool> passesGate)
        : r_(r), s_(s), base_(base), passes_(std::move(passesGate)) {}
    core::Result<devices::FingerEnrolment> enroll(const Progress& p, core::Millis t) override {
        const auto a = s_.captured();
        auto e = r_.enroll(p, t);
        enrolled_.assign(passes_.size(), false);
        for (auto n = a; n < s_.captured(); ++n) {
            const auto i = (n - base_) % passes_.size();
            if (passes_[i]) enrolled_[i] = true;
        }
        return e;
    }
    core::Result<devices::FingerVerify> verify(const std::vector<uint8_t>& print, core::Millis t) override {
        const auto a = s_.captured();
        auto v = r_.verify(print, t);
        if (v.ok() && v->match && !enrolled_.empty()) repeat_ = enrolled_[(a - base_) % passes_.size()];
        return v;
    }
    void cancel() override { r_.cancel(); }
    devices::FingerGuidance lastEnrolGuidance() const override { return r_.lastEnrolGuidance(); }
    devices::DeviceHealth health() const override { return r_.health(); }
    bool acceptedOnRepeat() const { return repeat_; }

private:
    fp::LibfprintReader& r_;
    fp::SimFingerSensor& s_;
    std::size_t base_;
    std::vector<bool> passes_, enrolled_;
    bool repeat_ = false;
};

FingerOutcome fingerLoop(fp::LibfprintReader& reader, fp::SimFingerSensor& sensor,
                         const std::vector<fp::FingerImage>& impressions) {
    FingerOutcome out;
    sensor.clear();
    const auto captured0 = sensor.captured();
    std::vector<bool> passes;
    for (const auto& fi : impressions) {
        auto a = reader.assess(fi, reader.options().enrolEnhancement);
        passes.push_back(a.ok() && a->guidance == devices::FingerGuidance::Ok);
    }
    const auto refusals0 = reader.stats().qualityRefusals;
    // Enough presentations that the loop never waits for a finger: 3 rounds x 5 stages x
    // (1 + 3 re-captures) + 3 x 4 verifies.
    for (int k = 0; k < 80; ++k) {
        const auto& fi = impressions[k % impressions.size()];
        sensor.present(fi.image, fi.ppi);
    }
    registration::RegistrationConfig config;  // the machine's defaults (rounds, verify presentations)
    config.fingers = 1;
    const registration::RegistrationTuning tuning;
    Witness witness(reader, sensor, captured0, passes);
    const auto t0 = Steady::now();
    const auto r = registration::runFingerLoop(
        config, witness, registration::FingerTimeouts{tuning.fingerEnrolTimeout, tuning.fingerVerifyTimeout});
    out.ms = msSince(t0);
    out.acceptedOnRepeat = r.enrolled && witness.acceptedOnRepeat();
    out.enrolled = r.enrolled;
    out.rounds = r.rounds;
    out.verifies = r.verifyCommands;
    if (!r.enrolled) out.lastError = r.reasons.empty() ? "?" : r.reasons.front();
    for (auto h : r.hints) out.hints += (out.hints.empty() ? "" : ">") + std::string(registration::toString(h));
    out.captures = static_cast<int>(sensor.captured() - captured0);
    out.qualityRefusals = static_cast<int>(reader.stats().qualityRefusals - refusals0);
    sensor.clear();
    return out;
}

fp::ReaderOptions plainOptions() {
    fp::ReaderOptions o;
    o.minMinutiae = 0;
    o.gate = fp::QualityGate::Off;
    o.matcher = fp::Matcher::Bozorth3;
    o.matchThreshold = fp::kLibfprintThreshold;
    o.enrolEnhancement = fp::Enhancement::None;
    o.extraEnrolVariants = {};
    o.verifyVariants = {fp::Enhancement::None};
    return o;
}

struct SetFte {
    std::string set;
    int tried = 0, plain = 0, plainVerified = 0, loop = 0, loopFirstRound = 0;
    int captures = 0, refusals = 0, verifies = 0;
    int onRepeat = 0;                      // accepted on a verify capture that repeats an enrolled image
    std::vector<std::string> retried;      // needed a second verify presentation or round: guidance shown
    std::vector<std::string> regressions;  // plain libfprint enrols, the loop does not
    std::vector<std::string> failures;     // the loop's failures, with their last error
};

struct FaceStep {
    bool ok = false;
    int rounds = 0;
    double ms = 0;
};

std::vector<devices::Frame> liveSequence(const fs::path& person) {
    std::vector<devices::Frame> frames;
    for (int i = 0; i < kFaceFrames; ++i) {
        auto img = fp::loadGrayImage(person / ("probe_" + std::to_string(i) + ".png"));
        if (!img.ok()) break;
        devices::Frame f;
        f.image = std::move(img).value();
        f.sequence = static_cast<uint64_t>(i);
        f.capturedAt = core::MonoTime{} + core::Millis(66 * i);
        frames.push_back(std::move(f));
    }
    return frames;
}

// The face step as kiosk/registration runs it (RegistrationShell::captureFace).
FaceStep faceStep(devices::FaceEngine& engine, const std::vector<devices::Frame>& frames) {
    FaceStep out;
    const auto t0 = Steady::now();
    for (int round = 0; round < kFaceRounds && !out.ok; ++round) {
        out.rounds = round + 1;
        std::vector<devices::FaceDescriptor> good;
        for (const auto& f : frames) {
            auto a = engine.analyze(f.image);
            if (!a.ok()) break;
            if (a->guidance == devices::FaceGuidance::Ok && a->hasDescriptor &&
                static_cast<int>(good.size()) < kFaceDescriptors)
                good.push_back(a->descriptor);
        }
        if (good.empty()) continue;
        auto m = engine.verify(frames, good);
        out.ok = m.ok() && m->livenessPassed;
    }
    out.ms = msSince(t0);
    return out;
}

std::string pct(int num, int den) {
    char b[32];
    std::snprintf(b, sizeof b, "%.1f %%", den ? 100.0 * num / den : 0.0);
    return b;
}

double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    const std::size_t i = std::min(v.size() - 1, static_cast<std::size_t>(p * (v.size() - 1) + 0.5));
    return v[i];
}

}  // namespace

int main(int argc, char** argv) {
    core::Logger::instance().setLevel(core::LogLevel::Warn);  // the loop logs every capture
    const char* envShared = std::getenv("KIOSK_SHARED_DIR");
    const char* envBuild = std::getenv("KIOSK_BUILD_DIR");
    fs::path data = fs::path(envShared ? envShared : KIOSK_SHARED_DIR_DEFAULT) / "data" / "fingerprints";
    fs::path buildDir = envBuild ? envBuild : KIOSK_BUILD_DIR_DEFAULT;
    int residentsPerSet = 5;
    std::vector<std::string> onlySets;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--data") && i + 1 < argc) data = argv[++i];
        else if (!std::strcmp(argv[i], "--build-dir") && i + 1 < argc) buildDir = argv[++i];
        else if (!std::strcmp(argv[i], "--residents") && i + 1 < argc) residentsPerSet = std::atoi(argv[++i]);
        else if (!std::strcmp(argv[i], "--sets") && i + 1 < argc) {
            std::stringstream ss(argv[++i]);
            for (std::string s; std::getline(ss, s, ',');) onlySets.push_back(s);
        } else {
            std::fprintf(stderr, "usage: bench_registration [--data DIR] [--build-dir DIR] [--residents N] [--sets a,b]\n");
            return 2;
        }
    }
    if (!fs::is_directory(data)) {
        std::printf("bench_registration: %s is absent, nothing to measure\n", data.c_str());
        return 0;
    }
    std::vector<fs::path> setDirs;
    for (const auto& e : fs::directory_iterator(data))
        if (e.is_directory() && fs::exists(e.path() / "101_1.png") &&
            (onlySets.empty() || std::find(onlySets.begin(), onlySets.end(), e.path().filename().string()) != onlySets.end()))
            setDirs.push_back(e.path());
    std::sort(setDirs.begin(), setDirs.end());

    auto sensor = std::make_shared<fp::SimFingerSensor>();
    auto loopReader = fp::LibfprintReader::create(fp::ReaderOptions{}, sensor);
    auto plainReader = fp::LibfprintReader::create(plainOptions(), std::make_shared<fp::SimFingerSensor>());
    if (!loopReader.ok() || !plainReader.ok()) {
        std::fprintf(stderr, "bench_registration: libfprint: %s\n",
                     (!loopReader.ok() ? loopReader.error() : plainReader.error()).message.c_str());
        return 1;
    }

    // Face engine and demo faces (optional: the face columns say so when absent).
    std::unique_ptr<devices::FaceEngine> face;
    std::vector<std::vector<devices::Frame>> people;
    {
        devices::FaceEngineOptions fo;
        fo.recognitionModelPath = (buildDir / "models" / "dlib_face_recognition_resnet.dat").string();
        const fs::path sp = buildDir / "models" / "shape_predictor_68_face_landmarks.dat";
        if (fs::exists(sp)) fo.shapePredictorPath = sp.string();
        auto e = devices::createDlibFaceEngine(fo);
        for (int p = 1; p <= 6; ++p) {
            auto frames = liveSequence(buildDir / "demo" / "faces" / ("p" + std::to_string(p)));
            if (static_cast<int>(frames.size()) == kFaceFrames) people.push_back(std::move(frames));
        }
        if (e.ok() && !people.empty()) face = std::move(e).value();
        else
            std::fprintf(stderr, "bench_registration: no face step (%s; %zu demo faces in %s)\n",
                         e.ok() ? "engine ok" : e.error().message.c_str(), people.size(), buildDir.c_str());
    }

    std::vector<SetFte> ftes;
    std::vector<double> regMs, fingerMs, faceMs;
    int registrations = 0, completed = 0;
    const auto tAll = Steady::now();
    for (const auto& dir : setDirs) {
        FingerSet set;
        if (!loadSet(dir, set)) return 1;
        SetFte r;
        r.set = set.name;
        std::vector<FingerOutcome> outcomes(kFingers);
        for (int f = 0; f < kFingers; ++f) {
            ++r.tried;
            std::vector<fp::FingerImage> five(set.images[f].begin(), set.images[f].begin() + 5);
            auto plainPrint = (*plainReader)->enrollImages(five, {}, 30s);
            const bool plainOk = plainPrint.ok();
            r.plain += plainOk;
            // The same one-verify rule on plain libfprint: impression 6 must match.
            if (plainOk) {
                auto v = (*plainReader)->verifyImage(plainPrint->print, set.images[f][5], 20s);
                r.plainVerified += v.ok() && v->match;
            }
            outcomes[f] = fingerLoop(**loopReader, *sensor, set.images[f]);
            const auto& o = outcomes[f];
            r.loop += o.enrolled;
            r.loopFirstRound += o.enrolled && o.rounds == 1;
            r.captures += o.captures;
            r.refusals += o.qualityRefusals;
            r.verifies += o.verifies;
            const std::string id = std::to_string(101 + f);
            if (o.enrolled && (o.rounds > 1 || o.verifies > 1))
                r.retried.push_back(id + (o.acceptedOnRepeat ? "*" : "") + " (" + std::to_string(o.rounds) + " rd, " +
                                    std::to_string(o.verifies) + " vf: " + o.hints + ")");
            r.onRepeat += o.acceptedOnRepeat;
            if (!o.enrolled) r.failures.push_back(id + " (" + o.lastError + ")");
            if (plainOk && !o.enrolled) r.regressions.push_back(id);
        }
        ftes.push_back(r);
        std::fprintf(stderr, "  %s: plain %d/%d, loop %d/%d (%.1f s so far)\n", r.set.c_str(), r.plain, r.tried, r.loop,
                     r.tried, msSince(tAll) / 1000);

        // Registrations: residents (finger 2k+1, finger 2k+2) of this set with a demo face.
        for (int k = 0; k < residentsPerSet && 2 * k + 1 < kFingers; ++k) {
            const auto t0 = Steady::now();
            const auto a = fingerLoop(**loopReader, *sensor, set.images[2 * k]);
            const auto b = a.enrolled ? fingerLoop(**loopReader, *sensor, set.images[2 * k + 1]) : FingerOutcome{};
            FaceStep fs;
            if (face && a.enrolled && b.enrolled) fs = faceStep(*face, people[registrations % people.size()]);
            const double total = msSince(t0);
            ++registrations;
            if (a.enrolled && b.enrolled && (fs.ok || !face)) {
                ++completed;
                regMs.push_back(total);
                fingerMs.push_back(a.ms + b.ms);
                if (face) faceMs.push_back(fs.ms);
            }
        }
    }

    std::printf("### Failure to enrol (fingerprint quality loop)\n\n");
    const registration::RegistrationConfig machine;
    std::printf("libfprint virtual_image + NBIS; plain = impressions 1-5 straight into libfprint (no gate, no "
                "enhancement); loop = the machine's loop (registration::runFingerLoop: gate + guidance + CLAHE/Gabor "
                "enrolment, %d rounds of 5-impression enrolment + up to %d verify presentations, one must "
                "match).\n\n",
                machine.fingerAttempts, machine.fingerVerifyAttempts);
    std::printf("| set | fingers tried | enrolled by plain libfprint | plain, then impression 6 matches | enrolled "
                "through the loop (enrol + verify) | of which 1st round | FTE plain | FTE loop | captures / quality "
                "refusals / verify presentations | accepted on a replayed enrolment image | placed again (rounds, "
                "verifies: guidance; * = on a replayed image) | loop failures | plain enrols, loop fails |\n");
    std::printf("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | --- |\n");
    int totalRegressions = 0, tried = 0, plain = 0, plainVerified = 0, loop = 0;
    for (const auto& r : ftes) {
        std::string fails, regs;
        for (const auto& s : r.failures) fails += (fails.empty() ? "" : ", ") + s;
        for (const auto& s : r.regressions) regs += (regs.empty() ? "" : ", ") + s;
        std::string again;
        for (const auto& s : r.retried) again += (again.empty() ? "" : ", ") + s;
        std::printf("| %s | %d | %d | %d | %d | %d | %s | %s | %d / %d / %d | %d | %s | %s | %s |\n", r.set.c_str(),
                    r.tried, r.plain, r.plainVerified, r.loop, r.loopFirstRound, pct(r.tried - r.plain, r.tried).c_str(),
                    pct(r.tried - r.loop, r.tried).c_str(), r.captures, r.refusals, r.verifies, r.onRepeat,
                    again.empty() ? "-" : again.c_str(), fails.empty() ? "-" : fails.c_str(),
                    regs.empty() ? "none" : regs.c_str());
        totalRegressions += static_cast<int>(r.regressions.size());
        tried += r.tried;
        plain += r.plain;
        plainVerified += r.plainVerified;
        loop += r.loop;
    }
    std::printf("| **all** | %d | %d | %d | %d | | %s | %s | | | | | %d |\n\n", tried, plain, plainVerified, loop,
                pct(tried - plain, tried).c_str(), pct(tried - loop, tried).c_str(), totalRegressions);

    std::printf("### Machine time per registration\n\n");
    std::printf("%d residents (fingers 101+102, 103+104, ... of each set; demo faces p1..p6), %d completed; "
                "2 fingers x (5-impression enrolment + verifies) + face (%d-frame live sequence: quality, %d "
                "descriptors, liveness). Device work only: no resident time, no store or network.\n\n",
                registrations, completed, kFaceFrames, kFaceDescriptors);
    std::printf("| part | median ms | p95 ms | max ms |\n| --- | ---: | ---: | ---: |\n");
    auto row = [](const char* name, const std::vector<double>& v) {
        if (v.empty()) {
            std::printf("| %s | - | - | - |\n", name);
            return;
        }
        std::printf("| %s | %.0f | %.0f | %.0f |\n", name, percentile(v, 0.5), percentile(v, 0.95),
                    *std::max_element(v.begin(), v.end()));
    };
    row("two fingers (enrol + verify, with quality retries)", fingerMs);
    row("face (quality + descriptors + liveness)", faceMs);
    row("**registration**", regMs);
    std::printf("\ntotal bench time %.1f s\n", msSince(tAll) / 1000);
    return totalRegressions == 0 ? 0 : 3;
}
