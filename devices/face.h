#pragma once
// Face processing behind one interface; dlib/OpenCV stay inside devices/face/.
#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "devices/image.h"

namespace kiosk::devices {

// One face template: 128 floats (dlib's ResNet, Euclidean distance) or 512 (an ArcFace-style
// ONNX recogniser, unit length, cosine distance). Templates of different recognisers are not
// comparable: the engine refuses an enrolment made with another dimension.
using FaceDescriptor = std::vector<float>;
inline constexpr std::size_t kDlibDescriptorDims = 128;
inline constexpr std::size_t kOnnxDescriptorDims = 512;
inline bool isKnownDescriptorSize(std::size_t dims) { return dims == kDlibDescriptorDims || dims == kOnnxDescriptorDims; }

// Why a frame is not good enough, as a code the UI turns into guidance.
enum class FaceGuidance {
    Ok,
    NoFace,
    MultipleFaces,
    ComeCloser,
    LookAtCamera,
    HoldStill,    // blurred
    TooDark,
    TooBright,
};

inline const char* toString(FaceGuidance g) {
    switch (g) {
        case FaceGuidance::Ok: return "ok";
        case FaceGuidance::NoFace: return "no_face";
        case FaceGuidance::MultipleFaces: return "multiple_faces";
        case FaceGuidance::ComeCloser: return "come_closer";
        case FaceGuidance::LookAtCamera: return "look_at_camera";
        case FaceGuidance::HoldStill: return "hold_still";
        case FaceGuidance::TooDark: return "too_dark";
        case FaceGuidance::TooBright: return "too_bright";
    }
    return "?";
}

struct FaceBox {
    int x = 0, y = 0, width = 0, height = 0;
};

struct FaceAnalysis {
    FaceGuidance guidance = FaceGuidance::NoFace;
    int faceCount = 0;
    FaceBox box;                       // the largest face
    bool hasDescriptor = false;
    FaceDescriptor descriptor{};       // set when hasDescriptor
};

struct FaceMatch {
    bool match = false;
    double distance = 0;     // best (smallest) over frames; per frame the template rule (best or mean)
                             // over the enrolled descriptors; the recogniser's distance
    int framesUsed = 0;
    FaceGuidance lastGuidance = FaceGuidance::Ok;
    bool livenessPassed = false;
    std::string livenessDetail;
    std::string reason;      // "" on a match, else "face.no_face", "face.liveness_failed" or "face.no_match"
    std::optional<FaceBox> faceBox;  // the largest face of the last frame that had one (drawn on the preview)
};

class FaceEngine {
public:
    virtual ~FaceEngine() = default;
    virtual core::Result<FaceAnalysis> analyze(const Image& image) = 0;
    // Live frames against the enrolment: liveness on the sequence, then best match.
    // match is true only when liveness passed and the best distance is <= the threshold.
    virtual core::Result<FaceMatch> verify(const std::vector<Frame>& frames,
                                           const std::vector<FaceDescriptor>& enrolled) = 0;
    // Enrolment (registration machine): one descriptor per good frame (quality Ok), at most
    // maxDescriptors. Error "face.no_face" when no frame was good enough.
    virtual core::Result<std::vector<FaceDescriptor>> enrol(const std::vector<Frame>& frames,
                                                            int maxDescriptors) {
        std::vector<FaceDescriptor> out;
        for (const Frame& f : frames) {
            if (static_cast<int>(out.size()) >= maxDescriptors) break;
            auto a = analyze(f.image);
            if (!a.ok()) return a.error();
            if (a->guidance == FaceGuidance::Ok && a->hasDescriptor) out.push_back(a->descriptor);
        }
        if (out.empty()) return core::Error{"face.no_face", "no frame good enough to enrol"};
        return out;
    }
};

// Euclidean distance (dlib's ResNet). Descriptors of different sizes: infinity.
double faceDistance(const FaceDescriptor& a, const FaceDescriptor& b);
// 1 - cosine similarity (ArcFace-style recognisers), in [0, 2]. Different sizes: infinity.
double faceCosineDistance(const FaceDescriptor& a, const FaceDescriptor& b);

// ---- Descriptor bytes for the store: N x float32, little-endian (N = 128 or 512). ----
inline constexpr std::size_t kFaceDescriptorBytes = 128 * 4;  // dlib's descriptor

inline std::vector<uint8_t> descriptorToBytes(const FaceDescriptor& d) {
    std::vector<uint8_t> out(d.size() * 4);
    for (std::size_t i = 0; i < d.size(); ++i) {
        uint32_t u = 0;
        std::memcpy(&u, &d[i], 4);
        for (int b = 0; b < 4; ++b) out[i * 4 + b] = static_cast<uint8_t>(u >> (8 * b));
    }
    return out;
}

inline core::Result<FaceDescriptor> descriptorFromBytes(const uint8_t* data, std::size_t size) {
    if (size % 4 != 0 || !isKnownDescriptorSize(size / 4) || data == nullptr)
        return core::Error{"face.bad_descriptor",
                           "a face descriptor is 512 or 2048 bytes (128 or 512 floats), got " + std::to_string(size)};
    FaceDescriptor d(size / 4);
    for (std::size_t i = 0; i < d.size(); ++i) {
        uint32_t u = 0;
        for (int b = 0; b < 4; ++b) u |= uint32_t(data[i * 4 + b]) << (8 * b);
        std::memcpy(&d[i], &u, 4);
        if (!(d[i] == d[i]) || d[i] > 1e6f || d[i] < -1e6f)
            return core::Error{"face.bad_descriptor", "face descriptor holds a non-finite value"};
    }
    return d;
}

inline core::Result<FaceDescriptor> descriptorFromBytes(const std::vector<uint8_t>& bytes) {
    return descriptorFromBytes(bytes.data(), bytes.size());
}

// ---- The engine (library kiosk::devices_face; created only by kiosk/main or tools) ----

// Which challenge the traveller performs in front of the camera.
enum class LivenessChallenge { Blink, HeadTurn, BlinkOrHeadTurn, None };

struct FaceQualityOptions {
    double minEyeDistancePx = 40;   // inter-ocular distance (eye centres) in the frame
    double maxYaw = 0.30;           // |nose offset| / eye distance (0 = frontal)
    double maxRollDeg = 20;
    double minSharpness = 25;       // variance of the Laplacian over the face box (8-bit grey)
    double minBrightness = 50;      // mean grey over the face box
    double maxBrightness = 215;
};

struct LivenessOptions {
    LivenessChallenge challenge = LivenessChallenge::Blink;
    int minFrames = 3;
    double earOpen = 0.22;          // eye aspect ratio seen as open (both eyes' mean)
    double earClosedRatio = 0.78;   // a blink: EAR drops below this fraction of the open level
    double minHeadTurn = 0.25;      // yaw change (same unit as maxYaw) for the head-turn challenge
    double minFrameMotion = 0.4;    // mean |grey difference| inside the face box between frames
    double minTexture = 15;         // variance of the Laplacian of the face chip (flat print/screen)
};

// Which network turns an aligned face into a descriptor (docs/face.md "Recognisers").
enum class FaceRecogniser { DlibResnet, Onnx };
inline const char* toString(FaceRecogniser r) { return r == FaceRecogniser::Onnx ? "onnx" : "dlib_resnet"; }

// How a live descriptor is scored against several enrolled ones.
enum class TemplateRule { Best, Mean };

// An ArcFace-style ONNX model run by OpenCV's dnn module: the face is aligned by a
// least-squares similarity of 5 landmarks onto the ArcFace template (scaled to inputSize),
// then (pixel - mean) * scale, channels in colourOrder, NCHW.
enum class ColourOrder { Rgb, Bgr };
struct OnnxRecogniserOptions {
    std::string modelPath;      // $BUILD_DIR/models/face_recognition_arcface.onnx (scripts/setup.d/post-face.sh)
    int inputSize = 112;
    ColourOrder colourOrder = ColourOrder::Bgr;  // measured better on LFW for the pinned model
    double mean = 127.5;
    double scale = 1.0 / 128.0;
    // Flip test: the descriptor of the aligned face plus that of its mirror image, summed,
    // then L2-normalised (two forward passes). On LFW it refuses fewer genuine pairs at every
    // FMR (docs/face.md "Recognisers").
    bool flipTest = true;
};

// The documented threshold of each recogniser, chosen on LFW (docs/face.md "Thresholds").
inline constexpr double kDlibDefaultThreshold = 0.55;   // Euclidean
inline constexpr double kOnnxDefaultThreshold = 0.48;   // 1 - cosine (cosine similarity >= 0.52)
inline double defaultThreshold(FaceRecogniser r) {
    return r == FaceRecogniser::Onnx ? kOnnxDefaultThreshold : kDlibDefaultThreshold;
}

// The recogniser used when the configuration names none: the better one at FMR 0.05 % on LFW
// (docs/face.md "Recognisers", docs/benchmarks.md).
inline constexpr FaceRecogniser kDefaultRecogniser = FaceRecogniser::Onnx;
// File names setup writes into $BUILD_DIR/models/ (scripts/setup.d/post-face.sh).
inline constexpr const char* kOnnxModelFile = "face_recognition_arcface.onnx";

struct FaceEngineOptions {
    FaceRecogniser recogniser = kDefaultRecogniser;
    std::string shapePredictorPath = "/usr/share/dlib/shape_predictor_68_face_landmarks.dat";
    std::string recognitionModelPath;   // dlib: $BUILD_DIR/models/dlib_face_recognition_resnet.dat
    OnnxRecogniserOptions onnx;
    double matchThreshold = defaultThreshold(kDefaultRecogniser);  // the recogniser's distance
    TemplateRule templateRule = TemplateRule::Best;
    int detectUpsample = 0;             // HOG pyramid upsampling steps of the coarse pass
    int detectMaxSide = 320;            // coarse pass: frame shrunk to this longest side (0 = off)
    int detectMinFacePx = 40;           // fine pass (when the coarse one finds none): faces down to this
                                        // box width in the frame (0 = no fine pass)
    std::string detectCascade;          // OpenCV cascade file for candidates before the coarse pass
                                        // ("" = none; docs/face.md "Detection")
    bool track = true;                  // look for the face around the last frame's box first
    int maxFrames = 5;                  // verify: at most this many frames get a descriptor
    core::Millis timeBudget{2000};      // verify: stop trying further frames after this
    FaceQualityOptions quality;
    LivenessOptions liveness;
};

}  // namespace kiosk::devices

namespace kiosk::core {
class ConfigView;
}

namespace kiosk::devices {
// From the "face" object of the kiosk configuration (every key optional; errors name the key).
// Implemented in kiosk::devices_face, like the factory.
core::Result<FaceEngineOptions> faceEngineOptionsFromConfig(const core::ConfigView& faceSection);
// The kiosk's (lane and registration machine) whole configuration: its "face" section (may be
// absent) through the function above, relative model paths resolved against configDir and
// empty ones set to the files setup writes to modelsDir.
core::Result<FaceEngineOptions> faceEngineOptionsFromKioskConfig(const core::ConfigView& root,
                                                                 const std::string& configDir,
                                                                 const std::string& modelsDir);
core::Result<std::unique_ptr<FaceEngine>> createDlibFaceEngine(const FaceEngineOptions& options);

}  // namespace kiosk::devices
