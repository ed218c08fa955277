#pragma once
// The face engine as a concrete class (still no dlib/OpenCV types): dlib's HOG detector and
// 68 landmarks, then one of two recognisers (dlib's ResNet or an ArcFace-style ONNX model,
// FaceEngineOptions::recogniser). The factory in devices/face.h returns it as a FaceEngine;
// tools, tests and the benchmark use the extra entry points (chip descriptors, per-stage
// timings, liveness samples).
#include <memory>
#include <optional>
#include <vector>

#include "devices/face.h"
#include "devices/face/face_geometry.h"

namespace kiosk::devices::face {

struct StageTimes {  // milliseconds spent in each stage of the last frame
    double detect = 0, landmarks = 0, chip = 0, align = 0, descriptor = 0, total = 0;  // wall clock
    // CPU time of the process (all threads) per stage: what the stage costs on an idle machine
    double detectCpu = 0, landmarksCpu = 0, chipCpu = 0, alignCpu = 0, descriptorCpu = 0, totalCpu = 0;
    const char* pass = "none";  // which detection pass found the face: track, coarse, fine
};

enum class DescriptorPolicy { IfQualityOk, Always, Never };
// Which detected face is processed: the largest (the lane), or the one nearest the image
// centre (photo collections such as LFW, where the centre face is the labelled one).
enum class FaceChoice { Largest, Centre };

struct FrameDetail {
    FaceAnalysis analysis;
    std::optional<Landmarks68> landmarks;  // of the chosen face
    Pose pose;
    double brightness = 0;
    double sharpness = 0;       // variance of the Laplacian of the grey chip
    std::vector<uint8_t> greyChip;  // 150x150 aligned grey chip (for inter-frame motion)
    std::vector<uint8_t> rgbChip;   // 150x150x3 aligned colour chip (dlib's input)
    AlignedFace aligned;            // the recogniser's input (set when a descriptor was wanted)
};

class DlibFaceEngine final : public FaceEngine {
public:
    static core::Result<std::unique_ptr<DlibFaceEngine>> create(const FaceEngineOptions& options);
    ~DlibFaceEngine() override;

    core::Result<FaceAnalysis> analyze(const Image& image) override;
    core::Result<FaceMatch> verify(const std::vector<Frame>& frames,
                                   const std::vector<FaceDescriptor>& enrolled) override;

    // Whole pipeline on one frame with control over the descriptor and per-stage timing.
    core::Result<FrameDetail> process(const Image& image, DescriptorPolicy policy, StageTimes* times = nullptr,
                                      FaceChoice choice = FaceChoice::Largest);
    // Descriptor of an already aligned 150x150 dlib chip (no detection), e.g. the johns set;
    // the ONNX recogniser finds the landmarks on the chip and aligns again.
    core::Result<FaceDescriptor> describeChip(const Image& chip150);
    // Liveness alone on a sequence (what verify runs first).
    core::Result<LivenessVerdict> checkLiveness(const std::vector<Frame>& frames);
    // The recogniser's distance, and a live descriptor's score against several enrolled ones
    // under the template rule (Best: the smallest distance; Mean: the mean distance). Enrolled
    // descriptors of another size are ignored; none left: infinity.
    double distance(const FaceDescriptor& a, const FaceDescriptor& b) const;
    double score(const FaceDescriptor& live, const std::vector<FaceDescriptor>& enrolled) const;
    std::size_t descriptorSize() const;
    // Drop the tracked face (the next frame is searched whole), e.g. between unrelated photos.
    void forgetTrack();

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
