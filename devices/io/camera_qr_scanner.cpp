#include "devices/io/camera_qr_scanner.h"

#include <chrono>

#include "core/log.h"

namespace kiosk::devices::io {

CameraQrScanner::CameraQrScanner(Camera& camera, core::Clock& clock, CameraQrScannerOptions options)
    : camera_(camera), clock_(clock), options_(std::move(options)), scheduler_(options_.schedule) {
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
            // The camera numbers the frames it captured; a gap is frames that went stale
            // while the previous one was being decoded.
            if (lastSequence_ > 0 && frame->sequence > lastSequence_ + 1) stats_.framesDropped += frame->sequence - lastSequence_ - 1;
            if (frame->sequence > 0) lastSequence_ = frame->sequence;
        }
        auto outcome = scheduler_.process(frame->image, options_.decode);
        if (!outcome.ok()) {
            if (outcome.error().code == kQrAmbiguous) {
                core::logWarn("qr.ambiguous", {{"device", options_.name}});
            }
            return outcome.error();
        }
        {
            std::lock_guard lock(mu_);
            switch (outcome->action) {
                case QrFrameAction::Decoded: ++stats_.framesDecoded; break;
                case QrFrameAction::SkippedUnchanged: ++stats_.skippedUnchanged; break;
                case QrFrameAction::SkippedNoContrast: ++stats_.skippedNoContrast; break;
            }
            stats_.readInRoi += outcome->readInRoi ? 1 : 0;
            stats_.budgetCuts += outcome->budgetCut ? 1 : 0;
        }
        if (outcome->action == QrFrameAction::SkippedUnchanged) continue;  // keeps any count going
        if (outcome->codes.empty()) {
            seen = 0;
            continue;
        }
        const std::string& text = outcome->codes.front().text;
        if (text == candidate) {
            ++seen;
        } else {
            candidate = text;
            seen = 1;
        }
        if (seen >= options_.confirmFrames) {
            const auto s = stats();
            core::logInfo("qr.read", {{"device", options_.name},
                                      {"qr", core::hashForLog(candidate)},
                                      {"frames_decoded", s.framesDecoded},
                                      {"frames_dropped", s.framesDropped},
                                      {"skipped_unchanged", s.skippedUnchanged},
                                      {"skipped_no_contrast", s.skippedNoContrast}});
            return std::optional<std::string>{candidate};
        }
    }
}

CameraQrScannerStats CameraQrScanner::stats() const {
    std::lock_guard lock(mu_);
    return stats_;
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
