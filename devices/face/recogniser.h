#pragma once
// The recogniser behind the engine: aligned face -> descriptor, and the distance between two
// descriptors. Two implementations (recognisers.cpp): dlib's ResNet on the 150x150 dlib chip
// (Euclidean), and an ArcFace-style ONNX model through OpenCV's dnn module on a 5-point
// similarity-aligned crop (cosine). Internal to kiosk::devices_face (OpenCV types allowed).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "core/result.h"
#include "devices/face.h"
#include "devices/face/face_geometry.h"

namespace kiosk::devices::face {

class Recogniser {
public:
    virtual ~Recogniser() = default;
    virtual FaceRecogniser kind() const = 0;
    virtual std::size_t dimensions() const = 0;
    // frameBgr: the whole frame, 8-bit BGR; dlibChipRgb: the 150x150 dlib chip the engine cut
    // for quality (the dlib recogniser's input as it is).
    virtual core::Result<AlignedFace> align(const cv::Mat& frameBgr, const Landmarks68& landmarks,
                                            const std::vector<uint8_t>& dlibChipRgb) = 0;
    virtual core::Result<FaceDescriptor> describe(const AlignedFace& face) = 0;
    virtual double distance(const FaceDescriptor& a, const FaceDescriptor& b) const = 0;
};

core::Result<std::unique_ptr<Recogniser>> createDlibRecogniser(const std::string& modelPath);
core::Result<std::unique_ptr<Recogniser>> createOnnxRecogniser(const OnnxRecogniserOptions& options);

// The 5-point similarity alignment (face_geometry.h) as a warpAffine onto size x size, BGR in and out.
cv::Mat alignFivePoints(const cv::Mat& frameBgr, const Landmarks68& landmarks, int size);

}  // namespace kiosk::devices::face
