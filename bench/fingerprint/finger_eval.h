#pragma once
// bench_fingerprint's protocol on one set: enrol the first 5 impressions of each finger,
// score every impression against every other finger's print (and the later impressions
// against their own) with every bozorth score libfprint gives, then count errors of the
// lane's decision (finger_decision.h) at a threshold.
#include <string>
#include <vector>

#include "bench/fingerprint/finger_sets.h"
#include "devices/fingerprint/finger_decision.h"
#include "devices/fingerprint/libfprint_reader.h"

namespace kiosk::bench::finger {

inline constexpr int kEnrolImpressions = 5;
inline constexpr int kTries = 3;

struct ScoreTable {
    std::vector<devices::fingerprint::Enhancement> variants;
    std::vector<bool> enrolled;
    int enrolRefusals = 0;      // captures the gate refused during enrolment
    std::vector<int> probeConditions;  // count per FingerCondition over all impressions
    // s[v][probe finger][impression][print finger]: best score over the print's impressions
    // (-1: not scored, an enrolment impression against its own print)
    std::vector<std::vector<std::vector<std::vector<int>>>> s;
    // mcc[v][probe finger][impression][print finger]: the best Minutia Cylinder-Code
    // similarity (0..1) over the print's impressions, same layout (-1: not scored).
    std::vector<std::vector<std::vector<std::vector<float>>>> mcc;
};

// The table of fused scores (finger_decision.h fusedScore: bozorth3 + weight x MCC) per
// probe variant; bozorthWeight 0 = the MCC term alone.
ScoreTable fusedTable(const ScoreTable& t, int mccWeight, int bozorthWeight = 1);

core::Result<ScoreTable> scoreSet(devices::fingerprint::LibfprintReader& reader, const FingerSet& set,
                                  const std::vector<devices::fingerprint::Enhancement>& variants);

struct Rate {
    long err = 0, n = 0;
    double pct() const { return n ? 100.0 * static_cast<double>(err) / static_cast<double>(n) : 0.0; }
    std::string str() const;
};

struct SetMetrics {
    int fingers = 0, fte = 0, enrolRefusals = 0, probeFlags = 0;
    Rate fnmr1, fnmr3, pairFnmr3, fmrAttempt, pairFmr3;
    int highestImpostor = 0, lowestGenuine = 1 << 20;
    std::vector<int> impostorTransactionScores;  // under the rule, for calibration
};

// variantMask: which of table.variants make up one attempt (best score over them).
SetMetrics evaluate(const ScoreTable& table, const std::vector<std::size_t>& variantIdx,
                    const devices::fingerprint::DecisionRule& rule);

}  // namespace kiosk::bench::finger
