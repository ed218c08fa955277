// Demo faces for the lane's demo scenario, from face-api's demo/sample1..6.jpg (group
// photos, MIT). Per person pN/: enrol.png, probe_*.png (a short live sequence: the crop
// shifted, relit, re-compressed, with sensor noise and a simulated blink) and still_*.png
// (one frame repeated: a photo attack). dlib and OpenCV exceptions are caught here.
#include <algorithm>
#include <cmath>
#include <fstream>
#include <random>
#include <sstream>

#include <dlib/image_processing.h>
#include <dlib/image_processing/frontal_face_detector.h>
#include <dlib/opencv.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "devices/face/face_geometry.h"
#include "devices/face/face_net.h"
#include "devices/face/face_tools.h"

namespace kiosk::devices::face {
namespace {

core::Error err(const std::string& code, const std::string& msg) { return core::Error{code, msg}; }

// Square crop of `side` source pixels centred at (cx, cy) (+ offset), scaled to out x out;
// outside the photo is replicated border.
cv::Mat cropAround(const cv::Mat& src, double cx, double cy, double side, int out, double angleDeg) {
    const double s = out / side;
    cv::Mat m = cv::getRotationMatrix2D(cv::Point2f(static_cast<float>(cx), static_cast<float>(cy)), angleDeg, s);
    m.at<double>(0, 2) += out / 2.0 - cx;
    m.at<double>(1, 2) += out / 2.0 - cy;
    cv::Mat dst;
    cv::warpAffine(src, dst, m, cv::Size(out, out), cv::INTER_AREA, cv::BORDER_REPLICATE);
    return dst;
}

cv::Mat relight(const cv::Mat& img, double gain, double bias) {
    cv::Mat out;
    img.convertTo(out, -1, gain, bias);
    return out;
}

cv::Mat recompress(const cv::Mat& img, int quality) {
    std::vector<uint8_t> buf;
    cv::imencode(".jpg", img, buf, {cv::IMWRITE_JPEG_QUALITY, quality});
    return cv::imdecode(buf, cv::IMREAD_COLOR);
}

cv::Mat addNoise(const cv::Mat& img, double sigma, std::mt19937& rng) {
    cv::Mat noise(img.size(), CV_16SC3);
    std::normal_distribution<double> nd(0, sigma);
    for (int r = 0; r < noise.rows; ++r)
        for (int c = 0; c < noise.cols; ++c)
            for (int k = 0; k < 3; ++k) noise.at<cv::Vec3s>(r, c)[k] = static_cast<short>(std::lround(nd(rng)));
    cv::Mat wide, out;
    img.convertTo(wide, CV_16SC3);
    wide += noise;
    wide.convertTo(out, CV_8UC3);
    return out;
}

// Piecewise-linear y along a lid polyline at column x.
double lidY(const std::vector<cv::Point2d>& poly, double x) {
    if (x <= poly.front().x) return poly.front().y;
    for (std::size_t i = 1; i < poly.size(); ++i)
        if (x <= poly[i].x) {
            const double t = (x - poly[i - 1].x) / std::max(1e-6, poly[i].x - poly[i - 1].x);
            return poly[i - 1].y + t * (poly[i].y - poly[i - 1].y);
        }
    return poly.back().y;
}

// Closes one eye by `closure` (0 open .. 1 shut): the lids move to the eye's middle line and
// the skin above/below is stretched over the opening (a vertical remap per column), plus a
// darker lash line. b = first landmark of the eye (36 or 42).
void closeEye(cv::Mat& img, const Landmarks68& p, int b, double closure) {
    auto P = [&](int i) { return cv::Point2d(p[static_cast<std::size_t>(b + i)].x, p[static_cast<std::size_t>(b + i)].y); };
    const std::vector<cv::Point2d> upper{P(0), P(1), P(2), P(3)}, lower{P(0), P(5), P(4), P(3)};
    const double w = std::hypot(P(3).x - P(0).x, P(3).y - P(0).y);
    const double band = 0.45 * w;
    const int x0 = static_cast<int>(std::floor(P(0).x - 0.15 * w)), x1 = static_cast<int>(std::ceil(P(3).x + 0.15 * w));
    cv::Mat src = img.clone();
    for (int x = std::max(0, x0); x <= std::min(img.cols - 1, x1); ++x) {
        const double cx = std::clamp(static_cast<double>(x), P(0).x, P(3).x);
        const double top = lidY(upper, cx), bot = std::max(top, lidY(lower, cx));
        const double mid = (top + bot) / 2;
        const double nt = top + closure * (mid - top), nb = bot - closure * (bot - mid);
        const double y0 = top - band, y1 = bot + band;
        for (int y = std::max(0, static_cast<int>(std::floor(y0))); y <= std::min(img.rows - 1, static_cast<int>(std::ceil(y1))); ++y) {
            double sy;
            if (y <= nt)
                sy = y0 + (y - y0) * (top - y0) / std::max(1e-6, nt - y0);
            else if (y >= nb)
                sy = bot + (y - nb) * (y1 - bot) / std::max(1e-6, y1 - nb);
            else
                sy = top + (y - nt) * (bot - top) / std::max(1e-6, nb - nt);
            const int iy = std::clamp(static_cast<int>(std::floor(sy)), 0, img.rows - 2);
            const double f = sy - iy;
            cv::Vec3b a = src.at<cv::Vec3b>(iy, x), c = src.at<cv::Vec3b>(iy + 1, x);
            cv::Vec3b o;
            for (int k = 0; k < 3; ++k) o[k] = cv::saturate_cast<uint8_t>(a[k] * (1 - f) + c[k] * f);
            // lash line where the lids meet, thickest in the middle of the eye
            const double d = std::abs(y - (nt + nb) / 2);
            const double along = (cx - P(0).x) / std::max(1e-6, P(3).x - P(0).x);
            const double thick = std::max(1.0, 0.07 * w * std::sin(M_PI * std::clamp(along, 0.0, 1.0)));
            if (closure > 0.5 && along > 0 && along < 1 && d < thick)
                for (int k = 0; k < 3; ++k) o[k] = static_cast<uint8_t>(o[k] * 0.35);
            img.at<cv::Vec3b>(y, x) = o;
        }
    }
    // Blend the seams of the warp.
    const cv::Rect roi = cv::Rect(x0, static_cast<int>(std::min(P(1).y, P(2).y) - band),
                                  x1 - x0 + 1, static_cast<int>(2 * band + std::abs(P(5).y - P(1).y) + 2)) &
                         cv::Rect(0, 0, img.cols, img.rows);
    if (roi.area() > 0) {
        cv::Mat part = img(roi);
        cv::GaussianBlur(part, part, cv::Size(3, 3), 0);
    }
}

Landmarks68 toLandmarks(const dlib::full_object_detection& s) {
    Landmarks68 lm;
    for (unsigned long i = 0; i < 68; ++i)
        lm[i] = Point2{static_cast<double>(s.part(i).x()), static_cast<double>(s.part(i).y())};
    return lm;
}

cv::Mat toMat(const Image& img) {
    cv::Mat m(img.height, img.width, img.format == PixelFormat::Gray8 ? CV_8UC1 : CV_8UC3,
              const_cast<uint8_t*>(img.pixels.data()), img.stride());
    cv::Mat bgr;
    if (img.format == PixelFormat::Gray8)
        cv::cvtColor(m, bgr, cv::COLOR_GRAY2BGR);
    else
        bgr = m.clone();
    return bgr;
}

Image toImage(const cv::Mat& bgr) {
    Image img;
    img.format = PixelFormat::Bgr8;
    img.width = bgr.cols;
    img.height = bgr.rows;
    cv::Mat c = bgr.isContinuous() ? bgr : bgr.clone();
    img.pixels.assign(c.datastart, c.dataend);
    return img;
}

}  // namespace

struct DemoFaceMaker::Impl {
    dlib::frontal_face_detector detector = dlib::get_frontal_face_detector();
    dlib::shape_predictor sp;
};

DemoFaceMaker::DemoFaceMaker(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
DemoFaceMaker::~DemoFaceMaker() = default;
DemoFaceMaker::DemoFaceMaker(DemoFaceMaker&&) noexcept = default;
DemoFaceMaker& DemoFaceMaker::operator=(DemoFaceMaker&&) noexcept = default;

core::Result<DemoFaceMaker> DemoFaceMaker::create(const std::string& shapePredictorPath) {
    try {
        auto impl = std::make_unique<Impl>();
        dlib::deserialize(shapePredictorPath) >> impl->sp;
        return DemoFaceMaker(std::move(impl));
    } catch (const std::exception& e) {
        return err("face.model_missing", "cannot read shape predictor " + shapePredictorPath + ": " + e.what());
    }
}

core::Result<std::vector<FaceBoxPx>> DemoFaceMaker::frontalFaces(const Image& photo, int upsample, double maxYaw) {
    std::vector<FaceBoxPx> out;
    try {
        cv::Mat grey;
        cv::cvtColor(toMat(photo), grey, cv::COLOR_BGR2GRAY);
        dlib::array2d<unsigned char> g;
        dlib::assign_image(g, dlib::cv_image<unsigned char>(grey));
        double scale = 1;
        for (int i = 0; i < upsample; ++i) {
            dlib::pyramid_up(g);
            scale *= 2;
        }
        for (const auto& r : impl_->detector(g)) {
            const auto lm = toLandmarks(impl_->sp(g, r));
            const Pose pose = poseOf(lm);
            if (std::abs(pose.yaw) > maxYaw) continue;
            FaceBoxPx b{static_cast<int>(r.left() / scale), static_cast<int>(r.top() / scale),
                        static_cast<int>(r.width() / scale), static_cast<int>(r.height() / scale),
                        pose.eyeDistance / scale};
            b.yaw = pose.yaw;
            b.rollDeg = pose.rollDeg;
            b.ear = eyeAspectRatio(lm);
            out.push_back(b);
        }
    } catch (const std::exception& e) {
        return err("face.demo_failed", std::string("face detection: ") + e.what());
    }
    std::sort(out.begin(), out.end(), [](const FaceBoxPx& a, const FaceBoxPx& b) { return a.eyeDistance > b.eyeDistance; });
    return out;
}

core::Result<PersonFrames> DemoFaceMaker::make(const Image& photo, const FaceBoxPx& face, int crop, uint32_t seed) {
    PersonFrames pf;
    try {
        const cv::Mat img = toMat(photo);
        std::mt19937 rng(seed);
        const double cx = face.x + face.width / 2.0, cy = face.y + face.height / 2.0;
        const double side = face.width * 2.4;
        const double angle = face.rollDeg;  // rotate the photo so that the eyes are level
        pf.enrol = toImage(cropAround(img, cx, cy, side, crop, angle));
        // The live sequence: each frame shifted/scaled a little, relit, JPEG re-compressed,
        // with sensor noise; frames 2 and 3 half-closed and closed eyes (the blink).
        const double closure[6] = {0, 0, 0.6, 1.0, 0, 0};
        const double dx[6] = {-6, -3, 0, 2, 5, 7}, dy[6] = {2, 0, -2, -3, -1, 1};
        const double zoom[6] = {1.02, 1.0, 0.99, 0.98, 1.0, 1.01};
        const double gain[6] = {0.92, 0.95, 1.0, 1.03, 1.06, 1.08}, bias[6] = {6, 4, 0, -3, -5, -6};
        cv::Mat stillFrame;
        for (int k = 0; k < 6; ++k) {
            cv::Mat fr = cropAround(img, cx + dx[k] * side / crop, cy + dy[k] * side / crop, side * zoom[k], crop, angle + (k - 2.5) * 0.6);
            fr = relight(fr, gain[k], bias[k]);
            if (closure[k] > 0) {
                cv::Mat grey;
                cv::cvtColor(fr, grey, cv::COLOR_BGR2GRAY);
                dlib::cv_image<unsigned char> g(grey);
                auto dets = impl_->detector(g);
                if (dets.empty()) return err("face.demo_failed", "no face in a probe frame");
                const auto lm = toLandmarks(impl_->sp(g, dets.front()));
                closeEye(fr, lm, 36, closure[k]);
                closeEye(fr, lm, 42, closure[k]);
            }
            fr = recompress(addNoise(fr, 2.0, rng), 80 + 3 * k);
            pf.probes.push_back(toImage(fr));
            if (k == 1) stillFrame = fr;
        }
        for (int k = 0; k < 5; ++k) pf.stills.push_back(toImage(stillFrame));
    } catch (const std::exception& e) {
        return err("face.demo_failed", std::string("demo frames: ") + e.what());
    }
    return pf;
}

core::Result<DemoSetSummary> writeFaceDemoSet(const DemoSetOptions& o) {
    namespace fs = std::filesystem;
    DemoSetSummary summary;
    KIOSK_ASSIGN_OR_RETURN(DemoFaceMaker maker, DemoFaceMaker::create(o.shapePredictorPath));
    struct Found {
        int sample;
        FaceBoxPx box;
    };
    std::vector<Image> samples;
    std::vector<Found> found;
    for (int i = 1; i <= 6; ++i) {
        const fs::path f = o.samplesDir / ("sample" + std::to_string(i) + ".jpg");
        auto img = loadImageFile(f);
        if (!img.ok()) return err("face.demo_missing", "cannot read " + f.string());
        samples.push_back(std::move(img).value());
        KIOSK_ASSIGN_OR_RETURN(auto faces, maker.frontalFaces(samples.back()));
        // Open eyes (a blink must be visible) and not strongly turned.
        for (const auto& b : faces)
            if (b.ear >= 0.24) found.push_back(Found{i, b});
    }
    std::stable_sort(found.begin(), found.end(),
                     [](const Found& a, const Found& b) { return a.box.eyeDistance > b.box.eyeDistance; });
    // The sample photos show some people more than once: keep one face per person.
    if (!o.recognitionModelPath.empty()) {
        KIOSK_ASSIGN_OR_RETURN(FaceNet net, FaceNet::load(o.recognitionModelPath));
        std::vector<FaceDescriptor> kept;
        std::vector<Found> unique;
        for (const Found& f : found) {
            Chip chip;
            try {
                cv::Mat grey;
                const Image& photo = samples[static_cast<std::size_t>(f.sample - 1)];
                const cv::Mat bgr = toMat(photo);
                cv::cvtColor(bgr, grey, cv::COLOR_BGR2GRAY);
                dlib::cv_image<unsigned char> g(grey);
                const dlib::rectangle r(f.box.x, f.box.y, f.box.x + f.box.width - 1, f.box.y + f.box.height - 1);
                const auto shape = maker.impl_->sp(g, r);
                dlib::extract_image_chip(dlib::cv_image<dlib::bgr_pixel>(bgr), dlib::get_face_chip_details(shape, 150, 0.25),
                                         chip);
            } catch (const std::exception& e) {
                return err("face.demo_failed", std::string("demo chip: ") + e.what());
            }
            KIOSK_ASSIGN_OR_RETURN(auto d, net.describe({chip}));
            bool same = false;
            for (const auto& k : kept) same = same || faceDistance(k, d.front()) < 0.6;
            if (same) continue;
            kept.push_back(d.front());
            unique.push_back(f);
        }
        found = unique;
    }
    if (static_cast<int>(found.size()) < o.people)
        return err("face.demo_missing", "only " + std::to_string(found.size()) + " distinct frontal faces in the samples");
    for (int n = 0; n < o.people; ++n) {
        const Found& f = found[static_cast<std::size_t>(n)];
        KIOSK_ASSIGN_OR_RETURN(PersonFrames pf, maker.make(samples[static_cast<std::size_t>(f.sample - 1)], f.box,
                                                           o.crop, 20240701u + static_cast<uint32_t>(n)));
        const fs::path dir = o.outDir / ("p" + std::to_string(n + 1));
        KIOSK_TRY(saveImageFile(dir / "enrol.png", pf.enrol));
        for (std::size_t k = 0; k < pf.probes.size(); ++k)
            KIOSK_TRY(saveImageFile(dir / ("probe_" + std::to_string(k) + ".png"), pf.probes[k]));
        for (std::size_t k = 0; k < pf.stills.size(); ++k)
            KIOSK_TRY(saveImageFile(dir / ("still_" + std::to_string(k) + ".png"), pf.stills[k]));
        std::ostringstream line;
        line << "p" << (n + 1) << ": sample" << f.sample << ".jpg face " << f.box.width << " px, eye distance "
             << std::lround(f.box.eyeDistance) << " px";
        summary.lines.push_back(line.str());
    }
    summary.people = o.people;
    std::ofstream readme(o.outDir / "README.txt");
    readme << "Demo faces generated by `kioskctl face demo-set` from @vladmandic/face-api 1.7.15\n"
              "demo/sample1..6.jpg (MIT). pN/enrol.png: enrolment photo. pN/probe_0..5.png: a live\n"
              "sequence of the same person (crop shifted/zoomed, relit, JPEG re-compressed, sensor noise;\n"
              "probe_2/probe_3 have the eyes warped half/fully closed: a simulated blink).\n"
              "pN/still_0..4.png: one frame repeated (a photo held still: refused by liveness).\n"
              "Impostors are other people pM. See docs/face.md.\n";
    for (const auto& l : summary.lines) readme << l << "\n";
    if (!readme) return err("face.demo_failed", "cannot write README.txt");
    return summary;
}

}  // namespace kiosk::devices::face
