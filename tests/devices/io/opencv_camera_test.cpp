#include "devices/io/opencv_camera.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/videoio.hpp>

#include "devices/io/image_file.h"
#include "devices/io/camera_qr_scanner.h"
#include "devices/io/qr_image_set.h"
#include "tests/support/test_support.h"

namespace kiosk::devices::io {
namespace {

cv::Mat noisyFrame(int w, int h, int seed) {
    cv::Mat m(h, w, CV_8UC3);
    cv::theRNG().state = static_cast<uint64_t>(seed) + 1;
    cv::randu(m, cv::Scalar::all(0), cv::Scalar::all(255));
    return m;
}

std::filesystem::path writeVideo(const std::filesystem::path& dir, int frames, bool identical) {
    auto path = dir / "clip.avi";
    cv::VideoWriter w(path.string(), cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), 15, cv::Size(320, 240));
    EXPECT_TRUE(w.isOpened());
    for (int i = 0; i < frames; ++i) w.write(noisyFrame(320, 240, identical ? 0 : i));
    w.release();
    return path;
}

TEST(OpenCvCamera, SourceKinds) {
    auto dir = testing::tempDir("camkind");
    EXPECT_EQ(cameraSourceKind("/dev/video0"), CameraSourceKind::Device);
    EXPECT_EQ(cameraSourceKind("2"), CameraSourceKind::Device);
    EXPECT_EQ(cameraSourceKind(dir.string()), CameraSourceKind::ImageFolder);
    EXPECT_EQ(cameraSourceKind((dir / "x.avi").string()), CameraSourceKind::VideoFile);
}

TEST(OpenCvCamera, VideoFileFramesWithTimestampsAndSize) {
    auto dir = testing::tempDir("camvideo");
    auto path = writeVideo(dir, 10, false);
    core::FakeClock clock;
    CameraConfig cfg;
    cfg.source = path.string();
    cfg.width = 160;
    cfg.height = 120;
    cfg.fps = 10;
    auto cam = OpenCvCamera::open(cfg, clock);
    ASSERT_TRUE(cam.ok()) << cam.error().message;
    core::MonoTime prev{};
    for (int i = 0; i < 10; ++i) {
        auto f = (*cam)->grab(core::Millis(1000));
        ASSERT_TRUE(f.ok()) << i << " " << f.error().message;
        EXPECT_EQ(f->image.width, 160);
        EXPECT_EQ(f->image.height, 120);
        EXPECT_EQ(f->image.format, PixelFormat::Bgr8);
        EXPECT_EQ(f->sequence, static_cast<uint64_t>(i + 1));
        if (i > 0) {
            EXPECT_EQ(f->capturedAt - prev, core::Millis(100));  // paced at 10 fps
        }
        prev = f->capturedAt;
    }
    EXPECT_EQ((*cam)->health().state, DeviceState::Ready);
    // End of the file: the stream is gone.
    auto end = (*cam)->grab(core::Millis(1000));
    ASSERT_FALSE(end.ok());
    EXPECT_EQ(end.error().code, errc::kLost);
    EXPECT_EQ((*cam)->health().state, DeviceState::Lost);
}

TEST(OpenCvCamera, ImageFolderInNameOrderAndLoop) {
    auto dir = testing::tempDir("camfolder");
    for (int i = 0; i < 3; ++i) {
        cv::Mat m(48, 64, CV_8UC3, cv::Scalar(10 + 80 * i, 10, 10));
        cv::imwrite((dir / ("f" + std::to_string(i) + ".png")).string(), m);
    }
    { std::FILE* f = std::fopen((dir / "notes.txt").c_str(), "w"); std::fputs("ignored", f); std::fclose(f); }
    core::FakeClock clock;
    CameraConfig cfg;
    cfg.source = dir.string();
    cfg.width = 0;
    cfg.height = 0;
    cfg.atEnd = EndOfStream::Loop;
    cfg.format = PixelFormat::Gray8;
    auto cam = OpenCvCamera::open(cfg, clock);
    ASSERT_TRUE(cam.ok());
    std::vector<int> firstPixel;
    for (int i = 0; i < 6; ++i) {
        auto f = (*cam)->grab(core::Millis(500));
        ASSERT_TRUE(f.ok()) << f.error().message;
        EXPECT_EQ(f->image.format, PixelFormat::Gray8);
        EXPECT_EQ(f->image.width, 64);
        firstPixel.push_back(f->image.pixels[0]);
    }
    EXPECT_LT(firstPixel[0], firstPixel[1]);
    EXPECT_LT(firstPixel[1], firstPixel[2]);
    EXPECT_EQ(firstPixel[0], firstPixel[3]);
}

TEST(OpenCvCamera, WatchdogFiresOnIdenticalFrames) {
    // A stream that keeps "succeeding" with the same picture (a frozen USB camera).
    auto dir = testing::tempDir("camstale");
    auto path = writeVideo(dir, 60, true);
    core::FakeClock clock;
    CameraConfig cfg;
    cfg.source = path.string();
    cfg.fps = 15;
    cfg.staleAfter = core::Millis(1000);
    auto cam = OpenCvCamera::open(cfg, clock);
    ASSERT_TRUE(cam.ok());
    // The MJPG encoder needs a few frames to settle; then every frame is the same.
    int fresh = 0;
    core::Result<Frame> r = (*cam)->grab(core::Millis(300));
    while (r.ok() && fresh < 20) {
        ++fresh;
        r = (*cam)->grab(core::Millis(300));
    }
    EXPECT_GE(fresh, 1);
    EXPECT_LE(fresh, 5);
    // Within the stale window the repeats are just "no new frame yet".
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, errc::kTimeout);
    EXPECT_EQ((*cam)->health().state, DeviceState::Ready);
    // Past it, the device is lost although every read returned a frame.
    const auto t0 = clock.monoNow();
    auto lost = (*cam)->grab(core::Millis(2000));
    ASSERT_FALSE(lost.ok());
    EXPECT_EQ(lost.error().code, errc::kLost);
    EXPECT_LE(clock.monoNow() - t0, core::Millis(1000));
    EXPECT_EQ((*cam)->health().state, DeviceState::Lost);
    EXPECT_NE((*cam)->health().detail.find("stale"), std::string::npos);
    EXPECT_GT((*cam)->framesRead(), 10u);
}

TEST(OpenCvCamera, MissingSourcesAreLost) {
    core::FakeClock clock;
    CameraConfig cfg;
    cfg.source = "/nonexistent/clip.avi";
    auto r = OpenCvCamera::open(cfg, clock);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, errc::kLost);
    cfg.source = testing::tempDir("camempty").string();
    auto e = OpenCvCamera::open(cfg, clock);
    ASSERT_FALSE(e.ok());
    EXPECT_EQ(e.error().code, errc::kLost);
}

TEST(OpenCvCamera, ConfigReadsKeysAndNamesBadOnes) {
    core::Json j = {{"source", "/dev/video2"}, {"width", 640}, {"height", 480}, {"fps", 30}, {"stale_ms", 1500}};
    auto c = CameraConfig::fromConfig(core::ConfigView(j, "devices.camera"));
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c->source, "/dev/video2");
    EXPECT_EQ(c->width, 640);
    EXPECT_EQ(c->staleAfter, core::Millis(1500));
    core::Json bad = {{"fps", 0}};
    auto b = CameraConfig::fromConfig(core::ConfigView(bad, "devices.camera"));
    ASSERT_FALSE(b.ok());
    EXPECT_NE(b.error().message.find("devices.camera.fps"), std::string::npos);
}

TEST(CameraQrScanner, ReadsTokenFromImageFolderCamera) {
    auto dir = testing::tempDir("camqr");
    const std::string text = tokenLikeText(77);
    // Two frames without a code, then the phone.
    for (int i = 0; i < 2; ++i) cv::imwrite((dir / ("a" + std::to_string(i) + ".png")).string(), noisyFrame(640, 360, i));
    QrShotParams p;
    p.rotationDeg = 20;
    auto shotImg = renderQrShot(text, p, 1280, 720, 5);
    ASSERT_TRUE(shotImg.ok());
    ASSERT_TRUE(saveImageFile(dir / "b0.png", *shotImg).ok());
    core::FakeClock clock;
    CameraConfig cfg;
    cfg.source = dir.string();
    cfg.width = 1280;
    cfg.height = 720;
    auto cam = OpenCvCamera::open(cfg, clock);
    ASSERT_TRUE(cam.ok());
    // The folder holds one frame with the code: under the default CPU budget per frame a
    // slower build (sanitizers) cuts that frame's passes short and no later frame resumes
    // them, so the read would depend on the machine's speed. The budget has its own tests
    // (qr_schedule_test, with an injected clock); here it is off.
    CameraQrScannerOptions options;
    options.schedule.budgetMs = 0;
    CameraQrScanner scanner(**cam, clock, options);
    auto code = scanner.waitForCode(core::Millis(2000));
    ASSERT_TRUE(code.ok()) << code.error().message;
    ASSERT_TRUE(code->has_value());
    EXPECT_EQ(**code, text);
    // The folder is exhausted: the camera is lost and the scanner says so.
    auto after = scanner.waitForCode(core::Millis(2000));
    ASSERT_FALSE(after.ok());
    EXPECT_EQ(after.error().code, errc::kLost);
    EXPECT_EQ(scanner.health().state, DeviceState::Lost);
}

TEST(CameraQrScanner, TwoCodesInViewAreRefused) {
    auto dir = testing::tempDir("camqr2");
    auto img = renderQrShots({tokenLikeText(1, 60), tokenLikeText(2, 60)});
    ASSERT_TRUE(img.ok());
    ASSERT_TRUE(saveImageFile(dir / "x.png", *img).ok());
    core::FakeClock clock;
    CameraConfig cfg;
    cfg.source = dir.string();
    auto cam = OpenCvCamera::open(cfg, clock);
    ASSERT_TRUE(cam.ok());
    CameraQrScanner scanner(**cam, clock);
    auto r = scanner.waitForCode(core::Millis(1000));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, kQrAmbiguous);
}

}  // namespace
}  // namespace kiosk::devices::io

namespace kiosk::devices::io {
namespace {

Image noiseImage(int seed) {
    Image img;
    img.width = 64;
    img.height = 48;
    img.format = PixelFormat::Gray8;
    img.pixels.resize(64 * 48);
    uint32_t x = static_cast<uint32_t>(seed) * 2654435761u + 1;
    for (auto& p : img.pixels) {
        x = x * 1664525u + 1013904223u;
        p = static_cast<uint8_t>(x >> 24);
    }
    return img;
}

TEST(OpenCvCameraThreaded, LiveReaderDeliversNewestFrames) {
    core::SystemClock clock;
    std::atomic<int> n{0};
    CameraConfig cfg;
    cfg.source = "test-reader";
    cfg.width = 0;
    cfg.height = 0;
    cfg.staleAfter = core::Millis(1000);
    auto cam = OpenCvCamera::openReader(cfg, clock, [&](Image& out) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        out = noiseImage(++n);
        return ReadResult::Frame;
    });
    ASSERT_TRUE(cam.ok());
    uint64_t lastSeq = 0;
    for (int i = 0; i < 5; ++i) {
        auto f = (*cam)->grab(core::Millis(1000));
        ASSERT_TRUE(f.ok()) << f.error().message;
        EXPECT_GT(f->sequence, lastSeq);
        lastSeq = f->sequence;
        EXPECT_EQ(f->image.width, 64);
    }
    EXPECT_EQ((*cam)->health().state, DeviceState::Ready);
}

TEST(OpenCvCameraThreaded, BlockedReadIsLostWithinStaleTime) {
    // A device that delivers two frames, then its read blocks (unplugged mid-transfer).
    core::SystemClock clock;
    std::atomic<int> n{0};
    std::atomic<bool> release{false};
    CameraConfig cfg;
    cfg.source = "blocking-reader";
    cfg.width = 0;
    cfg.height = 0;
    cfg.staleAfter = core::Millis(300);
    auto cam = OpenCvCamera::openReader(cfg, clock, [&](Image& out) {
        if (n >= 2) {
            while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(5));
            return ReadResult::Failed;
        }
        out = noiseImage(++n);
        return ReadResult::Frame;
    });
    ASSERT_TRUE(cam.ok());
    ASSERT_TRUE((*cam)->grab(core::Millis(1000)).ok());
    const auto t0 = std::chrono::steady_clock::now();
    core::Result<Frame> r = (*cam)->grab(core::Millis(5000));
    if (r.ok()) r = (*cam)->grab(core::Millis(5000));  // the second frame, if not yet taken
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, errc::kLost);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(2500));
    EXPECT_EQ((*cam)->health().state, DeviceState::Lost);
    release = true;
}

TEST(OpenCvCameraThreaded, IdenticalFramesAreLost) {
    core::SystemClock clock;
    CameraConfig cfg;
    cfg.source = "frozen-reader";
    cfg.width = 0;
    cfg.height = 0;
    cfg.staleAfter = core::Millis(250);
    auto cam = OpenCvCamera::openReader(cfg, clock, [&](Image& out) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        out = noiseImage(1);  // read() "succeeds" with the same picture forever
        return ReadResult::Frame;
    });
    ASSERT_TRUE(cam.ok());
    ASSERT_TRUE((*cam)->grab(core::Millis(1000)).ok());
    auto r = (*cam)->grab(core::Millis(3000));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, errc::kLost);
    EXPECT_GT((*cam)->framesRead(), 5u);
}

}  // namespace
}  // namespace kiosk::devices::io
