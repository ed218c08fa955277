#pragma once
// A devices::QrScanner that reads codes from a devices::Camera, decoding each frame
// inside a CPU budget (QrFrameScheduler).
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include "core/clock.h"
#include "core/result.h"
#include "devices/camera.h"
#include "devices/io/qr_decoder.h"
#include "devices/io/qr_frame_scheduler.h"
#include "devices/qr_scanner.h"

namespace kiosk::devices::io {

struct CameraQrScannerOptions {
    QrDecodeOptions decode;
    QrScheduleOptions schedule;  // per-frame CPU budget, skipping, carried-over region
    std::string name = "qr";
    // The same text must be read in this many frames in a row before it is delivered
    // (1 = first read). A code that changes between frames restarts the count.
    int confirmFrames = 1;
};

// What the scanner did with the camera's frames since it was made.
struct CameraQrScannerStats {
    uint64_t framesDecoded = 0;
    uint64_t skippedUnchanged = 0;
    uint64_t skippedNoContrast = 0;
    uint64_t readInRoi = 0;
    uint64_t budgetCuts = 0;
    // Frames the camera captured that were never decoded because a newer one was ready
    // (gaps in Frame::sequence): the scanner always takes the newest frame.
    uint64_t framesDropped = 0;
};

// Grabs frames from a camera and decodes them until a code is seen or the time is up.
// Each grab returns the camera's newest frame (OpenCvCamera's capture thread keeps only
// that one), so a decode that runs long drops stale frames instead of falling behind.
// Camera errors other than a timeout (errc::kLost, ...) are returned as they are.
class CameraQrScanner final : public QrScanner {
public:
    CameraQrScanner(Camera& camera, core::Clock& clock, CameraQrScannerOptions options = {});

    core::Result<std::optional<std::string>> waitForCode(core::Millis timeout) override;
    DeviceHealth health() const override;
    CameraQrScannerStats stats() const;

private:
    Camera& camera_;
    core::Clock& clock_;
    CameraQrScannerOptions options_;
    QrFrameScheduler scheduler_;
    uint64_t lastSequence_ = 0;
    mutable std::mutex mu_;
    DeviceHealth last_;
    CameraQrScannerStats stats_;
};

}  // namespace kiosk::devices::io
