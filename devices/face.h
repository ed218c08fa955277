#pragma once
// Face processing behind one interface; dlib/OpenCV stay inside devices/face/.
#include <array>
#include <string>
#include <vector>

#include "core/result.h"
#include "devices/image.h"

namespace kiosk::devices {

using FaceDescriptor = std::array<float, 128>;

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
    double distance = 0;     // best (smallest) over enrolled descriptors and frames
    int framesUsed = 0;
    FaceGuidance lastGuidance = FaceGuidance::Ok;
    bool livenessPassed = false;
    std::string livenessDetail;
};

class FaceEngine {
public:
    virtual ~FaceEngine() = default;
    virtual core::Result<FaceAnalysis> analyze(const Image& image) = 0;
    // Live frames against the enrolment: liveness on the sequence, then best match.
    virtual core::Result<FaceMatch> verify(const std::vector<Frame>& frames,
                                           const std::vector<FaceDescriptor>& enrolled) = 0;
};

double faceDistance(const FaceDescriptor& a, const FaceDescriptor& b);

}  // namespace kiosk::devices
