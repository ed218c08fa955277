// bench_credentials: crossing QR verifications per second on one core (text in, verdict
// out: prefix, Base45, zlib, CBOR, COSE_Sign1 signature, CWT claims, times), ES256 and
// EdDSA; plus the replay-cache check and the issuing side. Plain-text table.
//   bench_credentials [seconds-per-row]   (default 2)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "credentials/credentials.h"

using namespace kiosk::credentials;
using Clock = std::chrono::steady_clock;

namespace {
constexpr int64_t kNow = 1795000000;

template <typename F>
double perSecond(double seconds, F&& f, long& count) {
    count = 0;
    const auto start = Clock::now();
    const auto end = start + std::chrono::duration<double>(seconds);
    while (Clock::now() < end) {
        for (int i = 0; i < 16; ++i) f(count++);
    }
    return count / std::chrono::duration<double>(Clock::now() - start).count();
}
}  // namespace

int main(int argc, char** argv) {
    const double seconds = argc > 1 ? std::atof(argv[1]) : 2.0;
    std::printf("bench_credentials: one thread, %.1f s per row\n\n", seconds);
    std::printf("%-44s %14s %12s %10s\n", "operation", "per second", "us each", "runs");
    for (auto alg : {Algorithm::ES256, Algorithm::EdDSA}) {
        const auto key = generateIssuerKey(alg, "bench-" + algorithmName(alg)).value();
        const auto other = generateIssuerKey(alg == Algorithm::ES256 ? Algorithm::EdDSA : Algorithm::ES256, "other").value();
        const auto trust = TrustList::fromKeys({{key.kid, key.alg, key.publicPem, "HK", 0, 0, KeyPurpose::Any},
                                                {other.kid, other.alg, other.publicPem, "MO", 0, 0, KeyPurpose::Any}},
                                               kNow)
                               .value();
        std::vector<std::string> texts;
        for (int i = 0; i < 256; ++i) {
            CrossingClaims c;
            c.issuer = "HK";
            c.subject = "enr-" + std::to_string(100000 + i);
            c.issuedAt = kNow;
            c.expiresAt = kNow + 30;
            char cti[40];
            std::snprintf(cti, sizeof cti, "%032x", i);
            c.tokenId = cti;
            c.documentType = "HKID";
            c.dateOfBirth = "1990-04-01";
            texts.push_back(issueCrossingQr(c, key).value());
        }
        long n = 0;
        int bad = 0;
        double r = perSecond(seconds, [&](long i) {
            if (!verifyCrossingQr(texts[static_cast<std::size_t>(i) & 255], trust, kNow + 5).ok()) ++bad;
        }, n);
        std::printf("%-44s %14.0f %12.1f %10ld\n", ("verifyCrossingQr " + algorithmName(alg) + " (valid)").c_str(), r, 1e6 / r, n);
        if (bad) std::printf("  !! %d verifications failed\n", bad);
        // A refused token that fails before the signature (unknown kid) costs only the decode.
        const auto stranger = generateIssuerKey(alg, "stranger").value();
        CrossingClaims c;
        c.issuer = "HK";
        c.subject = "x";
        c.issuedAt = kNow;
        c.expiresAt = kNow + 30;
        c.tokenId = "ab";
        const auto unknown = issueCrossingQr(c, stranger).value();
        r = perSecond(seconds, [&](long) { (void)verifyCrossingQr(unknown, trust, kNow); }, n);
        std::printf("%-44s %14.0f %12.1f %10ld\n", ("verifyCrossingQr " + algorithmName(alg) + " (unknown kid)").c_str(), r,
                    1e6 / r, n);
        r = perSecond(seconds / 2, [&](long i) {
            c.tokenId = "ab";
            (void)issueCrossingQr(c, key);
        }, n);
        std::printf("%-44s %14.0f %12.1f %10ld\n", ("issueCrossingQr " + algorithmName(alg)).c_str(), r, 1e6 / r, n);
    }
    {
        ReplayCache cache;
        long n = 0;
        const double r = perSecond(seconds, [&](long i) {
            const std::string cti = std::to_string(i);
            (void)cache.checkToken("HK", cti, kNow + i / 1000 + 30, "HKMO1:TEXT" + cti, kNow + i / 1000);
        }, n);
        std::printf("%-44s %14.0f %12.1f %10ld\n", "ReplayCache::checkToken (new token)", r, 1e6 / r, n);
    }
    {
        std::vector<std::string> lines = {"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
                                          "L898902C36UTO7408122F1204159ZE184226B<<<<<10"};
        long n = 0;
        const double r = perSecond(seconds / 2, [&](long) { (void)parseMrz(lines, kNow); }, n);
        std::printf("%-44s %14.0f %12.1f %10ld\n", "parseMrz TD3", r, 1e6 / r, n);
    }
    return 0;
}
