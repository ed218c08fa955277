#pragma once
// The lane's fingerprint decision on bozorth scores (pure: no I/O, no clock), and the
// calibration of its one threshold on impostor transactions. Used by the reader
// (per attempt), FingerTransaction and bench_fingerprint; see docs/fingerprint.md.
#include <cstdint>
#include <string>
#include <vector>

namespace kiosk::devices::fingerprint {

// libfprint's own fixed bozorth3 threshold (what plain libfprint decides with).
inline constexpr int kLibfprintThreshold = 40;
// The calibrated threshold on the best score over verify variants and impressions
// (bench_fingerprint --calibrate on all seven development sets together).
inline constexpr int kDefaultMatchThreshold = 44;

[[nodiscard]] inline bool isMatch(int score, int threshold) { return score >= threshold; }

enum class FingerFusion { Either, Both };

// One traveller's finger transaction: scores[f] = the scores of finger f's attempts, in
// order (a capture that was not scored counts as 0). Either: accepted when any attempt of
// any finger reaches `threshold`. Both: every finger must have such an attempt.
struct DecisionRule {
    int threshold = kDefaultMatchThreshold;
    int attemptsPerFinger = 3;
    FingerFusion fusion = FingerFusion::Either;
};
[[nodiscard]] bool transactionAccepted(const std::vector<std::vector<int>>& scores, const DecisionRule& rule);
// The transaction's score under `rule` (attempts beyond attemptsPerFinger ignored): the
// highest attempt score for Either, the lowest per-finger best for Both. Accepted iff
// transactionScore >= threshold, which is what calibration looks at.
[[nodiscard]] int transactionScore(const std::vector<std::vector<int>>& scores, const DecisionRule& rule);

// Threshold choice: the smallest threshold >= floor that accepts none of the impostor
// transaction scores, raised by `margin` (bozorth points) so an unseen impostor a little
// above the development sets' highest still fails. Scores of all sets go in together.
struct Calibration {
    int threshold = kLibfprintThreshold;
    int highestImpostor = 0;
    std::size_t impostorTransactions = 0;
};
[[nodiscard]] Calibration calibrateThreshold(const std::vector<int>& impostorTransactionScores, int floor, int margin);

}  // namespace kiosk::devices::fingerprint
