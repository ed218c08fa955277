// kioskctl qrset generate — a QR photo set for measurement (bench_qr) and manual testing.
#include <cstdio>
#include <string>
#include <vector>

#include "devices/io/qr_image_set.h"
#include "tools/command.h"

#if __has_include("credentials/credentials.h")
#include "credentials/credentials.h"
#define KIOSK_QRSET_SIGNED 1
#endif

namespace kiosk::tools {
namespace {

// Real signed crossing tokens (a throw-away ES256 issuer key), or empty when unavailable.
std::vector<std::string> signedTokens(int count, uint64_t seed) {
    std::vector<std::string> out;
#ifdef KIOSK_QRSET_SIGNED
    auto tokens = kiosk::credentials::sampleCrossingTokens(count, seed);
    if (tokens.ok()) out = std::move(*tokens);
#else
    (void)count;
    (void)seed;
#endif
    return out;
}

int generate(const Args& args) {
    const std::string out = option(args, "--out");
    if (out.empty()) {
        std::fprintf(stderr, "qrset generate: --out DIR is required\n");
        return 2;
    }
    int count = 0;
    uint64_t seed = 0;
    try {
        count = std::stoi(option(args, "--count", "330"));
        seed = std::stoull(option(args, "--seed", "1"));
    } catch (const std::exception&) {
        std::fprintf(stderr, "qrset generate: --count and --seed must be numbers\n");
        return 2;
    }
    if (count < 1 || count > 100000) {
        std::fprintf(stderr, "qrset generate: --count must be in [1, 100000]\n");
        return 2;
    }
    std::vector<std::string> texts;
    if (!flag(args, "--token-like")) texts = signedTokens(count, seed);
    auto set = devices::io::generateQrSet(out, count, seed, texts);
    if (!set.ok()) {
        std::fprintf(stderr, "qrset generate: %s: %s\n", set.error().code.c_str(), set.error().message.c_str());
        return 1;
    }
    std::printf("%d frames (1280x720 JPEG) and manifest.jsonl written to %s; texts: %s\n", count, out.c_str(),
                texts.empty() ? "token-like (HKMO1: + Base45, same length and charset)"
                              : "signed HKMO1 crossing tokens (ES256, throw-away key)");
    return 0;
}

KIOSKCTL_COMMAND({"qrset", "generate", "--out DIR [--count N] [--seed S] [--token-like]",
                  "render QR codes of crossing tokens photographed on phone screens (bench_qr set)", generate});

}  // namespace
}  // namespace kiosk::tools
