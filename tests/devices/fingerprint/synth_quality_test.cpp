#include <gtest/gtest.h>

#include "devices/fingerprint/finger_quality.h"
#include "devices/fingerprint/finger_synth.h"
#include "devices/fingerprint/finger_image_source.h"
#include "tests/support/test_support.h"

namespace fp = kiosk::devices::fingerprint;
using kiosk::devices::FingerGuidance;

TEST(FingerSynth, DeterministicAndImpressionsDiffer) {
    fp::FingerSynth a(7), b(7);
    auto i0 = a.impression(0, 0);
    EXPECT_EQ(i0.pixels, b.impression(0, 0).pixels);
    EXPECT_NE(i0.pixels, a.impression(0, 1).pixels);
    EXPECT_NE(i0.pixels, a.impression(1, 0).pixels);
    EXPECT_EQ(i0.width, 300);
    EXPECT_EQ(i0.height, 300);
}

TEST(FingerQuality, SynthPassesBlankAndNoiseRefused) {
    fp::FingerSynth s(11);
    auto q = fp::assessImage(s.impression(2, 0));
    EXPECT_EQ(q.guidance, FingerGuidance::Ok) << q.detail << " fg=" << q.foreground << " c=" << q.contrast
                                              << " coh=" << q.coherence;
    auto blank = fp::assessImage(fp::synthBlank(300, 300, 1));
    EXPECT_EQ(blank.guidance, FingerGuidance::PressHarder) << blank.detail;
    auto noise = fp::assessImage(fp::synthNoise(300, 300, 1));
    EXPECT_EQ(noise.guidance, FingerGuidance::CleanSensor) << noise.detail << " coh=" << noise.coherence;
}

TEST(FingerQuality, ResampleAndEnhanceKeepSize) {
    fp::FingerSynth s(3);
    auto img = s.impression(0, 0);
    auto r = fp::resampleTo500(img, 1000);
    EXPECT_EQ(r.width, 150);
    for (auto e : {fp::Enhancement::Stretch, fp::Enhancement::Clahe, fp::Enhancement::Gabor}) {
        auto out = fp::enhance(img, e);
        EXPECT_EQ(out.width, img.width);
        EXPECT_EQ(fp::assessImage(out).guidance, FingerGuidance::Ok) << fp::toString(e);
    }
}

TEST(FingerSynth, PngRoundTrip) {
    auto dir = kiosk::testing::tempDir("fp_png");
    fp::FingerSynth s(5);
    auto img = s.impression(0, 0);
    ASSERT_TRUE(fp::saveGrayPng(img, dir / "a.png").ok());
    auto back = fp::loadGrayImage(dir / "a.png");
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(back->pixels, img.pixels);
}
