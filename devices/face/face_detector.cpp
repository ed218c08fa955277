// dlib HOG detection in track / coarse / fine passes (face_detector.h).
#include "devices/face/face_detector.h"

#include <algorithm>
#include <cmath>

#include <dlib/image_transforms.h>
#include <dlib/opencv.h>
#include <opencv2/imgproc.hpp>

namespace kiosk::devices::face {
namespace {

constexpr double kHogWindow = 80;      // dlib's frontal detector finds faces of >= 80 px
constexpr double kTrackFacePx = 120;   // the tracked face is scaled to about this size

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

Detections FaceFinder::find(const cv::Mat& grey) {
    Detections out;
    const int longest = std::max(grey.cols, grey.rows);
    // ---- track: around the last face ----
    if (options_.track && last_ && trackedFrames_ < kFullFrameEvery) {
        const dlib::rectangle& b = *last_;
        const long mx = b.width() / 2, my = b.height() / 2;
        const cv::Rect roi = cv::Rect(static_cast<int>(b.left() - mx), static_cast<int>(b.top() - my),
                                      static_cast<int>(b.width() + 2 * mx), static_cast<int>(b.height() + 2 * my)) &
                             cv::Rect(0, 0, grey.cols, grey.rows);
        if (roi.width >= 40 && roi.height >= 40) {
            const double scale = std::min(2.0, kTrackFacePx / std::max<double>(1, b.width()));
            auto faces = detectScaled(grey(roi), scale, 0);
            if (!faces.empty()) {
                for (auto& r : faces) r = dlib::translate_rect(r, roi.x, roi.y);
                sortLargestFirst(faces);
                out.faces = std::move(faces);
                out.pass = DetectPass::Track;
                last_ = out.faces.front();
                ++trackedFrames_;
                return out;
            }
        }
    }
    trackedFrames_ = 0;
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
