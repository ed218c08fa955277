#pragma once
// Test doubles for the registration shell tests: scripted biometric engines and a printer.
// They say what they are (they compare scripted answers, not faces or fingers); the real
// engines run in the registration end-to-end test and in tests/devices.
#include <deque>
#include <optional>

#include "devices/face.h"
#include "devices/fingerprint.h"
#include "devices/printer.h"

namespace kiosk::testing {

class ScriptedRegFace final : public devices::FaceEngine {
public:
    devices::FaceGuidance guidance = devices::FaceGuidance::Ok;  // every frame
    bool liveness = true;
    core::Result<devices::FaceAnalysis> analyze(const devices::Image&) override {
        devices::FaceAnalysis a;
        a.guidance = guidance;
        a.faceCount = guidance == devices::FaceGuidance::NoFace ? 0 : 1;
        a.hasDescriptor = guidance == devices::FaceGuidance::Ok;
        a.descriptor.assign(128, 0.25f);
        return a;
    }
    core::Result<devices::FaceMatch> verify(const std::vector<devices::Frame>& frames,
                                            const std::vector<devices::FaceDescriptor>& enrolled) override {
        devices::FaceMatch m;
        m.livenessPassed = liveness;
        m.match = liveness && !enrolled.empty();
        m.framesUsed = static_cast<int>(frames.size());
        return m;
    }
};

class ScriptedRegFinger final : public devices::FingerprintReader {
public:
    // One answer per enroll() call, then "ok"; an answer is an error code or "" (ok).
    std::deque<std::string> enrolAnswers;
    devices::FingerGuidance enrolGuidance = devices::FingerGuidance::Ok;  // lastEnrolGuidance()
    std::deque<devices::FingerVerify> verifyAnswers;  // one per verify() call, then `match`
    bool match = true;
    bool lost = false;
    int enrolCalls = 0, verifyCalls = 0;
    core::Result<devices::FingerEnrolment> enroll(const Progress& progress, core::Millis) override {
        ++enrolCalls;
        if (lost) return core::makeError("device.lost", "gone");
        std::string a;
        if (!enrolAnswers.empty()) {
            a = enrolAnswers.front();
            enrolAnswers.pop_front();
        }
        if (!a.empty()) return core::makeError(a, "scripted");
        for (int i = 1; i <= 5; ++i)
            if (progress) progress(i, 5);
        return devices::FingerEnrolment{std::vector<uint8_t>(64, static_cast<uint8_t>(enrolCalls))};
    }
    core::Result<devices::FingerVerify> verify(const std::vector<uint8_t>&, core::Millis) override {
        ++verifyCalls;
        if (lost) return core::makeError("device.lost", "gone");
        if (!verifyAnswers.empty()) {
            auto v = verifyAnswers.front();
            verifyAnswers.pop_front();
            return v;
        }
        return devices::FingerVerify{match, match ? 60 : 5, devices::FingerGuidance::Ok};
    }
    void cancel() override {}
    devices::FingerGuidance lastEnrolGuidance() const override { return enrolGuidance; }
    devices::DeviceHealth health() const override {
        return {"fingerprint", lost ? devices::DeviceState::Lost : devices::DeviceState::Ready, "scripted"};
    }
};

class FakePrinter final : public devices::ReceiptPrinter {
public:
    devices::PrinterState state = devices::PrinterState::Ready;
    int receiptsLeft = -1;  // < 0 endless; at 0 the next print runs out of paper
    std::vector<devices::Receipt> printed;
    core::Result<devices::PrinterStatus> status() override {
        devices::PrinterStatus s;
        s.state = state;
        return s;
    }
    core::Status print(const devices::Receipt& r) override {
        if (state == devices::PrinterState::Lost) return core::makeError(devices::errc::kLost, "gone");
        if (receiptsLeft == 0) state = devices::PrinterState::OutOfPaper;
        if (state == devices::PrinterState::OutOfPaper) return core::makeError(devices::errc::kOutOfPaper, "paper");
        if (state == devices::PrinterState::CoverOpen) return core::makeError(devices::errc::kCoverOpen, "cover");
        if (receiptsLeft > 0) --receiptsLeft;
        printed.push_back(r);
        return {};
    }
    devices::DeviceHealth health() const override {
        return {"printer", state == devices::PrinterState::Lost ? devices::DeviceState::Lost : devices::DeviceState::Ready,
                devices::toString(state)};
    }
};

}  // namespace kiosk::testing
