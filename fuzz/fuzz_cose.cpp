// COSE_Sign1 parse + verify (ES256 and EdDSA keys) + CWT claims: never crashes.
#include <string_view>

#include "credentials/cose.h"
#include "credentials/cwt.h"

namespace {
struct Keys {
    kiosk::credentials::PublicKey es, ed;
    Keys() {
        using namespace kiosk::credentials;
        es = PublicKey::fromPem(generateIssuerKey(Algorithm::ES256, "es").value().publicPem).value();
        ed = PublicKey::fromPem(generateIssuerKey(Algorithm::EdDSA, "ed").value().publicPem).value();
    }
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace kiosk::credentials;
    static const Keys keys;
    const std::string_view in(reinterpret_cast<const char*>(data), size);
    auto msg = parseCoseSign1(in);
    if (!msg.ok()) return 0;
    (void)msg->kid();
    (void)verifyCoseSign1(*msg, keys.es);
    CoseOptions lenient;
    lenient.requireProtectedAlg = false;
    lenient.emptyProtectedMapAsEmpty = true;
    (void)verifyCoseSign1(*msg, keys.ed, "aad", lenient);
    if (msg->payload) (void)parseCwtClaims(*msg->payload);
    return 0;
}
