#include <gtest/gtest.h>

#include "devices/io/camera_qr_scanner.h"
#include "devices/io/qr_image_set.h"
#include "devices/sim/sim_camera.h"

namespace kiosk::devices::io {
namespace {

Image blankFrame() {
    Image img;
    img.width = 640;
    img.height = 360;
    img.format = PixelFormat::Gray8;
    img.pixels.assign(640 * 360, 140);
    return img;
}

TEST(CameraQrScanner, OnSimulatedCameraNoCodeIsNulloptAfterTimeout) {
    core::FakeClock clock;
    sim::SimCamera cam(clock, 10);
    cam.play({blankFrame()});
    CameraQrScanner scanner(cam, clock);
    const auto t0 = clock.monoNow();
    auto r = scanner.waitForCode(core::Millis(300));
    ASSERT_TRUE(r.ok());
    EXPECT_FALSE(r->has_value());
    EXPECT_GE(clock.monoNow() - t0, core::Millis(300));
    EXPECT_EQ(scanner.health().state, DeviceState::Ready);
}

TEST(CameraQrScanner, ConfirmFramesNeedsTheSameTextRepeatedly) {
    core::FakeClock clock;
    sim::SimCamera cam(clock, 10);
    const auto a = tokenLikeText(5, 80), b = tokenLikeText(6, 80);
    QrShotParams p;
    p.codeFraction = 0.6;
    auto fa = renderQrShot(a, p, 640, 360, 1);
    auto fb = renderQrShot(b, p, 640, 360, 2);
    ASSERT_TRUE(fa.ok() && fb.ok());
    // a, b, b, b(repeats): with confirmFrames = 2 the first accepted text is b.
    cam.play({*fa, *fb, *fb});
    CameraQrScannerOptions opt;
    opt.confirmFrames = 2;
    CameraQrScanner scanner(cam, clock, opt);
    auto r = scanner.waitForCode(core::Millis(2000));
    ASSERT_TRUE(r.ok()) << r.error().message;
    ASSERT_TRUE(r->has_value());
    EXPECT_EQ(**r, b);
}

TEST(CameraQrScanner, LostCameraIsReported) {
    core::FakeClock clock;
    sim::SimCamera cam(clock, 10);
    cam.play({blankFrame()});
    cam.faults().lost = true;
    CameraQrScanner scanner(cam, clock);
    auto r = scanner.waitForCode(core::Millis(500));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, errc::kLost);
    EXPECT_EQ(scanner.health().state, DeviceState::Lost);
}

}  // namespace
}  // namespace kiosk::devices::io
