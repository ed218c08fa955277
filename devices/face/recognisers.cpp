// The two recognisers (recogniser.h). OpenCV dnn exceptions are caught here; dlib's in face_net.cpp.
#include <cmath>
#include <filesystem>

#include <opencv2/dnn.hpp>
#include <opencv2/imgproc.hpp>

#include "devices/face/face_net.h"
#include "devices/face/recogniser.h"

namespace kiosk::devices::face {
namespace {

core::Error err(const std::string& code, const std::string& msg) { return core::Error{code, msg}; }

class DlibRecogniser final : public Recogniser {
public:
    explicit DlibRecogniser(FaceNet net) : net_(std::move(net)) {}
    FaceRecogniser kind() const override { return FaceRecogniser::DlibResnet; }
    std::size_t dimensions() const override { return kDlibDescriptorDims; }
    core::Result<AlignedFace> align(const cv::Mat&, const Landmarks68&, const std::vector<uint8_t>& chip) override {
        if (chip.size() != 150 * 150 * 3) return err("device.bad_input", "the dlib chip is 150x150x3");
        return AlignedFace{150, chip};
    }
    core::Result<FaceDescriptor> describe(const AlignedFace& f) override {
        if (f.size != 150 || f.rgb.size() != 150 * 150 * 3) return err("device.bad_input", "the dlib chip is 150x150x3");
        Chip chip(150, 150);
        for (long r = 0; r < 150; ++r)
            for (long c = 0; c < 150; ++c) {
                const uint8_t* q = f.rgb.data() + (r * 150 + c) * 3;
                chip(r, c) = dlib::rgb_pixel(q[0], q[1], q[2]);
            }
        KIOSK_ASSIGN_OR_RETURN(auto ds, net_.describe({chip}));
        return ds.front();
    }
    double distance(const FaceDescriptor& a, const FaceDescriptor& b) const override { return faceDistance(a, b); }

private:
    FaceNet net_;
};

class OnnxRecogniser final : public Recogniser {
public:
    OnnxRecogniser(cv::dnn::Net net, OnnxRecogniserOptions o) : net_(std::move(net)), o_(std::move(o)) {}
    FaceRecogniser kind() const override { return FaceRecogniser::Onnx; }
    std::size_t dimensions() const override { return dims_; }
    core::Result<AlignedFace> align(const cv::Mat& frameBgr, const Landmarks68& lm, const std::vector<uint8_t>&) override {
        try {
            cv::Mat bgr = alignFivePoints(frameBgr, lm, o_.inputSize);
            AlignedFace f{o_.inputSize, {}};
            f.rgb.resize(static_cast<std::size_t>(o_.inputSize) * o_.inputSize * 3);
            cv::Mat rgb(o_.inputSize, o_.inputSize, CV_8UC3, f.rgb.data());
            cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
            return f;
        } catch (const cv::Exception& e) {
            return err("device.fault", std::string("face alignment failed: ") + e.what());
        }
    }
    core::Result<FaceDescriptor> describe(const AlignedFace& f) override {
        if (f.size != o_.inputSize || f.rgb.size() != static_cast<std::size_t>(f.size) * f.size * 3)
            return err("device.bad_input", "aligned face of the wrong size for the ONNX recogniser");
        try {
            cv::Mat rgb(f.size, f.size, CV_8UC3, const_cast<uint8_t*>(f.rgb.data()));
            auto forward = [&](const cv::Mat& img) {
                // blobFromImage: (pixel - mean) * scale, NCHW; swapRB turns our RGB into BGR when asked.
                const cv::Mat blob = cv::dnn::blobFromImage(img, o_.scale, cv::Size(f.size, f.size),
                                                            cv::Scalar(o_.mean, o_.mean, o_.mean),
                                                            o_.colourOrder == ColourOrder::Bgr, false, CV_32F);
                net_.setInput(blob);
                return net_.forward().clone();
            };
            const cv::Mat out = forward(rgb);
            const std::size_t n = out.total();
            if (!isKnownDescriptorSize(n))
                return err("face.model_invalid", "the ONNX recogniser gives " + std::to_string(n) +
                                                     " values; 128 or 512 expected");
            std::vector<double> sum(out.ptr<float>(), out.ptr<float>() + n);
            if (o_.flipTest) {
                cv::Mat mirrored;
                cv::flip(rgb, mirrored, 1);
                const cv::Mat m = forward(mirrored);
                if (m.total() != n) return err("device.fault", "the ONNX recogniser changed its output size");
                const float* q = m.ptr<float>();
                for (std::size_t i = 0; i < n; ++i) sum[i] += q[i];
            }
            FaceDescriptor d(n);
            double norm = 0;
            for (double v : sum) norm += v * v;
            norm = std::sqrt(norm);
            if (!(norm > 0)) return err("device.fault", "the ONNX recogniser gave a zero descriptor");
            for (std::size_t i = 0; i < n; ++i) d[i] = static_cast<float>(sum[i] / norm);
            dims_ = n;
            return d;
        } catch (const cv::Exception& e) {
            return err("device.fault", std::string("ONNX recogniser failed: ") + e.what());
        }
    }
    double distance(const FaceDescriptor& a, const FaceDescriptor& b) const override {
        return faceCosineDistance(a, b);
    }
    std::size_t dims_ = kOnnxDescriptorDims;

private:
    cv::dnn::Net net_;
    OnnxRecogniserOptions o_;
};

}  // namespace

cv::Mat alignFivePoints(const cv::Mat& frameBgr, const Landmarks68& landmarks, int size) {
    const Similarity2 t = fitSimilarity(fivePoints(landmarks), arcfaceTemplate(size));
    const cv::Matx23d m(t.a, -t.b, t.tx, t.b, t.a, t.ty);
    cv::Mat out;
    cv::warpAffine(frameBgr, out, m, cv::Size(size, size), cv::INTER_LINEAR, cv::BORDER_CONSTANT);
    return out;
}

core::Result<std::unique_ptr<Recogniser>> createDlibRecogniser(const std::string& modelPath) {
    if (modelPath.empty()) return err("face.model_missing", "face.recognition_model is not set");
    KIOSK_ASSIGN_OR_RETURN(FaceNet net, FaceNet::load(modelPath));
    return std::unique_ptr<Recogniser>(new DlibRecogniser(std::move(net)));
}

core::Result<std::unique_ptr<Recogniser>> createOnnxRecogniser(const OnnxRecogniserOptions& o) {
    if (o.modelPath.empty()) return err("face.model_missing", "face.onnx.model is not set");
    std::error_code ec;
    if (!std::filesystem::is_regular_file(o.modelPath, ec))
        return err("face.model_missing", "ONNX face model not found: " + o.modelPath + " (run scripts/setup)");
    try {
        cv::dnn::Net net = cv::dnn::readNetFromONNX(o.modelPath);
        if (net.empty()) return err("face.model_invalid", "cannot read the ONNX face model " + o.modelPath);
        net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
        net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
        auto r = std::make_unique<OnnxRecogniser>(std::move(net), o);
        // One forward pass on a grey face: checks the input size and learns the output size.
        AlignedFace probe{o.inputSize, std::vector<uint8_t>(static_cast<std::size_t>(o.inputSize) * o.inputSize * 3, 128)};
        KIOSK_ASSIGN_OR_RETURN(auto d, r->describe(probe));
        r->dims_ = d.size();
        return std::unique_ptr<Recogniser>(std::move(r));
    } catch (const cv::Exception& e) {
        return err("face.model_invalid", "cannot load the ONNX face model " + o.modelPath + ": " + e.what());
    }
}

}  // namespace kiosk::devices::face
