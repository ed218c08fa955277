// Score normalisation against a cohort (devices/face/score_norm.h; measured by bench_face
// --lfw-norm, not the lane's rule: docs/face.md "Score normalisation") on numbers worked by
// hand, and the cascade candidates of the first detection (face.detect_cascade): the key read,
// bad values named, and its effect on the real engine.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "core/config.h"
#include "devices/face/score_norm.h"
#include "tests/devices/face/face_test_support.h"

namespace kiosk::testing::face {
namespace {

using devices::FaceEngineOptions;

TEST(FaceScoreNorm, TopKStatsAreTheMeanAndSdOfTheLargestK) {
    // The 3 largest of {0.1, 0.5, 0.3, 0.9, 0.7} are 0.9, 0.7, 0.5: mean 0.7, population sd
    // sqrt((0.04 + 0 + 0.04) / 3) = 0.163299.
    const auto s = df::topKStats({0.1, 0.5, 0.3, 0.9, 0.7}, 3);
    EXPECT_EQ(s.n, 3);
    EXPECT_NEAR(s.mean, 0.7, 1e-12);
    EXPECT_NEAR(s.sd, std::sqrt(0.08 / 3), 1e-12);
    // k larger than the cohort: all of it.
    const auto all = df::topKStats({1.0, 3.0}, 10);
    EXPECT_EQ(all.n, 2);
    EXPECT_NEAR(all.mean, 2.0, 1e-12);
    EXPECT_NEAR(all.sd, 1.0, 1e-12);
    // Equal scores: the sd is floored, not zero.
    const auto flat = df::topKStats({0.4, 0.4, 0.4}, 3);
    EXPECT_DOUBLE_EQ(flat.sd, df::kMinCohortSd);
    EXPECT_EQ(df::topKStats({}, 5).n, 0);
    EXPECT_EQ(df::topKStats({1.0}, 0).n, 0);
}

TEST(FaceScoreNorm, AsNormAveragesTheTwoSidesZNormUsesTheEnrolledSide) {
    const df::CohortStats probe{0.2, 0.1, 50}, enrolled{0.4, 0.2, 50};
    // ((0.8 - 0.2) / 0.1 + (0.8 - 0.4) / 0.2) / 2 = (6 + 2) / 2
    EXPECT_NEAR(df::asNorm(0.8, probe, enrolled), 4.0, 1e-12);
    EXPECT_NEAR(df::asNorm(0.8, enrolled, probe), 4.0, 1e-12);  // symmetric
    EXPECT_NEAR(df::zNorm(0.8, enrolled), 2.0, 1e-12);
    // The same raw score counts for less when the faces are close to many other people's.
    const df::CohortStats typical{0.6, 0.1, 50};
    EXPECT_LT(df::asNorm(0.8, typical, enrolled), df::asNorm(0.8, probe, enrolled));
}

TEST(FaceScoreNorm, CohortSimilaritiesAreMinusTheDistance) {
    const std::vector<std::vector<float>> cohort{{0.f, 1.f}, {1.f, 0.f}, {0.6f, 0.8f}};
    const std::vector<float> d{1.f, 0.f};
    auto dist = [](const std::vector<float>& a, const std::vector<float>& b) {
        return 1.0 - (a[0] * b[0] + a[1] * b[1]);
    };
    const auto s = df::cohortSimilarities(d, cohort, dist);
    ASSERT_EQ(s.size(), 3u);
    EXPECT_NEAR(s[0], -1.0, 1e-6);
    EXPECT_NEAR(s[1], 0.0, 1e-6);
    EXPECT_NEAR(s[2], -0.4, 1e-6);
}

core::Result<FaceEngineOptions> parseNormOptions(const std::string& faceJson) {
    auto j = core::parseJsonText("{\"face\": " + faceJson + "}", "test");
    if (!j.ok()) return j.error();
    static core::Json keep;
    keep = *j;
    return devices::faceEngineOptionsFromKioskConfig(core::ConfigView(keep), "/cfg", (buildDir() / "models").string());
}

TEST(FaceConfig, DetectCascadeKeyIsReadAndBadValuesNamed) {
    auto o = parseNormOptions(R"({"detect_cascade": "c/cascade.xml"})");
    ASSERT_TRUE(o.ok()) << o.error().message;
    EXPECT_EQ(o->detectCascade, "/cfg/c/cascade.xml");  // relative to the configuration file
    auto abs = parseNormOptions(R"({"detect_cascade": "/usr/share/x.xml"})");
    ASSERT_TRUE(abs.ok());
    EXPECT_EQ(abs->detectCascade, "/usr/share/x.xml");
    auto d = parseNormOptions("{}");
    ASSERT_TRUE(d.ok());
    EXPECT_TRUE(d->detectCascade.empty());  // off unless configured
    auto bad = parseNormOptions(R"({"detect_cascade": 3})");
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.error().message.find("detect_cascade"), std::string::npos) << bad.error().message;
}

std::unique_ptr<df::DlibFaceEngine> engineWith(const std::string& extra) {
    const std::string sp = R"("shape_predictor": ")" + defaultOptions().shapePredictorPath + R"(")";
    auto o = parseNormOptions("{" + sp + (extra.empty() ? "" : ", " + extra) + "}");
    EXPECT_TRUE(o.ok()) << (o.ok() ? "" : o.error().message);
    if (!o.ok()) return nullptr;
    o->timeBudget = core::Millis(10 * 60 * 1000);  // as defaultOptions(): decisions, not speed
    auto e = df::DlibFaceEngine::create(*o);
    EXPECT_TRUE(e.ok()) << (e.ok() ? "" : e.error().message);
    return e.ok() ? std::move(e).value() : nullptr;
}

devices::Image demoNormImage(const std::string& person, const std::string& file) {
    return loadOrDie(demoDir() / person / (file + ".png"));
}

// The 400 px demo crop shrunk to `side` px in a grey 1280x720 frame.
devices::Image laneFrame(int side) {
    const auto src = demoNormImage("p1", "enrol");
    devices::Image f;
    f.format = devices::PixelFormat::Bgr8;
    f.width = 1280;
    f.height = 720;
    f.pixels.assign(f.stride() * f.height, 128);
    for (int r = 0; r < side; ++r)
        for (int c = 0; c < side; ++c)
            for (int k = 0; k < 3; ++k)
                f.pixels[(r + (720 - side) / 2) * f.stride() + (c + (1280 - side) / 2) * 3 + k] =
                    src.pixels[(r * src.height / side) * src.stride() + (c * src.width / side) * 3 + k];
    return f;
}

TEST(FaceConfig, DetectCascadeFindsTheFirstFaceThroughCandidates) {
    ASSERT_TRUE(fs::exists(demoDir() / "p1" / "enrol.png")) << missingSetupMessage(demoDir());
    const std::string cascade = "/usr/share/opencv4/lbpcascades/lbpcascade_frontalface.xml";
    ASSERT_TRUE(fs::exists(cascade)) << cascade << " is missing: Debian package opencv-data (scripts/packages.txt)";
    auto with = engineWith(R"("detect_min_face_px": 90, "detect_cascade": ")" + cascade + "\"");
    auto without = engineWith(R"("detect_min_face_px": 90)");
    ASSERT_TRUE(with && without);
    const auto frame = laneFrame(300);  // a face box of ~130 px: a traveller about 1 m away
    df::StageTimes a, b;
    auto x = with->process(frame, df::DescriptorPolicy::Always, &a);
    auto y = without->process(frame, df::DescriptorPolicy::Always, &b);
    ASSERT_TRUE(x.ok() && y.ok());
    EXPECT_STREQ(a.pass, "cascade");
    EXPECT_STREQ(b.pass, "fine");
    ASSERT_EQ(x->analysis.faceCount, 1);
    ASSERT_EQ(y->analysis.faceCount, 1);
    // Both passes end in dlib's HOG detector at a similar scale: the same face, the same person.
    EXPECT_LT(std::abs(x->analysis.box.x - y->analysis.box.x), 15);
    EXPECT_LT(with->distance(x->analysis.descriptor, y->analysis.descriptor), 0.1);
    // A frame without a face: the cascade finds nothing and the coarse and fine passes run.
    devices::Image empty = frame;
    std::fill(empty.pixels.begin(), empty.pixels.end(), 128);
    df::StageTimes c;
    auto z = with->process(empty, df::DescriptorPolicy::Never, &c);
    ASSERT_TRUE(z.ok());
    EXPECT_EQ(z->analysis.faceCount, 0);
    // A missing or invalid cascade file is named when the engine loads.
    for (const std::string& bad : {std::string("/nope/cascade.xml"), onnxModelPath().string()}) {
        auto o = parseNormOptions(R"({"detect_cascade": ")" + bad + "\"}");
        ASSERT_TRUE(o.ok());
        auto e = df::DlibFaceEngine::create(*o);
        ASSERT_FALSE(e.ok()) << bad;
        EXPECT_NE(e.error().message.find("detect_cascade"), std::string::npos) << e.error().message;
    }
}

}  // namespace
}  // namespace kiosk::testing::face
