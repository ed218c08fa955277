// Pure parts of the face pipeline: landmark geometry, quality judgement, liveness decision,
// descriptor bytes, configuration.
#include <gtest/gtest.h>

#include <cmath>

#include "core/config.h"
#include "devices/face.h"
#include "devices/face/face_geometry.h"

namespace kiosk::devices::face {
namespace {

// A synthetic frontal face: eye centres at (100,100) and (160,100), nose tip at (130,140).
Landmarks68 syntheticFace(double eyeOpen = 10, double noseShift = 0, double rollRad = 0) {
    Landmarks68 p{};
    for (auto& q : p) q = {130, 150};
    auto eye = [&](int b, double cx) {
        p[b + 0] = {cx - 15, 100};
        p[b + 1] = {cx - 5, 100 - eyeOpen / 2};
        p[b + 2] = {cx + 5, 100 - eyeOpen / 2};
        p[b + 3] = {cx + 15, 100};
        p[b + 4] = {cx + 5, 100 + eyeOpen / 2};
        p[b + 5] = {cx - 5, 100 + eyeOpen / 2};
    };
    eye(36, 100);
    eye(42, 160);
    p[30] = {130 + noseShift, 140};
    p[0] = {60, 110};
    p[16] = {200, 110};
    if (rollRad != 0)
        for (auto& q : p) {
            const double x = q.x - 130, y = q.y - 120;
            q = {130 + x * std::cos(rollRad) - y * std::sin(rollRad), 120 + x * std::sin(rollRad) + y * std::cos(rollRad)};
        }
    return p;
}

TEST(FaceGeometry, EyeCentresDistanceAndFrontalPose) {
    const auto p = syntheticFace();
    EXPECT_NEAR(leftEyeCentre(p).x, 100, 1e-9);
    EXPECT_NEAR(rightEyeCentre(p).x, 160, 1e-9);
    const Pose pose = poseOf(p);
    EXPECT_NEAR(pose.eyeDistance, 60, 1e-9);
    EXPECT_NEAR(pose.yaw, 0, 1e-9);
    EXPECT_NEAR(pose.rollDeg, 0, 1e-9);
}

TEST(FaceGeometry, TurnedHeadAndRoll) {
    EXPECT_GT(poseOf(syntheticFace(10, 20)).yaw, 0.2);
    EXPECT_LT(poseOf(syntheticFace(10, -20)).yaw, -0.2);
    EXPECT_NEAR(poseOf(syntheticFace(10, 0, 30 * M_PI / 180)).rollDeg, 30, 1e-6);
}

TEST(FaceGeometry, EyeAspectRatioFallsWhenEyesClose) {
    const double open = eyeAspectRatio(syntheticFace(10));
    EXPECT_NEAR(open, 10.0 / 30.0, 1e-9);
    EXPECT_NEAR(eyeAspectRatio(syntheticFace(1)), 1.0 / 30.0, 1e-9);
}

TEST(FaceQuality, EachFailureMapsToItsGuidance) {
    FaceQualityOptions o;
    QualityMeasures good;
    good.faceCount = 1;
    good.pose.eyeDistance = 80;
    good.brightness = 120;
    good.sharpness = 200;
    EXPECT_EQ(judgeQuality(good, o), FaceGuidance::Ok);
    auto m = good;
    m.faceCount = 0;
    EXPECT_EQ(judgeQuality(m, o), FaceGuidance::NoFace);
    m = good;
    m.faceCount = 2;
    EXPECT_EQ(judgeQuality(m, o), FaceGuidance::MultipleFaces);
    m = good;
    m.pose.eyeDistance = 20;
    EXPECT_EQ(judgeQuality(m, o), FaceGuidance::ComeCloser);
    m = good;
    m.pose.yaw = 0.6;
    EXPECT_EQ(judgeQuality(m, o), FaceGuidance::LookAtCamera);
    m = good;
    m.pose.rollDeg = -40;
    EXPECT_EQ(judgeQuality(m, o), FaceGuidance::LookAtCamera);
    m = good;
    m.brightness = 20;
    EXPECT_EQ(judgeQuality(m, o), FaceGuidance::TooDark);
    m = good;
    m.brightness = 240;
    EXPECT_EQ(judgeQuality(m, o), FaceGuidance::TooBright);
    m = good;
    m.sharpness = 3;
    EXPECT_EQ(judgeQuality(m, o), FaceGuidance::HoldStill);
}

std::vector<LivenessSample> sequence(std::vector<double> ears, double motion = 3, double texture = 100,
                                     std::vector<double> yaws = {}) {
    std::vector<LivenessSample> s;
    for (std::size_t i = 0; i < ears.size(); ++i) {
        LivenessSample x;
        x.faceFound = true;
        x.ear = ears[i];
        x.yaw = i < yaws.size() ? yaws[i] : 0.0;
        x.motion = i == 0 ? -1 : motion;
        x.texture = texture;
        s.push_back(x);
    }
    return s;
}

TEST(FaceLiveness, BlinkPasses) {
    LivenessOptions o;
    const auto v = decideLiveness(sequence({0.30, 0.31, 0.15, 0.12, 0.29, 0.30}), o);
    EXPECT_TRUE(v.passed) << v.detail;
    EXPECT_EQ(v.detail, "blink");
}

TEST(FaceLiveness, OpenEyesOnlyIsRefused) {
    LivenessOptions o;
    const auto v = decideLiveness(sequence({0.30, 0.31, 0.29, 0.30, 0.30}), o);
    EXPECT_FALSE(v.passed);
    EXPECT_EQ(v.detail, "no_blink");
}

TEST(FaceLiveness, ClosingWithoutReopeningIsNoBlink) {
    LivenessOptions o;
    EXPECT_FALSE(decideLiveness(sequence({0.30, 0.30, 0.15, 0.12, 0.12}), o).passed);
}

TEST(FaceLiveness, StillFramesAreRefusedEvenWithABlinkPattern) {
    LivenessOptions o;
    const auto v = decideLiveness(sequence({0.30, 0.31, 0.15, 0.12, 0.29, 0.30}, 0.0), o);
    EXPECT_FALSE(v.passed);
    EXPECT_EQ(v.detail.rfind("no_motion", 0), 0u) << v.detail;
}

TEST(FaceLiveness, FlatTextureIsRefused) {
    LivenessOptions o;
    const auto v = decideLiveness(sequence({0.30, 0.31, 0.15, 0.12, 0.29, 0.30}, 3, 2), o);
    EXPECT_FALSE(v.passed);
    EXPECT_EQ(v.detail.rfind("flat_texture", 0), 0u) << v.detail;
}

TEST(FaceLiveness, TooFewFaceFrames) {
    LivenessOptions o;
    auto s = sequence({0.30, 0.12, 0.30});
    s[1].faceFound = false;
    EXPECT_FALSE(decideLiveness(s, o).passed);
}

TEST(FaceLiveness, HeadTurnChallenge) {
    LivenessOptions o;
    o.challenge = LivenessChallenge::HeadTurn;
    EXPECT_TRUE(decideLiveness(sequence({0.3, 0.3, 0.3, 0.3}, 3, 100, {0.0, 0.1, 0.2, 0.3}), o).passed);
    EXPECT_FALSE(decideLiveness(sequence({0.3, 0.1, 0.3, 0.3}, 3, 100, {0.0, 0.02, 0.01, 0.0}), o).passed);
}

TEST(FaceDescriptorBytes, RoundTripAndRejects) {
    FaceDescriptor d(128);
    for (std::size_t i = 0; i < d.size(); ++i) d[i] = static_cast<float>(std::sin(double(i)) * 0.2);
    const auto bytes = descriptorToBytes(d);
    ASSERT_EQ(bytes.size(), 512u);
    auto back = descriptorFromBytes(bytes);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, d);
    EXPECT_EQ(faceDistance(*back, d), 0.0);
    // little-endian float32: 1.0f is 00 00 80 3f
    FaceDescriptor one(128, 0.0f);
    one[0] = 1.0f;
    const auto b1 = descriptorToBytes(one);
    EXPECT_EQ(b1[2], 0x80);
    EXPECT_EQ(b1[3], 0x3f);
    EXPECT_FALSE(descriptorFromBytes(std::vector<uint8_t>(511)).ok());
    EXPECT_FALSE(descriptorFromBytes(std::vector<uint8_t>(256 * 4)).ok());  // neither 128 nor 512 floats
    FaceDescriptor wide(512, 0.25f);
    auto w = descriptorFromBytes(descriptorToBytes(wide));
    ASSERT_TRUE(w.ok());
    EXPECT_EQ(*w, wide);
    EXPECT_TRUE(std::isinf(faceDistance(wide, d)));  // different recognisers never match
    auto nan = bytes;
    nan[0] = 0;
    nan[1] = 0;
    nan[2] = 0xc0;
    nan[3] = 0x7f;
    EXPECT_EQ(descriptorFromBytes(nan).error().code, "face.bad_descriptor");
}

TEST(FaceOptions, ConfigDefaultsOverridesAndNamedErrors) {
    auto j = core::parseJsonText(R"({"face": {"match_threshold": 0.52, "liveness": {"challenge": "head_turn"},
                                      "quality": {"min_eye_distance_px": 60}}})", "test");
    ASSERT_TRUE(j.ok());
    core::ConfigView root(*j);
    auto f = root.child("face");
    ASSERT_TRUE(f.ok());
    auto o = faceEngineOptionsFromConfig(*f);
    ASSERT_TRUE(o.ok()) << o.error().message;
    EXPECT_DOUBLE_EQ(o->matchThreshold, 0.52);
    EXPECT_EQ(o->liveness.challenge, LivenessChallenge::HeadTurn);
    EXPECT_DOUBLE_EQ(o->quality.minEyeDistancePx, 60);
    EXPECT_EQ(o->maxFrames, FaceEngineOptions{}.maxFrames);

    auto bad = core::parseJsonText(R"({"face": {"match_threshold": 2.5}})", "test");
    core::ConfigView broot(*bad);
    auto bo = faceEngineOptionsFromConfig(*broot.child("face"));
    ASSERT_FALSE(bo.ok());
    EXPECT_NE(bo.error().message.find("face.match_threshold"), std::string::npos) << bo.error().message;
}

}  // namespace
}  // namespace kiosk::devices::face
