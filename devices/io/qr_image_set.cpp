// QR "photographs" for tests and bench_qr (libqrencode renders, OpenCV photographs).
// Tool/test code inside kiosk::devices_io: no lane path calls it.
#include "devices/io/qr_image_set.h"

#include <qrencode.h>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cmath>
#include <cstring>
#include <fstream>
#include <random>

#include <nlohmann/json.hpp>

namespace kiosk::devices::io {

namespace {

constexpr double kPi = 3.14159265358979323846;

core::Result<cv::Mat> renderModules(const std::string& text, int& modules) {
    QRcode* qr = QRcode_encodeString8bit(text.c_str(), 0, QR_ECLEVEL_M);
    if (!qr) return core::makeError("qr.too_large", "libqrencode cannot encode a text of " + std::to_string(text.size()) + " bytes");
    modules = qr->width;
    cv::Mat m(qr->width, qr->width, CV_8UC1);
    for (int y = 0; y < qr->width; ++y)
        for (int x = 0; x < qr->width; ++x) m.at<uint8_t>(y, x) = (qr->data[y * qr->width + x] & 1) ? 0 : 255;
    QRcode_free(qr);
    return m;
}

Image toImage(const cv::Mat& m) {
    Image out;
    out.width = m.cols;
    out.height = m.rows;
    out.format = m.channels() == 1 ? PixelFormat::Gray8 : PixelFormat::Bgr8;
    out.pixels.resize(out.stride() * out.height);
    for (int y = 0; y < m.rows; ++y) std::memcpy(out.pixels.data() + y * out.stride(), m.ptr(y), out.stride());
    return out;
}

// A desk/hand-like background: a smooth colour gradient plus coarse texture.
cv::Mat background(int w, int h, std::mt19937_64& rng) {
    std::uniform_real_distribution<double> u(0, 1);
    cv::Mat bg(h, w, CV_8UC3);
    cv::Vec3d c0(60 + 120 * u(rng), 60 + 120 * u(rng), 60 + 120 * u(rng));
    cv::Vec3d c1(40 + 150 * u(rng), 40 + 150 * u(rng), 40 + 150 * u(rng));
    for (int y = 0; y < h; ++y) {
        cv::Vec3b* row = bg.ptr<cv::Vec3b>(y);
        for (int x = 0; x < w; ++x) {
            double t = (x + y) / static_cast<double>(w + h);
            cv::Vec3d c = c0 * (1 - t) + c1 * t;
            row[x] = cv::Vec3b(cv::saturate_cast<uint8_t>(c[0]), cv::saturate_cast<uint8_t>(c[1]), cv::saturate_cast<uint8_t>(c[2]));
        }
    }
    cv::Mat tex(h / 16 + 1, w / 16 + 1, CV_8UC3);
    cv::randu(tex, cv::Scalar::all(0), cv::Scalar::all(40));
    cv::resize(tex, tex, bg.size(), 0, 0, cv::INTER_CUBIC);
    cv::add(bg, tex, bg);
    return bg;
}

}  // namespace

std::string tokenLikeText(uint64_t seed, std::size_t base45Length) {
    static const char kBase45[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
    std::mt19937_64 rng(seed * 0x9E3779B97F4A7C15ull + 7);
    std::string s = "HKMO1:";
    for (std::size_t i = 0; i < base45Length; ++i) s.push_back(kBase45[rng() % 45]);
    return s;
}

core::Result<Image> renderQrShot(const std::string& text, const QrShotParams& p, int width, int height, uint64_t seed) {
    int modules = 0;
    KIOSK_ASSIGN_OR_RETURN(cv::Mat code, renderModules(text, modules));
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> u(0, 1);
    try {
        // The phone screen: the code with a 4-module quiet zone, then a dark bezel.
        const int px = 8;  // screen pixels per module
        const int quiet = 4;
        const int side = (modules + 2 * quiet) * px;
        cv::Mat screen(side, side, CV_8UC1, cv::Scalar(255));
        cv::Mat big;
        cv::resize(code, big, cv::Size(modules * px, modules * px), 0, 0, cv::INTER_NEAREST);
        big.copyTo(screen(cv::Rect(quiet * px, quiet * px, big.cols, big.rows)));
        if (p.darkMode) {
            // Dark mode: light modules on a dark screen.
            screen = 255 - screen;
            screen.convertTo(screen, CV_8UC1, 200.0 / 255.0, 28);
        } else {
            screen.convertTo(screen, CV_8UC1, 225.0 / 255.0, 20);
        }
        const int bezel = side / 10;
        cv::Mat phone(side + 2 * bezel, side + 2 * bezel, CV_8UC3, cv::Scalar(18, 18, 22));
        cv::Mat screenBgr;
        cv::cvtColor(screen, screenBgr, cv::COLOR_GRAY2BGR);
        screenBgr.copyTo(phone(cv::Rect(bezel, bezel, side, side)));
        if (p.moire > 0) {
            // Interference of the screen's pixel grid with the sensor: a slanted beat pattern.
            const double f1 = 0.9 + 0.2 * u(rng), f2 = 0.95 + 0.2 * u(rng), a = p.moire * 45;
            cv::Mat pat(phone.size(), CV_32FC1);
            for (int y = 0; y < pat.rows; ++y)
                for (int x = 0; x < pat.cols; ++x)
                    pat.at<float>(y, x) = static_cast<float>(a * std::sin(f1 * x + f2 * y * 0.97) * std::sin(0.05 * x));
            std::vector<cv::Mat> ch;
            cv::split(phone, ch);
            for (auto& c : ch) {
                cv::Mat f;
                c.convertTo(f, CV_32F);
                f += pat;
                f.convertTo(c, CV_8U);
            }
            cv::merge(ch, phone);
        }

        // Photograph: place the phone with rotation and perspective.
        cv::Mat frame = background(width, height, rng);
        const double codeSide = p.codeFraction * height;
        const double phoneSide = codeSide * phone.cols / (modules * px);
        const double cx = p.centerX * width, cy = p.centerY * height;
        const double th = p.rotationDeg * kPi / 180.0;
        std::vector<cv::Point2f> dst;
        const double hs = phoneSide / 2;
        const double corners[4][2] = {{-hs, -hs}, {hs, -hs}, {hs, hs}, {-hs, hs}};
        for (auto& c : corners) {
            double jx = (u(rng) * 2 - 1) * p.perspective * phoneSide;
            double jy = (u(rng) * 2 - 1) * p.perspective * phoneSide;
            double x = c[0] + jx, y = c[1] + jy;
            dst.emplace_back(static_cast<float>(cx + x * std::cos(th) - y * std::sin(th)),
                             static_cast<float>(cy + x * std::sin(th) + y * std::cos(th)));
        }
        std::vector<cv::Point2f> src = {{0, 0}, {static_cast<float>(phone.cols), 0},
                                        {static_cast<float>(phone.cols), static_cast<float>(phone.rows)},
                                        {0, static_cast<float>(phone.rows)}};
        cv::Mat H = cv::getPerspectiveTransform(src, dst);
        cv::Mat warped, mask;
        cv::warpPerspective(phone, warped, H, frame.size(), cv::INTER_AREA, cv::BORDER_CONSTANT);
        cv::warpPerspective(cv::Mat(phone.size(), CV_8UC1, cv::Scalar(255)), mask, H, frame.size(), cv::INTER_LINEAR);
        warped.copyTo(frame, mask > 128);

        cv::Mat f;
        frame.convertTo(f, CV_32FC3);
        if (p.glare > 0) {
            // A specular highlight on the glass, over part of the code.
            const double gx = cx + (u(rng) - 0.5) * codeSide * 0.6, gy = cy + (u(rng) - 0.5) * codeSide * 0.6;
            const double r = codeSide * (0.18 + 0.15 * u(rng));
            for (int y = 0; y < f.rows; ++y) {
                cv::Vec3f* row = f.ptr<cv::Vec3f>(y);
                for (int x = 0; x < f.cols; ++x) {
                    double d2 = ((x - gx) * (x - gx) + (y - gy) * (y - gy)) / (r * r);
                    if (d2 > 9) continue;
                    float g = static_cast<float>(p.glare * 220 * std::exp(-d2));
                    row[x] += cv::Vec3f(g, g, g);
                }
            }
        }
        f *= p.brightness;
        if (p.blurSigma > 0) cv::GaussianBlur(f, f, cv::Size(0, 0), p.blurSigma);
        if (p.noiseSigma > 0) {
            cv::Mat n(f.size(), CV_32FC3);
            cv::theRNG().state = seed * 2654435761u + 1;
            cv::randn(n, cv::Scalar::all(0), cv::Scalar::all(p.noiseSigma));
            f += n;
        }
        f.convertTo(frame, CV_8UC3);
        return toImage(frame);
    } catch (const cv::Exception& e) {
        return core::makeError("image.render_failed", e.what());
    }
}

core::Result<std::vector<std::vector<bool>>> qrModuleGrid(const std::string& text) {
    int n = 0;
    KIOSK_ASSIGN_OR_RETURN(const cv::Mat m, renderModules(text, n));
    std::vector<std::vector<bool>> grid(static_cast<std::size_t>(n), std::vector<bool>(static_cast<std::size_t>(n)));
    for (int y = 0; y < n; ++y)
        for (int x = 0; x < n; ++x) grid[static_cast<std::size_t>(y)][static_cast<std::size_t>(x)] = m.at<uint8_t>(y, x) == 0;
    return grid;
}

core::Result<Image> renderQrShots(const std::vector<std::string>& texts, int width, int height) {
    cv::Mat frame(height, width, CV_8UC3, cv::Scalar(120, 130, 140));
    const int n = static_cast<int>(texts.size());
    for (int i = 0; i < n; ++i) {
        int modules = 0;
        KIOSK_ASSIGN_OR_RETURN(cv::Mat code, renderModules(texts[i], modules));
        const int slot = width / std::max(1, n);
        const int side = std::min(slot * 8 / 10, height * 8 / 10);
        cv::Mat padded;
        cv::copyMakeBorder(code, padded, 4, 4, 4, 4, cv::BORDER_CONSTANT, cv::Scalar(255));
        cv::Mat big;
        cv::resize(padded, big, cv::Size(side, side), 0, 0, cv::INTER_NEAREST);
        cv::cvtColor(big, big, cv::COLOR_GRAY2BGR);
        big.copyTo(frame(cv::Rect(i * slot + (slot - side) / 2, (height - side) / 2, side, side)));
    }
    return toImage(frame);
}

core::Result<std::vector<QrSetEntry>> generateQrSet(const std::filesystem::path& dir, int count, uint64_t seed,
                                                    const std::vector<std::string>& texts) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return core::makeError("io.write_failed", "cannot create " + dir.string() + ": " + ec.message());
    static const char* kConditions[] = {"clean", "small", "perspective", "blur", "glare", "noise",
                                        "moire", "low_light", "dark_mode", "rotated", "combined"};
    constexpr int kNumConditions = sizeof kConditions / sizeof kConditions[0];
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> u(0, 1);
    auto range = [&](double lo, double hi) { return lo + (hi - lo) * u(rng); };
    std::vector<QrSetEntry> entries;
    std::ofstream manifest(dir / "manifest.jsonl", std::ios::trunc);
    if (!manifest) return core::makeError("io.write_failed", "cannot write " + (dir / "manifest.jsonl").string());
    for (int i = 0; i < count; ++i) {
        const std::string cond = kConditions[i % kNumConditions];
        QrShotParams p;
        p.codeFraction = range(0.32, 0.55);
        p.rotationDeg = range(-12, 12);
        p.perspective = range(0, 0.04);
        p.noiseSigma = range(1, 3);
        p.blurSigma = range(0, 0.6);
        p.centerX = range(0.35, 0.65);
        p.centerY = range(0.4, 0.6);
        if (cond == "small") { p.codeFraction = range(0.2, 0.26); p.centerX = range(0.2, 0.8); p.centerY = range(0.25, 0.75); }
        if (cond == "perspective") p.perspective = range(0.08, 0.14);
        if (cond == "blur") p.blurSigma = range(1.6, 2.6);
        if (cond == "glare") p.glare = range(0.6, 1.0);
        if (cond == "noise") p.noiseSigma = range(10, 18);
        if (cond == "moire") p.moire = range(0.4, 0.8);
        if (cond == "low_light") { p.brightness = range(0.18, 0.3); p.noiseSigma = range(3, 6); }
        if (cond == "dark_mode") p.darkMode = true;
        if (cond == "rotated") p.rotationDeg = range(0, 360);
        if (cond == "combined") {
            p.perspective = range(0.04, 0.08);
            p.blurSigma = range(0.8, 1.4);
            p.glare = range(0.3, 0.6);
            p.noiseSigma = range(5, 9);
            p.moire = range(0.1, 0.3);
            p.brightness = range(0.5, 0.8);
            p.darkMode = u(rng) < 0.3;
            p.rotationDeg = range(0, 360);
        }
        QrSetEntry e;
        e.text = texts.empty() ? tokenLikeText(seed * 100003 + i) : texts[i % texts.size()];
        e.condition = cond;
        char name[64];
        std::snprintf(name, sizeof name, "frame_%04d.jpg", i);
        e.file = name;
        KIOSK_ASSIGN_OR_RETURN(Image img, renderQrShot(e.text, p, 1280, 720, seed * 7919 + i));
        cv::Mat m(img.height, img.width, CV_8UC3, img.pixels.data());
        try {
            if (!cv::imwrite((dir / e.file).string(), m, {cv::IMWRITE_JPEG_QUALITY, 92})) {
                return core::makeError("io.write_failed", "cannot write " + (dir / e.file).string());
            }
        } catch (const cv::Exception& ex) {
            return core::makeError("io.write_failed", ex.what());
        }
        manifest << nlohmann::json{{"file", e.file}, {"text", e.text}, {"condition", e.condition}}.dump() << "\n";
        entries.push_back(std::move(e));
    }
    return entries;
}

core::Result<std::vector<QrSetEntry>> loadQrSetManifest(const std::filesystem::path& dir) {
    std::ifstream in(dir / "manifest.jsonl");
    if (!in) return core::makeError("io.not_found", "no manifest.jsonl in " + dir.string());
    std::vector<QrSetEntry> out;
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
        ++n;
        if (line.empty()) continue;
        auto j = nlohmann::json::parse(line, nullptr, false);
        if (j.is_discarded() || !j.contains("file") || !j.contains("text")) {
            return core::makeError("io.bad_manifest", "manifest.jsonl line " + std::to_string(n) + " is not {file, text}");
        }
        out.push_back({j["file"].get<std::string>(), j["text"].get<std::string>(), j.value("condition", "")});
    }
    return out;
}

}  // namespace kiosk::devices::io
