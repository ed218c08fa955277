#include "devices/io/image_file.h"

#include <gtest/gtest.h>

#include "tests/support/test_support.h"

namespace kiosk::devices::io {
namespace {

Image gradient(int w, int h, PixelFormat f) {
    Image img;
    img.width = w;
    img.height = h;
    img.format = f;
    img.pixels.resize(img.stride() * h);
    for (std::size_t i = 0; i < img.pixels.size(); ++i) img.pixels[i] = static_cast<uint8_t>((i * 7) % 251);
    return img;
}

TEST(ImageFile, PngRoundTripIsExact) {
    auto dir = testing::tempDir("imgfile");
    for (auto f : {PixelFormat::Gray8, PixelFormat::Bgr8}) {
        Image img = gradient(37, 23, f);
        auto path = dir / (f == PixelFormat::Gray8 ? "g.png" : "c.png");
        ASSERT_TRUE(saveImageFile(path, img).ok());
        auto back = loadImageFile(path);
        ASSERT_TRUE(back.ok()) << back.error().message;
        EXPECT_EQ(back->width, 37);
        EXPECT_EQ(back->height, 23);
        EXPECT_EQ(back->format, f);
        EXPECT_EQ(back->pixels, img.pixels);
    }
}

TEST(ImageFile, ErrorsAreClear) {
    auto dir = testing::tempDir("imgfile_err");
    auto missing = loadImageFile(dir / "nope.png");
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().code, "image.not_found");
    {
        std::FILE* f = std::fopen((dir / "junk.png").c_str(), "wb");
        std::fputs("not an image", f);
        std::fclose(f);
    }
    auto junk = loadImageFile(dir / "junk.png");
    ASSERT_FALSE(junk.ok());
    EXPECT_EQ(junk.error().code, "image.unreadable");
    EXPECT_EQ(saveImageFile(dir / "e.png", Image{}).error().code, "image.empty");
}

TEST(ImageFile, ConvertGrayBgr) {
    Image g = gradient(8, 4, PixelFormat::Gray8);
    Image c = convertImage(g, PixelFormat::Bgr8);
    ASSERT_EQ(c.format, PixelFormat::Bgr8);
    EXPECT_EQ(c.pixels[3 * 5 + 1], g.pixels[5]);
    Image g2 = convertImage(c, PixelFormat::Gray8);
    EXPECT_EQ(g2.pixels, g.pixels);
}

}  // namespace
}  // namespace kiosk::devices::io
