#pragma once
// The dlib face engine as a concrete class (still no dlib/OpenCV types): the factory in
// devices/face.h returns it as a FaceEngine; tools, tests and the benchmark use the extra
// entry points (chip descriptors, per-stage timings, liveness samples).
#include <memory>
#include <optional>
#include <vector>

#include "devices/face.h"
#include "devices/face/face_geometry.h"

namespace kiosk::devices::face {

struct StageTimes {  // milliseconds spent in each stage of the last frame
    double detect = 0, landmarks = 0, chip = 0, descriptor = 0, total = 0;
};

enum class DescriptorPolicy { IfQualityOk, Always, Never };

struct FrameDetail {
    FaceAnalysis analysis;
    std::optional<Landmarks68> landmarks;  // of the largest face
    Pose pose;
    double brightness = 0;
    double sharpness = 0;       // variance of the Laplacian of the grey chip
    std::vector<uint8_t> greyChip;  // 150x150 aligned grey chip (for inter-frame motion)
    std::vector<uint8_t> rgbChip;   // 150x150x3 aligned colour chip (the net's input)
};

class DlibFaceEngine final : public FaceEngine {
public:
    static core::Result<std::unique_ptr<DlibFaceEngine>> create(const FaceEngineOptions& options);
    ~DlibFaceEngine() override;

    core::Result<FaceAnalysis> analyze(const Image& image) override;
    core::Result<FaceMatch> verify(const std::vector<Frame>& frames,
                                   const std::vector<FaceDescriptor>& enrolled) override;

    // Whole pipeline on one frame with control over the descriptor and per-stage timing.
    core::Result<FrameDetail> process(const Image& image, DescriptorPolicy policy, StageTimes* times = nullptr);
    // Descriptor of an already aligned 150x150 chip (no detection), e.g. the johns set.
    core::Result<FaceDescriptor> describeChip(const Image& chip150);
    // Liveness alone on a sequence (what verify runs first).
    core::Result<LivenessVerdict> checkLiveness(const std::vector<Frame>& frames);

    const FaceEngineOptions& options() const { return options_; }

private:
    struct Impl;
    DlibFaceEngine(FaceEngineOptions options, std::unique_ptr<Impl> impl);
    core::Result<std::vector<FrameDetail>> processSequence(const std::vector<Frame>& frames,
                                                           std::vector<LivenessSample>& samples);
    FaceEngineOptions options_;
    std::unique_ptr<Impl> impl_;
};

}  // namespace kiosk::devices::face
