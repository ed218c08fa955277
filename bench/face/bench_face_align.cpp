// bench_face --lfw-align DIR [STEP]: the ONNX recogniser's preprocessing variants on the same
// detections and landmarks (one engine pass per photo), each scored on every LFW pair and on
// the East-Asian subset: which standard ArcFace practice changes FNMR at equal FMR. STEP > 1
// keeps every STEP-th identity (quick iteration); East-Asian identities are always kept.
// OpenCV is used directly here (a bench study, not the engine): its exceptions end the run.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <functional>
#include <string>
#include <vector>

#include <opencv2/dnn.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "bench/face/bench_face_lfw.h"
#include "bench/face/face_scores.h"
#include "devices/face/dlib_face_engine.h"
#include "devices/face/face_geometry.h"
#include "devices/face/face_tools.h"

namespace kiosk::bench::face {
namespace {

namespace fs = std::filesystem;
namespace df = devices::face;
using df::Landmarks68;
using df::Point2;

double threadCpuMs() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

Point2 mean(const Landmarks68& p, std::initializer_list<int> idx) {
    Point2 c;
    for (int i : idx) {
        c.x += p[static_cast<std::size_t>(i)].x / idx.size();
        c.y += p[static_cast<std::size_t>(i)].y / idx.size();
    }
    return c;
}

enum class Points { Issue, InnerEyes, InnerEyesLips, EyesNose };

std::array<Point2, 5> points(const Landmarks68& p, Points which) {
    switch (which) {
        case Points::Issue: return df::fivePoints(p);
        case Points::InnerEyes:  // eye centres without the corners (37,38,40,41 / 43,44,46,47)
            return {mean(p, {37, 38, 40, 41}), mean(p, {43, 44, 46, 47}), p[30], p[48], p[54]};
        case Points::InnerEyesLips:  // ... and the mouth corners as the mean of outer and inner lip corner
            return {mean(p, {37, 38, 40, 41}), mean(p, {43, 44, 46, 47}), p[30], mean(p, {48, 60}), mean(p, {54, 64})};
        case Points::EyesNose: return df::fivePoints(p);
    }
    return df::fivePoints(p);
}

struct Variant {
    std::string name;
    Points pts = Points::Issue;
    bool threePointAffine = false;  // exact affine of eyes + nose (the npm package's own JS)
    int border = cv::BORDER_CONSTANT;
    int interp = cv::INTER_LINEAR;
    bool rgb = false;
    bool flip = false;
    double mean = 127.5;
    enum class Colour { AsIs, GreyWorld, Grey } colour = Colour::AsIs;  // colour casts (stage light, film)
};

// Grey world: each channel scaled so that its mean over the chip equals the mean of the three
// (a colour cast is removed, brightness kept). Grey: the luma in all three channels.
cv::Mat recolour(const cv::Mat& chip, Variant::Colour c) {
    if (c == Variant::Colour::AsIs) return chip;
    if (c == Variant::Colour::Grey) {
        cv::Mat g, out;
        cv::cvtColor(chip, g, cv::COLOR_BGR2GRAY);
        cv::cvtColor(g, out, cv::COLOR_GRAY2BGR);
        return out;
    }
    const cv::Scalar m = cv::mean(chip);
    const double grey = (m[0] + m[1] + m[2]) / 3;
    std::vector<cv::Mat> ch;
    cv::split(chip, ch);
    for (int i = 0; i < 3; ++i) ch[static_cast<std::size_t>(i)].convertTo(ch[static_cast<std::size_t>(i)], -1, m[i] > 1 ? grey / m[i] : 1.0);
    cv::Mat out;
    cv::merge(ch, out);
    return out;
}

cv::Mat alignVariant(const cv::Mat& bgr, const Landmarks68& lm, const Variant& v) {
    const auto src = points(lm, v.pts);
    const auto dst = df::arcfaceTemplate(112);
    cv::Mat m;
    if (v.threePointAffine) {
        cv::Point2f s[3], d[3];
        for (int i = 0; i < 3; ++i) {
            s[i] = cv::Point2f(float(src[i].x), float(src[i].y));
            d[i] = cv::Point2f(float(dst[i].x), float(dst[i].y));
        }
        m = cv::getAffineTransform(s, d);
    } else {
        const df::Similarity2 t = df::fitSimilarity(src, dst);
        m = (cv::Mat_<double>(2, 3) << t.a, -t.b, t.tx, t.b, t.a, t.ty);
    }
    cv::Mat out;
    cv::warpAffine(bgr, out, m, cv::Size(112, 112), v.interp, v.border);
    return recolour(out, v.colour);
}

std::vector<float> describe(cv::dnn::Net& net, const cv::Mat& chipBgr, const Variant& v) {
    auto once = [&](const cv::Mat& c) {
        const cv::Mat blob = cv::dnn::blobFromImage(c, 1.0 / 128.0, cv::Size(112, 112), cv::Scalar(v.mean, v.mean, v.mean),
                                                    v.rgb, false, CV_32F);
        net.setInput(blob);
        cv::Mat out = net.forward();
        return std::vector<float>(out.ptr<float>(), out.ptr<float>() + out.total());
    };
    std::vector<float> d = once(chipBgr);
    if (v.flip) {
        cv::Mat mirrored;
        cv::flip(chipBgr, mirrored, 1);
        const auto e = once(mirrored);
        for (std::size_t i = 0; i < d.size(); ++i) d[i] += e[i];
    }
    double n = 0;
    for (float f : d) n += double(f) * f;
    n = std::sqrt(n);
    for (float& f : d) f = static_cast<float>(f / n);
    return d;
}

float cosineDistance(const std::vector<float>& a, const std::vector<float>& b) {
    float s = 0;
    for (std::size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
    return 1.0f - s;
}

void printShort(const std::string& name, Scores s) {
    sortScores(s);
    std::printf("%-44s", name.c_str());
    for (double p : {0.1, 0.05, 0.01}) {
        const AtFmr r = atFmr(s.genuine, s.impostor, p);
        std::printf(" | %5.2f %% (%.3f, %zu)", r.fnmrPercent(), r.threshold, r.falseNonMatches);
    }
    const auto [eer, at] = equalErrorRate(s.genuine, s.impostor);
    std::printf(" | EER %.2f %% | %zu gen %zu imp\n", eer, s.genuine.size(), s.impostor.size());
}

}  // namespace

int runLfwAlign(const fs::path& dir, devices::FaceEngineOptions o, int step) {
    o.track = false;
    auto e = df::DlibFaceEngine::create(o);
    if (!e.ok()) {
        std::fprintf(stderr, "bench_face: %s\n", e.error().message.c_str());
        return 1;
    }
    cv::setNumThreads(1);  // CPU per photo on one core (thread CPU time below)
    cv::dnn::Net net = cv::dnn::readNetFromONNX(o.onnx.modelPath);
    net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
    net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);

    std::vector<Variant> variants;
    variants.push_back({"issue 5-pt (engine today), bgr"});
    {
        Variant v{"  rgb"};
        v.rgb = true;
        variants.push_back(v);
    }
    {
        Variant v{"  flip-sum"};
        v.flip = true;
        variants.push_back(v);
    }
    {
        Variant v{"  border replicate"};
        v.border = cv::BORDER_REPLICATE;
        variants.push_back(v);
    }
    {
        Variant v{"  border reflect101"};
        v.border = cv::BORDER_REFLECT_101;
        variants.push_back(v);
    }
    {
        Variant v{"  inner eye points"};
        v.pts = Points::InnerEyes;
        variants.push_back(v);
    }
    {
        Variant v{"  inner eyes + lip corners (npm JS)"};
        v.pts = Points::InnerEyesLips;
        variants.push_back(v);
    }
    {
        Variant v{"  3-pt affine eyes+nose (npm JS)"};
        v.pts = Points::InnerEyesLips;
        v.threePointAffine = true;
        variants.push_back(v);
    }
    {
        Variant v{"  mean 127 (npm JS)"};
        v.mean = 127;
        variants.push_back(v);
    }
    {
        Variant v{"  cubic"};
        v.interp = cv::INTER_CUBIC;
        variants.push_back(v);
    }
    {
        Variant v{"  flip-sum + grey world"};
        v.flip = true;
        v.colour = Variant::Colour::GreyWorld;
        variants.push_back(v);
    }
    {
        Variant v{"  flip-sum + grey"};
        v.flip = true;
        v.colour = Variant::Colour::Grey;
        variants.push_back(v);
    }
    if (const char* only = std::getenv("ALIGN_VARIANTS")) {  // e.g. "0,2": run only these
        std::vector<Variant> keep;
        std::string s = only;
        for (std::size_t p = 0; p < s.size();) {
            std::size_t q = s.find(',', p);
            if (q == std::string::npos) q = s.size();
            keep.push_back(variants.at(std::stoul(s.substr(p, q - p))));
            p = q + 1;
        }
        variants = keep;
    }

    std::vector<fs::path> ids;
    for (const auto& d : fs::directory_iterator(dir))
        if (d.is_directory()) ids.push_back(d.path());
    std::sort(ids.begin(), ids.end());
    struct P {
        int id;
        bool ea;
        std::vector<std::vector<float>> d;  // per variant
    };
    std::vector<P> photos;
    std::vector<double> cpu(variants.size());
    int nPhotos = 0, k = 0;
    for (std::size_t i = 0; i < ids.size(); ++i) {
        const bool ea = isEastAsian(ids[i].filename().string());
        if (!ea && step > 1 && (k++ % step) != 0) continue;
        std::vector<fs::path> files;
        for (const auto& f : fs::directory_iterator(ids[i])) files.push_back(f.path());
        std::sort(files.begin(), files.end());
        for (const auto& f : files) {
            ++nPhotos;
            auto img = df::loadImageFile(f);
            if (!img.ok()) continue;
            auto x = (*e)->process(*img, df::DescriptorPolicy::Never, nullptr, df::FaceChoice::Centre);
            if (!x.ok() || !x->landmarks || !isCentreFace(*x, *img)) continue;
            cv::Mat bgr = cv::imread(f.string(), cv::IMREAD_COLOR);
            P p{static_cast<int>(i), ea, {}};
            for (std::size_t v = 0; v < variants.size(); ++v) {
                const double c0 = threadCpuMs();
                p.d.push_back(describe(net, alignVariant(bgr, *x->landmarks, variants[v]), variants[v]));
                cpu[v] += threadCpuMs() - c0;
            }
            photos.push_back(std::move(p));
        }
    }
    std::printf("LFW align study %s: step %d, %zu of %d photos with landmarks; FNMR (threshold, false non-matches) "
                "at FMR 0.1 / 0.05 / 0.01 %%\n",
                dir.c_str(), step, photos.size(), nPhotos);
    for (std::size_t v = 0; v < variants.size(); ++v) {
        Scores all, ea;
        for (std::size_t i = 0; i < photos.size(); ++i)
            for (std::size_t j = i + 1; j < photos.size(); ++j) {
                const float x = cosineDistance(photos[i].d[v], photos[j].d[v]);
                const bool same = photos[i].id == photos[j].id;
                (same ? all.genuine : all.impostor).push_back(x);
                if (photos[i].ea && photos[j].ea) (same ? ea.genuine : ea.impostor).push_back(x);
            }
        std::printf("%s  [align+descriptor CPU %.1f ms/photo]\n", variants[v].name.c_str(), cpu[v] / photos.size());
        printShort("    all", all);
        printShort("    East-Asian", ea);
        std::fflush(stdout);
    }
    return 0;
}

}  // namespace kiosk::bench::face
