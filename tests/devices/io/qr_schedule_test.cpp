// The decoder's positions and budget, and the camera scanner's per-frame schedule
// (QrFrameScheduler): no timing assertions — the budget runs on an injected clock.
#include <gtest/gtest.h>

#include <random>

#include "devices/io/camera_qr_scanner.h"
#include "devices/io/qr_decoder.h"
#include "devices/io/qr_frame_scheduler.h"
#include "devices/io/qr_image_set.h"

namespace kiosk::devices::io {
namespace {

Image shotAt(const std::string& text, double cx, double cy, uint64_t seed = 5) {
    QrShotParams p;
    p.centerX = cx;
    p.centerY = cy;
    p.codeFraction = 0.4;
    auto img = renderQrShot(text, p, 1280, 720, seed);
    EXPECT_TRUE(img.ok());
    return img.ok() ? std::move(img).value() : Image{};
}

// Grey noise: contrast everywhere, no code anywhere.
Image noiseFrame(uint32_t seed, int w = 1280, int h = 720) {
    Image img;
    img.width = w;
    img.height = h;
    img.format = PixelFormat::Gray8;
    img.pixels.resize(static_cast<std::size_t>(w) * h);
    std::mt19937 rng(seed);
    for (auto& p : img.pixels) p = static_cast<uint8_t>(60 + rng() % 120);
    return img;
}

Image uniformFrame(uint8_t v) {
    Image img;
    img.width = 640;
    img.height = 360;
    img.format = PixelFormat::Gray8;
    img.pixels.assign(640 * 360, v);
    return img;
}

// A clock that advances a fixed step every time it is read: each pass "costs" the step.
std::function<double()> steppingClock(double stepMs) {
    auto t = std::make_shared<double>(0);
    return [t, stepMs] { return *t += stepMs; };
}

TEST(QrDecoderPositions, CornersSurroundTheCodeInFrameCoordinates) {
    const std::string text = tokenLikeText(11, 80);
    for (auto [cx, cy] : {std::pair{0.3, 0.5}, std::pair{0.7, 0.4}}) {
        auto r = decodeQrCodes(shotAt(text, cx, cy));
        ASSERT_TRUE(r.ok()) << r.error().message;
        ASSERT_EQ(r->size(), 1u);
        double mx = 0, my = 0;
        for (const auto& p : r->front().corners) {
            mx += p.x / 4.0;
            my += p.y / 4.0;
        }
        EXPECT_NEAR(mx, cx * 1280, 40);
        EXPECT_NEAR(my, cy * 720, 40);
    }
}

TEST(QrDecoderPositions, RegionOfInterestCornersAreInFrameCoordinates) {
    const std::string text = tokenLikeText(12, 80);
    QrDecodeOptions o;
    o.roi = Roi{640, 0, 640, 720};
    auto r = decodeQrCodes(shotAt(text, 0.75, 0.5), o);
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->size(), 1u);
    for (const auto& p : r->front().corners) EXPECT_GT(p.x, 640);
}

TEST(QrDecoderBudget, StopsWhenTheBudgetIsSpentAndSaysWhere) {
    QrDecodeOptions o;
    o.budgetMs = 8;
    o.cpuClockMs = steppingClock(5);  // every pass seems to cost 5 ms
    QrDecodeReport rep;
    auto r = decodeQrCodes(noiseFrame(1), o, &rep);
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(r->empty());
    EXPECT_GE(rep.passesRun, 1);
    EXPECT_LT(rep.nextPass, kQrPassCount) << "the budget should have cut the passes short";

    // Resuming where it stopped runs the later passes; without a budget all of them.
    QrDecodeOptions resume;
    resume.firstPass = rep.nextPass;
    QrDecodeReport rep2;
    ASSERT_TRUE(decodeQrCodes(noiseFrame(1), resume, &rep2).ok());
    EXPECT_EQ(rep2.nextPass, kQrPassCount);
    EXPECT_GE(rep2.passesRun, 1);

    QrDecodeReport full;
    ASSERT_TRUE(decodeQrCodes(noiseFrame(1), QrDecodeOptions{}, &full).ok());
    EXPECT_GT(full.passesRun, rep.passesRun);
}

TEST(QrDecoderBudget, TheFirstPassAlwaysRunsAndCanRead) {
    const std::string text = tokenLikeText(13, 80);
    QrDecodeOptions o;
    o.budgetMs = 0.001;
    QrDecodeReport rep;
    auto r = decodeQrCodes(shotAt(text, 0.5, 0.5), o, &rep);
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->size(), 1u);
    EXPECT_EQ(r->front().text, text);
    EXPECT_EQ(rep.passesRun, 1);
}

// The first pass is zxing-cpp's own complete search (one plain call's hints), so a budget
// that allows nothing else still reads a code the half-resolution passes cannot: the kiosk
// never reads less than zxing-cpp alone (bench_qr, issue 18).
TEST(QrDecoderBudget, TheGuaranteedFirstPassIsZxingsWholeSearch) {
    const std::string text = tokenLikeText(14, 20);
    QrShotParams p;
    p.codeFraction = 0.08;  // ~58 pixels: modules of ~2.3 pixels, ~1.2 at half resolution
    p.centerX = 0.6;
    p.centerY = 0.4;
    auto img = renderQrShot(text, p, 1280, 720, 21);
    ASSERT_TRUE(img.ok());

    QrDecodeOptions halfOnly;
    halfOnly.firstPass = static_cast<int>(QrPass::Half);
    halfOnly.budgetMs = 1e-9;
    auto half = decodeQrCodes(*img, halfOnly);
    ASSERT_TRUE(half.ok());
    EXPECT_TRUE(half->empty()) << "the half-resolution pass should not read modules this small";

    QrDecodeOptions o;
    o.budgetMs = 1e-9;
    QrDecodeReport rep;
    auto r = decodeQrCodes(*img, o, &rep);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(rep.passesRun, 1);
    EXPECT_EQ(rep.readByPass, static_cast<int>(QrPass::TryHarder));
    ASSERT_EQ(r->size(), 1u);
    EXPECT_EQ(r->front().text, text);
}

TEST(QrFrameScheduler, FramesWithoutContrastAreNotDecoded) {
    QrFrameScheduler s;
    for (uint8_t v : {0, 128, 250}) {
        auto r = s.process(uniformFrame(v), QrDecodeOptions{});
        ASSERT_TRUE(r.ok());
        EXPECT_EQ(r->action, QrFrameAction::SkippedNoContrast);
    }
}

TEST(QrFrameScheduler, AnUnchangedCodelessFrameIsSkippedOnceEveryPassRan) {
    QrScheduleOptions so;
    so.budgetMs = 0;  // every pass
    QrFrameScheduler s(so);
    const Image f = noiseFrame(2);
    auto first = s.process(f, QrDecodeOptions{});
    ASSERT_TRUE(first.ok());
    EXPECT_EQ(first->action, QrFrameAction::Decoded);
    auto second = s.process(f, QrDecodeOptions{});
    ASSERT_TRUE(second.ok());
    EXPECT_EQ(second->action, QrFrameAction::SkippedUnchanged);
    // A different scene is decoded again.
    auto third = s.process(shotAt(tokenLikeText(14, 80), 0.5, 0.5), QrDecodeOptions{});
    ASSERT_TRUE(third.ok());
    EXPECT_EQ(third->action, QrFrameAction::Decoded);
    EXPECT_EQ(third->codes.size(), 1u);
}

TEST(QrFrameScheduler, ABudgetCutDecodeResumesOnTheNextUnchangedFrame) {
    QrScheduleOptions so;
    so.budgetMs = 8;
    QrFrameScheduler s(so);
    QrDecodeOptions d;
    d.cpuClockMs = steppingClock(5);
    const Image f = noiseFrame(3);
    auto a = s.process(f, d);
    ASSERT_TRUE(a.ok());
    EXPECT_TRUE(a->budgetCut);
    EXPECT_EQ(a->resumedAt, 0);
    auto b = s.process(f, d);
    ASSERT_TRUE(b.ok());
    EXPECT_EQ(b->action, QrFrameAction::Decoded);
    EXPECT_GT(b->resumedAt, 0) << "the unchanged frame continues where the budget stopped";
    // Keep feeding the same frame: it ends up fully decoded, then skipped.
    bool skipped = false;
    for (int i = 0; i < 2 * kQrPassCount && !skipped; ++i) {
        auto c = s.process(f, d);
        ASSERT_TRUE(c.ok());
        skipped = c->action == QrFrameAction::SkippedUnchanged;
    }
    EXPECT_TRUE(skipped);
}

TEST(QrFrameScheduler, TheRegionOfTheLastReadIsTriedFirst) {
    QrFrameScheduler s;
    const std::string text = tokenLikeText(15, 80);
    auto a = s.process(shotAt(text, 0.3, 0.5, 1), QrDecodeOptions{});
    ASSERT_TRUE(a.ok());
    ASSERT_EQ(a->codes.size(), 1u);
    EXPECT_FALSE(a->readInRoi);
    // The phone moved a little: read in the carried-over region.
    auto b = s.process(shotAt(text, 0.32, 0.52, 2), QrDecodeOptions{});
    ASSERT_TRUE(b.ok());
    ASSERT_EQ(b->codes.size(), 1u);
    EXPECT_EQ(b->codes.front().text, text);
    EXPECT_TRUE(b->readInRoi);
    // Gone from the region: the whole frame is searched and finds it elsewhere.
    auto c = s.process(shotAt(text, 0.75, 0.5, 3), QrDecodeOptions{});
    ASSERT_TRUE(c.ok());
    ASSERT_EQ(c->codes.size(), 1u);
    EXPECT_FALSE(c->readInRoi);
}

// The pass where the last frame stopped can cost more than what the carried-over region
// left of the budget: it is not forced through after the region; the region is dropped and
// the next frame runs that pass with the whole budget.
TEST(QrFrameScheduler, AResumedPassIsNotForcedPastTheBudgetAfterTheRegion) {
    QrScheduleOptions so;
    so.budgetMs = 8;
    QrFrameScheduler s(so);
    QrDecodeOptions d;
    d.cpuClockMs = steppingClock(5);  // every pass seems to cost 5 ms
    const std::string text = tokenLikeText(16, 80);
    auto a = s.process(shotAt(text, 0.4, 0.5, 4), d);
    ASSERT_TRUE(a.ok());
    ASSERT_EQ(a->codes.size(), 1u);  // read: its region is carried over

    const Image n = noiseFrame(5);
    auto b = s.process(n, d);  // changed: region, then the whole frame from its first pass
    ASSERT_TRUE(b.ok());
    EXPECT_TRUE(b->codes.empty());
    EXPECT_EQ(b->resumedAt, 0);
    EXPECT_GE(b->framePasses, 1) << "a fresh frame's first pass always runs";
    ASSERT_TRUE(b->budgetCut);

    auto c = s.process(n, d);  // unchanged: region again, then the resumed pass does not fit
    ASSERT_TRUE(c.ok());
    EXPECT_GT(c->resumedAt, 0);
    EXPECT_EQ(c->framePasses, 0);

    auto e = s.process(n, d);  // no region any more: the resumed pass runs
    ASSERT_TRUE(e.ok());
    EXPECT_EQ(e->resumedAt, c->resumedAt);
    EXPECT_GE(e->framePasses, 1);
}

// A camera whose frames carry the capture numbers given (gaps = frames that went stale).
class NumberedCamera final : public Camera {
public:
    NumberedCamera(std::vector<uint64_t> seqs, Image img) : seqs_(std::move(seqs)), img_(std::move(img)) {}
    core::Result<Frame> grab(core::Millis) override {
        if (next_ >= seqs_.size()) return core::makeError(errc::kLost, "end");
        Frame f;
        f.image = img_;
        f.sequence = seqs_[next_++];
        return f;
    }
    DeviceHealth health() const override { return DeviceHealth{"cam", DeviceState::Ready, ""}; }

private:
    std::vector<uint64_t> seqs_;
    Image img_;
    std::size_t next_ = 0;
};

TEST(CameraQrScannerStats, CountsDroppedFramesFromSequenceGaps) {
    core::FakeClock clock;
    NumberedCamera cam({1, 2, 5, 6, 10}, noiseFrame(4, 640, 360));
    CameraQrScannerOptions opt;
    opt.schedule.budgetMs = 0;  // every pass on the first frame, so the rest are skipped
    CameraQrScanner scanner(cam, clock, opt);
    auto r = scanner.waitForCode(core::Millis(1000));
    ASSERT_FALSE(r.ok());  // the camera ends with errc::kLost
    const auto st = scanner.stats();
    EXPECT_EQ(st.framesDropped, 2u + 3u);
    EXPECT_EQ(st.framesDecoded + st.skippedUnchanged + st.skippedNoContrast, 5u);
    EXPECT_GE(st.skippedUnchanged, 1u) << "the same codeless frame is not decoded five times";
}

}  // namespace
}  // namespace kiosk::devices::io
