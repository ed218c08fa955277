// The decoder's passes one at a time (firstPass + a budget that allows only the first
// scheduled pass), on generated photographs through the real zxing-cpp and zbar, and the
// pixel operations behind them. No timing assertions.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <tuple>

#include "devices/io/qr_decoder.h"
#include "devices/io/qr_finder.h"
#include "devices/io/qr_grid.h"
#include "devices/io/qr_image_ops.h"
#include "devices/io/qr_image_set.h"
#include "devices/io/zbar_qr.h"

namespace kiosk::devices::io {
namespace {

Image asImage(const LumPlane& p) {
    Image img;
    img.width = p.width;
    img.height = p.height;
    img.format = PixelFormat::Gray8;
    img.pixels = p.pixels;
    return img;
}

Image grayShot(const std::string& text, QrShotParams p, uint64_t seed = 3) {
    auto bgr = renderQrShot(text, p, 1280, 720, seed);
    EXPECT_TRUE(bgr.ok());
    if (!bgr.ok()) return {};
    return asImage(luminanceOf(*bgr, 0, 0, bgr->width, bgr->height));
}

// Only `pass` runs (the first scheduled pass always runs; nothing else fits the budget).
std::vector<QrCode> onePass(const Image& img, QrPass pass, QrDecodeReport* rep = nullptr) {
    QrDecodeOptions o;
    o.ambiguity = Ambiguity::ReturnAll;
    o.firstPass = static_cast<int>(pass);
    o.budgetMs = 1e-9;
    QrDecodeReport local;
    auto r = decodeQrCodes(img, o, rep ? rep : &local);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? *r : std::vector<QrCode>{};
}

// A deep shadow over the left of the frame (a hand, the kiosk's edge) falling off into a
// bright sheen on the right: one threshold for the whole code cannot fit both halves.
Image shadowed(Image img, double shadowGain, double sheenLevel, double edge) {
    for (int y = 0; y < img.height; ++y) {
        for (int x = 0; x < img.width; ++x) {
            const double t = std::clamp((x - edge) / 240.0, 0.0, 1.0);  // 0 in the shadow, 1 in the light
            const double gain = shadowGain + 0.55 * t;
            const double sheen = sheenLevel * t * std::exp(-std::pow((y - 360.0) / 260.0, 2));
            uint8_t& p = img.pixels[static_cast<std::size_t>(y) * img.width + x];
            p = static_cast<uint8_t>(std::clamp(p * gain + sheen, 0.0, 255.0));
        }
    }
    return img;
}

TEST(QrPasses, ContrastPassReadsACodeHalfInShadowHalfInGlare) {
    const std::string text = tokenLikeText(31, 120);
    QrShotParams p;
    p.codeFraction = 0.35;
    p.noiseSigma = 2;
    const Image img = shadowed(grayShot(text, p), 0.05, 100.0, 520.0);
    QrDecodeReport rep;
    const auto codes = onePass(img, QrPass::Contrast, &rep);
    EXPECT_EQ(rep.passesRun, 1);
    ASSERT_EQ(codes.size(), 1u);
    EXPECT_EQ(codes.front().text, text);
    // The cheap passes (zxing's two binarizers at half and full resolution) miss it.
    EXPECT_TRUE(onePass(img, QrPass::Half).empty());
    EXPECT_TRUE(onePass(img, QrPass::GlobalHistogram).empty());
}

TEST(QrPasses, ZbarPassReadsTheExactTextWithCornersInFrameCoordinates) {
    const std::string text = tokenLikeText(32, 150);
    QrShotParams p;
    p.centerX = 0.7;
    p.perspective = 0.1;
    auto bgr = renderQrShot(text, p, 1280, 720, 4);
    ASSERT_TRUE(bgr.ok());
    QrDecodeReport rep;
    const auto codes = onePass(*bgr, QrPass::Zbar, &rep);
    EXPECT_EQ(rep.readByPass, static_cast<int>(QrPass::Zbar));
    ASSERT_EQ(codes.size(), 1u);
    EXPECT_EQ(codes.front().text, text);
    double cx = 0, cy = 0;
    for (const auto& c : codes.front().corners) {
        cx += c.x / 4.0;
        cy += c.y / 4.0;
    }
    EXPECT_NEAR(cx, 0.7 * 1280, 40);
    EXPECT_NEAR(cy, 0.5 * 720, 40);

    // In a region of interest the corners still come back in frame coordinates.
    QrDecodeOptions o;
    o.ambiguity = Ambiguity::ReturnAll;
    o.roi = Roi{640, 0, 640, 720};
    o.firstPass = static_cast<int>(QrPass::Zbar);
    o.budgetMs = 1e-9;
    auto r = decodeQrCodes(*bgr, o);
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->size(), 1u);
    for (const auto& c : r->front().corners) EXPECT_GT(c.x, 640);
}

TEST(QrPasses, FinderCropsReadsASmallCodeTheHalfPassMisses) {
    // A short text in a code 43 pixels wide: modules of 1.7 pixels.
    const std::string text = tokenLikeText(60, 20);
    QrShotParams p;
    p.codeFraction = 0.06;
    p.centerX = 0.3;
    p.centerY = 0.6;
    auto img = renderQrShot(text, p, 1280, 720, 9);
    ASSERT_TRUE(img.ok());

    const auto candidates = findQrCandidates(luminanceOf(*img, 0, 0, 1280, 720));
    ASSERT_FALSE(candidates.empty());
    const auto& c = candidates.front();
    EXPECT_EQ(c.corners, 3);
    EXPECT_LT(c.module, 3.5);  // small modules: the pass enlarges the region
    EXPECT_TRUE(c.x < 384 && c.x + c.width > 384 && c.y < 432 && c.y + c.height > 432) << "the region holds the code's centre";
    EXPECT_LT(c.width, 200);

    EXPECT_TRUE(onePass(*img, QrPass::Half).empty());
    QrDecodeReport rep;
    const auto codes = onePass(*img, QrPass::FinderCrops, &rep);
    EXPECT_EQ(rep.readByPass, static_cast<int>(QrPass::FinderCrops));
    ASSERT_EQ(codes.size(), 1u);
    EXPECT_EQ(codes.front().text, text);
    double cx = 0, cy = 0;
    for (const auto& k : codes.front().corners) {
        cx += k.x / 4.0;
        cy += k.y / 4.0;
    }
    EXPECT_NEAR(cx, 384, 10);  // corners back in frame coordinates, not the enlarged region's
    EXPECT_NEAR(cy, 432, 10);
}

// A sheet of 24 small codes (3 rows of 8, ~4 pixels per module): 72 finder patterns.
Image sheetOfCodes(std::vector<std::string>& texts) {
    Image sheet;
    sheet.width = 1280;
    sheet.height = 720;
    sheet.format = PixelFormat::Gray8;
    sheet.pixels.resize(1280 * 720);
    for (int row = 0; row < 3; ++row) {
        std::vector<std::string> line;
        for (int i = 0; i < 8; ++i) line.push_back("SHEET-" + std::to_string(row) + "-" + std::to_string(i));
        auto strip = renderQrShots(line, 1280, 240);
        EXPECT_TRUE(strip.ok());
        if (!strip.ok()) return {};
        const LumPlane lum = luminanceOf(*strip, 0, 0, 1280, 240);
        std::copy(lum.pixels.begin(), lum.pixels.end(), sheet.pixels.begin() + static_cast<std::ptrdiff_t>(row) * 240 * 1280);
        texts.insert(texts.end(), line.begin(), line.end());
    }
    return sheet;
}

TEST(QrPasses, FinderSearchAsksForEveryCodeOfASheetWhenToldTo) {
    std::vector<std::string> texts;
    const Image sheet = sheetOfCodes(texts);
    const LumPlane lum = luminanceOf(sheet, 0, 0, 1280, 720);
    // The lane's search: its 4 strongest regions of 60 kept finder patterns.
    EXPECT_LE(findQrCandidates(lum).size(), 4u);
    // Strongest-first grouping on a grid: L's spanning neighbouring codes take the finders.
    const auto strongest = findQrCandidates(lum, 64, 240, QrGrouping::StrongestFirst);
    EXPECT_GT(std::count_if(strongest.begin(), strongest.end(), [](const QrCandidate& c) { return c.width >= 320; }), 0);
    // Every code wanted (no budget): each of the 24 codes gets a three-corner region of its own.
    const auto all = findQrCandidates(lum, 64, 240, QrGrouping::SmallestFirst);
    for (int row = 0; row < 3; ++row)
        for (int i = 0; i < 8; ++i) {
            const int cx = 160 * i + 80, cy = 240 * row + 120;
            const bool held = std::any_of(all.begin(), all.end(), [&](const QrCandidate& c) {
                return c.corners == 3 && c.x < cx && c.x + c.width > cx && c.y < cy && c.y + c.height > cy && c.width < 320;
            });
            EXPECT_TRUE(held) << "no region of its own for the code at " << cx << "," << cy;
        }
}

TEST(QrPasses, FinderSearchEstimatesTheVersion) {
    // 406 bytes at ECC M: version 15 (77 modules; 14 holds 362 bytes); 20 bytes: version 2.
    for (const auto& [length, lo, hi] : {std::tuple<std::size_t, int, int>{400, 14, 16}, {14, 1, 2}}) {
        const std::string text = tokenLikeText(61, length);
        QrShotParams p;
        p.codeFraction = 0.8;
        auto img = renderQrShot(text, p, 1280, 720, 5);
        ASSERT_TRUE(img.ok());
        const auto c = findQrCandidates(luminanceOf(*img, 0, 0, 1280, 720));
        ASSERT_FALSE(c.empty());
        EXPECT_EQ(c.front().corners, 3);
        EXPECT_GE(c.front().version, lo) << length;
        EXPECT_LE(c.front().version, hi) << length;
    }
}

TEST(QrPasses, ZbarFullReadsAloneWithoutABudgetAndNeverBeyondOne) {
    const std::string text = tokenLikeText(62, 300);
    QrShotParams p;
    p.codeFraction = 0.5;
    p.centerX = 0.35;
    p.perspective = 0.05;
    auto img = renderQrShot(text, p, 1280, 720, 6);
    ASSERT_TRUE(img.ok());
    QrDecodeOptions o;
    o.ambiguity = Ambiguity::ReturnAll;
    o.firstPass = static_cast<int>(QrPass::ZbarFull);  // the last pass: only it runs
    QrDecodeReport rep;
    auto r = decodeQrCodes(*img, o, &rep);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(rep.passesRun, 1);
    EXPECT_EQ(rep.readByPass, static_cast<int>(QrPass::ZbarFull));
    ASSERT_EQ(r->size(), 1u);
    EXPECT_EQ(r->front().text, text);
    double cx = 0;
    for (const auto& k : r->front().corners) cx += k.x / 4.0;
    EXPECT_NEAR(cx, 0.35 * 1280, 40);

    // With an 8 ms budget (a clock that does not move) it is not the guaranteed first pass:
    // a 720p frame costs it more than the whole budget, so it does not run at all.
    o.budgetMs = 8;
    o.cpuClockMs = [] { return 0.0; };
    auto cut = decodeQrCodes(*img, o, &rep);
    ASSERT_TRUE(cut.ok());
    EXPECT_EQ(rep.passesRun, 0);
    EXPECT_TRUE(cut->empty());
    EXPECT_EQ(rep.nextPass, kQrPassCount) << "nothing left to resume";
    // A budget that affords it (here 50 ms) runs it.
    o.budgetMs = 50;
    auto ok = decodeQrCodes(*img, o, &rep);
    ASSERT_TRUE(ok.ok());
    EXPECT_EQ(rep.passesRun, 1);
    EXPECT_EQ(ok->size(), 1u);
}

// A Gray8 picture of seeded noise: each pixel `level` of the next byte of a linear
// congruential generator.
template <class Level>
Image noiseImage(int w, int h, uint32_t seed, Level level) {
    Image noise;
    noise.width = w;
    noise.height = h;
    noise.format = PixelFormat::Gray8;
    noise.pixels.resize(static_cast<std::size_t>(w) * h);
    for (auto& px : noise.pixels) {
        seed = seed * 1664525u + 1013904223u;
        px = static_cast<uint8_t>(level(seed >> 24));
    }
    return noise;
}

TEST(QrPasses, NoFinderCandidatesInNoiseOrOnABlankFrame) {
    const Image noise = noiseImage(1280, 720, 11, [](uint32_t b) { return 60 + b % 120; });
    const auto inNoise = findQrCandidates(luminanceOf(noise, 0, 0, 1280, 720));
    for (const auto& c : inNoise) EXPECT_LT(c.corners, 3) << "three finder patterns in an L out of noise";
    EXPECT_TRUE(onePass(noise, QrPass::FinderCrops).empty());

    LumPlane blank;
    blank.width = 640;
    blank.height = 360;
    blank.pixels.assign(640 * 360, 128);
    EXPECT_TRUE(findQrCandidates(blank).empty());
}

// A code drawn module by module (px pixels each, top-left module at x0, y0) on a plane of
// `background`, light modules `light`, dark ones `dark`.
struct DrawnCode {
    LumPlane plane;
    int n = 0;
};
DrawnCode drawCode(const std::vector<std::vector<bool>>& grid, int px, int x0, int y0, int w, int h, uint8_t background,
                   uint8_t dark, uint8_t light) {
    DrawnCode d;
    d.n = static_cast<int>(grid.size());
    d.plane.width = w;
    d.plane.height = h;
    d.plane.pixels.assign(static_cast<std::size_t>(w) * h, background);
    for (int r = 0; r < d.n; ++r)
        for (int c = 0; c < d.n; ++c)
            for (int y = y0 + r * px; y < y0 + (r + 1) * px; ++y)
                for (int x = x0 + c * px; x < x0 + (c + 1) * px; ++x)
                    d.plane.pixels[static_cast<std::size_t>(y) * w + x] = grid[static_cast<std::size_t>(r)][static_cast<std::size_t>(c)] ? dark : light;
    return d;
}

// Every pass but the rebuilt one, with no budget: what the decoder read before it.
std::vector<QrCode> everyOtherPass(const Image& img) {
    std::vector<QrCode> all;
    for (int p = 0; p < kQrPassCount; ++p) {
        if (p == static_cast<int>(QrPass::Rebuilt)) continue;
        for (auto& c : onePass(img, static_cast<QrPass>(p))) all.push_back(c);
    }
    return all;
}

TEST(QrPasses, RebuiltReadsACodeWithABarFusedToAFinderPattern) {
    const std::string text = "MAILTO:name@example.org";
    auto grid = qrModuleGrid(text);
    ASSERT_TRUE(grid.ok());
    // 8-pixel modules, a white quiet zone on three sides; a black bar runs from the code's
    // bottom edge to the bottom of the picture, fused to the bottom-left finder pattern.
    const int px = 8, x0 = 40, y0 = 40;
    const int n = static_cast<int>(grid->size());
    DrawnCode d = drawCode(*grid, px, x0, y0, x0 + n * px + 40, y0 + n * px + 40, 255, 0, 255);
    for (int y = y0 + n * px; y < d.plane.height; ++y)
        std::fill_n(d.plane.pixels.begin() + static_cast<std::ptrdiff_t>(y) * d.plane.width, d.plane.width, uint8_t{0});
    const Image img = asImage(d.plane);
    EXPECT_TRUE(everyOtherPass(img).empty()) << "a pass that reads it without the rebuilt one";
    QrDecodeReport rep;
    const auto codes = onePass(img, QrPass::Rebuilt, &rep);
    ASSERT_EQ(codes.size(), 1u);
    EXPECT_EQ(codes.front().text, text);
    EXPECT_EQ(rep.readByPass, static_cast<int>(QrPass::Rebuilt));
    // Its corners are the code's own, in picture coordinates (within a module).
    const int expected[4][2] = {{x0, y0}, {x0 + n * px, y0}, {x0 + n * px, y0 + n * px}, {x0, y0 + n * px}};
    for (int i = 0; i < 4; ++i) {
        EXPECT_NEAR(codes.front().corners[i].x, expected[i][0], px) << "corner " << i;
        EXPECT_NEAR(codes.front().corners[i].y, expected[i][1], px) << "corner " << i;
    }
}

TEST(QrPasses, RebuiltReadsALightOnDarkCodeWithoutSeparators) {
    const std::string text = "MAILTO:name@example.org";
    auto grid = qrModuleGrid(text);
    ASSERT_TRUE(grid.ok());
    const int n = static_cast<int>(grid->size());
    // Light-on-dark on a dark surround, where the light separators around each finder
    // pattern came out the colour of the finder's outer ring: inverted, that ring runs on
    // into the dark separator.
    auto g = *grid;
    for (const auto& [r0, c0] : {std::pair{0, 0}, std::pair{0, n - 7}, std::pair{n - 7, 0}})
        for (int r = -1; r <= 7; ++r)
            for (int c = -1; c <= 7; ++c) {
                const int rr = r0 + r, cc = c0 + c;
                if (rr < 0 || cc < 0 || rr >= n || cc >= n) continue;
                if (std::max(std::abs(r - 3), std::abs(c - 3)) == 4) g[static_cast<std::size_t>(rr)][static_cast<std::size_t>(cc)] = true;
            }
    const int px = 8, x0 = 64, y0 = 48;
    const DrawnCode d = drawCode(g, px, x0, y0, x0 + n * px + 64, y0 + n * px + 48, 20, 230, 20);  // dark modules drawn light
    const Image img = asImage(d.plane);
    EXPECT_TRUE(everyOtherPass(img).empty()) << "a pass that reads it without the rebuilt one";
    const auto codes = onePass(img, QrPass::Rebuilt);
    ASSERT_EQ(codes.size(), 1u);
    EXPECT_EQ(codes.front().text, text);

    // Light-on-dark codes are the inverted passes' business: not without try_inverted.
    QrDecodeOptions o;
    o.ambiguity = Ambiguity::ReturnAll;
    o.firstPass = static_cast<int>(QrPass::Rebuilt);
    o.tryInverted = false;
    auto r = decodeQrCodes(img, o);
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(r->empty());
}

TEST(QrPasses, RebuiltFindsNothingInNoiseOrTexture) {
    // Noise, and a checkerboard of finder-sized squares (finder-like runs everywhere).
    const Image noise = noiseImage(640, 480, 17, [](uint32_t b) { return b < 128 ? 30 : 220; });
    EXPECT_TRUE(onePass(noise, QrPass::Rebuilt).empty());
    Image board = noise;
    for (int y = 0; y < 480; ++y)
        for (int x = 0; x < 640; ++x) board.pixels[static_cast<std::size_t>(y) * 640 + x] = ((x / 24 + y / 24) % 2) ? 20 : 235;
    EXPECT_TRUE(onePass(board, QrPass::Rebuilt).empty());
}

TEST(QrGrid, ThreeFinderPatternsAroundNoiseAreNoCode) {
    // Three real finder patterns in an L (any size, turn, distance) around random modules,
    // plus stray finder-like squares: every step of the rebuilt pass runs (version block,
    // alignment search, grid) on what is no code; nothing may come out, nothing may crash.
    std::mt19937 rng(5);
    std::uniform_real_distribution<double> u(0, 1);
    int triples = 0, candidates = 0;
    for (int round = 0; round < 30; ++round) {
        const int w = 480, h = 400;
        const double m = 2 + 5 * u(rng), turn = 6.2832 * u(rng), d = m * (14 + 60 * u(rng));
        const double ax = 60 + u(rng) * 100, ay = 60 + u(rng) * 80;
        const double cs = std::cos(turn), sn = std::sin(turn);
        std::vector<std::array<double, 2>> finders = {{ax, ay}, {ax + d * cs, ay + d * sn}, {ax - d * sn, ay + d * cs}};
        for (int k = 0; k < 2; ++k) finders.push_back({u(rng) * w, u(rng) * h});
        // Noise in modules of about m pixels, so the grid between the finders is dark and
        // light like a code's.
        Image img = asImage(LumPlane{w, h, std::vector<uint8_t>(static_cast<std::size_t>(w) * h)});
        for (int y = 0; y < h; ++y)
            for (int x = 0; x < w; ++x) {
                const int cell = static_cast<int>(x / m) * 7919 + static_cast<int>(y / m) * 104729 + round;
                img.pixels[static_cast<std::size_t>(y) * w + x] = (cell * 2654435761u >> 28) & 1 ? 40 : 215;
            }
        for (const auto& f : finders)
            for (int y = std::max(0, static_cast<int>(f[1] - 6 * m)); y < std::min(h, static_cast<int>(f[1] + 6 * m)); ++y)
                for (int x = std::max(0, static_cast<int>(f[0] - 6 * m)); x < std::min(w, static_cast<int>(f[0] + 6 * m)); ++x) {
                    const double dx = x + 0.5 - f[0], dy = y + 0.5 - f[1];
                    const double ring = std::max(std::abs(cs * dx + sn * dy), std::abs(-sn * dx + cs * dy)) / m;
                    if (ring < 4.5) img.pixels[static_cast<std::size_t>(y) * w + x] = (ring < 1.5 || (ring >= 2.5 && ring < 3.5)) ? 40 : 215;
                }
        const LumPlane plane = luminanceOf(img, 0, 0, w, h);
        triples += static_cast<int>(findQrFinderTriples(plane, 2, 30, QrFinderEnds::OneOpen).size());
        for (const auto& r : rebuildQrCodes(plane, QrPolarity::DarkOnLight)) {
            EXPECT_GE(r.modules, 21);
            ++candidates;
        }
        EXPECT_TRUE(onePass(img, QrPass::Rebuilt).empty()) << "round " << round;
    }
    EXPECT_GT(triples, 10) << "the finder patterns drawn should mostly be found";
    EXPECT_GT(candidates, 10) << "and redrawn";
}

TEST(QrGrid, RedrawsTheFunctionPatternsAndFindsTheSizeFromTheFinders) {
    auto grid = qrModuleGrid("MAILTO:name@example.org");
    ASSERT_TRUE(grid.ok());
    const int n = static_cast<int>(grid->size());
    const DrawnCode d = drawCode(*grid, 6, 30, 30, n * 6 + 60, n * 6 + 60, 255, 0, 255);
    const auto rebuilt = rebuildQrCodes(d.plane, QrPolarity::DarkOnLight);
    ASSERT_FALSE(rebuilt.empty());
    // The estimate first: the size of the code drawn, every module as drawn.
    const RebuiltQr& r = rebuilt.front();
    ASSERT_EQ(r.modules, n);
    const int side = (n + 2 * kRebuiltQuietModules) * kRebuiltModulePx;
    ASSERT_EQ(r.plane.width, side);
    int wrong = 0;
    for (int row = 0; row < n; ++row)
        for (int col = 0; col < n; ++col) {
            const int y = (row + kRebuiltQuietModules) * kRebuiltModulePx + 1, x = (col + kRebuiltQuietModules) * kRebuiltModulePx + 1;
            const bool dark = r.plane.pixels[static_cast<std::size_t>(y) * side + x] < 128;
            wrong += dark != (*grid)[static_cast<std::size_t>(row)][static_cast<std::size_t>(col)];
        }
    EXPECT_EQ(wrong, 0);
    // Then one version either way (after them, L's that share a finder with this one).
    ASSERT_GE(rebuilt.size(), 3u);
    EXPECT_EQ(rebuilt[1].modules, n - 4);
    EXPECT_EQ(rebuilt[2].modules, n + 4);
}

// A code drawn through a map from the picture back to the code (pixels of `px` per
// module, quiet zone of 4 modules, white around): for bent and turned codes.
template <class BackToCode>
Image drawWarped(const std::vector<std::vector<bool>>& grid, int px, int w, int h, BackToCode back) {
    const int n = static_cast<int>(grid.size());
    Image img;
    img.width = w;
    img.height = h;
    img.format = PixelFormat::Gray8;
    img.pixels.assign(static_cast<std::size_t>(w) * h, 235);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            const auto [u, v] = back(x + 0.5, y + 0.5);  // code pixels from the code's top-left
            const int c = static_cast<int>(std::floor(u / px)), r = static_cast<int>(std::floor(v / px));
            if (c >= 0 && r >= 0 && c < n && r < n && grid[static_cast<std::size_t>(r)][static_cast<std::size_t>(c)])
                img.pixels[static_cast<std::size_t>(y) * w + x] = 25;
        }
    return img;
}

TEST(QrGrid, FollowsABentHighVersionCodeThroughItsAlignmentPatterns) {
    const std::string text = tokenLikeText(41, 330);  // version 13 at level M: 69 modules, 9 alignment patterns
    auto grid = qrModuleGrid(text);
    ASSERT_TRUE(grid.ok());
    const int n = static_cast<int>(grid->size());
    ASSERT_GE(n, 45) << "version 7 or more: the version block and the alignment grid";
    // Paper bowed across the code: columns sag by up to 2 modules in the middle, as a
    // label on a bottle; one homography for the whole code is off by that much.
    const int px = 6, x0 = 60, y0 = 40, side = n * px;
    const double kPi = 3.14159265358979323846;
    const Image img = drawWarped(*grid, px, side + 120, side + 140, [&](double x, double y) {
        const double u = x - x0;
        return std::pair{u, y - y0 - 2.0 * px * std::sin(kPi * std::clamp(u / side, 0.0, 1.0))};
    });
    const LumPlane plane = luminanceOf(img, 0, 0, img.width, img.height);
    const auto rebuilt = rebuildQrCodes(plane, QrPolarity::DarkOnLight);
    ASSERT_FALSE(rebuilt.empty());
    // The version block says the size: no candidate one version either way, and the
    // first has every module (almost) as drawn.
    for (const auto& other : rebuilt) {
        EXPECT_NE(other.modules, n - 4);
        EXPECT_NE(other.modules, n + 4);
    }
    const RebuiltQr& r = rebuilt.front();
    ASSERT_EQ(r.modules, n);
    const int rside = r.plane.width;
    int wrong = 0;
    for (int row = 0; row < n; ++row)
        for (int col = 0; col < n; ++col) {
            const int y = (row + kRebuiltQuietModules) * kRebuiltModulePx, x = (col + kRebuiltQuietModules) * kRebuiltModulePx;
            wrong += (r.plane.pixels[static_cast<std::size_t>(y) * rside + x] < 128) != (*grid)[static_cast<std::size_t>(row)][static_cast<std::size_t>(col)];
        }
    EXPECT_LE(wrong, n * n / 100) << "of " << n * n << " modules";
    const auto codes = onePass(img, QrPass::Rebuilt);
    ASSERT_EQ(codes.size(), 1u);
    EXPECT_EQ(codes.front().text, text);
}

TEST(QrGrid, ATurnedCodeIsRedrawnAtItsOwnSize) {
    // The lane's own tokens are version 10. Turned by 30 degrees, rows and columns cross
    // its finder patterns 15 % longer than they are: the size estimate must not take that
    // for bigger modules (a smaller code).
    const std::string text = tokenLikeText(43, 230);
    auto grid = qrModuleGrid(text);
    ASSERT_TRUE(grid.ok());
    const int n = static_cast<int>(grid->size());
    const int px = 5, side = n * px, w = side * 2, h = side * 2;
    const double a = 30 * 3.14159265358979323846 / 180, cx = w / 2.0, cy = h / 2.0;
    const Image img = drawWarped(*grid, px, w, h, [&](double x, double y) {
        const double dx = x - cx, dy = y - cy;
        return std::pair{std::cos(a) * dx + std::sin(a) * dy + side / 2.0, -std::sin(a) * dx + std::cos(a) * dy + side / 2.0};
    });
    const auto rebuilt = rebuildQrCodes(luminanceOf(img, 0, 0, w, h), QrPolarity::DarkOnLight);
    ASSERT_FALSE(rebuilt.empty());
    EXPECT_EQ(rebuilt.front().modules, n);
    const auto codes = onePass(img, QrPass::Rebuilt);
    ASSERT_EQ(codes.size(), 1u);
    EXPECT_EQ(codes.front().text, text);
}

TEST(QrGrid, ReadsTheVersionBlockThroughThreeWrongBits) {
    auto grid = qrModuleGrid(tokenLikeText(41, 330));
    ASSERT_TRUE(grid.ok());
    const int n = static_cast<int>(grid->size()), version = (n - 17) / 4;
    ASSERT_GE(version, 7);
    const int px = 6, x0 = 36, y0 = 36;
    // The finder centres as the finder search gives them (3.5 modules in from the corners).
    QrFinderTriple t{x0 + 3.5 * px, y0 + 3.5 * px, x0 + (n - 3.5) * px, y0 + 3.5 * px, x0 + 3.5 * px, y0 + (n - 3.5) * px, px};
    auto drawn = [&](const std::vector<std::vector<bool>>& g) { return drawCode(g, px, x0, y0, n * px + 72, n * px + 72, 255, 0, 255).plane; };
    EXPECT_EQ(readQrVersionBlock(drawn(*grid), t, QrPolarity::DarkOnLight), version);
    // B and C the other way round: the same.
    std::swap(t.bx, t.cx);
    std::swap(t.by, t.cy);
    EXPECT_EQ(readQrVersionBlock(drawn(*grid), t, QrPolarity::DarkOnLight), version);
    // Three bits of the top-right block flipped and the bottom-left block wiped: corrected.
    auto g = *grid;
    for (const auto& [r, c] : {std::pair{0, n - 11}, std::pair{2, n - 10}, std::pair{5, n - 9}})
        g[static_cast<std::size_t>(r)][static_cast<std::size_t>(c)] = !g[static_cast<std::size_t>(r)][static_cast<std::size_t>(c)];
    for (int r = n - 11; r <= n - 9; ++r)
        for (int c = 0; c < 6; ++c) g[static_cast<std::size_t>(r)][static_cast<std::size_t>(c)] = false;
    EXPECT_EQ(readQrVersionBlock(drawn(g), t, QrPolarity::DarkOnLight), version);
    // Both blocks wiped (and so a code of version 6 or less): none.
    for (int r = 0; r < 6; ++r)
        for (int c = n - 11; c <= n - 9; ++c) g[static_cast<std::size_t>(r)][static_cast<std::size_t>(c)] = true;
    EXPECT_EQ(readQrVersionBlock(drawn(g), t, QrPolarity::DarkOnLight), 0);
    // Read as light-on-dark, the inverted bits are no version.
    EXPECT_EQ(readQrVersionBlock(drawn(*grid), t, QrPolarity::LightOnDark), 0);
}

TEST(QrPasses, ZbarFindsNothingInNoise) {
    const LumPlane noise = luminanceOf(noiseImage(640, 360, 7, [](uint32_t b) { return b; }), 0, 0, 640, 360);
    auto r = zbarQrCodes(noise, 1, 0, 0);
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(r->empty());
}

TEST(QrPasses, WithoutTheFirstPassGuaranteeNothingRunsThatDoesNotFit) {
    const std::string text = tokenLikeText(33, 80);
    auto img = renderQrShot(text, QrShotParams{}, 1280, 720, 2);
    ASSERT_TRUE(img.ok());
    auto clock = [t = std::make_shared<double>(0)] { return *t += 5; };  // every reading of the clock: 5 ms later
    QrDecodeOptions o;
    o.budgetMs = 2;
    o.cpuClockMs = clock;
    o.firstPassAlwaysRuns = false;
    QrDecodeReport rep;
    auto r = decodeQrCodes(*img, o, &rep);
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(r->empty());
    EXPECT_EQ(rep.passesRun, 0);
    EXPECT_EQ(rep.nextPass, 0) << "the next frame starts where nothing ran";

    o.firstPassAlwaysRuns = true;  // the default: the first pass runs and reads the code
    auto r2 = decodeQrCodes(*img, o, &rep);
    ASSERT_TRUE(r2.ok());
    ASSERT_EQ(r2->size(), 1u);
    EXPECT_EQ(r2->front().text, text);
    EXPECT_EQ(rep.passesRun, 1);
}

TEST(QrImageOps, LocalEqualisationStretchesAShadowedPatternAndKeepsItsOrder) {
    // Left half: a faint checkerboard in the dark (20/34); right half: the same in the light (200/214).
    LumPlane in;
    in.width = 256;
    in.height = 128;
    in.pixels.resize(256 * 128);
    for (int y = 0; y < 128; ++y)
        for (int x = 0; x < 256; ++x) {
            const bool dark = ((x / 8) + (y / 8)) % 2 == 0;
            in.pixels[static_cast<std::size_t>(y) * 256 + x] = static_cast<uint8_t>((x < 128 ? 20 : 200) + (dark ? 0 : 14));
        }
    const LumPlane out = equalizedLocally(in, 4, 2.0);
    ASSERT_EQ(out.width, 256);
    ASSERT_EQ(out.height, 128);
    auto at = [&](const LumPlane& p, int x, int y) { return static_cast<int>(p.pixels[static_cast<std::size_t>(y) * p.width + x]); };
    // (28, 36) is a light square, (36, 36) a dark one. The clip limit keeps a flat,
    // two-level region from being blown up: the default spreads them a little...
    EXPECT_GT(at(out, 28, 36) - at(out, 36, 36), 14);
    EXPECT_GT(at(out, 220, 36) - at(out, 228, 36), 14);
    // ...a high clip limit (plain per-region equalisation) pulls them far apart, in the shadow as in the light.
    const LumPlane strong = equalizedLocally(in, 4, 64.0);
    EXPECT_GT(at(strong, 28, 36) - at(strong, 36, 36), 60);
    EXPECT_GT(at(strong, 220, 36) - at(strong, 228, 36), 60);
}

TEST(QrImageOps, HalvedAveragesEachTwoByTwoBlock) {
    LumPlane in;
    in.width = 4;
    in.height = 2;
    in.pixels = {0, 100, 200, 200, 100, 200, 0, 0};
    const LumPlane out = halved(in);
    ASSERT_EQ(out.width, 2);
    ASSERT_EQ(out.height, 1);
    EXPECT_EQ(out.pixels[0], 100);  // (0+100+100+200)/4
    EXPECT_EQ(out.pixels[1], 100);  // (200+200+0+0)/4
}

TEST(QrImageOps, LuminanceWithAStepSubsamples) {
    Image img;
    img.width = 4;
    img.height = 2;
    img.format = PixelFormat::Gray8;
    img.pixels = {1, 2, 3, 4, 5, 6, 7, 8};
    const LumPlane half = luminanceOf(img, 0, 0, 4, 2, 2);
    ASSERT_EQ(half.width, 2);
    ASSERT_EQ(half.height, 1);
    EXPECT_EQ(half.pixels[0], 1);
    EXPECT_EQ(half.pixels[1], 3);
}

}  // namespace
}  // namespace kiosk::devices::io
