// dlib HOG detection in track / cascade-candidate / coarse / fine passes (face_detector.h).
#include "devices/face/face_detector.h"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include <dlib/image_transforms.h>
#include <dlib/opencv.h>
#include <opencv2/imgproc.hpp>

namespace kiosk::devices::face {
namespace {

constexpr double kHogWindow = 80;      // dlib's frontal detector finds faces of >= 80 px
constexpr double kTrackFacePx = 120;   // the tracked face is scaled to about this size
// The cascade pass: scale step of its search, and the margin around a candidate (each side, as
// a fraction of its size) in which the HOG detector confirms it.
constexpr double kCascadeStep = 1.2;
constexpr double kCascadeMargin = 0.3;

void sortLargestFirst(std::vector<dlib::rectangle>& v) {
    std::sort(v.begin(), v.end(), [](const dlib::rectangle& x, const dlib::rectangle& y) { return x.area() > y.area(); });
}

}  // namespace

std::vector<dlib::rectangle> FaceFinder::detectScaled(const cv::Mat& grey, double scale, int upsample) {
    cv::Mat img = grey;
    if (std::abs(scale - 1.0) > 1e-3)
        cv::resize(grey, img, cv::Size(), scale, scale, scale < 1 ? cv::INTER_AREA : cv::INTER_LINEAR);
    dlib::array2d<unsigned char> d;
    dlib::assign_image(d, dlib::cv_image<unsigned char>(img));
    double s = scale;
    for (int i = 0; i < upsample; ++i) {
        dlib::pyramid_up(d);
        s *= 2.0;
    }
    std::vector<dlib::rectangle> faces = detector_(d);
    for (auto& r : faces)
        r = dlib::rectangle(std::lround(r.left() / s), std::lround(r.top() / s), std::lround(r.right() / s),
                            std::lround(r.bottom() / s));
    return faces;
}

std::vector<dlib::rectangle> FaceFinder::detectAround(const cv::Mat& grey, const dlib::rectangle& b, double margin) {
    const long mx = static_cast<long>(b.width() * margin), my = static_cast<long>(b.height() * margin);
    const cv::Rect roi = cv::Rect(static_cast<int>(b.left() - mx), static_cast<int>(b.top() - my),
                                  static_cast<int>(b.width() + 2 * mx), static_cast<int>(b.height() + 2 * my)) &
                         cv::Rect(0, 0, grey.cols, grey.rows);
    if (roi.width < 40 || roi.height < 40) return {};
    const double scale = std::min(2.0, kTrackFacePx / std::max<double>(1, b.width()));
    auto faces = detectScaled(grey(roi), scale, 0);
    for (auto& r : faces) r = dlib::translate_rect(r, roi.x, roi.y);
    return faces;
}

core::Status FaceFinder::load() {
    if (options_.detectCascade.empty()) return {};
    std::error_code ec;
    if (!std::filesystem::is_regular_file(options_.detectCascade, ec))
        return core::Error{"face.model_missing", "face.detect_cascade: file not found: " + options_.detectCascade +
                                                     " (Debian package opencv-data)"};
    try {
        if (!cascade_.load(options_.detectCascade) || cascade_.empty())
            return core::Error{"face.model_invalid", "face.detect_cascade: not an OpenCV cascade: " + options_.detectCascade};
    } catch (const cv::Exception& e) {
        return core::Error{"face.model_invalid", "face.detect_cascade: " + std::string(e.what())};
    }
    hasCascade_ = true;
    return {};
}

std::vector<dlib::rectangle> FaceFinder::cascadePass(const cv::Mat& grey) {
    // The frame shrunk so that a face of detectMinFacePx is 1.25x the cascade's window (the
    // cascade's box is not dlib's: the margin keeps faces at the minimum inside its range).
    const cv::Size win = cascade_.getOriginalWindowSize();
    const double minFace = options_.detectMinFacePx > 0 ? options_.detectMinFacePx : 80;
    const double scale = std::min(1.0, 1.25 * std::max(win.width, win.height) / minFace);
    cv::Mat small = grey;
    if (scale < 0.999) cv::resize(grey, small, cv::Size(), scale, scale, cv::INTER_AREA);
    std::vector<cv::Rect> candidates;
    cascade_.detectMultiScale(small, candidates, kCascadeStep, 3, 0, win);
    std::vector<dlib::rectangle> faces;
    for (const cv::Rect& c : candidates) {
        const dlib::rectangle box(std::lround(c.x / scale), std::lround(c.y / scale),
                                  std::lround((c.x + c.width) / scale), std::lround((c.y + c.height) / scale));
        for (const auto& f : detectAround(grey, box, kCascadeMargin)) {
            // Candidates overlap (the cascade reports one face at neighbouring scales): keep a
            // HOG face once.
            const bool seen = std::any_of(faces.begin(), faces.end(), [&](const dlib::rectangle& g) {
                return (g.intersect(f).area()) * 2 > std::min(g.area(), f.area());
            });
            if (!seen) faces.push_back(f);
        }
    }
    return faces;
}

Detections FaceFinder::find(const cv::Mat& grey) {
    Detections out;
    const int longest = std::max(grey.cols, grey.rows);
    // ---- track: around the last face ----
    if (options_.track && last_ && trackedFrames_ < kFullFrameEvery) {
        auto faces = detectAround(grey, *last_, 0.5);
        if (!faces.empty()) {
            sortLargestFirst(faces);
            out.faces = std::move(faces);
            out.pass = DetectPass::Track;
            last_ = out.faces.front();
            ++trackedFrames_;
            return out;
        }
    }
    trackedFrames_ = 0;
    // ---- cascade candidates, each confirmed by HOG around it ----
    if (hasCascade_) {
        out.faces = cascadePass(grey);
        if (!out.faces.empty()) {
            out.pass = DetectPass::Cascade;
            sortLargestFirst(out.faces);
            last_ = out.faces.front();
            return out;
        }
    }
    // ---- coarse: the shrunk frame ----
    double coarse = 1.0;
    if (options_.detectMaxSide > 0 && longest > options_.detectMaxSide)
        coarse = static_cast<double>(options_.detectMaxSide) / longest;
    out.faces = detectScaled(grey, coarse, options_.detectUpsample);
    out.pass = DetectPass::Coarse;
    // ---- fine: only when nothing was found and smaller faces are wanted ----
    const double smallestCoarse = kHogWindow / (coarse * std::pow(2.0, options_.detectUpsample));
    if (out.faces.empty() && options_.detectMinFacePx > 0 && options_.detectMinFacePx < smallestCoarse * 0.9) {
        const double fine = kHogWindow / options_.detectMinFacePx;
        // Upsampling beyond 2x costs 4x per step for little: dlib's pyramid covers the rest.
        out.faces = detectScaled(grey, std::min(fine, 2.0), 0);
        out.pass = DetectPass::Fine;
    }
    if (out.faces.empty()) {
        out.pass = DetectPass::None;
        last_.reset();
        return out;
    }
    sortLargestFirst(out.faces);
    last_ = out.faces.front();
    return out;
}

}  // namespace kiosk::devices::face
