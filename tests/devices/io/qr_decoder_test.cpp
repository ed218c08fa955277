#include "devices/io/qr_decoder.h"

#include <gtest/gtest.h>

#include "devices/io/qr_image_set.h"

namespace kiosk::devices::io {
namespace {

Image shot(const std::string& text, QrShotParams p, uint64_t seed = 3) {
    auto img = renderQrShot(text, p, 1280, 720, seed);
    EXPECT_TRUE(img.ok());
    return img.ok() ? std::move(img).value() : Image{};
}

Image toGray(const Image& bgr) {
    Image g;
    g.width = bgr.width;
    g.height = bgr.height;
    g.format = PixelFormat::Gray8;
    g.pixels.resize(static_cast<std::size_t>(g.width) * g.height);
    for (std::size_t i = 0; i < g.pixels.size(); ++i) {
        g.pixels[i] = static_cast<uint8_t>((bgr.pixels[3 * i] * 29 + bgr.pixels[3 * i + 1] * 150 + bgr.pixels[3 * i + 2] * 77) >> 8);
    }
    return g;
}

TEST(QrDecoder, PhotographedTokenDecodesToExactText) {
    const std::string text = tokenLikeText(42);
    ASSERT_EQ(text.rfind("HKMO1:", 0), 0u);
    QrShotParams p;
    p.rotationDeg = 8;
    p.perspective = 0.03;
    p.noiseSigma = 3;
    p.blurSigma = 0.5;
    auto r = decodeQr(shot(text, p));
    ASSERT_TRUE(r.ok()) << r.error().message;
    ASSERT_EQ(r->size(), 1u);
    EXPECT_EQ(r->front(), text);
}

TEST(QrDecoder, GrayFramesDecodeToo) {
    const std::string text = tokenLikeText(7);
    auto r = decodeQr(toGray(shot(text, QrShotParams{})));
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->size(), 1u);
    EXPECT_EQ(r->front(), text);
}

TEST(QrDecoder, InvertedDarkModeCode) {
    const std::string text = tokenLikeText(8);
    QrShotParams p;
    p.darkMode = true;
    Image img = shot(text, p);
    QrDecodeOptions noInvert;
    noInvert.tryInverted = false;
    auto without = decodeQr(img, noInvert);
    ASSERT_TRUE(without.ok());
    EXPECT_TRUE(without->empty()) << "the inverted pass is what reads dark-mode codes";
    auto with = decodeQr(img);
    ASSERT_TRUE(with.ok());
    ASSERT_EQ(with->size(), 1u);
    EXPECT_EQ(with->front(), text);
}

TEST(QrDecoder, RotatedCodes) {
    const std::string text = tokenLikeText(9);
    for (double deg : {90.0, 180.0, 270.0, 33.0, 137.0}) {
        QrShotParams p;
        p.rotationDeg = deg;
        p.codeFraction = 0.45;
        auto r = decodeQr(shot(text, p, static_cast<uint64_t>(deg)));
        ASSERT_TRUE(r.ok()) << deg;
        ASSERT_EQ(r->size(), 1u) << deg;
        EXPECT_EQ(r->front(), text) << deg;
    }
}

TEST(QrDecoder, TwoDifferentCodesAreAmbiguous) {
    auto img = renderQrShots({tokenLikeText(1, 60), tokenLikeText(2, 60)});
    ASSERT_TRUE(img.ok());
    auto r = decodeQr(*img);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, kQrAmbiguous);

    QrDecodeOptions all;
    all.ambiguity = Ambiguity::ReturnAll;
    auto both = decodeQr(*img, all);
    ASSERT_TRUE(both.ok());
    EXPECT_EQ(both->size(), 2u);
}

TEST(QrDecoder, SameCodeTwiceIsNotAmbiguous) {
    auto img = renderQrShots({tokenLikeText(1, 60), tokenLikeText(1, 60)});
    ASSERT_TRUE(img.ok());
    auto r = decodeQr(*img);
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->size(), 1u);
}

TEST(QrDecoder, RegionOfInterestSelectsOneCode) {
    const auto a = tokenLikeText(1, 60), b = tokenLikeText(2, 60);
    auto img = renderQrShots({a, b});
    ASSERT_TRUE(img.ok());
    QrDecodeOptions left;
    left.roi = Roi{0, 0, img->width / 2, img->height};
    auto r = decodeQr(*img, left);
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->size(), 1u);
    EXPECT_EQ(r->front(), a);
    QrDecodeOptions right;
    right.roi = Roi{img->width / 2, 0, 0, 0};
    auto r2 = decodeQr(*img, right);
    ASSERT_TRUE(r2.ok());
    ASSERT_EQ(r2->size(), 1u);
    EXPECT_EQ(r2->front(), b);
}

TEST(QrDecoder, EmptyAndCodelessFrames) {
    auto e = decodeQr(Image{});
    ASSERT_FALSE(e.ok());
    EXPECT_EQ(e.error().code, "image.empty");
    Image blank;
    blank.width = 640;
    blank.height = 480;
    blank.pixels.assign(640 * 480, 128);
    auto r = decodeQr(blank);
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(r->empty());
    QrDecodeOptions outside;
    outside.roi = Roi{700, 0, 10, 10};
    auto o = decodeQr(blank, outside);
    ASSERT_FALSE(o.ok());
}

}  // namespace
}  // namespace kiosk::devices::io
