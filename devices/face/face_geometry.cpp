#include "devices/face/face_geometry.h"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace kiosk::devices::face {
namespace {

double dist(const Point2& a, const Point2& b) { return std::hypot(a.x - b.x, a.y - b.y); }

Point2 centre(const Landmarks68& p, int from, int to) {
    Point2 c;
    for (int i = from; i <= to; ++i) {
        c.x += p[static_cast<std::size_t>(i)].x;
        c.y += p[static_cast<std::size_t>(i)].y;
    }
    const double n = to - from + 1;
    return {c.x / n, c.y / n};
}

double eyeEar(const Landmarks68& p, int b) {
    auto P = [&](int i) { return p[static_cast<std::size_t>(b + i)]; };
    const double w = dist(P(0), P(3));
    if (w <= 1e-9) return 0;
    return (dist(P(1), P(5)) + dist(P(2), P(4))) / (2.0 * w);
}

std::string fmt(double v) {
    std::ostringstream o;
    o.precision(3);
    o << v;
    return o.str();
}

}  // namespace

Point2 leftEyeCentre(const Landmarks68& p) { return centre(p, 36, 41); }
Point2 rightEyeCentre(const Landmarks68& p) { return centre(p, 42, 47); }

Pose poseOf(const Landmarks68& p) {
    const Point2 l = leftEyeCentre(p), r = rightEyeCentre(p);
    Pose pose;
    pose.eyeDistance = dist(l, r);
    pose.rollDeg = std::atan2(r.y - l.y, r.x - l.x) * 180.0 / M_PI;
    if (pose.eyeDistance > 1e-9) {
        const Point2 mid{(l.x + r.x) / 2, (l.y + r.y) / 2};
        const Point2 nose = p[30];
        const double ux = (r.x - l.x) / pose.eyeDistance, uy = (r.y - l.y) / pose.eyeDistance;
        // Offset of the nose tip along the eye line, relative to the eye distance. Frontal ~0;
        // a turned head moves the nose towards one eye. Also weigh the jaw asymmetry: the
        // distance from the nose to each face edge (points 0 and 16).
        const double along = ((nose.x - mid.x) * ux + (nose.y - mid.y) * uy) / pose.eyeDistance;
        const double dl = dist(nose, p[0]), dr = dist(nose, p[16]);
        const double asym = (dl + dr) > 1e-9 ? (dl - dr) / (dl + dr) : 0;
        pose.yaw = 0.5 * along + 0.5 * asym;
    }
    return pose;
}

double eyeAspectRatio(const Landmarks68& p) { return 0.5 * (eyeEar(p, 36) + eyeEar(p, 42)); }

LivenessVerdict decideLiveness(const std::vector<LivenessSample>& samples, const LivenessOptions& o) {
    LivenessVerdict v;
    std::vector<const LivenessSample*> faces;
    for (const auto& s : samples)
        if (s.faceFound) faces.push_back(&s);
    if (static_cast<int>(faces.size()) < o.minFrames) {
        v.detail = "too_few_face_frames(" + std::to_string(faces.size()) + ")";
        return v;
    }
    // Passive 1: a still image replayed (or an injected repeated frame) has no change at all
    // between frames; a live camera always has sensor noise and some movement.
    double maxMotion = 0, sumMotion = 0;
    int nMotion = 0;
    for (const auto* s : faces)
        if (s->motion >= 0) {
            maxMotion = std::max(maxMotion, s->motion);
            sumMotion += s->motion;
            ++nMotion;
        }
    if (nMotion == 0 || maxMotion < o.minFrameMotion) {
        v.detail = "no_motion(max=" + fmt(maxMotion) + ")";
        return v;
    }
    // Passive 2: flat texture (a blurred print or a low-resolution screen).
    double texture = 0;
    for (const auto* s : faces) texture += s->texture;
    texture /= static_cast<double>(faces.size());
    if (texture < o.minTexture) {
        v.detail = "flat_texture(" + fmt(texture) + ")";
        return v;
    }
    if (o.challenge == LivenessChallenge::None) {
        v.passed = true;
        v.detail = "passive";
        return v;
    }
    // Active: blink = open, then clearly lower, then open again.
    bool blink = false;
    {
        double openLevel = 0;
        bool sawClosed = false;
        for (const auto* s : faces) {
            if (!sawClosed) {
                if (s->ear >= o.earOpen) openLevel = std::max(openLevel, s->ear);
                if (openLevel > 0 && s->ear < openLevel * o.earClosedRatio) sawClosed = true;
            } else if (s->ear >= o.earOpen && s->ear >= openLevel * (o.earClosedRatio + 1.0) / 2.0) {
                blink = true;
                break;
            }
        }
    }
    double minYaw = 1e9, maxYaw = -1e9;
    for (const auto* s : faces) {
        minYaw = std::min(minYaw, s->yaw);
        maxYaw = std::max(maxYaw, s->yaw);
    }
    const bool turn = (maxYaw - minYaw) >= o.minHeadTurn;
    const bool wantBlink = o.challenge == LivenessChallenge::Blink || o.challenge == LivenessChallenge::BlinkOrHeadTurn;
    const bool wantTurn = o.challenge == LivenessChallenge::HeadTurn || o.challenge == LivenessChallenge::BlinkOrHeadTurn;
    if (wantBlink && blink) {
        v.passed = true;
        v.detail = "blink";
    } else if (wantTurn && turn) {
        v.passed = true;
        v.detail = "head_turn";
    } else {
        v.detail = wantBlink && !wantTurn ? "no_blink" : (wantTurn && !wantBlink ? "no_head_turn" : "no_challenge");
    }
    return v;
}

FaceGuidance judgeQuality(const QualityMeasures& m, const FaceQualityOptions& o) {
    if (m.faceCount == 0) return FaceGuidance::NoFace;
    if (m.faceCount > 1) return FaceGuidance::MultipleFaces;
    if (m.pose.eyeDistance < o.minEyeDistancePx) return FaceGuidance::ComeCloser;
    if (std::abs(m.pose.yaw) > o.maxYaw || std::abs(m.pose.rollDeg) > o.maxRollDeg) return FaceGuidance::LookAtCamera;
    if (m.brightness < o.minBrightness) return FaceGuidance::TooDark;
    if (m.brightness > o.maxBrightness) return FaceGuidance::TooBright;
    if (m.sharpness < o.minSharpness) return FaceGuidance::HoldStill;
    return FaceGuidance::Ok;
}

std::array<Point2, 5> fivePoints(const Landmarks68& p) {
    return {leftEyeCentre(p), rightEyeCentre(p), p[30], p[48], p[54]};
}

std::array<Point2, 5> arcfaceTemplate(int size) {
    const double k = size / 112.0;
    return {Point2{38.2946 * k, 51.6963 * k}, Point2{73.5318 * k, 51.5014 * k}, Point2{56.0252 * k, 71.7366 * k},
            Point2{41.5493 * k, 92.3655 * k}, Point2{70.7299 * k, 92.2041 * k}};
}

Similarity2 fitSimilarity(const std::array<Point2, 5>& src, const std::array<Point2, 5>& dst) {
    Point2 ms, md;
    for (std::size_t i = 0; i < 5; ++i) {
        ms.x += src[i].x / 5;
        ms.y += src[i].y / 5;
        md.x += dst[i].x / 5;
        md.y += dst[i].y / 5;
    }
    double ss = 0, sa = 0, sb = 0;
    for (std::size_t i = 0; i < 5; ++i) {
        const double xs = src[i].x - ms.x, ys = src[i].y - ms.y;
        const double xd = dst[i].x - md.x, yd = dst[i].y - md.y;
        ss += xs * xs + ys * ys;
        sa += xs * xd + ys * yd;
        sb += xs * yd - ys * xd;
    }
    Similarity2 t;
    if (ss <= 0) return t;
    t.a = sa / ss;
    t.b = sb / ss;
    t.tx = md.x - (t.a * ms.x - t.b * ms.y);
    t.ty = md.y - (t.b * ms.x + t.a * ms.y);
    return t;
}

}  // namespace kiosk::devices::face
