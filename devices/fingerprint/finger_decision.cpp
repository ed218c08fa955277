#include "devices/fingerprint/finger_decision.h"

#include <algorithm>
#include <cmath>

namespace kiosk::devices::fingerprint {

const char* toString(Matcher m) { return m == Matcher::Bozorth3Mcc ? "bozorth3+mcc" : "bozorth3"; }

int fusedScore(int bozorth, float mccSimilarity, int weight) {
    const float s = std::isfinite(mccSimilarity) ? std::clamp(mccSimilarity, 0.0f, 1.0f) : 0.0f;
    return std::max(bozorth, 0) + static_cast<int>(std::lround(static_cast<float>(std::max(weight, 0)) * s));
}

int transactionScore(const std::vector<std::vector<int>>& scores, const DecisionRule& rule) {
    if (scores.empty()) return 0;
    int either = 0, both = -1;
    for (const auto& finger : scores) {
        int best = 0;
        const std::size_t n = std::min<std::size_t>(finger.size(), static_cast<std::size_t>(std::max(rule.attemptsPerFinger, 0)));
        for (std::size_t a = 0; a < n; ++a) best = std::max(best, finger[a]);
        either = std::max(either, best);
        both = both < 0 ? best : std::min(both, best);
    }
    return rule.fusion == FingerFusion::Either ? either : std::max(both, 0);
}

bool transactionAccepted(const std::vector<std::vector<int>>& scores, const DecisionRule& rule) {
    return !scores.empty() && isMatch(transactionScore(scores, rule), rule.threshold);
}

Calibration calibrateThreshold(const std::vector<int>& impostorTransactionScores, int floor, int margin) {
    Calibration c;
    c.impostorTransactions = impostorTransactionScores.size();
    for (int s : impostorTransactionScores) c.highestImpostor = std::max(c.highestImpostor, s);
    c.threshold = std::max(floor, c.highestImpostor + 1 + std::max(margin, 0));
    return c;
}

}  // namespace kiosk::devices::fingerprint
