// bench_qr — QR decode rate and time per frame on a generated set of "photographed" phone
// screens (1280x720), for the project's scanner and, on the same frames, OpenCV's
// cv::QRCodeDetector and zbar. Single-threaded (cv::setNumThreads(1)).
//
//   bench_qr [--set DIR] [--count N] [--seed S] [--regenerate]
//
// The set is generated at bench time (default: <build>/bench/qrset, 330 frames) unless a
// manifest with the same count is already there.
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/objdetect.hpp>

#ifdef KIOSK_HAVE_ZBAR
#include <zbar.h>
using namespace zbar;  // the C API lives in namespace zbar when included from C++
#endif
#ifdef KIOSK_HAVE_CREDENTIALS
#include "credentials/credentials.h"
#endif

#include "core/clock.h"
#include "devices/io/qr_decoder.h"
#include "devices/io/qr_image_set.h"

namespace io = kiosk::devices::io;
using Steady = std::chrono::steady_clock;

namespace {

std::string arg(int argc, char** argv, const std::string& name, const std::string& fallback) {
    for (int i = 1; i + 1 < argc; ++i)
        if (argv[i] == name) return argv[i + 1];
    return fallback;
}
bool hasFlag(int argc, char** argv, const std::string& name) {
    for (int i = 1; i < argc; ++i)
        if (argv[i] == name) return true;
    return false;
}

// Texts for the set: real signed crossing tokens when the credentials library is built.
std::vector<std::string> setTexts(int count, uint64_t seed, std::string& kind) {
    std::vector<std::string> texts;
#ifdef KIOSK_HAVE_CREDENTIALS
    if (auto tokens = kiosk::credentials::sampleCrossingTokens(count, seed); tokens.ok()) {
        kind = "signed HKMO1 crossing tokens (ES256, credentials::issueCrossingQr)";
        return std::move(*tokens);
    }
#endif
    (void)count;
    (void)seed;
    kind = "token-like texts (HKMO1: + 180 Base45 characters)";
    return texts;
}

double threadCpuMs() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

struct Stats {
    int ok = 0, wrong = 0, total = 0;
    std::vector<double> ms;    // thread CPU time
    std::vector<double> wall;  // wall-clock time (inflated when the machine is shared)
    std::map<std::string, std::pair<int, int>> byCondition;  // ok, total
};

double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, static_cast<std::size_t>(p * (v.size() - 1) + 0.5))];
}

}  // namespace

int main(int argc, char** argv) {
    cv::setNumThreads(1);
    const int count = std::stoi(arg(argc, argv, "--count", "330"));
    const uint64_t seed = std::stoull(arg(argc, argv, "--seed", "1"));
    std::filesystem::path exe = std::filesystem::absolute(argv[0]).parent_path();
    std::filesystem::path dir = arg(argc, argv, "--set", (exe / "qrset").string());

    auto manifest = io::loadQrSetManifest(dir);
    std::string textKind = "as in the existing manifest";
    if (!manifest.ok() || static_cast<int>(manifest->size()) != count || hasFlag(argc, argv, "--regenerate")) {
        auto texts = setTexts(count, seed, textKind);
        auto t0 = Steady::now();
        manifest = io::generateQrSet(dir, count, seed, texts);
        if (!manifest.ok()) {
            std::fprintf(stderr, "bench_qr: %s\n", manifest.error().message.c_str());
            return 1;
        }
        std::printf("generated %d frames into %s in %.1f s (%s)\n", count, dir.c_str(),
                    std::chrono::duration<double>(Steady::now() - t0).count(), textKind.c_str());
    }

    struct Input {
        cv::Mat bgr, gray;
        kiosk::devices::Image img;  // Bgr8, as the camera driver delivers it
    };
    struct Decoder {
        std::string name;
        std::function<std::vector<std::string>(const Input& in)> run;
        Stats stats{};
    };
    std::vector<Decoder> decoders;
    decoders.reserve(3);
    decoders.push_back(Decoder{"kiosk (zxing-cpp 1.4, multi-pass)", [](const Input& in) {
                            auto r = io::decodeQr(in.img);
                            if (r.ok()) return *r;
                            return std::vector<std::string>{"<" + r.error().code + ">"};
                        }, {}});
    cv::QRCodeDetector cvDetector;
    // Debian's OpenCV 4.6 is built without quirc: detectAndDecode() finds codes but cannot
    // decode them. Its column therefore counts DETECTIONS (a quadrilateral found), an upper
    // bound of what it could decode.
    decoders.push_back(Decoder{"OpenCV 4.6 QRCodeDetector (detect only)", [&](const Input& in) {
                            std::vector<cv::Point> quad;
                            bool found = cvDetector.detect(in.gray, quad);
                            return found ? std::vector<std::string>{"<detected>"} : std::vector<std::string>{};
                        }, {}});
#ifdef KIOSK_HAVE_ZBAR
    zbar_image_scanner_t* zs = zbar_image_scanner_create();
    zbar_image_scanner_set_config(zs, ZBAR_NONE, ZBAR_CFG_ENABLE, 0);
    zbar_image_scanner_set_config(zs, ZBAR_QRCODE, ZBAR_CFG_ENABLE, 1);
    decoders.push_back(Decoder{"zbar 0.23", [&](const Input& in) {
                            const cv::Mat& gray = in.gray;
                            zbar_image_t* zi = zbar_image_create();
                            zbar_image_set_format(zi, zbar_fourcc('Y', '8', '0', '0'));
                            zbar_image_set_size(zi, gray.cols, gray.rows);
                            zbar_image_set_data(zi, gray.data, gray.total(), nullptr);
                            std::vector<std::string> out;
                            if (zbar_scan_image(zs, zi) > 0) {
                                for (const zbar_symbol_t* s = zbar_image_first_symbol(zi); s; s = zbar_symbol_next(s)) {
                                    out.emplace_back(zbar_symbol_get_data(s), zbar_symbol_get_data_length(s));
                                }
                            }
                            zbar_image_destroy(zi);
                            return out;
                        }, {}});
#endif

    // The kiosk decoder on the grey path (a camera configured "format": "gray"), timed alone.
    Stats grayStats;
    for (const auto& e : *manifest) {
        Input in;
        in.bgr = cv::imread((dir / e.file).string(), cv::IMREAD_COLOR);
        if (in.bgr.empty()) {
            std::fprintf(stderr, "bench_qr: cannot read %s\n", e.file.c_str());
            return 1;
        }
        cv::cvtColor(in.bgr, in.gray, cv::COLOR_BGR2GRAY);
        in.img.width = in.bgr.cols;
        in.img.height = in.bgr.rows;
        in.img.format = kiosk::devices::PixelFormat::Bgr8;
        in.img.pixels.assign(in.bgr.data, in.bgr.data + in.bgr.total() * 3);
        for (auto& d : decoders) {
            const double c0 = threadCpuMs();
            const auto t0 = Steady::now();
            auto texts = d.run(in);
            d.stats.wall.push_back(std::chrono::duration<double, std::milli>(Steady::now() - t0).count());
            d.stats.ms.push_back(threadCpuMs() - c0);
            ++d.stats.total;
            auto& c = d.stats.byCondition[e.condition];
            ++c.second;
            const bool detectOnly = !texts.empty() && texts[0] == "<detected>";
            if ((texts.size() == 1 && texts[0] == e.text) || detectOnly) {
                ++d.stats.ok;
                ++c.first;
            } else if (!texts.empty()) {
                ++d.stats.wrong;
            }
        }
        {
            kiosk::devices::Image img;
            img.width = in.gray.cols;
            img.height = in.gray.rows;
            img.format = kiosk::devices::PixelFormat::Gray8;
            img.pixels.assign(in.gray.data, in.gray.data + in.gray.total());
            const double c0 = threadCpuMs();
            const auto t0 = Steady::now();
            auto r = io::decodeQr(img);
            grayStats.wall.push_back(std::chrono::duration<double, std::milli>(Steady::now() - t0).count());
            grayStats.ms.push_back(threadCpuMs() - c0);
            ++grayStats.total;
            if (r.ok() && r->size() == 1 && r->front() == e.text) ++grayStats.ok;
            else if (r.ok() && !r->empty()) ++grayStats.wrong;
        }
    }
#ifdef KIOSK_HAVE_ZBAR
    zbar_image_scanner_destroy(zs);
#endif

    std::printf("\nQR decode on %d frames 1280x720 (%s), one thread\n\n", count, dir.c_str());
    std::printf("CPU ms = thread CPU time per frame (one core); wall ms shown for reference.\n\n");
    std::printf("| decoder | decoded | wrong text | mean CPU ms/frame | median | p95 | max | mean wall ms |\n");
    std::printf("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    auto row = [](const std::string& name, const Stats& s) {
        double mean = 0, wall = 0;
        for (double m : s.ms) mean += m;
        for (double m : s.wall) wall += m;
        mean /= std::max<std::size_t>(1, s.ms.size());
        wall /= std::max<std::size_t>(1, s.wall.size());
        std::printf("| %s | %.1f %% (%d/%d) | %d | %.2f | %.2f | %.2f | %.2f | %.2f |\n", name.c_str(),
                    100.0 * s.ok / std::max(1, s.total), s.ok, s.total, s.wrong, mean, percentile(s.ms, 0.5),
                    percentile(s.ms, 0.95), percentile(s.ms, 1.0), wall);
    };
    for (const auto& d : decoders) row(d.name, d.stats);
    row("kiosk, grey frames (camera \"format\": \"gray\")", grayStats);

    std::printf("\nDecoded per condition\n\n| condition |");
    for (const auto& d : decoders) std::printf(" %s |", d.name.c_str());
    std::printf("\n| --- |");
    for (std::size_t i = 0; i < decoders.size(); ++i) std::printf(" ---: |");
    std::printf("\n");
    for (const auto& [cond, _] : decoders[0].stats.byCondition) {
        std::printf("| %s |", cond.c_str());
        for (const auto& d : decoders) {
            auto it = d.stats.byCondition.find(cond);
            std::printf(" %d/%d |", it->second.first, it->second.second);
        }
        std::printf("\n");
    }
    return 0;
}
