#pragma once
// Face helpers for tools, tests and benchmarks: image files, model conversion and the
// demo set. No dlib/OpenCV types cross this header.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "devices/face/face_model_convert.h"
#include "devices/image.h"

namespace kiosk::devices::face {

// PNG/JPEG/... through OpenCV: Bgr8 for colour files, Gray8 for grey ones.
core::Result<Image> loadImageFile(const std::filesystem::path& path);
core::Status saveImageFile(const std::filesystem::path& path, const Image& image);


struct FaceBoxPx {
    int x = 0, y = 0, width = 0, height = 0;
    double eyeDistance = 0;
    double yaw = 0, rollDeg = 0, ear = 0;  // pose and eye aspect ratio (face_geometry.h)
};

struct DemoSetOptions {
    std::filesystem::path samplesDir;   // holds sample1.jpg .. sample6.jpg (face-api demo/)
    std::filesystem::path outDir;       // $BUILD_DIR/demo/faces
    std::string shapePredictorPath = "/usr/share/dlib/shape_predictor_68_face_landmarks.dat";
    std::string recognitionModelPath;   // when set, faces of one person seen in two samples are
                                        // kept once (descriptor distance < 0.6)
    int people = 6;                     // p1..pN, the largest faces across the samples
    int crop = 400;                     // enrol.png / probe / still size (square)
};

struct DemoSetSummary {
    int people = 0;
    std::vector<std::string> lines;     // one line per person: source and face size
};

// Frames made from one photo of a person (the demo set's recipe, also used by tests on the
// shared faces): enrol, a live sequence with a simulated blink, a replayed still.
struct PersonFrames {
    Image enrol;
    std::vector<Image> probes;  // 6 frames; probes[2] half-closed eyes, probes[3] closed
    std::vector<Image> stills;  // 5 identical frames
};

class DemoFaceMaker {
public:
    static core::Result<DemoFaceMaker> create(const std::string& shapePredictorPath);
    ~DemoFaceMaker();
    DemoFaceMaker(DemoFaceMaker&&) noexcept;
    DemoFaceMaker& operator=(DemoFaceMaker&&) noexcept;

    // Faces found in a photo (HOG, `upsample` pyramid steps), |yaw| <= maxYaw, largest first.
    core::Result<std::vector<FaceBoxPx>> frontalFaces(const Image& photo, int upsample = 0, double maxYaw = 0.3);
    // Frames of the person whose face is `face` in `photo`; crop x crop pixels, rotated so
    // that the eyes are level.
    core::Result<PersonFrames> make(const Image& photo, const FaceBoxPx& face, int crop, uint32_t seed);

private:
    friend core::Result<DemoSetSummary> writeFaceDemoSet(const DemoSetOptions& options);
    struct Impl;
    explicit DemoFaceMaker(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

// Writes pN/enrol.png, pN/probe_0..probe_5.png (a live sequence with a simulated blink),
// pN/still_0..still_4.png (one frame repeated: a photo attack) and README.txt.
core::Result<DemoSetSummary> writeFaceDemoSet(const DemoSetOptions& options);

}  // namespace kiosk::devices::face
