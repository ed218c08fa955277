#pragma once
// Score normalisation against a cohort of other people's templates (docs/face.md "Score
// normalisation"). A raw score depends on how "typical" the two faces are: some faces are
// close to many others. Scoring both the probe and the enrolled template against the same
// cohort and standardising by the top-k cohort scores removes much of that, which is what
// helps at a low FMR -- in general; on LFW with this recogniser it did not help enough to be the
// lane's rule (docs/face.md "Score normalisation"). Pure arithmetic (no dlib / OpenCV), used by
// bench_face --lfw-norm.
#include <vector>

namespace kiosk::devices::face {

// The k highest similarities of one descriptor to the cohort: mean and standard deviation.
struct CohortStats {
    double mean = 0;
    double sd = 0;
    int n = 0;  // how many similarities were used (min(k, cohort size))
};

// A standard deviation below this is taken as this (a cohort of near-identical scores would
// otherwise blow the normalised score up).
inline constexpr double kMinCohortSd = 1e-4;

// Similarities (larger = more alike; the engine uses minus the recogniser's distance) of one
// descriptor to every cohort template; the k largest are kept (k >= 1; fewer when the cohort
// is smaller). Population standard deviation, floored at kMinCohortSd. Empty input: n = 0.
CohortStats topKStats(std::vector<double> similarities, int k);

// Adaptive symmetric normalisation (AS-norm; Cumani et al. 2011, Matějka et al. 2017):
//   s' = ((s - mean_probe) / sd_probe + (s - mean_enrolled) / sd_enrolled) / 2
// with each side's top-k cohort statistics. Larger = more alike.
double asNorm(double similarity, const CohortStats& probe, const CohortStats& enrolled);

// Z-norm with the enrolled side's top-k cohort statistics only: (s - mean_e) / sd_e.
double zNorm(double similarity, const CohortStats& enrolled);

// Similarities of `d` to every cohort template under `distance` (similarity = -distance).
template <typename Descriptor, typename Distance>
std::vector<double> cohortSimilarities(const Descriptor& d, const std::vector<Descriptor>& cohort, Distance distance) {
    std::vector<double> s;
    s.reserve(cohort.size());
    for (const auto& c : cohort) s.push_back(-distance(d, c));
    return s;
}

}  // namespace kiosk::devices::face
