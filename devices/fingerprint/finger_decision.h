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

// Which matcher scores an attempt: libfprint's bozorth3 alone, or bozorth3 fused with the
// Minutia Cylinder-Code similarity over the same minutiae (mcc_matcher.h).
enum class Matcher { Bozorth3, Bozorth3Mcc };
[[nodiscard]] const char* toString(Matcher m);
// Fused score of one probe enhancement: bozorth3 best + weight x MCC best (similarity 0..1),
// rounded; both bests over the print's impressions. The MCC term only adds, so a bozorth3
// score that reaches a threshold still does. weight in bozorth points per unit similarity.
inline constexpr int kMccWeight = 2000;
// The calibrated threshold on the fused score (bench_fingerprint, all seven sets together).
inline constexpr int kDefaultFusedThreshold = 98;
[[nodiscard]] int fusedScore(int bozorth, float mccSimilarity, int weight);
[[nodiscard]] constexpr int defaultThreshold(Matcher m) {
    return m == Matcher::Bozorth3Mcc ? kDefaultFusedThreshold : kDefaultMatchThreshold;
}
// The lane's matcher unless configured (`matcher`). bozorth3+mcc lowers the single-try
// FNMR at zero transaction FMR on all seven sets (15 -> 4 of 210); its median verify is
// within the 150 ms CPU budget (121 and 137 ms on the two slowest sets on an idle machine;
// 151 ms was measured once under load 13-19): docs/benchmarks.md, section Fingerprint.
inline constexpr Matcher kDefaultMatcher = Matcher::Bozorth3Mcc;

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
