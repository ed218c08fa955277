// The quality gate tells dry, wet, smudged, partial and off-centre captures apart, each
// with its own instruction. The conditions are made from synthetic impressions the way
// they look on a sensor: a dry finger leaves thin, broken ridges; a wet one merged dark
// ridges; a smudge has no ridge structure; a partial touch a small centred patch; an
// off-centre one its contact area towards an edge.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "devices/fingerprint/finger_quality.h"
#include "devices/fingerprint/finger_synth.h"

namespace fp = kiosk::devices::fingerprint;
using kiosk::devices::FingerGuidance;
using kiosk::devices::Image;

namespace {

uint8_t& px(Image& i, int x, int y) { return i.pixels[static_cast<std::size_t>(y) * i.width + x]; }
uint8_t at(const Image& i, int x, int y) {
    x = std::clamp(x, 0, i.width - 1);
    y = std::clamp(y, 0, i.height - 1);
    return i.pixels[static_cast<std::size_t>(y) * i.width + x];
}

// r x r minimum (ridges grow: wet) or maximum (ridges shrink: dry) filter.
Image rank(const Image& in, int r, bool minimum) {
    Image out = in;
    for (int y = 0; y < in.height; ++y)
        for (int x = 0; x < in.width; ++x) {
            int v = minimum ? 255 : 0;
            for (int dy = -r; dy <= r; ++dy)
                for (int dx = -r; dx <= r; ++dx)
                    v = minimum ? std::min<int>(v, at(in, x + dx, y + dy)) : std::max<int>(v, at(in, x + dx, y + dy));
            px(out, x, y) = static_cast<uint8_t>(v);
        }
    return out;
}

Image dry(const Image& in, uint64_t seed) {
    // Thin ridges, then break them: most ridge pixels lose their ink in random specks.
    Image out = rank(in, 1, false);
    std::mt19937_64 rng(seed);
    std::bernoulli_distribution lose(0.6);
    for (int y = 0; y < out.height; y += 2)
        for (int x = 0; x < out.width; x += 2)
            if (lose(rng))
                for (int dy = 0; dy < 2 && y + dy < out.height; ++dy)
                    for (int dx = 0; dx < 2 && x + dx < out.width; ++dx) px(out, x + dx, y + dy) = 235;
    return out;
}

Image wet(const Image& in, uint64_t seed) {
    // Ridges swell and run together into dark blots.
    Image out = rank(in, 3, true);
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> n(0, 25);
    for (auto& p : out.pixels) p = static_cast<uint8_t>(std::clamp(p * 0.6 + n(rng), 0.0, 255.0));
    return out;
}

// Keeps the finger only inside a disc (centre cx, cy; radius r); the rest is bare sensor.
Image keepDisc(const Image& in, int cx, int cy, int r) {
    Image out = in;
    for (int y = 0; y < in.height; ++y)
        for (int x = 0; x < in.width; ++x)
            if ((x - cx) * (x - cx) + (y - cy) * (y - cy) > r * r) px(out, x, y) = 250;
    return out;
}

std::string describe(const fp::ImageQuality& q) {
    return std::string(fp::toString(q.condition)) + " fg=" + std::to_string(q.foreground) +
           " coh=" + std::to_string(q.coherence) + " dark=" + std::to_string(q.darkShare) +
           " off=" + std::to_string(q.offset) + " contrast=" + std::to_string(q.contrast);
}

}  // namespace

class GateCondition : public ::testing::TestWithParam<int> {
protected:
    fp::FingerSynth synth{20261201};
    Image finger() const { return synth.impression(GetParam(), 0); }
};

TEST_P(GateCondition, GoodImpressionPasses) {
    auto q = fp::assessImage(finger());
    EXPECT_EQ(q.condition, fp::FingerCondition::Good) << describe(q);
    EXPECT_EQ(q.guidance, FingerGuidance::Ok);
}

TEST_P(GateCondition, DryFingerIsToldToMoisten) {
    auto q = fp::assessImage(dry(finger(), 7 + GetParam()));
    EXPECT_EQ(q.condition, fp::FingerCondition::Dry) << describe(q);
    EXPECT_EQ(q.guidance, FingerGuidance::Moisten);
}

TEST_P(GateCondition, WetFingerIsToldToCleanTheSensor) {
    auto q = fp::assessImage(wet(finger(), 11 + GetParam()));
    EXPECT_EQ(q.condition, fp::FingerCondition::Wet) << describe(q);
    EXPECT_EQ(q.guidance, FingerGuidance::CleanSensor);
}

TEST_P(GateCondition, SmudgeIsToldToCleanTheSensor) {
    auto q = fp::assessImage(fp::synthNoise(300, 300, 100 + GetParam()));
    EXPECT_EQ(q.condition, fp::FingerCondition::Smudged) << describe(q);
    EXPECT_EQ(q.guidance, FingerGuidance::CleanSensor);
}

TEST_P(GateCondition, SmallCentredTouchIsToldToPressFirmly) {
    auto q = fp::assessImage(keepDisc(finger(), 150, 150, 65));
    EXPECT_EQ(q.condition, fp::FingerCondition::Partial) << describe(q);
    EXPECT_EQ(q.guidance, FingerGuidance::PressHarder);
}

TEST_P(GateCondition, TouchAtTheEdgeIsToldToCentre) {
    auto q = fp::assessImage(keepDisc(finger(), 260, 150, 90));
    EXPECT_EQ(q.condition, fp::FingerCondition::OffCentre) << describe(q);
    EXPECT_EQ(q.guidance, FingerGuidance::Centre);
}

INSTANTIATE_TEST_SUITE_P(Fingers, GateCondition, ::testing::Values(0, 1, 2));

TEST(GateConditionMapping, EveryConditionHasItsInstruction) {
    EXPECT_EQ(fp::guidanceFor(fp::FingerCondition::Good), FingerGuidance::Ok);
    EXPECT_EQ(fp::guidanceFor(fp::FingerCondition::Empty), FingerGuidance::PlaceFinger);
    EXPECT_EQ(fp::guidanceFor(fp::FingerCondition::Faint), FingerGuidance::PressHarder);
    EXPECT_EQ(fp::guidanceFor(fp::FingerCondition::Partial), FingerGuidance::PressHarder);
    EXPECT_EQ(fp::guidanceFor(fp::FingerCondition::OffCentre), FingerGuidance::Centre);
    EXPECT_EQ(fp::guidanceFor(fp::FingerCondition::Dry), FingerGuidance::Moisten);
    EXPECT_EQ(fp::guidanceFor(fp::FingerCondition::Wet), FingerGuidance::CleanSensor);
    EXPECT_EQ(fp::guidanceFor(fp::FingerCondition::Smudged), FingerGuidance::CleanSensor);
}

TEST(GateConditionMapping, OnlyCapturesWithoutRidgesAreRefusedBeforeMatching) {
    for (auto c : {fp::FingerCondition::Empty, fp::FingerCondition::Faint, fp::FingerCondition::Smudged})
        EXPECT_TRUE(fp::refusedBeforeMatching(c)) << fp::toString(c);
    for (auto c : {fp::FingerCondition::Good, fp::FingerCondition::Partial, fp::FingerCondition::OffCentre,
                   fp::FingerCondition::Dry, fp::FingerCondition::Wet})
        EXPECT_FALSE(fp::refusedBeforeMatching(c)) << fp::toString(c);
}
