#include "devices/fingerprint/finger_synth.h"

#include <cmath>
#include <list>
#include <mutex>
#include <random>
#include <tuple>

#include <opencv2/imgproc.hpp>

#include "devices/fingerprint/finger_cv.h"

namespace kiosk::devices::fingerprint {
namespace {

constexpr double kPi = 3.14159265358979323846;

uint64_t mix(uint64_t a, uint64_t b) {
    uint64_t x = a * 0x9E3779B97F4A7C15ull ^ (b + 0x7F4A7C159E3779B9ull + (a << 6) + (a >> 2));
    x ^= x >> 31;
    x *= 0xBF58476D1CE4E5B9ull;
    x ^= x >> 27;
    return x;
}

// Smooth random field in [-1, 1]-ish: Gaussian-blurred white noise, normalised.
cv::Mat smoothNoise(cv::Size size, double sigma, std::mt19937_64& rng) {
    cv::Mat n(size, CV_32F);
    std::normal_distribution<float> nd(0.f, 1.f);
    for (int y = 0; y < n.rows; ++y)
        for (int x = 0; x < n.cols; ++x) n.at<float>(y, x) = nd(rng);
    cv::GaussianBlur(n, n, cv::Size(0, 0), sigma);
    cv::Scalar mean, sd;
    cv::meanStdDev(n, mean, sd);
    n = (n - mean[0]) / std::max(1e-6, sd[0]);
    return n;
}

// Master ridge field (float, roughly -1 ridge .. +1 valley) on a canvas larger than the
// output so impressions can be shifted/rotated without running out of pattern.
cv::Mat masterField(uint64_t seed, int finger, const SynthOptions& o, cv::Mat* maskOut) {
    std::mt19937_64 rng(mix(seed, static_cast<uint64_t>(finger) + 1));
    const int w = o.width + 2 * static_cast<int>(o.maxShift) + 60;
    const int h = o.height + 2 * static_cast<int>(o.maxShift) + 60;
    std::uniform_real_distribution<double> u(0, 1);

    // Orientation: zero-pole model with one core and one delta (loop/whorl-like classes
    // vary with their placement), plus a smooth random perturbation.
    const double cx = w * (0.40 + 0.2 * u(rng)), cy = h * (0.30 + 0.15 * u(rng));
    const double dx = cx + (u(rng) - 0.5) * w * 0.6, dy = cy + h * (0.35 + 0.15 * u(rng));
    const bool secondCore = u(rng) < 0.25;  // whorl-like
    const double c2x = cx + (u(rng) - 0.5) * 30, c2y = cy + 25 + 15 * u(rng);
    const double base = (u(rng) - 0.5) * 0.6;
    cv::Mat pert = smoothNoise(cv::Size(w, h), 40, rng) * 0.25;
    cv::Mat theta(h, w, CV_32F);
    for (int y = 0; y < h; ++y) {
        for (int x = 0; x < w; ++x) {
            double t = 0.5 * (std::atan2(y - cy, x - cx) - std::atan2(y - dy, x - dx));
            if (secondCore) t += 0.5 * std::atan2(y - c2y, x - c2x) - 0.5 * std::atan2(y - dy - 40, x - dx);
            t += base + pert.at<float>(y, x) + kPi / 2;
            t = std::fmod(t, kPi);
            if (t < 0) t += kPi;
            theta.at<float>(y, x) = static_cast<float>(t);
        }
    }
    // Ridge period varies a little over the finger.
    const double period = o.ridgePeriod * (0.92 + 0.16 * u(rng));

    // Ridges from noise: iterated oriented Gabor filtering + soft saturation.
    cv::Mat f(h, w, CV_32F);
    std::normal_distribution<float> nd(0.f, 1.f);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) f.at<float>(y, x) = nd(rng);
    for (int i = 0; i < o.gaborIterations; ++i) {
        f = detail::orientedGabor(f, theta, period, 12, 0.4);
        cv::Scalar mean, sd;
        cv::meanStdDev(f, mean, sd);
        f = (f - mean[0]) / std::max(1e-6, sd[0]);
        // soft clip: tanh(2x)
        for (int y = 0; y < h; ++y) {
            float* r = f.ptr<float>(y);
            for (int x = 0; x < w; ++x) r[x] = static_cast<float>(std::tanh(2.0 * r[x]));
        }
    }
    if (maskOut) {
        // Finger-shaped contact area (ellipse), centred near the core.
        cv::Mat mask = cv::Mat::zeros(h, w, CV_32F);
        cv::ellipse(mask, cv::Point2d(w / 2.0, h / 2.0 + 10), cv::Size2d(w * 0.36, h * 0.46), 0, 0, 360,
                    cv::Scalar(1.0), cv::FILLED);
        cv::GaussianBlur(mask, mask, cv::Size(0, 0), 6);
        *maskOut = mask;
    }
    return f;
}

// The master field is the slow part (iterated filtering); impressions of one finger
// share it, so keep the last few.
struct MasterCache {
    std::mutex mu;
    std::list<std::tuple<uint64_t, int, int, int, cv::Mat, cv::Mat>> items;  // seed, finger, w, h, field, mask
};

cv::Mat cachedMaster(uint64_t seed, int finger, const SynthOptions& o, cv::Mat& mask) {
    static MasterCache cache;
    {
        std::lock_guard lock(cache.mu);
        for (auto& [s, f, w, h, field, m] : cache.items)
            if (s == seed && f == finger && w == o.width && h == o.height) {
                mask = m;
                return field;
            }
    }
    cv::Mat field = masterField(seed, finger, o, &mask);
    std::lock_guard lock(cache.mu);
    cache.items.emplace_front(seed, finger, o.width, o.height, field, mask);
    if (cache.items.size() > 24) cache.items.pop_back();
    return field;
}

Image renderImpression(const cv::Mat& field, const cv::Mat& mask, uint64_t seed, int finger, int k,
                       const SynthOptions& o) {
    std::mt19937_64 rng(mix(mix(seed, static_cast<uint64_t>(finger) + 1), static_cast<uint64_t>(k) + 1000));
    std::uniform_real_distribution<double> u(-1, 1);
    const int w = field.cols, h = field.rows;

    // Pressure: ridge thickness (threshold offset) and contact area.
    const double pressure = 0.5 * u(rng);               // >0 heavier contact, thicker ridges
    cv::Mat m;
    mask.copyTo(m);
    const double shrink = 0.85 + 0.15 * (0.5 + 0.5 * u(rng));
    cv::resize(m, m, cv::Size(), shrink, shrink);
    cv::Mat mm = cv::Mat::zeros(h, w, CV_32F);
    m.copyTo(mm(cv::Rect((w - m.cols) / 2, (h - m.rows) / 2, m.cols, m.rows)));

    // Geometric transform: rotation about the centre + translation + smooth elastic field.
    const double ang = o.maxRotationDeg * u(rng);
    const double tx = o.maxShift * u(rng), ty = o.maxShift * u(rng);
    cv::Mat rot = cv::getRotationMatrix2D(cv::Point2f(w / 2.f, h / 2.f), ang, 1.0);
    cv::Mat dxF = smoothNoise(cv::Size(o.width, o.height), 35, rng) * o.distortion;
    cv::Mat dyF = smoothNoise(cv::Size(o.width, o.height), 35, rng) * o.distortion;
    cv::Mat mapX(o.height, o.width, CV_32F), mapY(o.height, o.width, CV_32F);
    const double ox = (w - o.width) / 2.0, oy = (h - o.height) / 2.0;
    for (int y = 0; y < o.height; ++y) {
        for (int x = 0; x < o.width; ++x) {
            const double px = x + ox - tx + dxF.at<float>(y, x), py = y + oy - ty + dyF.at<float>(y, x);
            // inverse rotation: apply the rotation matrix to the output coords
            mapX.at<float>(y, x) = static_cast<float>(rot.at<double>(0, 0) * px + rot.at<double>(0, 1) * py +
                                                      rot.at<double>(0, 2));
            mapY.at<float>(y, x) = static_cast<float>(rot.at<double>(1, 0) * px + rot.at<double>(1, 1) * py +
                                                      rot.at<double>(1, 2));
        }
    }
    cv::Mat f, fm;
    cv::remap(field, f, mapX, mapY, cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar(1.0));
    cv::remap(mm, fm, mapX, mapY, cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar(0.0));

    // Ink: ridge darkness from the field with the pressure offset, within the contact area.
    const double contrast = 150 + 60 * u(rng);
    cv::Mat img(o.height, o.width, CV_32F);
    std::normal_distribution<float> nd(0.f, static_cast<float>(o.noise));
    for (int y = 0; y < o.height; ++y) {
        for (int x = 0; x < o.width; ++x) {
            double v = f.at<float>(y, x) - pressure;             // ridge where v < 0
            double ink = 1.0 / (1.0 + std::exp(4.0 * v));         // 1 on ridges
            double val = 235 - contrast * ink * fm.at<float>(y, x);
            img.at<float>(y, x) = static_cast<float>(val);
        }
    }
    cv::GaussianBlur(img, img, cv::Size(0, 0), 0.8);
    for (int y = 0; y < o.height; ++y)
        for (int x = 0; x < o.width; ++x) img.at<float>(y, x) += nd(rng);
    cv::Mat out;
    img.convertTo(out, CV_8U);
    return detail::fromMat(out);
}

}  // namespace

FingerSynth::FingerSynth(uint64_t seed, SynthOptions options) : seed_(seed), options_(options) {}

Image FingerSynth::master(int finger) const {
    cv::Mat mask;
    cv::Mat f = masterField(seed_, finger, options_, &mask);
    cv::Mat img = 235 - 150 * (1 - f) / 2;
    cv::Mat out;
    img.convertTo(out, CV_8U);
    return detail::fromMat(out);
}

Image FingerSynth::impression(int finger, int k) const {
    cv::Mat mask;
    cv::Mat f = cachedMaster(seed_, finger, options_, mask);
    return renderImpression(f, mask, seed_, finger, k, options_);
}

std::vector<Image> FingerSynth::impressions(int finger, int count) const {
    cv::Mat mask;
    cv::Mat f = cachedMaster(seed_, finger, options_, mask);
    std::vector<Image> out;
    for (int k = 0; k < count; ++k) out.push_back(renderImpression(f, mask, seed_, finger, k, options_));
    return out;
}

Image synthBlank(int width, int height, uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<float> nd(0.f, 2.f);
    cv::Mat m(height, width, CV_32F);
    for (int y = 0; y < height; ++y)
        for (int x = 0; x < width; ++x) m.at<float>(y, x) = 228 + nd(rng);
    cv::Mat out;
    m.convertTo(out, CV_8U);
    return detail::fromMat(out);
}

Image synthNoise(int width, int height, uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::uniform_int_distribution<int> ud(0, 255);
    cv::Mat m(height, width, CV_8U);
    for (int y = 0; y < height; ++y)
        for (int x = 0; x < width; ++x) m.at<uint8_t>(y, x) = static_cast<uint8_t>(ud(rng));
    return detail::fromMat(m);
}

}  // namespace kiosk::devices::fingerprint
