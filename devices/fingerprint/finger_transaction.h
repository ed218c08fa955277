#pragma once
// One traveller's fingerprint step at the lane: up to N attempts per finger, one or two
// enrolled fingers, and a fusion rule chosen by the caller (TransactionConfig; there is no
// configuration key: the lane machine counts its own attempts, kiosk/lane/lane_machine.h):
//  - Either: accepted as soon as any enrolled finger matches (fingers tried in order;
//    the second finger is asked for only after the first used up its attempts).
//  - Both: every enrolled finger must match (each with its own attempts).
// A quality refusal (guidance not Ok) counts as an attempt. A device fault after the
// reader's own recovery ends the transaction with device.fault (or device.lost); it
// does not wedge the lane.
#include <functional>
#include <string>
#include <vector>

#include "core/result.h"
#include "devices/fingerprint.h"
#include "devices/fingerprint/finger_decision.h"

namespace kiosk::devices::fingerprint {

struct TransactionConfig {
    int maxAttempts = 3;
    FingerFusion fusion = FingerFusion::Either;
    core::Millis attemptTimeout{10000};
};

struct FingerAttempt {
    int finger = 0;       // index into the enrolled prints
    int attempt = 0;      // 1-based
    bool match = false;
    int score = 0;
    FingerGuidance guidance = FingerGuidance::Ok;
};

struct TransactionResult {
    bool accepted = false;
    // "" when accepted; else "finger.no_match" or "finger.quality" (shared reason codes).
    std::string reason;
    std::vector<FingerAttempt> attempts;
    std::vector<bool> fingerMatched;
};

class FingerTransaction {
public:
    // Called before each capture so the UI can say which finger / show guidance.
    using Prompt = std::function<void(int finger, int attempt, FingerGuidance lastGuidance)>;

    FingerTransaction(FingerprintReader& reader, TransactionConfig config) : reader_(reader), config_(config) {}
    // prints: the enrolled fp_print_serialize blobs (1 or 2 fingers). Errors: device errors
    // (device.lost, device.fault, ...) the reader could not recover from.
    core::Result<TransactionResult> run(const std::vector<std::vector<uint8_t>>& prints, const Prompt& prompt = {});

private:
    FingerprintReader& reader_;
    TransactionConfig config_;
};

}  // namespace kiosk::devices::fingerprint
