// Top-k cohort statistics and AS-norm / Z-norm (score_norm.h).
#include "devices/face/score_norm.h"

#include <algorithm>
#include <cmath>
#include <functional>

namespace kiosk::devices::face {

CohortStats topKStats(std::vector<double> similarities, int k) {
    CohortStats st;
    if (similarities.empty() || k < 1) return st;
    const std::size_t n = std::min(similarities.size(), static_cast<std::size_t>(k));
    std::nth_element(similarities.begin(), similarities.begin() + static_cast<long>(n - 1), similarities.end(),
                     std::greater<double>());
    double sum = 0;
    for (std::size_t i = 0; i < n; ++i) sum += similarities[i];
    st.mean = sum / static_cast<double>(n);
    double var = 0;
    for (std::size_t i = 0; i < n; ++i) var += (similarities[i] - st.mean) * (similarities[i] - st.mean);
    st.sd = std::max(kMinCohortSd, std::sqrt(var / static_cast<double>(n)));
    st.n = static_cast<int>(n);
    return st;
}

double asNorm(double similarity, const CohortStats& probe, const CohortStats& enrolled) {
    return ((similarity - probe.mean) / probe.sd + (similarity - enrolled.mean) / enrolled.sd) / 2.0;
}

double zNorm(double similarity, const CohortStats& enrolled) { return (similarity - enrolled.mean) / enrolled.sd; }

}  // namespace kiosk::devices::face
