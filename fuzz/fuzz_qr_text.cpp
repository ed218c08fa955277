// The QR text front door: crossing QR, health-code token and HC1 decode on any text.
#include <string_view>

#include "credentials/credentials.h"

namespace {
struct Env {
    kiosk::credentials::TrustList trust;
    Env() {
        using namespace kiosk::credentials;
        auto es = generateIssuerKey(Algorithm::ES256, "hk-es-1").value();
        auto ed = generateIssuerKey(Algorithm::EdDSA, "mo-ed-1").value();
        trust = TrustList::fromKeys({{es.kid, es.alg, es.publicPem, "HK", 0, 0, KeyPurpose::Any},
                                     {ed.kid, ed.alg, ed.publicPem, "MO", 0, 0, KeyPurpose::Any}},
                                    1795000000)
                    .value();
    }
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace kiosk::credentials;
    static const Env env;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    (void)verifyCrossingQr(text, env.trust, 1795000010);
    (void)verifyHealthCode(text, env.trust, 1795000010);
    (void)decodeHc1(text);
    static const Hc1Signers signers{{"not a certificate"}, Hc1Options{}};
    (void)verifyHc1WithSigners(text, signers, 1795000010);
    static ReplayCache cache(ReplayOptions{300, 30, 64});
    (void)cache.checkToken("HK", text.substr(0, 8), 1795000040, text, 1795000010);
    return 0;
}
