// Tests against /work/shared/data/faces (ctest label `dataset`).
#include <gtest/gtest.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "tests/devices/face/face_test_support.h"

namespace kiosk::testing::face {
namespace {

devices::FaceDescriptor referenceDescriptor(const fs::path& json) {
    std::ifstream f(json);
    auto j = nlohmann::json::parse(f);
    devices::FaceDescriptor d(128);
    EXPECT_EQ(j.size(), 128u);
    for (std::size_t i = 0; i < 128 && i < j.size(); ++i) d[i] = j[i].get<float>();
    return d;
}

// The converted model reproduces the reference implementation's descriptors.
TEST(FaceDataset, ConvertedModelMatchesReferenceDescriptors) {
    KIOSK_REQUIRE_SHARED_DATA(data);
    KIOSK_FACE_ENGINE_OF(e, 0, devices::FaceRecogniser::DlibResnet);
    const fs::path ref = data / "faces" / "reference";
    devices::FaceDescriptor got[2];
    for (int i = 1; i <= 2; ++i) {
        const auto img = loadOrDie(ref / ("face" + std::to_string(i) + ".png"));
        auto d = e->describeChip(img);
        ASSERT_TRUE(d.ok()) << d.error().message;
        got[i - 1] = *d;
        const double dist = devices::faceDistance(*d, referenceDescriptor(ref / ("faceDescriptor" + std::to_string(i) + ".json")));
        EXPECT_LT(dist, 0.05) << "face" << i;
        RecordProperty("face" + std::to_string(i) + "_distance_to_reference", std::to_string(dist));
    }
    EXPECT_GT(devices::faceDistance(got[0], got[1]), 0.05);  // two different inputs, two descriptors
}

class FaceDatasetBoth : public ::testing::TestWithParam<devices::FaceRecogniser> {};
INSTANTIATE_TEST_SUITE_P(Recognisers, FaceDatasetBoth,
                         ::testing::Values(devices::FaceRecogniser::DlibResnet, devices::FaceRecogniser::Onnx),
                         [](const auto& i) { return std::string(devices::toString(i.param)); });

TEST_P(FaceDatasetBoth, JohnsGenuineAndImpostorChips) {
    KIOSK_REQUIRE_SHARED_DATA(data);
    KIOSK_FACE_ENGINE_OF(e, 0, GetParam());
    const fs::path johns = data / "faces" / "johns";
    std::vector<std::vector<devices::FaceDescriptor>> ids;
    for (const auto& dir : fs::directory_iterator(johns)) {
        if (!dir.is_directory()) continue;
        std::vector<fs::path> files;
        for (const auto& f : fs::directory_iterator(dir.path())) files.push_back(f.path());
        std::sort(files.begin(), files.end());
        ids.emplace_back();
        for (std::size_t i = 0; i < 3 && i < files.size(); ++i) {
            auto d = e->describeChip(loadOrDie(files[i]));
            ASSERT_TRUE(d.ok());
            ids.back().push_back(*d);
        }
    }
    ASSERT_GE(ids.size(), 2u);
    const double t = e->options().matchThreshold;
    for (std::size_t a = 0; a < ids.size(); ++a)
        for (std::size_t b = 0; b < ids.size(); ++b)
            for (const auto& x : ids[a])
                for (const auto& y : ids[b]) {
                    if (&x == &y) continue;
                    if (a == b) EXPECT_LT(e->distance(x, y), t);
                    else EXPECT_GT(e->distance(x, y), t);
                }
}

// Full pipeline on the grey TV stills: genuine pair matches, impostor refused.
TEST_P(FaceDatasetBoth, BbtFullPipelineGenuineAndImpostor) {
    KIOSK_REQUIRE_SHARED_DATA(data);
    KIOSK_FACE_ENGINE_OF(e, 1, GetParam());
    const fs::path bbt = data / "faces" / "bbt";
    auto desc = [&](const std::string& who, int n) {
        auto d = e->process(loadOrDie(bbt / who / (who + std::to_string(n) + ".png")), df::DescriptorPolicy::Always);
        EXPECT_TRUE(d.ok());
        EXPECT_TRUE(d.ok() && d->analysis.hasDescriptor) << who << n;
        return d.ok() ? d->analysis.descriptor : devices::FaceDescriptor(e->descriptorSize(), 0.0f);
    };
    const auto l1 = desc("leonard", 1), l2 = desc("leonard", 2), p1 = desc("penny", 1);
    EXPECT_LT(e->distance(l1, l2), e->options().matchThreshold);
    EXPECT_GT(e->distance(l1, p1), e->options().matchThreshold);
}

TEST(FaceDataset, GroupPhotoHasSeveralFacesAndIsRefused) {
    KIOSK_REQUIRE_SHARED_DATA(data);
    KIOSK_FACE_ENGINE(e, 1);
    auto a = e->analyze(loadOrDie(data / "faces" / "reference" / "2008_002506.jpg"));
    ASSERT_TRUE(a.ok());
    EXPECT_GE(a->faceCount, 2);
    EXPECT_EQ(a->guidance, devices::FaceGuidance::MultipleFaces);
}

// Sequences generated from a shared face: blink passes, replayed still refused, then verify.
TEST(FaceDataset, GeneratedBlinkSequencePassesAndStillIsRefused) {
    KIOSK_REQUIRE_SHARED_DATA(data);
    KIOSK_FACE_ENGINE(e, 0);
    auto maker = df::DemoFaceMaker::create(defaultOptions().shapePredictorPath);
    ASSERT_TRUE(maker.ok());
    const auto photo = loadOrDie(data / "faces" / "reference" / "face_rectangular.png");
    auto faces = maker->frontalFaces(photo, 1, 0.5);
    ASSERT_TRUE(faces.ok());
    ASSERT_FALSE(faces->empty());
    auto pf = maker->make(photo, faces->front(), 400, 42);
    ASSERT_TRUE(pf.ok()) << pf.error().message;
    auto enrol = e->process(pf->enrol, df::DescriptorPolicy::Always);
    ASSERT_TRUE(enrol.ok() && enrol->analysis.hasDescriptor);
    auto live = e->verify(framesOf(pf->probes), {enrol->analysis.descriptor});
    ASSERT_TRUE(live.ok());
    EXPECT_TRUE(live->livenessPassed) << live->livenessDetail;
    EXPECT_TRUE(live->match) << live->distance;
    auto still = e->verify(framesOf(pf->stills), {enrol->analysis.descriptor});
    ASSERT_TRUE(still.ok());
    EXPECT_FALSE(still->livenessPassed);
    EXPECT_EQ(still->reason, "face.liveness_failed");
}

}  // namespace
}  // namespace kiosk::testing::face
