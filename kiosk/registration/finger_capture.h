#pragma once
// The device side of the registration machine's finger commands (cmd::EnrolFinger,
// cmd::VerifyFinger), shared by the shell and bench_registration so the benchmark measures
// the loop the machine runs, not a copy of it. runFingerLoop drives the pure machine's
// CaptureFingers state with these alone (no screens, no clock: the reader's own timeouts
// produce the events).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "devices/fingerprint.h"
#include "kiosk/registration/registration_machine.h"

namespace kiosk::registration {

struct FingerTimeouts {
    core::Millis enrol{25000};  // 5 impressions (+ the reader's quality re-captures)
    core::Millis verify{8000};
};

// What the resident is told after the reader's quality gate refused a capture. The reader
// says what it saw (FingerGuidance); a finger that stays faint after "press firmly" is
// dry ("moisten"), and after that the sensor is the suspect ("clean the sensor").
FingerHint hintFor(devices::FingerGuidance g, FingerHint previous);

class FingerCapture {
public:
    FingerCapture(devices::FingerprintReader* reader, FingerTimeouts timeouts) : reader_(reader), t_(timeouts) {}

    // cmd::EnrolFinger: the stage events (in order), then the result (FingerEnrolled,
    // FingerQualityLow with the reader's guidance, or DeviceFault). On FingerEnrolled
    // `print` holds the template.
    std::vector<Event> enrol(const cmd::EnrolFinger& c, std::vector<uint8_t>& print);
    // cmd::VerifyFinger against `print`: FingerVerified (a capture the gate refused is a
    // no-match with the reader's guidance) or DeviceFault.
    Event verify(const cmd::VerifyFinger& c, const std::vector<uint8_t>& print);

private:
    FingerHint guide(devices::FingerGuidance g);

    devices::FingerprintReader* reader_;
    FingerTimeouts t_;
    int finger_ = -1;
    FingerHint last_ = FingerHint::None;  // the quality guidance given for this finger so far
};

struct FingerLoopResult {
    bool enrolled = false;                     // every configured finger enrolled and verified
    std::vector<std::string> reasons;          // Refused: reg.finger_quality; fault: the device code
    int enrolCommands = 0, verifyCommands = 0;
    int rounds = 0;                            // enrolment rounds of the last finger
    std::vector<FingerHint> hints;             // guidance shown, in order (changes only)
    std::vector<std::vector<uint8_t>> prints;  // one template per finger (enrolled)
};

// The machine's CaptureFingers state, from its entry (the card taken back) until it leaves
// it: CaptureFace (enrolled), Refused or OutOfService.
FingerLoopResult runFingerLoop(const RegistrationConfig& config, devices::FingerprintReader& reader,
                               FingerTimeouts timeouts);

}  // namespace kiosk::registration
