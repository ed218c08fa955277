#pragma once
// Internal: Image <-> cv::Mat and the orientation-field helpers shared by the synthetic
// generator and the enhancement (not installed, not for other folders).
#include <opencv2/core.hpp>

#include "devices/image.h"

namespace kiosk::devices::fingerprint::detail {

cv::Mat toMat(const Image& gray);        // copies, CV_8U
Image fromMat(const cv::Mat& m8u);       // copies, CV_8U -> Gray8
// Per-pixel ridge orientation (radians, direction of the ridges, in [0, pi)) and
// coherence (0..1), from smoothed gradient structure tensors.
void orientationField(const cv::Mat& gray32f, double sigma, cv::Mat& theta, cv::Mat& coherence);
// Filters src with `bins` oriented Gabor kernels and picks per pixel the response of the
// kernel whose orientation matches theta.
cv::Mat orientedGabor(const cv::Mat& src32f, const cv::Mat& theta, double period, int bins = 16,
                      double sigmaFactor = 0.5);

}  // namespace kiosk::devices::fingerprint::detail
