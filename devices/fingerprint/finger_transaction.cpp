#include "devices/fingerprint/finger_transaction.h"

#include "core/log.h"

namespace kiosk::devices::fingerprint {

core::Result<TransactionResult> FingerTransaction::run(const std::vector<std::vector<uint8_t>>& prints,
                                                       const Prompt& prompt) {
    TransactionResult r;
    if (prints.empty()) return core::makeError("finger.not_enrolled", "no enrolled finger");
    r.fingerMatched.assign(prints.size(), false);
    bool anyQualityOnly = false;
    for (std::size_t f = 0; f < prints.size(); ++f) {
        FingerGuidance last = FingerGuidance::Ok;
        bool sawScore = false;
        for (int a = 1; a <= config_.maxAttempts; ++a) {
            if (prompt) prompt(static_cast<int>(f), a, last);
            auto v = reader_.verify(prints[f], config_.attemptTimeout);
            if (!v.ok()) {
                core::logWarn("finger.transaction_device_error",
                              {{"finger", f}, {"attempt", a}, {"code", v.error().code}});
                return v.error();
            }
            FingerAttempt at{static_cast<int>(f), a, v->match, v->score, v->guidance};
            r.attempts.push_back(at);
            last = v->guidance;
            if (v->guidance == FingerGuidance::Ok) sawScore = true;
            if (v->match) {
                r.fingerMatched[f] = true;
                break;
            }
        }
        if (!r.fingerMatched[f] && !sawScore) anyQualityOnly = true;
        if (config_.fusion == FingerFusion::Either && r.fingerMatched[f]) break;
        if (config_.fusion == FingerFusion::Both && !r.fingerMatched[f]) break;
    }
    bool accepted = false;
    if (config_.fusion == FingerFusion::Either) {
        for (bool m : r.fingerMatched) accepted = accepted || m;
    } else {
        accepted = true;
        for (bool m : r.fingerMatched) accepted = accepted && m;
    }
    r.accepted = accepted;
    if (!accepted) r.reason = anyQualityOnly ? "finger.quality" : "finger.no_match";
    core::logInfo("finger.transaction", {{"accepted", r.accepted},
                                         {"attempts", r.attempts.size()},
                                         {"fusion", config_.fusion == FingerFusion::Both ? "both" : "either"},
                                         {"reason", r.reason}});
    return r;
}

}  // namespace kiosk::devices::fingerprint
