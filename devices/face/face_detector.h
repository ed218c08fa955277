#pragma once
// Face detection in three passes (docs/face.md "Detection"), so that small faces are found
// without paying for a large image on every frame:
//   track:  around the last frame's face (box + 50 % margin), scaled so the face is ~120 px;
//   coarse: the whole frame shrunk to detectMaxSide (detectUpsample pyramid steps);
//   cascade (only when detectCascade names an OpenCV cascade file; before coarse): candidates
//           from the cascade on the frame shrunk so that a face of detectMinFacePx is just above
//           the cascade's window (24 px for lbpcascade_frontalface: a 1280x720 frame at ~1/3),
//           each confirmed by the HOG detector around it as in the track pass; when none is
//           confirmed, the coarse and fine passes run as without it;
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
#include <opencv2/objdetect.hpp>

#include "core/result.h"

#include "devices/face.h"

namespace kiosk::devices::face {

enum class DetectPass { None, Track, Cascade, Coarse, Fine };
inline const char* toString(DetectPass p) {
    return p == DetectPass::Track ? "track" : p == DetectPass::Cascade ? "cascade" : p == DetectPass::Coarse ? "coarse" : p == DetectPass::Fine ? "fine" : "none";
}

struct Detections {
    std::vector<dlib::rectangle> faces;  // frame coordinates, largest first
    DetectPass pass = DetectPass::None;
};

class FaceFinder {
public:
    static constexpr int kFullFrameEvery = 10;
    explicit FaceFinder(const FaceEngineOptions& options) : options_(options) {}
    // Reads the cascade file when options.detectCascade names one (face.model_missing /
    // face.model_invalid otherwise).
    [[nodiscard]] core::Status load();
    // grey: the whole frame. Tracking state is updated with the largest face found.
    Detections find(const cv::Mat& grey);
    void forget() { last_.reset(); }

private:
    std::vector<dlib::rectangle> detectScaled(const cv::Mat& grey, double scale, int upsample);
    // HOG around a box (box + margin x its size on each side, the face scaled to ~120 px), frame coordinates.
    std::vector<dlib::rectangle> detectAround(const cv::Mat& grey, const dlib::rectangle& box, double margin);
    std::vector<dlib::rectangle> cascadePass(const cv::Mat& grey);
    cv::CascadeClassifier cascade_;
    bool hasCascade_ = false;
    FaceEngineOptions options_;
    dlib::frontal_face_detector detector_ = dlib::get_frontal_face_detector();
    std::optional<dlib::rectangle> last_;
    int trackedFrames_ = 0;
};

}  // namespace kiosk::devices::face
