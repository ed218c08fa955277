#pragma once
// Pure geometry on the 68 iBUG landmarks (dlib's shape_predictor_68 numbering): eye
// centres, inter-eye distance, eye aspect ratio, pose; and the liveness decision on a
// sequence of per-frame measurements. No dlib/OpenCV here, so it is unit-testable.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "devices/face.h"

namespace kiosk::devices::face {

struct Point2 {
    double x = 0, y = 0;
};
using Landmarks68 = std::array<Point2, 68>;

// What a recogniser's network sees: size x size x 3, RGB, 8-bit (recogniser.h).
struct AlignedFace {
    int size = 0;
    std::vector<uint8_t> rgb;
};

struct Pose {
    double eyeDistance = 0;  // px between eye centres
    double yaw = 0;          // (nose tip x - eyes' midpoint x) projected on the eye line / eye distance
    double rollDeg = 0;      // angle of the eye line
};

Point2 leftEyeCentre(const Landmarks68& p);   // points 36..41 (image left)
Point2 rightEyeCentre(const Landmarks68& p);  // points 42..47
Pose poseOf(const Landmarks68& p);
// Eye aspect ratio (Soukupova & Cech 2016): (|p2-p6| + |p3-p5|) / (2 |p1-p4|), both eyes' mean.
double eyeAspectRatio(const Landmarks68& p);

// What the engine measures on one frame of a liveness sequence.
struct LivenessSample {
    bool faceFound = false;
    double ear = 0;
    double yaw = 0;
    double motion = -1;   // mean |grey difference| in the face box against the previous frame (-1: first)
    double texture = 0;   // variance of the Laplacian of the face chip
};

struct LivenessVerdict {
    bool passed = false;
    std::string detail;  // "blink", "head_turn", or why it failed (no personal data)
};

// ---- Alignment for ArcFace-style recognisers ----
// The 5 points (eye centres = mean of 36-41 / 42-47, nose tip 30, mouth corners 48 / 54).
std::array<Point2, 5> fivePoints(const Landmarks68& p);
// The standard ArcFace template for a 112x112 input (insightface), scaled to `size`.
std::array<Point2, 5> arcfaceTemplate(int size);
// x' = a x - b y + tx, y' = b x + a y + ty: rotation, uniform scale and shift.
struct Similarity2 {
    double a = 1, b = 0, tx = 0, ty = 0;
    Point2 apply(Point2 p) const { return {a * p.x - b * p.y + tx, b * p.x + a * p.y + ty}; }
};
// Least-squares similarity mapping src onto dst (closed form, Umeyama without reflection).
Similarity2 fitSimilarity(const std::array<Point2, 5>& src, const std::array<Point2, 5>& dst);

LivenessVerdict decideLiveness(const std::vector<LivenessSample>& samples, const LivenessOptions& options);

// Capture quality from the measured values; the first failing check wins, in the order
// the traveller can act on: face count, distance, pose, exposure, sharpness.
struct QualityMeasures {
    int faceCount = 0;
    Pose pose;
    double brightness = 0;  // mean grey in the face box
    double sharpness = 0;   // variance of the Laplacian in the face box
};
FaceGuidance judgeQuality(const QualityMeasures& m, const FaceQualityOptions& options);

}  // namespace kiosk::devices::face
