// Fingerprint behaviour on the FVC development sets (../shared/data/fingerprints; label
// `dataset`, skipped when absent). Accuracy figures are bench_fingerprint's; these check the
// behaviours the figures depend on.
#include <gtest/gtest.h>

#include "devices/fingerprint/finger_image_source.h"
#include "devices/fingerprint/finger_quality.h"
#include "devices/fingerprint/libfprint_reader.h"
#include "tests/support/test_support.h"

namespace fp = kiosk::devices::fingerprint;
using kiosk::devices::FingerGuidance;
using namespace std::chrono_literals;

namespace {
fp::FingerImage load(const std::filesystem::path& set, int finger, int impression, int ppi = 500) {
    auto img = fp::loadGrayImage(set / (std::to_string(finger) + "_" + std::to_string(impression) + ".png"));
    EXPECT_TRUE(img.ok()) << set << " " << finger << "_" << impression;
    return {img.ok() ? std::move(img).value() : kiosk::devices::Image{}, ppi};
}
}  // namespace

TEST(FingerDataset, Non500DpiSetsAreResampledTo500) {
    KIOSK_REQUIRE_SHARED_DATA(data);
    const auto img = load(data / "fingerprints" / "fvc2002_db2_b", 101, 1, 569);
    ASSERT_EQ(img.image.width, 296);
    const auto r = fp::resampleTo500(img.image, img.ppi);
    EXPECT_EQ(r.width, 260);  // 296 * 500 / 569
    EXPECT_EQ(r.height, 492);
}

// FVC2000 DB4_B finger 101 is a simulated dry finger (broken, speckled ridges). The gate
// used to refuse it as "clean the sensor"; now it says "moisten" and enrols it anyway.
TEST(FingerDataset, DryFingerIsToldToMoistenAndStillEnrols) {
    KIOSK_REQUIRE_SHARED_DATA(data);
    const auto set = data / "fingerprints" / "fvc2000_db4_b";
    int dry = 0, refused = 0;
    std::vector<fp::FingerImage> enrol;
    for (int i = 1; i <= 8; ++i) {
        const auto img = load(set, 101, i);
        const auto q = fp::assessImage(img.image);
        if (q.condition == fp::FingerCondition::Dry) {
            ++dry;
            EXPECT_EQ(q.guidance, FingerGuidance::Moisten);
        }
        refused += fp::refusedBeforeMatching(q.condition);
        if (i <= 5) enrol.push_back(img);
    }
    EXPECT_GE(dry, 1);
    EXPECT_EQ(refused, 0) << "a dry finger's captures are scored, not refused";
    auto reader = fp::LibfprintReader::create(fp::ReaderOptions{}, std::make_shared<fp::SimFingerSensor>());
    ASSERT_TRUE(reader.ok()) << reader.error().message;
    auto e = (*reader)->enrollImages(enrol, {}, 60s);
    ASSERT_TRUE(e.ok()) << e.error().message;
    EXPECT_EQ(fp::printImpressions(e->print).value(), 10);
}

// The decision is on the best bozorth score over variants and impressions, not libfprint's
// first-match-at-40: a genuine probe's scores per impression are all reported, and the
// impostor scores of a set stay under the calibrated threshold.
TEST(FingerDataset, ImpressionScoresSeparateGenuineFromImpostor) {
    KIOSK_REQUIRE_SHARED_DATA(data);
    const auto set = data / "fingerprints" / "fvc2002_db4_b";
    auto reader = fp::LibfprintReader::create(fp::ReaderOptions{}, std::make_shared<fp::SimFingerSensor>());
    ASSERT_TRUE(reader.ok());
    std::vector<fp::FingerImage> enrol;
    for (int i = 1; i <= 5; ++i) enrol.push_back(load(set, 102, i));
    auto e = (*reader)->enrollImages(enrol, {}, 60s);
    ASSERT_TRUE(e.ok()) << e.error().message;
    auto genuine = (*reader)->impressionScores({e->print}, load(set, 102, 6), fp::Enhancement::Clahe, 30s);
    ASSERT_TRUE(genuine.ok()) << genuine.error().message;
    ASSERT_EQ(genuine->size(), 1u);
    ASSERT_EQ(genuine->front().size(), 10u);
    int above40 = 0, best = 0;
    for (int s : genuine->front()) {
        above40 += s >= fp::kLibfprintThreshold;
        best = std::max(best, s);
    }
    EXPECT_GE(above40, 2) << "scoring goes on after the first impression at 40";
    EXPECT_GE(best, fp::kDefaultMatchThreshold);
    for (int f : {103, 104}) {
        auto imp = (*reader)->impressionScores({e->print}, load(set, f, 1), fp::Enhancement::Clahe, 30s);
        ASSERT_TRUE(imp.ok());
        for (int s : imp->front()) EXPECT_LT(s, fp::kDefaultMatchThreshold) << "finger " << f;
    }
    auto v = (*reader)->verifyImage(e->print, load(set, 102, 7), 30s);
    ASSERT_TRUE(v.ok());
    EXPECT_TRUE(v->match) << "score " << v->score;
    auto w = (*reader)->verifyImage(e->print, load(set, 105, 7), 30s);
    ASSERT_TRUE(w.ok());
    EXPECT_FALSE(w->match) << "score " << w->score;
}
