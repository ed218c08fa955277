// The receipt raster: goldens in three languages, 1-bit output, layout within the paper,
// the QR code scans back to the reference, Hong Kong time text.
//   KIOSK_UPDATE_GOLDENS=1 build-xxx/tests/devices/printer/devices_printer_tests --gtest_filter='ReceiptGolden*'
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "devices/io/qr_decoder.h"
#include "devices/io/receipt_render.h"
#include "tests/devices/printer/printer_test_support.h"
#include "ui/image_tools.h"

namespace kiosk::devices::io {
namespace {

namespace fs = std::filesystem;
using testing::printer::sampleReceipt;
using testing::printer::utc;

bool updateGoldens() {
    const char* v = std::getenv("KIOSK_UPDATE_GOLDENS");
    return v && std::string(v) == "1";
}

Image render(const Receipt& r, const ReceiptRenderOptions& o = {}) {
    auto img = renderReceipt(r, o);
    EXPECT_TRUE(img.ok()) << (img.ok() ? "" : img.error().message);
    return img.ok() ? std::move(img).value() : Image{};
}

int inkRows(const Image& img, int x0, int x1) {
    int n = 0;
    for (int y = 0; y < img.height; ++y) {
        bool ink = false;
        for (int x = x0; x < x1 && !ink; ++x) ink = img.pixels[std::size_t(y) * img.width + x] == 0;
        n += ink;
    }
    return n;
}

class ReceiptGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(ReceiptGolden, MatchesTheGoldenWithinTolerance) {
    const std::string lang = GetParam();
    const Image img = render(sampleReceipt(lang));
    ASSERT_EQ(img.width, 576);
    const fs::path golden = testing::sourceDir() / "tests/devices/printer/golden" / ("receipt_" + lang + ".png");
    const fs::path out = testing::tempDir("receipt_golden") / ("receipt_" + lang + ".png");
    ASSERT_TRUE(writePng(img, out).ok());
    if (updateGoldens()) {
        fs::copy_file(out, golden, fs::copy_options::overwrite_existing);
        GTEST_SKIP() << "golden written: " << golden;
    }
    ASSERT_TRUE(fs::exists(golden)) << "missing golden " << golden << " (KIOSK_UPDATE_GOLDENS=1 makes it)";
    auto want = ui::loadPng(golden);
    auto got = ui::loadPng(out);
    ASSERT_TRUE(want.ok() && got.ok());
    const auto d = ui::compareImages(got.value(), want.value());
    // FreeType versions move glyph edges by a dot; a wrong line, language or layout moves
    // far more than 1 % of the paper.
    EXPECT_TRUE(d.sameSize) << got.value().width << "x" << got.value().height << " vs " << want.value().width << "x"
                            << want.value().height << " (see " << out << ")";
    EXPECT_LT(d.differingFraction, 0.01) << "see " << out;
}

INSTANTIATE_TEST_SUITE_P(Languages, ReceiptGolden, ::testing::Values("zh-Hant", "en", "pt"),
                         [](const auto& info) { return info.param == "zh-Hant" ? std::string("zhHant") : info.param; });

TEST(ReceiptRender, IsOneBitAndKeepsTheMargins) {
    ReceiptRenderOptions o;
    const Image img = render(sampleReceipt("pt"), o);
    ASSERT_FALSE(img.empty());
    std::size_t ink = 0;
    for (uint8_t p : img.pixels) {
        ASSERT_TRUE(p == 0 || p == 255);
        ink += p == 0;
    }
    EXPECT_GT(ink, img.pixels.size() / 50);  // there is text on it
    EXPECT_EQ(inkRows(img, 0, o.marginDots), 0);
    EXPECT_EQ(inkRows(img, img.width - o.marginDots, img.width), 0);
}

TEST(ReceiptRender, ChineseReceiptCarriesEnglishToo) {
    const Image en = render(sampleReceipt("en"));
    const Image zh = render(sampleReceipt("zh-Hant"));
    // Title, reference label, usable-from and next steps twice: much longer paper.
    EXPECT_GT(zh.height, en.height + en.height / 3);
    const Receipt r = sampleReceipt("zh-Hant");
    int zhLines = 0, enLines = 0;
    for (const auto& l : r.lines) {
        zhLines += l.language == "zh-Hant";
        enLines += l.language == "en";
    }
    EXPECT_EQ(zhLines, enLines);
    EXPECT_GT(zhLines, 5);
}

TEST(ReceiptRender, QrCodeScansBackToTheReference) {
    const Receipt r = sampleReceipt("zh-Hant");
    const Image img = render(r);
    auto codes = decodeQr(img);
    ASSERT_TRUE(codes.ok()) << codes.error().message;
    ASSERT_EQ(codes.value().size(), 1u);
    EXPECT_EQ(codes.value()[0], r.reference);
}

TEST(ReceiptRender, NarrowPaperWrapsLongChineseAndEnglishText) {
    ReceiptRenderOptions o;
    o.widthDots = 384;  // 58 mm paper
    Receipt r;
    ReceiptLine zh;
    zh.text = testing::printer::strings().get("receipt.next_3", ui::Language::ZhHant) +
              testing::printer::strings().get("receipt.next_2", ui::Language::ZhHant);
    zh.language = "zh-Hant";
    ReceiptLine en;
    en.text = testing::printer::strings().get("receipt.next_3", ui::Language::En);
    en.language = "en";
    r.lines = {zh, en};
    const Image img = render(r, o);
    ASSERT_EQ(img.width, 384);
    EXPECT_EQ(inkRows(img, 0, o.marginDots), 0);
    EXPECT_EQ(inkRows(img, img.width - o.marginDots, img.width), 0);
    // Wrapped: more than one line per paragraph.
    const Image one = render(Receipt{{ReceiptLine{ReceiptLineKind::Text, "X", "en"}}, "", "", {}, {}}, o);
    EXPECT_GT(img.height - one.height, 3 * o.normalPx);
}

TEST(ReceiptRender, EveryReceiptStringHasGlyphsInTheFont) {
    const ReceiptRenderOptions o;
    for (const auto& key : registrationReceiptKeys()) {
        for (auto lang : {ui::Language::ZhHant, ui::Language::En, ui::Language::Pt}) {
            ASSERT_TRUE(testing::printer::strings().has(key)) << key;
            auto missing = ui::missingGlyphs(o.fontPath, o.fontFaceIndex, testing::printer::strings().get(key, lang));
            ASSERT_TRUE(missing.ok());
            EXPECT_TRUE(missing.value().empty()) << key;
        }
    }
}

TEST(ReceiptRender, UnreadableFontIsARenderError) {
    ReceiptRenderOptions o;
    o.fontPath = "/nonexistent/font.ttc";
    auto img = renderReceipt(sampleReceipt("en"), o);
    ASSERT_FALSE(img.ok());
    EXPECT_EQ(img.error().code, "device.render");
}

TEST(ReceiptRender, PackAndUnpackAreInverse) {
    const Image img = render(sampleReceipt("en"));
    const auto bits = packRaster(img);
    EXPECT_EQ(bits.size(), std::size_t(img.width / 8) * img.height);
    const Image back = unpackRaster(bits, img.width, img.height);
    EXPECT_EQ(back.pixels, img.pixels);
}

TEST(ReceiptText, HongKongTimeInEachLanguage) {
    const auto t = utc("2026-11-22T07:05:00Z");
    EXPECT_EQ(formatHongKongTime(t, "zh-Hant"), "2026年11月22日 15:05");
    EXPECT_EQ(formatHongKongTime(t, "en"), "22 November 2026, 15:05");
    EXPECT_EQ(formatHongKongTime(t, "pt"), "22 de novembro de 2026, 15:05");
    // 16:30 UTC is already the next day in Hong Kong.
    EXPECT_EQ(formatHongKongTime(utc("2026-12-31T16:30:00Z"), "en"), "1 January 2027, 00:30");
}

TEST(ReceiptText, ComposedReceiptShowsReferenceUsableFromAndNextSteps) {
    const Receipt r = sampleReceipt("pt");
    EXPECT_EQ(r.reference, "RG-7Q4M-91XD-K2");
    EXPECT_EQ(r.codeText, r.reference);
    std::string all;
    bool hasRef = false, hasCode = false;
    for (const auto& l : r.lines) {
        all += l.text + "\n";
        hasRef = hasRef || l.kind == ReceiptLineKind::Reference;
        hasCode = hasCode || l.kind == ReceiptLineKind::Code;
    }
    EXPECT_TRUE(hasRef && hasCode);
    EXPECT_NE(all.find("22 de novembro de 2026, 18:05"), std::string::npos) << all;
    EXPECT_NE(all.find("22 November 2026, 18:05"), std::string::npos) << all;
    EXPECT_NE(all.find(testing::printer::strings().get("receipt.next_1", ui::Language::Pt)), std::string::npos);
    EXPECT_NE(all.find(testing::printer::strings().get("receipt.next_1", ui::Language::En)), std::string::npos);
    for (const auto& key : registrationReceiptKeys())
        EXPECT_EQ(all.find(key), std::string::npos) << "a key was not found: " << key;
}

}  // namespace
}  // namespace kiosk::devices::io
