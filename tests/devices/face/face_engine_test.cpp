// The real dlib pipeline on the demo faces that setup generates from face-api's sample
// photos ($KIOSK_BUILD_DIR/demo/faces, see docs/face.md). No /work/shared needed.
#include <gtest/gtest.h>

#include <random>

#include "tests/devices/face/face_test_support.h"

namespace kiosk::testing::face {
namespace {

using devices::FaceGuidance;

std::vector<devices::Image> loadSeries(const std::string& person, const std::string& prefix, int n) {
    std::vector<devices::Image> out;
    for (int i = 0; i < n; ++i) out.push_back(loadOrDie(demoDir() / person / (prefix + std::to_string(i) + ".png")));
    return out;
}

#define REQUIRE_DEMO_SET()                                                               \
    ASSERT_TRUE(fs::exists(demoDir() / "p1" / "enrol.png")) << missingSetupMessage(demoDir())

devices::FaceDescriptor enrolDescriptor(df::DlibFaceEngine* e, const std::string& person) {
    auto d = e->process(loadOrDie(demoDir() / person / "enrol.png"), df::DescriptorPolicy::Always);
    EXPECT_TRUE(d.ok());
    EXPECT_TRUE(d.ok() && d->analysis.hasDescriptor);
    return d.ok() ? d->analysis.descriptor : devices::FaceDescriptor(e->descriptorSize(), 0.0f);
}

void EnrolImageIsGoodQuality() {
    KIOSK_FACE_ENGINE(e, 0);
    REQUIRE_DEMO_SET();
    auto a = e->analyze(loadOrDie(demoDir() / "p1" / "enrol.png"));
    ASSERT_TRUE(a.ok()) << a.error().message;
    EXPECT_EQ(a->faceCount, 1);
    EXPECT_EQ(a->guidance, FaceGuidance::Ok) << devices::toString(a->guidance);
    EXPECT_TRUE(a->hasDescriptor);
    EXPECT_GT(a->box.width, 60);
}

void GenuineLiveSequenceMatches() {
    KIOSK_FACE_ENGINE(e, 0);
    REQUIRE_DEMO_SET();
    const auto enrolled = enrolDescriptor(e, "p1");
    auto m = e->verify(framesOf(loadSeries("p1", "probe_", 6)), {enrolled});
    ASSERT_TRUE(m.ok()) << m.error().message;
    EXPECT_TRUE(m->livenessPassed) << m->livenessDetail;
    EXPECT_TRUE(m->match) << "distance " << m->distance << " reason " << m->reason;
    EXPECT_EQ(m->reason, "");
    EXPECT_LT(m->distance, e->options().matchThreshold);
    EXPECT_GE(m->framesUsed, 1);
}

void ImpostorIsRefused() {
    KIOSK_FACE_ENGINE(e, 0);
    REQUIRE_DEMO_SET();
    // p2's live sequence against p1's (and p3's) enrolment.
    const std::vector<devices::FaceDescriptor> enrolled{enrolDescriptor(e, "p1"), enrolDescriptor(e, "p3")};
    auto m = e->verify(framesOf(loadSeries("p2", "probe_", 6)), enrolled);
    ASSERT_TRUE(m.ok()) << m.error().message;
    EXPECT_TRUE(m->livenessPassed) << m->livenessDetail;  // a live impostor: liveness alone does not help
    EXPECT_FALSE(m->match) << "distance " << m->distance;
    EXPECT_EQ(m->reason, "face.no_match");
    EXPECT_GT(m->distance, e->options().matchThreshold);
}

void AllDemoPeopleAreMutualImpostors() {
    KIOSK_FACE_ENGINE(e, 0);
    REQUIRE_DEMO_SET();
    std::vector<devices::FaceDescriptor> d;
    for (int p = 1; fs::exists(demoDir() / ("p" + std::to_string(p)) / "enrol.png"); ++p)
        d.push_back(enrolDescriptor(e, "p" + std::to_string(p)));
    ASSERT_GE(d.size(), 4u);
    for (std::size_t i = 0; i < d.size(); ++i)
        for (std::size_t j = i + 1; j < d.size(); ++j)
            EXPECT_GT(e->distance(d[i], d[j]), e->options().matchThreshold) << "p" << i + 1 << " p" << j + 1;
}

void StillPhotoReplayedIsRefusedByLiveness() {
    KIOSK_FACE_ENGINE(e, 0);
    REQUIRE_DEMO_SET();
    const auto enrolled = enrolDescriptor(e, "p1");
    auto m = e->verify(framesOf(loadSeries("p1", "still_", 5)), {enrolled});
    ASSERT_TRUE(m.ok()) << m.error().message;
    EXPECT_FALSE(m->livenessPassed);
    EXPECT_FALSE(m->match);
    EXPECT_EQ(m->reason, "face.liveness_failed");
    EXPECT_EQ(m->livenessDetail.rfind("no_motion", 0), 0u) << m->livenessDetail;
    EXPECT_EQ(m->framesUsed, 0);  // refused before any descriptor
}

void LiveSequenceWithoutBlinkIsRefused() {
    KIOSK_FACE_ENGINE(e, 0);
    REQUIRE_DEMO_SET();
    // The same frames minus the two with closed eyes: moving, but no blink.
    auto all = loadSeries("p1", "probe_", 6);
    std::vector<devices::Image> open{all[0], all[1], all[4], all[5]};
    auto v = e->checkLiveness(framesOf(open));
    ASSERT_TRUE(v.ok());
    EXPECT_FALSE(v->passed);
    EXPECT_EQ(v->detail, "no_blink");
}

void BlinkSequencePassesLiveness() {
    KIOSK_FACE_ENGINE(e, 0);
    REQUIRE_DEMO_SET();
    for (const char* p : {"p1", "p2", "p3"}) {
        auto v = e->checkLiveness(framesOf(loadSeries(p, "probe_", 6)));
        ASSERT_TRUE(v.ok());
        EXPECT_TRUE(v->passed) << p << ": " << v->detail;
        EXPECT_EQ(v->detail, "blink");
    }
}

void NoFaceInAnEmptyScene() {
    KIOSK_FACE_ENGINE(e, 0);
    devices::Image img;
    img.width = 640;
    img.height = 480;
    img.format = devices::PixelFormat::Bgr8;
    img.pixels.resize(img.stride() * img.height);
    std::mt19937 rng(7);
    for (std::size_t i = 0; i < img.pixels.size(); ++i)  // a smooth gradient with noise
        img.pixels[i] = static_cast<uint8_t>((i / 3 % 640) / 4 + rng() % 16);
    auto a = e->analyze(img);
    ASSERT_TRUE(a.ok());
    EXPECT_EQ(a->faceCount, 0);
    EXPECT_EQ(a->guidance, FaceGuidance::NoFace);
    EXPECT_FALSE(a->hasDescriptor);
    auto m = e->verify(framesOf({img, img, img}), {devices::FaceDescriptor(e->descriptorSize(), 0.5f)});
    ASSERT_TRUE(m.ok());
    EXPECT_FALSE(m->match);
    EXPECT_EQ(m->reason, "face.no_face");
}

void TwoFacesAreRefusedAsMultipleFaces() {
    KIOSK_FACE_ENGINE(e, 0);
    REQUIRE_DEMO_SET();
    const auto a = loadOrDie(demoDir() / "p1" / "enrol.png");
    const auto b = loadOrDie(demoDir() / "p2" / "enrol.png");
    ASSERT_EQ(a.height, b.height);
    devices::Image two;
    two.format = devices::PixelFormat::Bgr8;
    two.width = a.width + b.width;
    two.height = a.height;
    two.pixels.resize(two.stride() * two.height);
    for (int r = 0; r < a.height; ++r) {
        std::copy_n(a.pixels.data() + r * a.stride(), a.stride(), two.pixels.data() + r * two.stride());
        std::copy_n(b.pixels.data() + r * b.stride(), b.stride(), two.pixels.data() + r * two.stride() + a.stride());
    }
    auto r = e->analyze(two);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->faceCount, 2);
    EXPECT_EQ(r->guidance, FaceGuidance::MultipleFaces);
    EXPECT_FALSE(r->hasDescriptor);
}

void SmallFaceAsksToComeCloserAndDarkFrameIsTooDark() {
    KIOSK_FACE_ENGINE(e, 0);
    REQUIRE_DEMO_SET();
    const auto src = loadOrDie(demoDir() / "p1" / "enrol.png");
    // Far away: the 400x400 crop shrunk to 40 %, centred in a 640x480 grey frame.
    devices::Image far;
    far.format = devices::PixelFormat::Bgr8;
    far.width = 640;
    far.height = 480;
    far.pixels.assign(far.stride() * far.height, 128);
    const int s = 160;
    for (int r = 0; r < s; ++r)
        for (int c = 0; c < s; ++c)
            for (int k = 0; k < 3; ++k)
                far.pixels[(r + 160) * far.stride() + (c + 240) * 3 + k] =
                    src.pixels[(r * 400 / s) * src.stride() + (c * 400 / s) * 3 + k];
    auto a = e->analyze(far);
    ASSERT_TRUE(a.ok());
    if (a->faceCount == 1) EXPECT_EQ(a->guidance, FaceGuidance::ComeCloser);
    else EXPECT_EQ(a->guidance, FaceGuidance::NoFace);  // too small even to detect

    devices::Image dark = src;
    for (auto& p : dark.pixels) p = static_cast<uint8_t>(p / 5);
    auto d = e->analyze(dark);
    ASSERT_TRUE(d.ok());
    if (d->faceCount == 1) EXPECT_EQ(d->guidance, FaceGuidance::TooDark);
    else EXPECT_EQ(d->guidance, FaceGuidance::NoFace);
}

void EnrolCollectsSeveralDescriptors() {
    KIOSK_FACE_ENGINE(e, 0);
    REQUIRE_DEMO_SET();
    auto d = e->enrol(framesOf({loadOrDie(demoDir() / "p4" / "enrol.png"), loadOrDie(demoDir() / "p4" / "probe_0.png"),
                                loadOrDie(demoDir() / "p4" / "probe_5.png")}),
                      3);
    ASSERT_TRUE(d.ok()) << d.error().message;
    EXPECT_EQ(d->size(), 3u);
    EXPECT_LT(e->distance((*d)[0], (*d)[1]), e->options().matchThreshold);
}


// One test per area (each ctest test is its own process and loads the 125 MB of models
// once); each step is a named function above.
TEST(FaceEngine, GenuineMatchesImpostorRefusedEnrolKeepsSeveral) {
    {
        SCOPED_TRACE("GenuineLiveSequenceMatches");
        GenuineLiveSequenceMatches();
    }
    {
        SCOPED_TRACE("ImpostorIsRefused");
        ImpostorIsRefused();
    }
    {
        SCOPED_TRACE("AllDemoPeopleAreMutualImpostors");
        AllDemoPeopleAreMutualImpostors();
    }
    {
        SCOPED_TRACE("EnrolCollectsSeveralDescriptors");
        EnrolCollectsSeveralDescriptors();
    }
}

TEST(FaceEngine, LivenessBlinkPassesStillPhotoAndNoBlinkRefused) {
    {
        SCOPED_TRACE("BlinkSequencePassesLiveness");
        BlinkSequencePassesLiveness();
    }
    {
        SCOPED_TRACE("StillPhotoReplayedIsRefusedByLiveness");
        StillPhotoReplayedIsRefusedByLiveness();
    }
    {
        SCOPED_TRACE("LiveSequenceWithoutBlinkIsRefused");
        LiveSequenceWithoutBlinkIsRefused();
    }
}

TEST(FaceEngine, CaptureQualityNoFaceTwoFacesDistanceExposure) {
    {
        SCOPED_TRACE("EnrolImageIsGoodQuality");
        EnrolImageIsGoodQuality();
    }
    {
        SCOPED_TRACE("NoFaceInAnEmptyScene");
        NoFaceInAnEmptyScene();
    }
    {
        SCOPED_TRACE("TwoFacesAreRefusedAsMultipleFaces");
        TwoFacesAreRefusedAsMultipleFaces();
    }
    {
        SCOPED_TRACE("SmallFaceAsksToComeCloserAndDarkFrameIsTooDark");
        SmallFaceAsksToComeCloserAndDarkFrameIsTooDark();
    }
}

}  // namespace
}  // namespace kiosk::testing::face
