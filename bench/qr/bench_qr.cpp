// bench_qr — QR decoding on real photographs and on generated lane frames, for the kiosk's
// decoder and, on the same images in the same run, zxing-cpp (one plain call), zbar,
// OpenCV's wechat_qrcode and OpenCV's QRCodeDetector. One thread (cv::setNumThreads(1));
// times are this thread's CPU time (one core), so other load on the machine does not
// inflate them.
//
//   bench_qr [--photos DIR] [--budget MS] [--wechat-models DIR] [--only-photos] [--stream-only] [--kiosk-only]
//            [--shard I --shards N --dump FILE] [--merge FILE,FILE,... [--misses]] [--pass-study CSV [--native]]
//            [--set DIR] [--count N] [--seed S] [--regenerate]
//
// Part 1 (--photos, default $KIOSK_SHARED_DIR/data/qr/boofcv): the BoofCV photographs,
// scored by their labelled corner polygons, per category; then the same photos pasted
// into 1280x720 lane frames (plus codeless frames: the codes painted over), timed per
// frame; then a camera stream (each frame held 8 frames with sensor noise) through the
// camera scanner's scheduler. Part 2: the generated set (<build>/bench/qrset).
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#ifdef KIOSK_HAVE_CREDENTIALS
#include "credentials/credentials.h"
#endif

#include "bench/qr/qr_bench_util.h"
#include "bench/qr/qr_pass_study.h"
#include "bench/qr/qr_peers.h"
#include "bench/qr/qr_photo_set.h"
#include "devices/io/qr_decoder.h"
#include "devices/io/qr_image_set.h"

namespace io = kiosk::devices::io;
namespace qb = kiosk::bench::qr;
namespace fs = std::filesystem;
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

// Texts for the generated set: real signed crossing tokens when credentials is built.
std::vector<std::string> setTexts(int count, uint64_t seed, std::string& kind) {
#ifdef KIOSK_HAVE_CREDENTIALS
    if (auto tokens = kiosk::credentials::sampleCrossingTokens(count, seed); tokens.ok()) {
        kind = "signed HKMO1 crossing tokens (ES256, credentials::issueCrossingQr)";
        return std::move(*tokens);
    }
#endif
    (void)count;
    (void)seed;
    kind = "token-like texts (HKMO1: + 180 Base45 characters)";
    return {};
}

int generatedSet(int argc, char** argv, std::vector<qb::Peer>& peers) {
    const int count = std::stoi(arg(argc, argv, "--count", "330"));
    const uint64_t seed = std::stoull(arg(argc, argv, "--seed", "1"));
    fs::path exe = fs::absolute(argv[0]).parent_path();
    fs::path dir = arg(argc, argv, "--set", (exe / "qrset").string());
    auto manifest = io::loadQrSetManifest(dir);
    if (!manifest.ok() || static_cast<int>(manifest->size()) != count || hasFlag(argc, argv, "--regenerate")) {
        std::string kind;
        auto texts = setTexts(count, seed, kind);
        manifest = io::generateQrSet(dir, count, seed, texts);
        if (!manifest.ok()) {
            std::fprintf(stderr, "bench_qr: %s\n", manifest.error().message.c_str());
            return 1;
        }
        std::printf("generated %d frames into %s (%s)\n", count, dir.c_str(), kind.c_str());
    }
    std::vector<qb::Tally> tallies(peers.size());
    std::vector<int> errors(peers.size(), 0);
    for (const auto& e : *manifest) {
        cv::Mat bgr = cv::imread((dir / e.file).string(), cv::IMREAD_COLOR);
        if (bgr.empty()) {
            std::fprintf(stderr, "bench_qr: cannot read %s\n", e.file.c_str());
            return 1;
        }
        const qb::Input in = qb::makeInput(bgr);
        for (std::size_t i = 0; i < peers.size(); ++i) {
            const double c0 = qb::threadCpuMs();
            std::vector<qb::Hit> hits;
            try {
                hits = peers[i].run(in);
            } catch (const std::exception&) {
                ++errors[i];  // e.g. an OpenCV assertion inside the peer: counts as not read
            }
            const double ms = qb::threadCpuMs() - c0;
            qb::Score s;
            for (const auto& h : hits) {
                if (h.decoded && h.text == e.text) s.read = 1;
                else if (h.decoded) ++s.falsePositives;
                if (!h.quad.empty()) s.detected = 1;
            }
            tallies[i].add(e.condition, s, 1, ms);
        }
    }
    std::printf("\n### Generated lane frames: %zu frames 1280x720 (%s)\n\n", manifest->size(), dir.c_str());
    std::printf("Read = the exact expected text; wrong = any other text. CPU ms per frame, one core.\n\n");
    qb::printCategoryTable(peers, tallies, "condition");
    for (std::size_t i = 0; i < peers.size(); ++i)
        if (errors[i] > 0) std::printf("\n%s: %d calls threw an exception (counted as not read).\n", peers[i].name.c_str(), errors[i]);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    cv::setNumThreads(1);
    const double budget = std::stod(arg(argc, argv, "--budget", "8"));
    const char* shared = std::getenv("KIOSK_SHARED_DIR");
    const fs::path photos = arg(argc, argv, "--photos", ((shared ? fs::path(shared) : fs::path(KIOSK_SHARED_DIR_DEFAULT)) / "data/qr/boofcv").string());

    std::vector<qb::Peer> peers;
    peers.push_back(qb::kioskPeer(budget, "kiosk (zxing-cpp 1.4, " + std::to_string(static_cast<int>(budget)) + " ms budget)"));
    peers.push_back(qb::kioskPeer(0, "kiosk, every pass (no budget)"));
    if (!hasFlag(argc, argv, "--kiosk-only")) {  // iterating on the decoder: its two rows alone
        peers.push_back(qb::zxingPlainPeer());
        peers.push_back(qb::zbarPeer());
        peers.push_back(qb::wechatPeer(arg(argc, argv, "--wechat-models", "")));
        peers.push_back(qb::opencvDetectorPeer());
    }


    std::string error;
    const auto set = qb::loadPhotos(photos, error);
    if (!error.empty()) {
        std::fprintf(stderr, "bench_qr: %s\n", error.c_str());
        return 1;
    }
    if (const std::string study = arg(argc, argv, "--pass-study", ""); !study.empty()) return qb::passStudy(set, study, hasFlag(argc, argv, "--native"));
    if (set.empty()) {
        std::printf("\n(no photographs in %s: part 1 skipped)\n", photos.c_str());
    } else if (const std::string merge = arg(argc, argv, "--merge", ""); !merge.empty()) {
        std::vector<std::string> files;
        for (std::size_t a = 0, b; a <= merge.size(); a = b + 1) {
            b = merge.find(',', a);
            if (b == std::string::npos) b = merge.size();
            files.push_back(merge.substr(a, b - a));
        }
        const auto records = qb::readRecords(files);
        qb::printPhotoTables(records, peers, set.size());
        if (hasFlag(argc, argv, "--misses")) qb::printMisses(records, peers);
        return 0;
    } else if (int rc = qb::photoBench(set, peers, budget, hasFlag(argc, argv, "--stream-only"), std::stoi(arg(argc, argv, "--shard", "0")),
                                       std::stoi(arg(argc, argv, "--shards", "1")), arg(argc, argv, "--dump", ""));
               rc != 0) {
        return rc;
    }
    if (hasFlag(argc, argv, "--only-photos") || hasFlag(argc, argv, "--stream-only")) return 0;
    return generatedSet(argc, argv, peers);
}
