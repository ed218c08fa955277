#pragma once
// Face detection in three passes (docs/face.md "Detection"), so that small faces are found
// without paying for a large image on every frame:
//   track:  around the last frame's face (box + 50 % margin), scaled so the face is ~120 px;
//   coarse: the whole frame shrunk to detectMaxSide (detectUpsample pyramid steps);
//   fine:   only when the coarse pass found nothing: the whole frame scaled so a face of
//           detectMinFacePx becomes the HOG window (80 px).
// Every kFullFrameEvery-th tracked frame runs the coarse pass anyway, so a second person
// entering the view is still counted. The engine tracks only within one verify() sequence
// (analyze() of a single frame always searches the whole frame). Internal to kiosk::devices_face (dlib types allowed).
#include <optional>
#include <vector>

#include <dlib/geometry/rectangle.h>
#include <dlib/image_processing/frontal_face_detector.h>
#include <opencv2/core.hpp>

#include "devices/face.h"

namespace kiosk::devices::face {

enum class DetectPass { None, Track, Coarse, Fine };
inline const char* toString(DetectPass p) {
    return p == DetectPass::Track ? "track" : p == DetectPass::Coarse ? "coarse" : p == DetectPass::Fine ? "fine" : "none";
}

struct Detections {
    std::vector<dlib::rectangle> faces;  // frame coordinates, largest first
    DetectPass pass = DetectPass::None;
};

class FaceFinder {
public:
    static constexpr int kFullFrameEvery = 10;
    explicit FaceFinder(const FaceEngineOptions& options) : options_(options) {}
    // grey: the whole frame. Tracking state is updated with the largest face found.
    Detections find(const cv::Mat& grey);
    void forget() { last_.reset(); }

private:
    std::vector<dlib::rectangle> detectScaled(const cv::Mat& grey, double scale, int upsample);
    FaceEngineOptions options_;
    dlib::frontal_face_detector detector_ = dlib::get_frontal_face_detector();
    std::optional<dlib::rectangle> last_;
    int trackedFrames_ = 0;
};

}  // namespace kiosk::devices::face
