#include "devices/fingerprint/finger_quality.h"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

#include "devices/fingerprint/finger_cv.h"

namespace kiosk::devices::fingerprint {

namespace detail {

cv::Mat toMat(const Image& gray) {
    cv::Mat m(gray.height, gray.width, CV_8U);
    if (gray.format == PixelFormat::Gray8) {
        for (int y = 0; y < gray.height; ++y)
            std::copy_n(gray.pixels.data() + static_cast<std::size_t>(y) * gray.width, gray.width, m.ptr<uint8_t>(y));
    } else {
        cv::Mat bgr(gray.height, gray.width, CV_8UC3, const_cast<uint8_t*>(gray.pixels.data()));
        cv::cvtColor(bgr, m, cv::COLOR_BGR2GRAY);
    }
    return m;
}

Image fromMat(const cv::Mat& m8u) {
    Image img;
    img.width = m8u.cols;
    img.height = m8u.rows;
    img.format = PixelFormat::Gray8;
    img.pixels.resize(static_cast<std::size_t>(img.width) * img.height);
    for (int y = 0; y < img.height; ++y)
        std::copy_n(m8u.ptr<uint8_t>(y), img.width, img.pixels.data() + static_cast<std::size_t>(y) * img.width);
    return img;
}

void orientationField(const cv::Mat& gray32f, double sigma, cv::Mat& theta, cv::Mat& coherence) {
    cv::Mat gx, gy;
    cv::Sobel(gray32f, gx, CV_32F, 1, 0, 3);
    cv::Sobel(gray32f, gy, CV_32F, 0, 1, 3);
    cv::Mat gxx = gx.mul(gx), gyy = gy.mul(gy), gxy = gx.mul(gy);
    cv::GaussianBlur(gxx, gxx, cv::Size(0, 0), sigma);
    cv::GaussianBlur(gyy, gyy, cv::Size(0, 0), sigma);
    cv::GaussianBlur(gxy, gxy, cv::Size(0, 0), sigma);
    theta.create(gray32f.size(), CV_32F);
    coherence.create(gray32f.size(), CV_32F);
    for (int y = 0; y < gray32f.rows; ++y) {
        const float* a = gxx.ptr<float>(y);
        const float* b = gyy.ptr<float>(y);
        const float* c = gxy.ptr<float>(y);
        float* t = theta.ptr<float>(y);
        float* k = coherence.ptr<float>(y);
        for (int x = 0; x < gray32f.cols; ++x) {
            const double d = a[x] - b[x];
            // gradient direction; ridges run perpendicular to it
            double phi = 0.5 * std::atan2(2.0 * c[x], d);
            double r = phi + CV_PI / 2;
            if (r < 0) r += CV_PI;
            if (r >= CV_PI) r -= CV_PI;
            t[x] = static_cast<float>(r);
            const double s = a[x] + b[x];
            k[x] = s > 1e-6 ? static_cast<float>(std::sqrt(d * d + 4.0 * c[x] * c[x]) / s) : 0.f;
        }
    }
}

cv::Mat orientedGabor(const cv::Mat& src32f, const cv::Mat& theta, double period, int bins, double sigmaFactor) {
    const double sigma = period * sigmaFactor * 1.6;
    const int half = static_cast<int>(std::ceil(sigma * 2.0));
    cv::Mat out(src32f.size(), CV_32F, cv::Scalar(0));
    std::vector<cv::Mat> responses(bins);
    for (int b = 0; b < bins; ++b) {
        const double t = CV_PI * b / bins;  // ridge direction
        // cv::getGaborKernel's theta is the normal to the stripes: ridges along t -> normal t + pi/2
        cv::Mat k = cv::getGaborKernel(cv::Size(2 * half + 1, 2 * half + 1), sigma, t + CV_PI / 2, period, 1.0, 0,
                                       CV_32F);
        k -= cv::mean(k)[0];  // zero DC
        cv::filter2D(src32f, responses[b], CV_32F, k, cv::Point(-1, -1), 0, cv::BORDER_REFLECT);
    }
    for (int y = 0; y < src32f.rows; ++y) {
        const float* t = theta.ptr<float>(y);
        float* o = out.ptr<float>(y);
        for (int x = 0; x < src32f.cols; ++x) {
            int b = static_cast<int>(std::lround(t[x] / CV_PI * bins)) % bins;
            if (b < 0) b += bins;
            o[x] = responses[b].at<float>(y, x);
        }
    }
    return out;
}

}  // namespace detail

using detail::fromMat;
using detail::toMat;

const char* toString(Enhancement e) {
    switch (e) {
        case Enhancement::None: return "none";
        case Enhancement::Stretch: return "stretch";
        case Enhancement::Clahe: return "clahe";
        case Enhancement::Gabor: return "gabor";
    }
    return "?";
}

Image toGray(const Image& image) {
    if (image.format == PixelFormat::Gray8) return image;
    return fromMat(toMat(image));
}

namespace {

// grey level at percentile p (0..1) of an 8-bit image, optionally within a mask
int percentile(const cv::Mat& m8u, double p, const cv::Mat& mask = cv::Mat()) {
    int hist[256] = {0};
    long total = 0;
    for (int y = 0; y < m8u.rows; ++y) {
        const uint8_t* r = m8u.ptr<uint8_t>(y);
        const uint8_t* mk = mask.empty() ? nullptr : mask.ptr<uint8_t>(y);
        for (int x = 0; x < m8u.cols; ++x)
            if (!mk || mk[x]) {
                ++hist[r[x]];
                ++total;
            }
    }
    if (total == 0) return 0;
    long acc = 0;
    const long target = static_cast<long>(p * static_cast<double>(total));
    for (int v = 0; v < 256; ++v) {
        acc += hist[v];
        if (acc > target) return v;
    }
    return 255;
}

cv::Mat stretch(const cv::Mat& m) {
    const int lo = percentile(m, 0.01), hi = percentile(m, 0.99);
    cv::Mat out;
    if (hi - lo < 4) return m.clone();
    m.convertTo(out, CV_8U, 255.0 / (hi - lo), -255.0 * lo / (hi - lo));
    return out;
}

// Foreground = blocks with texture; returns an 8-bit per-pixel mask.
cv::Mat foregroundMask(const cv::Mat& m, int block, double minStd) {
    cv::Mat mask(m.size(), CV_8U, cv::Scalar(0));
    for (int y = 0; y < m.rows; y += block) {
        for (int x = 0; x < m.cols; x += block) {
            cv::Rect r(x, y, std::min(block, m.cols - x), std::min(block, m.rows - y));
            cv::Scalar mean, sd;
            cv::meanStdDev(m(r), mean, sd);
            if (sd[0] >= minStd) mask(r).setTo(255);
        }
    }
    return mask;
}

// Dominant ridge period (pixels) from the power spectrum of the central region.
double estimatePeriod(const cv::Mat& m8u) {
    const int s = std::min({m8u.rows, m8u.cols, 256});
    cv::Rect roi((m8u.cols - s) / 2, (m8u.rows - s) / 2, s, s);
    cv::Mat f;
    m8u(roi).convertTo(f, CV_32F);
    f -= cv::mean(f)[0];
    cv::Mat win;
    cv::createHanningWindow(win, f.size(), CV_32F);
    f = f.mul(win);
    cv::Mat spec;
    cv::dft(f, spec, cv::DFT_COMPLEX_OUTPUT);
    std::vector<double> ring(s / 2, 0.0);
    for (int y = 0; y < s; ++y) {
        for (int x = 0; x < s; ++x) {
            const int fy = y < s / 2 ? y : y - s, fx = x < s / 2 ? x : x - s;
            const int r = static_cast<int>(std::lround(std::sqrt(double(fx * fx + fy * fy))));
            if (r <= 0 || r >= s / 2) continue;
            const cv::Vec2f c = spec.at<cv::Vec2f>(y, x);
            ring[r] += c[0] * c[0] + c[1] * c[1];
        }
    }
    // ridge periods between 6 and 14 px at 500 ppi
    const int rmin = std::max(1, static_cast<int>(s / 14.0)), rmax = std::min(s / 2 - 1, static_cast<int>(s / 6.0));
    int best = rmin;
    for (int r = rmin; r <= rmax; ++r)
        if (ring[r] > ring[best]) best = r;
    return static_cast<double>(s) / best;
}

}  // namespace

const char* toString(FingerCondition c) {
    switch (c) {
        case FingerCondition::Good: return "good";
        case FingerCondition::Empty: return "empty";
        case FingerCondition::Faint: return "faint";
        case FingerCondition::Partial: return "partial";
        case FingerCondition::OffCentre: return "off_centre";
        case FingerCondition::Dry: return "dry";
        case FingerCondition::Wet: return "wet";
        case FingerCondition::Smudged: return "smudged";
    }
    return "?";
}

FingerGuidance guidanceFor(FingerCondition c) {
    switch (c) {
        case FingerCondition::Good: return FingerGuidance::Ok;
        case FingerCondition::Empty: return FingerGuidance::PlaceFinger;
        case FingerCondition::Faint:
        case FingerCondition::Partial: return FingerGuidance::PressHarder;
        case FingerCondition::OffCentre: return FingerGuidance::Centre;
        case FingerCondition::Dry: return FingerGuidance::Moisten;
        case FingerCondition::Wet:
        case FingerCondition::Smudged: return FingerGuidance::CleanSensor;
    }
    return FingerGuidance::Ok;
}

bool refusedBeforeMatching(FingerCondition c) {
    return c == FingerCondition::Empty || c == FingerCondition::Faint || c == FingerCondition::Smudged;
}

ImageQuality assessImage(const Image& gray, const QualityThresholds& t) {
    ImageQuality q;
    auto set = [&](FingerCondition c, const char* why) {
        q.condition = c;
        q.guidance = guidanceFor(c);
        q.detail = why;
    };
    if (gray.empty()) {
        set(FingerCondition::Empty, "empty image");
        return q;
    }
    cv::Mat m = toMat(gray);
    cv::Mat f32;
    m.convertTo(f32, CV_32F);
    cv::Mat theta, coh;
    detail::orientationField(f32, 4.0, theta, coh);
    cv::Mat fg = foregroundMask(m, 16, 8.0);
    const int fgCount = cv::countNonZero(fg);
    q.foreground = fgCount / static_cast<double>(m.total());
    const int lo = fgCount > 0 ? percentile(m, 0.01, fg) : percentile(m, 0.01);
    const int hi = fgCount > 0 ? percentile(m, 0.99, fg) : percentile(m, 0.99);
    q.contrast = hi - lo;
    q.coherence = fgCount > 0 ? cv::mean(coh, fg)[0] : 0.0;
    if (fgCount > 0) {
        cv::Mat dark = (m < (lo + hi) / 2.0) & fg;
        q.darkShare = cv::countNonZero(dark) / static_cast<double>(fgCount);
        const cv::Moments mo = cv::moments(fg, true);
        const double cx = mo.m10 / mo.m00, cy = mo.m01 / mo.m00;
        q.offset = std::max(std::abs(cx - m.cols / 2.0) / (m.cols / 2.0), std::abs(cy - m.rows / 2.0) / (m.rows / 2.0));
    }
    if (q.contrast < t.minContrast || q.foreground < std::min(0.02, t.minForeground)) {
        set(FingerCondition::Faint, "blank or faint image");
    } else if (q.foreground < t.minForeground) {
        if (q.offset > t.maxOffset)
            set(FingerCondition::OffCentre, "small contact area towards an edge");
        else
            set(FingerCondition::Partial, "small contact area");
    } else if (q.coherence < t.minCoherence) {
        if (q.darkShare < t.dryDarkShare)
            set(FingerCondition::Dry, "broken, light ridges");
        else if (q.darkShare > t.wetDarkShare)
            set(FingerCondition::Wet, "merged, dark ridges");
        else
            set(FingerCondition::Smudged, "no ridge structure (smudge or dirt)");
    } else if (q.offset > t.maxOffset) {
        set(FingerCondition::OffCentre, "contact area towards an edge");
    }
    return q;
}

Image resampleTo500(const Image& gray, int ppi) {
    if (ppi <= 0 || ppi == 500) return gray;
    cv::Mat m = toMat(gray), out;
    const double s = 500.0 / ppi;
    cv::resize(m, out, cv::Size(), s, s, s < 1 ? cv::INTER_AREA : cv::INTER_CUBIC);
    return fromMat(out);
}

Image enhance(const Image& grayIn, Enhancement e) {
    if (e == Enhancement::None) return toGray(grayIn);
    cv::Mat m = stretch(toMat(grayIn));
    if (e == Enhancement::Stretch) return fromMat(m);
    cv::Ptr<cv::CLAHE> clahe = cv::createCLAHE(2.0, cv::Size(8, 8));
    cv::Mat c;
    clahe->apply(m, c);
    if (e == Enhancement::Clahe) return fromMat(c);

    // Gabor: orientation from smoothed structure tensors, period from the spectrum.
    cv::Mat f32;
    c.convertTo(f32, CV_32F);
    cv::Mat norm = f32.clone();
    {
        // local normalisation (zero mean, unit variance over ~2 ridge periods)
        cv::Mat mu, mu2;
        cv::GaussianBlur(f32, mu, cv::Size(0, 0), 8);
        cv::GaussianBlur(f32.mul(f32), mu2, cv::Size(0, 0), 8);
        cv::Mat sd;
        cv::sqrt(cv::max(mu2 - mu.mul(mu), 1.0), sd);
        norm = (f32 - mu) / sd;
    }
    cv::Mat theta, coh;
    detail::orientationField(norm, 6.0, theta, coh);
    // smooth orientation via doubled angle
    cv::Mat c2(theta.size(), CV_32F), s2(theta.size(), CV_32F);
    for (int y = 0; y < theta.rows; ++y)
        for (int x = 0; x < theta.cols; ++x) {
            c2.at<float>(y, x) = std::cos(2 * theta.at<float>(y, x));
            s2.at<float>(y, x) = std::sin(2 * theta.at<float>(y, x));
        }
    cv::GaussianBlur(c2, c2, cv::Size(0, 0), 5);
    cv::GaussianBlur(s2, s2, cv::Size(0, 0), 5);
    for (int y = 0; y < theta.rows; ++y)
        for (int x = 0; x < theta.cols; ++x) {
            double t = 0.5 * std::atan2(s2.at<float>(y, x), c2.at<float>(y, x));
            if (t < 0) t += CV_PI;
            theta.at<float>(y, x) = static_cast<float>(t);
        }
    const double period = estimatePeriod(c);
    cv::Mat g = detail::orientedGabor(norm, theta, period, 12, 0.5);
    cv::Mat fg = foregroundMask(m, 16, 10.0);
    cv::Mat fgS;
    fg.convertTo(fgS, CV_32F, 1.0 / 255);
    cv::GaussianBlur(fgS, fgS, cv::Size(0, 0), 6);
    cv::Scalar gm, gs;
    cv::meanStdDev(g, gm, gs, fg);
    cv::Mat out(g.size(), CV_8U);
    for (int y = 0; y < g.rows; ++y)
        for (int x = 0; x < g.cols; ++x) {
            const double v = (g.at<float>(y, x) - gm[0]) / std::max(1e-6, gs[0]);
            const double w = fgS.at<float>(y, x);
            const double px = 128 + 70 * std::tanh(v) * w + 100 * (1 - w);
            out.at<uint8_t>(y, x) = cv::saturate_cast<uint8_t>(px);
        }
    return fromMat(out);
}

}  // namespace kiosk::devices::fingerprint
