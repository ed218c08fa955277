// The dlib adapter of the face pipeline: HOG detector -> 68 landmarks -> aligned chip ->
// ResNet descriptor (face_net.cpp), capture quality and liveness. dlib and OpenCV
// exceptions are caught here and in face_net.cpp / face_images.cpp.
#include "devices/face/dlib_face_engine.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

#include <dlib/image_processing.h>
#include <dlib/image_processing/frontal_face_detector.h>
#include <dlib/opencv.h>
#include <opencv2/imgproc.hpp>

#include "devices/face/face_net.h"

namespace kiosk::devices::face {
namespace {

using Clock = std::chrono::steady_clock;
double msSince(Clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

core::Error err(const std::string& code, const std::string& msg) { return core::Error{code, msg}; }

// Frames smaller than this fraction of the largest face are background (a queue behind the
// lane), not a second person at the camera.
constexpr double kSecondFaceFraction = 0.5;

}  // namespace

struct DlibFaceEngine::Impl {
    dlib::frontal_face_detector detector = dlib::get_frontal_face_detector();
    dlib::shape_predictor predictor;
    FaceNet net;
    explicit Impl(FaceNet n) : net(std::move(n)) {}
};

DlibFaceEngine::DlibFaceEngine(FaceEngineOptions options, std::unique_ptr<Impl> impl)
    : options_(std::move(options)), impl_(std::move(impl)) {}
DlibFaceEngine::~DlibFaceEngine() = default;

core::Result<std::unique_ptr<DlibFaceEngine>> DlibFaceEngine::create(const FaceEngineOptions& options) {
    if (options.recognitionModelPath.empty())
        return err("face.model_missing", "face.recognition_model is not set");
    KIOSK_ASSIGN_OR_RETURN(FaceNet net, FaceNet::load(options.recognitionModelPath));
    auto impl = std::make_unique<Impl>(std::move(net));
    std::error_code ec;
    if (!std::filesystem::is_regular_file(options.shapePredictorPath, ec))
        return err("face.model_missing", "shape predictor not found: " + options.shapePredictorPath +
                                             " (Debian package libdlib-data)");
    try {
        dlib::deserialize(options.shapePredictorPath) >> impl->predictor;
    } catch (const std::exception& e) {
        return err("face.model_invalid", "cannot read shape predictor: " + std::string(e.what()));
    }
    if (impl->predictor.num_parts() != 68)
        return err("face.model_invalid", "shape predictor must have 68 parts");
    return std::unique_ptr<DlibFaceEngine>(new DlibFaceEngine(options, std::move(impl)));
}

core::Result<FrameDetail> DlibFaceEngine::process(const Image& image, DescriptorPolicy policy, StageTimes* times) {
    if (image.empty() || image.pixels.size() < image.stride() * static_cast<std::size_t>(image.height))
        return err("device.bad_input", "empty or truncated image");
    StageTimes t;
    const auto t0 = Clock::now();
    FrameDetail out;
    try {
        cv::Mat src(image.height, image.width, image.format == PixelFormat::Gray8 ? CV_8UC1 : CV_8UC3,
                    const_cast<uint8_t*>(image.pixels.data()), image.stride());
        cv::Mat grey;
        if (image.format == PixelFormat::Gray8)
            grey = src;
        else
            cv::cvtColor(src, grey, cv::COLOR_BGR2GRAY);

        // ---- detect (on a shrunk copy; a kiosk camera sees a large face) ----
        auto td = Clock::now();
        double scale = 1.0;
        cv::Mat det = grey;
        const int longest = std::max(image.width, image.height);
        if (options_.detectMaxSide > 0 && longest > options_.detectMaxSide) {
            scale = static_cast<double>(options_.detectMaxSide) / longest;
            cv::resize(grey, det, cv::Size(), scale, scale, cv::INTER_AREA);
        }
        std::vector<dlib::rectangle> faces;
        {
            dlib::array2d<unsigned char> img;
            dlib::assign_image(img, dlib::cv_image<unsigned char>(det));
            for (int i = 0; i < options_.detectUpsample; ++i) {
                dlib::pyramid_up(img);
                scale *= 2.0;
            }
            faces = impl_->detector(img);
        }
        for (auto& r : faces)
            r = dlib::rectangle(std::lround(r.left() / scale), std::lround(r.top() / scale),
                                std::lround(r.right() / scale), std::lround(r.bottom() / scale));
        t.detect = msSince(td);

        FaceAnalysis& a = out.analysis;
        if (faces.empty()) {
            a.guidance = FaceGuidance::NoFace;
            a.faceCount = 0;
            t.total = msSince(t0);
            if (times) *times = t;
            return out;
        }
        std::sort(faces.begin(), faces.end(), [](const dlib::rectangle& x, const dlib::rectangle& y) {
            return x.area() > y.area();
        });
        const dlib::rectangle big = faces.front();
        a.faceCount = static_cast<int>(std::count_if(faces.begin(), faces.end(), [&](const dlib::rectangle& r) {
            return r.width() >= kSecondFaceFraction * big.width();
        }));
        a.box = FaceBox{static_cast<int>(big.left()), static_cast<int>(big.top()), static_cast<int>(big.width()),
                        static_cast<int>(big.height())};

        // ---- 68 landmarks (full resolution) ----
        auto tl = Clock::now();
        dlib::cv_image<unsigned char> greyImg(grey);
        const dlib::full_object_detection shape = impl_->predictor(greyImg, big);
        Landmarks68 lm;
        for (unsigned long i = 0; i < 68; ++i)
            lm[i] = Point2{static_cast<double>(shape.part(i).x()), static_cast<double>(shape.part(i).y())};
        out.landmarks = lm;
        out.pose = poseOf(lm);
        t.landmarks = msSince(tl);

        // ---- aligned 150x150 chip (colour for the net, grey for quality/motion) ----
        auto tc = Clock::now();
        const dlib::chip_details cd = dlib::get_face_chip_details(shape, 150, 0.25);
        Chip chip;
        if (image.format == PixelFormat::Gray8)
            dlib::extract_image_chip(greyImg, cd, chip);
        else
            dlib::extract_image_chip(dlib::cv_image<dlib::bgr_pixel>(src), cd, chip);
        cv::Mat greyChip(150, 150, CV_8UC1);
        for (long r = 0; r < 150; ++r)
            for (long c = 0; c < 150; ++c) {
                const auto& p = chip(r, c);
                greyChip.at<uint8_t>(static_cast<int>(r), static_cast<int>(c)) =
                    static_cast<uint8_t>((299 * p.red + 587 * p.green + 114 * p.blue + 500) / 1000);
            }
        // Brightness and sharpness on the inner face (skip the chip's background border).
        const cv::Rect inner(30, 30, 90, 90);
        out.brightness = cv::mean(greyChip(inner))[0];
        cv::Mat lap;
        cv::Laplacian(greyChip, lap, CV_64F);
        cv::Scalar mu, sd;
        cv::meanStdDev(lap(inner), mu, sd);
        out.sharpness = sd[0] * sd[0];
        out.greyChip.assign(greyChip.datastart, greyChip.dataend);
        out.rgbChip.resize(150 * 150 * 3);
        for (long r = 0; r < 150; ++r)
            for (long c = 0; c < 150; ++c) {
                const auto& p = chip(r, c);
                uint8_t* q = out.rgbChip.data() + (r * 150 + c) * 3;
                q[0] = p.red;
                q[1] = p.green;
                q[2] = p.blue;
            }
        t.chip = msSince(tc);

        QualityMeasures q;
        q.faceCount = a.faceCount;
        q.pose = out.pose;
        q.brightness = out.brightness;
        q.sharpness = out.sharpness;
        a.guidance = judgeQuality(q, options_.quality);

        // ---- descriptor ----
        if (policy == DescriptorPolicy::Always ||
            (policy == DescriptorPolicy::IfQualityOk && a.guidance == FaceGuidance::Ok)) {
            auto tn = Clock::now();
            KIOSK_ASSIGN_OR_RETURN(auto d, impl_->net.describe({chip}));
            a.descriptor = d.front();
            a.hasDescriptor = true;
            t.descriptor = msSince(tn);
        }
    } catch (const std::exception& e) {
        return err("device.fault", std::string("face pipeline failed: ") + e.what());
    }
    t.total = msSince(t0);
    if (times) *times = t;
    return out;
}

core::Result<FaceAnalysis> DlibFaceEngine::analyze(const Image& image) {
    KIOSK_ASSIGN_OR_RETURN(FrameDetail d, process(image, DescriptorPolicy::IfQualityOk));
    return d.analysis;
}

core::Result<FaceDescriptor> DlibFaceEngine::describeChip(const Image& chip150) {
    if (chip150.width != 150 || chip150.height != 150 || chip150.empty() ||
        chip150.pixels.size() < chip150.stride() * 150)
        return err("device.bad_input", "a face chip is a 150x150 image");
    Chip chip(150, 150);
    for (long r = 0; r < 150; ++r)
        for (long c = 0; c < 150; ++c) {
            const uint8_t* p = chip150.pixels.data() + r * chip150.stride() + c * chip150.channels();
            chip(r, c) = chip150.format == PixelFormat::Gray8 ? dlib::rgb_pixel(p[0], p[0], p[0])
                                                             : dlib::rgb_pixel(p[2], p[1], p[0]);
        }
    KIOSK_ASSIGN_OR_RETURN(auto d, impl_->net.describe({chip}));
    return d.front();
}

core::Result<std::vector<FrameDetail>> DlibFaceEngine::processSequence(const std::vector<Frame>& frames,
                                                                        std::vector<LivenessSample>& samples) {
    std::vector<FrameDetail> details;
    const auto t0 = Clock::now();
    std::vector<uint8_t> prevChip;  // grey chip of the previous frame with a face
    for (const Frame& f : frames) {
        if (!details.empty() && msSince(t0) > static_cast<double>(options_.timeBudget.count())) break;
        KIOSK_ASSIGN_OR_RETURN(FrameDetail d, process(f.image, DescriptorPolicy::Never));
        details.push_back(std::move(d));
        const FrameDetail& cur = details.back();
        LivenessSample s;
        s.faceFound = cur.landmarks.has_value() && cur.analysis.faceCount == 1;
        if (s.faceFound) {
            s.ear = eyeAspectRatio(*cur.landmarks);
            s.yaw = cur.pose.yaw;
            s.texture = cur.sharpness;
            if (!prevChip.empty()) {
                double sum = 0;
                for (std::size_t i = 0; i < cur.greyChip.size(); ++i)
                    sum += std::abs(int(cur.greyChip[i]) - int(prevChip[i]));
                s.motion = sum / static_cast<double>(cur.greyChip.size());
            }
            prevChip = cur.greyChip;
        }
        samples.push_back(s);
    }
    return details;
}

core::Result<LivenessVerdict> DlibFaceEngine::checkLiveness(const std::vector<Frame>& frames) {
    std::vector<LivenessSample> samples;
    KIOSK_ASSIGN_OR_RETURN(auto details, processSequence(frames, samples));
    (void)details;
    return decideLiveness(samples, options_.liveness);
}

core::Result<FaceMatch> DlibFaceEngine::verify(const std::vector<Frame>& frames,
                                               const std::vector<FaceDescriptor>& enrolled) {
    FaceMatch m;
    m.distance = std::numeric_limits<double>::infinity();
    if (enrolled.empty()) return err("face.no_enrolment", "no enrolled face descriptor");
    if (frames.empty()) {
        m.lastGuidance = FaceGuidance::NoFace;
        m.reason = "face.no_face";
        return m;
    }
    const auto t0 = Clock::now();
    // 1. Landmarks on the whole sequence, liveness first (a refused sequence costs no descriptor).
    std::vector<LivenessSample> samples;
    KIOSK_ASSIGN_OR_RETURN(auto details, processSequence(frames, samples));
    if (!details.empty()) m.lastGuidance = details.back().analysis.guidance;
    for (auto it = details.rbegin(); it != details.rend(); ++it)
        if (it->analysis.faceCount > 0) {
            m.faceBox = it->analysis.box;
            break;
        }
    const bool anyFace = std::any_of(details.begin(), details.end(),
                                     [](const FrameDetail& d) { return d.analysis.faceCount > 0; });
    const LivenessVerdict lv = decideLiveness(samples, options_.liveness);
    m.livenessPassed = lv.passed;
    m.livenessDetail = lv.detail;
    if (!anyFace) {
        m.reason = "face.no_face";
        return m;
    }
    if (!lv.passed) {
        m.reason = "face.liveness_failed";
        return m;
    }
    // 2. Descriptors of the good frames, sharpest first, at most maxFrames, within the budget;
    //    stop at the first frame that matches.
    std::vector<std::size_t> order;
    for (std::size_t i = 0; i < details.size(); ++i)
        if (details[i].analysis.guidance == FaceGuidance::Ok) order.push_back(i);
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t x, std::size_t y) { return details[x].sharpness > details[y].sharpness; });
    for (std::size_t k = 0; k < order.size() && m.framesUsed < options_.maxFrames; ++k) {
        if (m.framesUsed > 0 && msSince(t0) > static_cast<double>(options_.timeBudget.count())) break;
        const std::vector<uint8_t>& rgb = details[order[k]].rgbChip;
        Chip chip(150, 150);
        for (long r = 0; r < 150; ++r)
            for (long c = 0; c < 150; ++c) {
                const uint8_t* q = rgb.data() + (r * 150 + c) * 3;
                chip(r, c) = dlib::rgb_pixel(q[0], q[1], q[2]);
            }
        KIOSK_ASSIGN_OR_RETURN(auto ds, impl_->net.describe({chip}));
        ++m.framesUsed;
        for (const auto& e : enrolled) m.distance = std::min(m.distance, faceDistance(ds.front(), e));
        if (m.distance <= options_.matchThreshold) break;
    }
    if (m.framesUsed == 0) {
        // Live, but no frame good enough: the guidance says why.
        m.reason = "face.no_face";
        for (const auto& d : details)
            if (d.analysis.guidance != FaceGuidance::Ok) m.lastGuidance = d.analysis.guidance;
        return m;
    }
    m.match = m.distance <= options_.matchThreshold;
    m.reason = m.match ? "" : "face.no_match";
    return m;
}

}  // namespace kiosk::devices::face

namespace kiosk::devices {
core::Result<std::unique_ptr<FaceEngine>> createDlibFaceEngine(const FaceEngineOptions& options) {
    KIOSK_ASSIGN_OR_RETURN(auto e, face::DlibFaceEngine::create(options));
    return std::unique_ptr<FaceEngine>(std::move(e));
}
}  // namespace kiosk::devices
