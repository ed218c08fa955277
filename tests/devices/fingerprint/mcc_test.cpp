// The Minutia Cylinder-Code matcher (mcc_matcher.h) on minutiae sets made here: the same
// set scores (close to) the maximum, a moved and turned copy still matches, a distorted copy
// with missing and spurious minutiae stays far above unrelated sets, and unrelated sets
// score low. Pure code, no libfprint.
#include <gtest/gtest.h>

#include <cmath>
#include <iostream>
#include <random>

#include "devices/fingerprint/mcc_matcher.h"

namespace fp = kiosk::devices::fingerprint;

namespace {

constexpr float kPi = 3.14159265f;

// `n` minutiae at least 12 px apart in a 260 x 300 px finger area, random directions.
fp::Minutiae randomSet(unsigned seed, int n) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> ux(20, 280), uy(20, 320), ut(-kPi, kPi);
    fp::Minutiae out;
    while (static_cast<int>(out.size()) < n) {
        fp::Minutia m{ux(rng), uy(rng), ut(rng)};
        bool clash = false;
        for (const auto& o : out) clash = clash || std::hypot(o.x - m.x, o.y - m.y) < 12;
        if (!clash) out.push_back(m);
    }
    return out;
}

fp::Minutiae moved(const fp::Minutiae& in, float angle, float dx, float dy) {
    fp::Minutiae out;
    const float c = std::cos(angle), s = std::sin(angle);
    for (const auto& m : in) out.push_back({c * m.x - s * m.y + dx, s * m.x + c * m.y + dy, m.theta + angle});
    return out;
}

float score(const fp::Minutiae& a, const fp::Minutiae& b) {
    return fp::mccSimilarity(fp::MccTemplate::build(a), fp::MccTemplate::build(b));
}

float highestUnrelated(const fp::Minutiae& a, unsigned seedFrom, int count) {
    float hi = 0;
    for (int k = 0; k < count; ++k) hi = std::max(hi, score(a, randomSet(seedFrom + static_cast<unsigned>(k), 45)));
    return hi;
}

}  // namespace

TEST(MccMatcher, IdenticalSetScoresTheMaximum) {
    for (unsigned seed : {1u, 2u, 3u}) {
        const auto a = randomSet(seed, 45);
        const auto t = fp::MccTemplate::build(a);
        EXPECT_GT(t.validCylinders(), 20u) << "seed " << seed;
        const float s = fp::mccSimilarity(t, t);
        EXPECT_GT(s, 0.97f) << "seed " << seed;
        EXPECT_LE(s, 1.0f);
    }
}

TEST(MccMatcher, TranslatedAndRotatedSetStillMatches) {
    const auto a = randomSet(7, 45);
    const float unrelated = highestUnrelated(a, 100, 10);
    for (float deg : {-25.0f, 10.0f, 40.0f, 80.0f}) {
        const auto b = moved(a, deg * kPi / 180, 37, -21);
        const float s = score(a, b);
        EXPECT_GT(s, 0.9f) << deg << " degrees";
        EXPECT_GT(s, unrelated + 0.5f) << deg << " degrees";
    }
}

TEST(MccMatcher, DistortedPartialCopyStaysAboveUnrelatedSets) {
    const auto a = randomSet(11, 45);
    std::mt19937 rng(5);
    std::normal_distribution<float> jitter(0, 2.5f), turn(0, 0.08f);
    fp::Minutiae b;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (i % 5 == 0) continue;  // a fifth of the minutiae not found
        b.push_back({a[i].x + jitter(rng), a[i].y + jitter(rng), a[i].theta + turn(rng)});
    }
    const auto spurious = randomSet(99, 8);
    b.insert(b.end(), spurious.begin(), spurious.end());
    b = moved(b, 0.2f, -15, 10);
    const float s = score(a, b);
    const float unrelated = highestUnrelated(a, 200, 10);
    std::cout << "distorted copy " << s << ", highest of 10 unrelated " << unrelated << "\n";
    EXPECT_GT(s, 0.15f);
    EXPECT_GT(s, 5 * unrelated) << "genuine " << s << " unrelated " << unrelated;
}

TEST(MccMatcher, DisjointSetsScoreLow) {
    for (unsigned seed : {21u, 22u, 23u, 24u}) {
        const float s = score(randomSet(seed, 45), randomSet(seed + 1000, 45));
        EXPECT_LT(s, 0.3f) << "seed " << seed;
    }
}

TEST(MccMatcher, IsSymmetric) {
    const auto a = randomSet(31, 40), b = moved(randomSet(31, 40), 0.3f, 5, 5);
    EXPECT_NEAR(score(a, b), score(b, a), 1e-4f);
    const auto c = randomSet(32, 40);
    EXPECT_NEAR(score(a, c), score(c, a), 1e-4f);
}

TEST(MccMatcher, TooFewOrBrokenMinutiaeScoreZeroWithoutFailing) {
    EXPECT_EQ(score({}, randomSet(1, 45)), 0.0f);
    EXPECT_EQ(score({{10, 10, 0}}, {{10, 10, 0}}), 0.0f);  // no neighbours: no cylinder
    fp::Minutiae bad = randomSet(41, 30);
    bad.push_back({std::nanf(""), 5, 0});
    bad.push_back({5, INFINITY, 0});
    bad.push_back({1e30f, -1e30f, 1e30f});
    const float s = score(bad, bad);
    EXPECT_GE(s, 0.0f);
    EXPECT_LE(s, 1.0f);
    EXPECT_GT(s, 0.9f);  // the good minutiae still match themselves
}
