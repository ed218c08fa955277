// The lane's fingerprint decision and its calibration (finger_decision.h), and which
// captures an enrolment uses (chooseEnrolCaptures). Pure logic, no libfprint call.
#include <gtest/gtest.h>

#include <cmath>

#include "devices/fingerprint/finger_decision.h"
#include "devices/fingerprint/libfprint_reader.h"

namespace fp = kiosk::devices::fingerprint;
using kiosk::devices::FingerGuidance;

TEST(FingerDecision, ThresholdIsInclusive) {
    EXPECT_TRUE(fp::isMatch(50, 50));
    EXPECT_FALSE(fp::isMatch(49, 50));
    EXPECT_GE(fp::kDefaultMatchThreshold, fp::kLibfprintThreshold);  // never easier than libfprint
}

TEST(FingerDecision, EitherTakesTheBestAttemptOfAnyFinger) {
    fp::DecisionRule r;
    r.threshold = 60;
    EXPECT_EQ(fp::transactionScore({{10, 20, 30}, {5, 61, 0}}, r), 61);
    EXPECT_TRUE(fp::transactionAccepted({{10, 20, 30}, {5, 61, 0}}, r));
    EXPECT_FALSE(fp::transactionAccepted({{10, 20, 59}, {5, 59, 0}}, r));
}

TEST(FingerDecision, AttemptsBeyondTheTriesDoNotCount) {
    fp::DecisionRule r;
    r.threshold = 60;
    r.attemptsPerFinger = 2;
    EXPECT_FALSE(fp::transactionAccepted({{10, 20, 99}}, r));  // the 3rd attempt is not made
    r.attemptsPerFinger = 3;
    EXPECT_TRUE(fp::transactionAccepted({{10, 20, 99}}, r));
}

TEST(FingerDecision, BothNeedsEveryFinger) {
    fp::DecisionRule r;
    r.threshold = 60;
    r.fusion = fp::FingerFusion::Both;
    EXPECT_EQ(fp::transactionScore({{70, 0, 0}, {0, 0, 65}}, r), 65);
    EXPECT_TRUE(fp::transactionAccepted({{70, 0, 0}, {0, 0, 65}}, r));
    EXPECT_FALSE(fp::transactionAccepted({{70, 0, 0}, {0, 10, 20}}, r));
    EXPECT_FALSE(fp::transactionAccepted({}, r));
}

TEST(FingerDecision, CalibrationRejectsEveryImpostorWithMargin) {
    auto c = fp::calibrateThreshold({12, 47, 30, 8}, fp::kLibfprintThreshold, 5);
    EXPECT_EQ(c.highestImpostor, 47);
    EXPECT_EQ(c.impostorTransactions, 4u);
    EXPECT_EQ(c.threshold, 53);  // 47 must fail, plus 5 points
    fp::DecisionRule r;
    r.threshold = c.threshold;
    for (int s : {12, 47, 30, 8}) EXPECT_FALSE(fp::transactionAccepted({{s}}, r)) << s;
}

TEST(FingerDecision, CalibrationNeverGoesBelowLibfprint) {
    auto c = fp::calibrateThreshold({3, 20}, fp::kLibfprintThreshold, 5);
    EXPECT_EQ(c.threshold, fp::kLibfprintThreshold);
    EXPECT_EQ(fp::calibrateThreshold({}, fp::kLibfprintThreshold, 0).threshold, fp::kLibfprintThreshold);
}

namespace {
fp::Assessment as(FingerGuidance g, int minutiae, fp::FingerCondition c = fp::FingerCondition::Dry) {
    fp::Assessment a;
    a.guidance = g;
    a.minutiae = minutiae;
    a.image.condition = g == FingerGuidance::Ok ? fp::FingerCondition::Good : c;
    a.image.guidance = g;
    return a;
}
}  // namespace

TEST(FingerEnrolChoice, AcceptedFirstThenBestUsableRefused) {
    const std::vector<fp::Assessment> caps{
        as(FingerGuidance::Moisten, 30),      // 0: refused, usable
        as(FingerGuidance::Ok, 40),           // 1
        as(FingerGuidance::CleanSensor, 5),   // 2: libfprint cannot use it
        as(FingerGuidance::Ok, 25),           // 3
        as(FingerGuidance::Centre, 45),       // 4: refused, usable, most minutiae
    };
    EXPECT_EQ(fp::chooseEnrolCaptures(caps, 5), (std::vector<std::size_t>{1, 3, 4, 0}));
    EXPECT_EQ(fp::chooseEnrolCaptures(caps, 3), (std::vector<std::size_t>{1, 3, 4}));
}

TEST(FingerEnrolChoice, NothingUsableGivesNothing) {
    const std::vector<fp::Assessment> caps{as(FingerGuidance::PressHarder, 9), as(FingerGuidance::CleanSensor, 0)};
    EXPECT_TRUE(fp::chooseEnrolCaptures(caps, 5).empty());
}

TEST(FingerEnrolChoice, CapturesWithoutRidgesAreNeverUsedWhateverNbisFinds) {
    // NBIS finds "minutiae" in sensor noise and in a blank sensor's grain.
    const std::vector<fp::Assessment> caps{as(FingerGuidance::CleanSensor, 60, fp::FingerCondition::Smudged),
                                           as(FingerGuidance::PressHarder, 30, fp::FingerCondition::Faint),
                                           as(FingerGuidance::CleanSensor, 25, fp::FingerCondition::Wet)};
    EXPECT_EQ(fp::chooseEnrolCaptures(caps, 5), (std::vector<std::size_t>{2}));
}

TEST(FingerDecision, FusedScoreAddsTheWeightedMccSimilarity) {
    EXPECT_EQ(fp::fusedScore(40, 0.5f, 100), 90);
    EXPECT_EQ(fp::fusedScore(40, 0.0f, 100), 40);
    EXPECT_EQ(fp::fusedScore(0, 0.254f, 100), 25);
    EXPECT_EQ(fp::fusedScore(30, 2.0f, 100), 130);           // similarity clamped to 1
    EXPECT_EQ(fp::fusedScore(30, -1.0f, 100), 30);
    EXPECT_EQ(fp::fusedScore(30, std::nanf(""), 100), 30);   // no MCC term
    EXPECT_EQ(fp::fusedScore(30, 0.5f, -5), 30);
    // The MCC term only adds: a bozorth3 match stays a match at the fused threshold.
    EXPECT_GE(fp::fusedScore(fp::kDefaultFusedThreshold, 0.0f, fp::kMccWeight), fp::kDefaultFusedThreshold);
    EXPECT_GE(fp::kDefaultFusedThreshold, fp::kLibfprintThreshold);
    EXPECT_EQ(fp::defaultThreshold(fp::Matcher::Bozorth3), fp::kDefaultMatchThreshold);
    EXPECT_EQ(fp::defaultThreshold(fp::Matcher::Bozorth3Mcc), fp::kDefaultFusedThreshold);
}
