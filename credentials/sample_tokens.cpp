#include "credentials/sample_tokens.h"

#include <cstdio>

#include "credentials/crossing_qr.h"
#include "credentials/keys.h"

namespace kiosk::credentials {

core::Result<std::vector<std::string>> sampleCrossingTokens(int count, uint64_t seed) {
    KIOSK_ASSIGN_OR_RETURN(auto key, generateIssuerKey(Algorithm::ES256, "sample-" + std::to_string(seed)));
    const int64_t now = 1795000000;
    std::vector<std::string> out;
    for (int i = 0; i < count; ++i) {
        char cti[32];
        std::snprintf(cti, sizeof cti, "%08llx%08x", static_cast<unsigned long long>(seed), i);
        CrossingClaims c;
        c.issuer = i % 2 ? "MO" : "HK";
        c.subject = "enr-" + std::to_string(100000 + i);
        c.issuedAt = now;
        c.expiresAt = now + 60;
        c.tokenId = cti;
        KIOSK_ASSIGN_OR_RETURN(std::string t, issueCrossingQr(c, key));
        out.push_back(std::move(t));
    }
    return out;
}

}  // namespace kiosk::credentials
