#pragma once
// devices::Camera over OpenCV VideoCapture: a V4L2 device ("/dev/video0" or "0"), a video
// file, or a folder of images (played in name order). A freshness watchdog treats a
// stream that keeps "succeeding" with identical frames or a stalled timestamp as lost.
#include <functional>
#include <memory>
#include <string>

#include "core/clock.h"
#include "core/config.h"
#include "core/result.h"
#include "devices/camera.h"

namespace kiosk::devices::io {

enum class CameraSourceKind { Device, VideoFile, ImageFolder };
enum class EndOfStream { Lost, Loop };  // what a file/folder source does at its end

struct CameraConfig {
    std::string source = "/dev/video0";
    int width = 1280;   // requested from devices; files/folders are resized when different
    int height = 720;   // (0 = keep the source size)
    double fps = 15;    // requested from devices; files/folders are paced at this rate
    core::Millis staleAfter{2000};  // no fresh frame within this time -> errc::kLost
    PixelFormat format = PixelFormat::Bgr8;
    EndOfStream atEnd = EndOfStream::Lost;
    std::string name = "camera";  // DeviceHealth::device

    // Keys: source, width, height, fps, stale_ms, format ("bgr"|"gray"), loop (bool), name.
    static core::Result<CameraConfig> fromConfig(const core::ConfigView& cfg);
};

CameraSourceKind cameraSourceKind(const std::string& source);

// What a custom frame reader returns for one read.
enum class ReadResult { Frame, Failed, End };
// A custom frame source (a vendor SDK, or a test double); called on the capture thread.
using FrameReader = std::function<ReadResult(Image& out)>;

// Live devices (and custom readers) are read on a capture thread that keeps only the
// newest frame, so a read that blocks (a V4L2 device that vanished) cannot outlast the
// freshness watchdog: grab() reports errc::kLost once nothing fresh arrived for stale_ms,
// measured on the clock, whatever the read is doing. Files and folders are read on the
// caller's thread, paced on the clock (deterministic with a FakeClock).
class OpenCvCamera final : public Camera {
public:
    // Opens the source; errc::kLost when it cannot be opened.
    static core::Result<std::unique_ptr<OpenCvCamera>> open(const CameraConfig& config, core::Clock& clock);
    // Frames from a callback, read on a capture thread like a device (config.source is
    // only a label). Use a real clock: the watchdog waits in real time.
    static core::Result<std::unique_ptr<OpenCvCamera>> openReader(const CameraConfig& config, core::Clock& clock,
                                                                  FrameReader reader);
    ~OpenCvCamera() override;

    core::Result<Frame> grab(core::Millis timeout) override;
    DeviceHealth health() const override;

    const CameraConfig& config() const;
    // Frames read from the source, including the stale ones the watchdog dropped.
    uint64_t framesRead() const;

private:
    struct Impl;
    explicit OpenCvCamera(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace kiosk::devices::io
