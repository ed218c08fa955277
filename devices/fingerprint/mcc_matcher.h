#pragma once
// Minutia Cylinder-Code (Cappelli, Ferrara, Maltoni, "Minutia Cylinder-Code: a new
// representation and matching technique for fingerprint recognition", IEEE TPAMI 32(12),
// 2010): a second matcher over the same NBIS minutiae bozorth3 uses. Pure: minutiae in,
// similarity out (no I/O, no clock, no libfprint).
//
// Representation: the bit-cylinder variant (the paper's MCC16b): for each minutia a
// 16 x 16 x 6 grid of cells in the minutia's own frame (radius 70 px), each cell set when the
// neighbouring minutiae's Gaussian contributions reach mu_psi; a cell is valid inside the
// circle and within 50 px of the convex hull of all minutiae. Local similarity of two
// cylinders = 1 - sqrt(|a xor b|) / (sqrt|a| + sqrt|b|) over the cells valid in both.
// Global score: local similarity sort with relaxation (LSS-R): the best one-to-one pairs
// are relaxed by their geometric compatibility with the other pairs, and the score is the
// mean relaxed similarity of the n_P most efficient pairs. Parameters: the paper's.
#include <cstdint>
#include <vector>

namespace kiosk::devices::fingerprint {

// One minutia: position in pixels (500 ppi), direction in radians (any range). Only the
// handedness must match between the two sets compared (same extractor).
struct Minutia {
    float x = 0, y = 0, theta = 0;
};
using Minutiae = std::vector<Minutia>;

struct MccParams {
    float radius = 70;            // R
    int spatialCells = 16;        // N_S
    int directionCells = 6;       // N_D
    float sigmaS = 28.0f / 3;     // spatial Gaussian
    float sigmaD = 0.6981317f;    // 2 pi / 9, directional Gaussian
    float muPsi = 0.01f;          // a cell's bit: contribution sum >= mu_psi
    float hullMargin = 50;        // Omega
    float minValidCells = 0.75f;  // of the cells inside the circle, else no cylinder
    int minNeighbours = 2;        // minutiae within R + 3 sigma_S, else no cylinder
    float minMatchableCells = 0.6f;  // cells valid in both, of the circle's cells
    float maxDirectionDiff = 1.5707964f;  // delta_theta: pi / 2
    int minPairs = 4, maxPairs = 12;      // n_P = minPairs + Z(min(nA, nB), mu_P, tau_P) (max - min)
    float muP = 20, tauP = 0.4f;
    int relaxIterations = 5;
    float relaxWeight = 0.5f;
    float mu1 = 5, tau1 = -1.6f;                 // distance difference (px)
    float mu2 = 0.2617994f, tau2 = -30;          // pi / 12: direction difference
    float mu3 = 0.2617994f, tau3 = -30;          // radial angle difference
};

class MccTemplate {
public:
    MccTemplate() = default;
    static MccTemplate build(const Minutiae& minutiae, const MccParams& params = {});

    std::size_t validCylinders() const { return cylinders_.size(); }

private:
    friend float mccSimilarity(const MccTemplate& a, const MccTemplate& b, const MccParams& params);
    struct Cylinder {
        Minutia m;
        std::vector<uint64_t> bits, valid;  // words_ each
        int validCells = 0;                 // spatial cells (each holds N_D bits)
    };
    std::vector<Cylinder> cylinders_;
    int words_ = 0;
    int circleCells_ = 0;
};

// Global similarity in [0, 1]; identical minutiae sets give (close to) 1, sets without a
// valid cylinder or a matchable pair give 0. Symmetric up to rounding.
float mccSimilarity(const MccTemplate& a, const MccTemplate& b, const MccParams& params = {});
// The best similarity of a probe over several templates of one finger (its impressions).
float bestMccSimilarity(const MccTemplate& probe, const std::vector<MccTemplate>& impressions,
                        const MccParams& params = {});

}  // namespace kiosk::devices::fingerprint
