// The face pipeline: HOG detector (face_detector.cpp) -> 68 landmarks -> aligned chip
// (quality, liveness) -> the recogniser (recognisers.cpp: dlib ResNet or ONNX). dlib and
// OpenCV exceptions are caught here and in face_net.cpp / recognisers.cpp / face_images.cpp.
#include "devices/face/dlib_face_engine.h"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <cmath>
#include <limits>

#include <dlib/image_processing.h>
#include <dlib/image_processing/frontal_face_detector.h>
#include <dlib/opencv.h>
#include <opencv2/imgproc.hpp>

#include "devices/face/face_detector.h"
#include "devices/face/face_net.h"
#include "devices/face/recogniser.h"

namespace kiosk::devices::face {
namespace {

using Clock = std::chrono::steady_clock;
double msSince(Clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}
double cpuNow() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

core::Error err(const std::string& code, const std::string& msg) { return core::Error{code, msg}; }

// Frames smaller than this fraction of the largest face are background (a queue behind the
// lane), not a second person at the camera.
constexpr double kSecondFaceFraction = 0.5;

// Mean absolute difference of the two frames inside box (all channels); -1 when the frames
// differ in size or format.
double boxMotion(const Image& a, const Image& b, const FaceBox& box) {
    if (a.width != b.width || a.height != b.height || a.format != b.format) return -1;
    const int x0 = std::max(0, box.x), y0 = std::max(0, box.y);
    const int x1 = std::min(a.width, box.x + box.width), y1 = std::min(a.height, box.y + box.height);
    if (x1 <= x0 || y1 <= y0) return -1;
    const int ch = a.channels();
    double sum = 0;
    for (int y = y0; y < y1; ++y) {
        const uint8_t* pa = a.pixels.data() + static_cast<std::size_t>(y) * a.stride() + x0 * ch;
        const uint8_t* pb = b.pixels.data() + static_cast<std::size_t>(y) * b.stride() + x0 * ch;
        for (int i = 0; i < (x1 - x0) * ch; ++i) sum += std::abs(int(pa[i]) - int(pb[i]));
    }
    return sum / (static_cast<double>(x1 - x0) * (y1 - y0) * ch);
}

}  // namespace

struct DlibFaceEngine::Impl {
    FaceFinder finder;
    dlib::shape_predictor predictor;
    std::unique_ptr<Recogniser> recogniser;
    Impl(const FaceEngineOptions& o, std::unique_ptr<Recogniser> r) : finder(o), recogniser(std::move(r)) {}
};

DlibFaceEngine::DlibFaceEngine(FaceEngineOptions options, std::unique_ptr<Impl> impl)
    : options_(std::move(options)), impl_(std::move(impl)) {}
DlibFaceEngine::~DlibFaceEngine() = default;

core::Result<std::unique_ptr<DlibFaceEngine>> DlibFaceEngine::create(const FaceEngineOptions& options) {
    std::unique_ptr<Recogniser> rec;
    if (options.recogniser == FaceRecogniser::Onnx) {
        KIOSK_ASSIGN_OR_RETURN(rec, createOnnxRecogniser(options.onnx));
    } else {
        KIOSK_ASSIGN_OR_RETURN(rec, createDlibRecogniser(options.recognitionModelPath));
    }
    auto impl = std::make_unique<Impl>(options, std::move(rec));
    KIOSK_TRY(impl->finder.load());
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

core::Result<FrameDetail> DlibFaceEngine::process(const Image& image, DescriptorPolicy policy, StageTimes* times,
                                                  FaceChoice choice) {
    if (image.empty() || image.pixels.size() < image.stride() * static_cast<std::size_t>(image.height))
        return err("device.bad_input", "empty or truncated image");
    StageTimes t;
    const auto t0 = Clock::now();
    const double c0 = cpuNow();
    FrameDetail out;
    try {
        cv::Mat src(image.height, image.width, image.format == PixelFormat::Gray8 ? CV_8UC1 : CV_8UC3,
                    const_cast<uint8_t*>(image.pixels.data()), image.stride());
        cv::Mat grey;
        if (image.format == PixelFormat::Gray8)
            grey = src;
        else
            cv::cvtColor(src, grey, cv::COLOR_BGR2GRAY);

        // ---- detect: track / coarse / fine (face_detector.h) ----
        auto td = Clock::now();
        double cs = cpuNow();
        Detections found = impl_->finder.find(grey);
        std::vector<dlib::rectangle>& faces = found.faces;
        t.pass = toString(found.pass);
        t.detect = msSince(td);
        t.detectCpu = cpuNow() - cs;

        FaceAnalysis& a = out.analysis;
        if (faces.empty()) {
            a.guidance = FaceGuidance::NoFace;
            a.faceCount = 0;
            t.total = msSince(t0);
            t.totalCpu = cpuNow() - c0;
            if (times) *times = t;
            return out;
        }
        dlib::rectangle big = faces.front();  // largest first
        a.faceCount = static_cast<int>(std::count_if(faces.begin(), faces.end(), [&](const dlib::rectangle& r) {
            return r.width() >= kSecondFaceFraction * big.width();
        }));
        if (choice == FaceChoice::Centre) {
            const dlib::point mid(image.width / 2, image.height / 2);
            big = *std::min_element(faces.begin(), faces.end(), [&](const dlib::rectangle& x, const dlib::rectangle& y) {
                return dlib::length_squared(dlib::center(x) - mid) < dlib::length_squared(dlib::center(y) - mid);
            });
        }
        a.box = FaceBox{static_cast<int>(big.left()), static_cast<int>(big.top()), static_cast<int>(big.width()),
                        static_cast<int>(big.height())};

        // ---- 68 landmarks (full resolution) ----
        auto tl = Clock::now();
        cs = cpuNow();
        dlib::cv_image<unsigned char> greyImg(grey);
        const dlib::full_object_detection shape = impl_->predictor(greyImg, big);
        Landmarks68 lm;
        for (unsigned long i = 0; i < 68; ++i)
            lm[i] = Point2{static_cast<double>(shape.part(i).x()), static_cast<double>(shape.part(i).y())};
        out.landmarks = lm;
        out.pose = poseOf(lm);
        t.landmarks = msSince(tl);
        t.landmarksCpu = cpuNow() - cs;

        // ---- aligned 150x150 chip (colour for the net, grey for quality/motion) ----
        auto tc = Clock::now();
        cs = cpuNow();
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
        t.chipCpu = cpuNow() - cs;

        QualityMeasures q;
        q.faceCount = a.faceCount;
        q.pose = out.pose;
        q.brightness = out.brightness;
        q.sharpness = out.sharpness;
        a.guidance = judgeQuality(q, options_.quality);

        // ---- the recogniser's alignment (cheap: a 112x112 warp or the chip as it is) ----
        auto ta = Clock::now();
        cs = cpuNow();
        cv::Mat bgr = src;
        if (image.format == PixelFormat::Gray8 && impl_->recogniser->kind() == FaceRecogniser::Onnx)
            cv::cvtColor(src, bgr, cv::COLOR_GRAY2BGR);
        KIOSK_ASSIGN_OR_RETURN(out.aligned, impl_->recogniser->align(bgr, lm, out.rgbChip));
        t.align = msSince(ta);
        t.alignCpu = cpuNow() - cs;

        // ---- descriptor: only for frames that pass quality (unless asked otherwise) ----
        if (policy == DescriptorPolicy::Always ||
            (policy == DescriptorPolicy::IfQualityOk && a.guidance == FaceGuidance::Ok)) {
            auto tn = Clock::now();
            cs = cpuNow();
            KIOSK_ASSIGN_OR_RETURN(a.descriptor, impl_->recogniser->describe(out.aligned));
            a.hasDescriptor = true;
            t.descriptor = msSince(tn);
            t.descriptorCpu = cpuNow() - cs;
        }
    } catch (const std::exception& e) {
        return err("device.fault", std::string("face pipeline failed: ") + e.what());
    }
    t.total = msSince(t0);
    t.totalCpu = cpuNow() - c0;
    if (times) *times = t;
    return out;
}

core::Result<FaceAnalysis> DlibFaceEngine::analyze(const Image& image) {
    // A single frame stands alone: a tracked region would hide a second face elsewhere.
    impl_->finder.forget();
    KIOSK_ASSIGN_OR_RETURN(FrameDetail d, process(image, DescriptorPolicy::IfQualityOk));
    return d.analysis;
}

core::Result<FaceDescriptor> DlibFaceEngine::describeChip(const Image& chip150) {
    if (chip150.width != 150 || chip150.height != 150 || chip150.empty() ||
        chip150.pixels.size() < chip150.stride() * 150)
        return err("device.bad_input", "a face chip is a 150x150 image");
    std::vector<uint8_t> rgb(150 * 150 * 3);
    for (long r = 0; r < 150; ++r)
        for (long c = 0; c < 150; ++c) {
            const uint8_t* p = chip150.pixels.data() + r * chip150.stride() + c * chip150.channels();
            uint8_t* q = rgb.data() + (r * 150 + c) * 3;
            const bool g = chip150.format == PixelFormat::Gray8;
            q[0] = g ? p[0] : p[2];
            q[1] = g ? p[0] : p[1];
            q[2] = g ? p[0] : p[0];
        }
    if (impl_->recogniser->kind() == FaceRecogniser::DlibResnet)
        return impl_->recogniser->describe(AlignedFace{150, rgb});
    try {
        // dlib's chip (padding 0.25) puts its landmark template's unit square at 25..125.
        cv::Mat rgbMat(150, 150, CV_8UC3, rgb.data()), bgr, grey;
        cv::cvtColor(rgbMat, bgr, cv::COLOR_RGB2BGR);
        cv::cvtColor(rgbMat, grey, cv::COLOR_RGB2GRAY);
        const dlib::full_object_detection shape =
            impl_->predictor(dlib::cv_image<unsigned char>(grey), dlib::rectangle(25, 25, 125, 125));
        Landmarks68 lm;
        for (unsigned long i = 0; i < 68; ++i)
            lm[i] = Point2{static_cast<double>(shape.part(i).x()), static_cast<double>(shape.part(i).y())};
        KIOSK_ASSIGN_OR_RETURN(auto aligned, impl_->recogniser->align(bgr, lm, rgb));
        return impl_->recogniser->describe(aligned);
    } catch (const std::exception& e) {
        return err("device.fault", std::string("face chip landmarks failed: ") + e.what());
    }
}

double DlibFaceEngine::distance(const FaceDescriptor& a, const FaceDescriptor& b) const {
    return impl_->recogniser->distance(a, b);
}

std::size_t DlibFaceEngine::descriptorSize() const { return impl_->recogniser->dimensions(); }

void DlibFaceEngine::forgetTrack() { impl_->finder.forget(); }

double DlibFaceEngine::score(const FaceDescriptor& live, const std::vector<FaceDescriptor>& enrolled) const {
    double best = std::numeric_limits<double>::infinity(), sum = 0;
    int n = 0;
    for (const auto& e : enrolled) {
        if (e.size() != live.size()) continue;
        const double d = distance(live, e);
        best = std::min(best, d);
        sum += d;
        ++n;
    }
    if (n == 0) return std::numeric_limits<double>::infinity();
    return options_.templateRule == TemplateRule::Mean ? sum / n : best;
}

core::Result<std::vector<FrameDetail>> DlibFaceEngine::processSequence(const std::vector<Frame>& frames,
                                                                        std::vector<LivenessSample>& samples) {
    std::vector<FrameDetail> details;
    const auto t0 = Clock::now();
    const Image* prev = nullptr;    // the previous frame with a face, and that face's box
    FaceBox prevBox;
    impl_->finder.forget();         // track within this sequence only (another traveller before)
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
            // Motion on the raw pixels inside the previous face box: independent of how the
            // detector placed this frame's box (a tracked and a whole-frame pass differ slightly,
            // which would make a replayed still look as if it moved).
            if (prev) s.motion = boxMotion(*prev, f.image, prevBox);
            prev = &f.image;
            prevBox = cur.analysis.box;
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
    if (std::none_of(enrolled.begin(), enrolled.end(),
                     [&](const FaceDescriptor& e) { return e.size() == descriptorSize(); }))
        return err("face.enrolment_incompatible",
                   "the enrolment's face descriptors were made by another recogniser (" +
                       std::to_string(enrolled.front().size()) + " values; this one gives " +
                       std::to_string(descriptorSize()) + "): enrol again");
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
        KIOSK_ASSIGN_OR_RETURN(auto d, impl_->recogniser->describe(details[order[k]].aligned));
        ++m.framesUsed;
        m.distance = std::min(m.distance, score(d, enrolled));
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
