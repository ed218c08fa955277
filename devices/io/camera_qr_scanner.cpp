#include <chrono>

#include "core/log.h"
#include "devices/io/qr_decoder.h"

namespace kiosk::devices::io {

CameraQrScanner::CameraQrScanner(Camera& camera, core::Clock& clock, CameraQrScannerOptions options)
    : camera_(camera), clock_(clock), options_(std::move(options)) {
    last_.device = options_.name;
    if (options_.confirmFrames < 1) options_.confirmFrames = 1;
}

core::Result<std::optional<std::string>> CameraQrScanner::waitForCode(core::Millis timeout) {
    const auto deadline = clock_.monoNow() + timeout;
    std::string candidate;
    int seen = 0;
    for (;;) {
        auto left = std::chrono::duration_cast<core::Millis>(deadline - clock_.monoNow());
        if (left <= core::Millis(0)) return std::optional<std::string>{};
        auto frame = camera_.grab(left);
        if (!frame.ok()) {
            if (frame.error().code == errc::kTimeout) continue;
            std::lock_guard lock(mu_);
            last_.state = frame.error().code == errc::kLost ? DeviceState::Lost : DeviceState::Fault;
            last_.detail = "camera: " + frame.error().code;
            return frame.error();
        }
        {
            std::lock_guard lock(mu_);
            last_.state = DeviceState::Ready;
            last_.detail.clear();
        }
        auto texts = decodeQr(frame->image, options_.decode);
        if (!texts.ok()) {
            if (texts.error().code == kQrAmbiguous) {
                core::logWarn("qr.ambiguous", {{"device", options_.name}});
            }
            return texts.error();
        }
        if (texts->empty()) {
            seen = 0;
            continue;
        }
        const std::string& text = texts->front();
        if (text == candidate) {
            ++seen;
        } else {
            candidate = text;
            seen = 1;
        }
        if (seen >= options_.confirmFrames) {
            core::logInfo("qr.read", {{"device", options_.name}, {"qr", core::hashForLog(candidate)}});
            return std::optional<std::string>{candidate};
        }
    }
}

DeviceHealth CameraQrScanner::health() const {
    DeviceHealth cam = camera_.health();
    std::lock_guard lock(mu_);
    DeviceHealth h = last_;
    if (cam.state != DeviceState::Ready) {
        h.state = cam.state;
        h.detail = "camera " + cam.device + ": " + cam.detail;
    }
    return h;
}

}  // namespace kiosk::devices::io
