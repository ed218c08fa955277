#pragma once
// Shared helpers of the face tests: the converted model and the demo set that setup
// (scripts/setup.d/post-face.sh) writes into the build folder.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "devices/face.h"
#include "devices/face/dlib_face_engine.h"
#include "devices/face/face_tools.h"
#include "tests/support/test_support.h"

namespace kiosk::testing::face {

namespace fs = std::filesystem;
namespace df = devices::face;

inline fs::path modelPath() { return buildDir() / "models" / "dlib_face_recognition_resnet.dat"; }
inline fs::path onnxModelPath() { return buildDir() / "models" / devices::kOnnxModelFile; }
inline fs::path modelPathOf(devices::FaceRecogniser r) {
    return r == devices::FaceRecogniser::Onnx ? onnxModelPath() : modelPath();
}
inline fs::path demoDir() { return buildDir() / "demo" / "faces"; }

inline std::string missingSetupMessage(const fs::path& p) {
    return p.string() + " is missing: scripts/setup (scripts/setup.d/post-face.sh) converts the face model and "
                        "writes the demo faces into the build folder; run it, or: BUILD_DIR=<build> bash "
                        "scripts/setup.d/post-face.sh";
}

inline devices::FaceEngineOptions defaultOptions(devices::FaceRecogniser r = devices::kDefaultRecogniser) {
    devices::FaceEngineOptions o;
    o.recogniser = r;
    o.matchThreshold = devices::defaultThreshold(r);
    o.recognitionModelPath = modelPath().string();
    o.onnx.modelPath = onnxModelPath().string();
    // The tests check what the engine decides on a whole sequence. The lane's wall-clock
    // budget per sequence would make that depend on the machine's speed and load (a
    // sanitizer build processed 2 of 6 frames in it): off here, as budgets are measured in bench/.
    o.timeBudget = core::Millis(10 * 60 * 1000);
    const fs::path sp = buildDir() / "models" / "shape_predictor_68_face_landmarks.dat";  // setup links it
    if (fs::exists(sp)) o.shapePredictorPath = sp.string();
    return o;
}

// One engine per options set for the whole test binary (loading costs ~1 s).
inline core::Result<df::DlibFaceEngine*> engine(int upsample = 0,
                                                devices::FaceRecogniser r = devices::kDefaultRecogniser) {
    static std::unique_ptr<df::DlibFaceEngine> e[2][2];
    auto& slot = e[upsample ? 1 : 0][r == devices::FaceRecogniser::Onnx ? 1 : 0];
    if (!slot) {
        auto o = defaultOptions(r);
        o.detectUpsample = upsample;
        auto r = df::DlibFaceEngine::create(o);
        if (!r.ok()) return r.error();
        slot = std::move(r).value();
    }
    return slot.get();
}

inline devices::Image loadOrDie(const fs::path& p) {
    auto r = df::loadImageFile(p);
    if (!r.ok()) ADD_FAILURE() << r.error().message;
    return r.ok() ? std::move(r).value() : devices::Image{};
}

inline std::vector<devices::Frame> framesOf(const std::vector<devices::Image>& images) {
    std::vector<devices::Frame> out;
    uint64_t seq = 0;
    for (const auto& img : images) {
        devices::Frame f;
        f.image = img;
        f.sequence = seq++;
        out.push_back(std::move(f));
    }
    return out;
}

}  // namespace kiosk::testing::face

// Fails (not skips) when setup did not produce the model / demo set.
#define KIOSK_FACE_ENGINE(var, upsample) KIOSK_FACE_ENGINE_OF(var, upsample, ::kiosk::devices::kDefaultRecogniser)
#define KIOSK_FACE_ENGINE_OF(var, upsample, recogniser)                                                      \
    ASSERT_TRUE(std::filesystem::exists(::kiosk::testing::face::modelPathOf(recogniser)))                   \
        << ::kiosk::testing::face::missingSetupMessage(::kiosk::testing::face::modelPathOf(recogniser));     \
    auto var##_r = ::kiosk::testing::face::engine(upsample, recogniser);                                     \
    ASSERT_TRUE(var##_r.ok()) << var##_r.error().code << ": " << var##_r.error().message;         \
    auto* var = *var##_r
