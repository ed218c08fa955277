#pragma once
// Test doubles for the biometric engines, for lane tests and the lane benchmark that
// measure the lane itself. They say what they are: they compare scripted answers, not
// faces. The real engines are tested in tests/devices/{face,fingerprint}.
#include <deque>

#include "devices/face.h"
#include "devices/fingerprint.h"

namespace kiosk::testing {

class ScriptedFaceEngine final : public devices::FaceEngine {
public:
    bool matchAll = true;
    core::Result<devices::FaceAnalysis> analyze(const devices::Image&) override {
        devices::FaceAnalysis a;
        a.guidance = devices::FaceGuidance::Ok;
        a.faceCount = 1;
        a.hasDescriptor = true;
        a.descriptor.assign(devices::kOnnxDescriptorDims, 0.0f);
        return a;
    }
    core::Result<devices::FaceMatch> verify(const std::vector<devices::Frame>& frames,
                                            const std::vector<devices::FaceDescriptor>& enrolled) override {
        devices::FaceMatch m;
        m.match = matchAll && !enrolled.empty();
        m.livenessPassed = true;
        m.distance = m.match ? 0.3 : 0.9;
        m.framesUsed = static_cast<int>(frames.size());
        return m;
    }
};

class ScriptedFingerReader final : public devices::FingerprintReader {
public:
    bool matchAll = true;
    core::Result<devices::FingerEnrolment> enroll(const Progress&, core::Millis) override {
        return devices::FingerEnrolment{std::vector<uint8_t>(64, 0x5a)};
    }
    core::Result<devices::FingerVerify> verify(const std::vector<uint8_t>&, core::Millis) override {
        return devices::FingerVerify{matchAll, matchAll ? 60 : 5, devices::FingerGuidance::Ok};
    }
    void cancel() override {}
    devices::DeviceHealth health() const override { return {"fingerprint", devices::DeviceState::Ready, "scripted"}; }
};

}  // namespace kiosk::testing
