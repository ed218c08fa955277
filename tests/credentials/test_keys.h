#pragma once
// Keys generated once per test process (real OpenSSL key generation).
#include <gtest/gtest.h>

#include "credentials/credentials.h"

namespace kiosk::credentials::testing {

inline const IssuerKeyPair& es256Key() {
    static const IssuerKeyPair k = generateIssuerKey(Algorithm::ES256, "hk-es-1").value();
    return k;
}
inline const IssuerKeyPair& eddsaKey() {
    static const IssuerKeyPair k = generateIssuerKey(Algorithm::EdDSA, "mo-ed-1").value();
    return k;
}
inline const IssuerKeyPair& otherEs256Key() {  // same kid as es256Key(), different key
    static const IssuerKeyPair k = generateIssuerKey(Algorithm::ES256, "hk-es-1").value();
    return k;
}
inline const IssuerKeyPair& trustSignerKey() {
    static const IssuerKeyPair k = generateIssuerKey(Algorithm::ES256, "trust-signer").value();
    return k;
}

inline constexpr int64_t kNow = 1795000000;  // 2026-11-18

inline TrustedKey trusted(const IssuerKeyPair& k, KeyPurpose purpose = KeyPurpose::Any) {
    TrustedKey t;
    t.kid = k.kid;
    t.alg = k.alg;
    t.publicPem = k.publicPem;
    t.issuer = "HK";
    t.purpose = purpose;
    return t;
}

inline TrustList trustBoth(int64_t issuedAt = kNow - 86400) {
    return TrustList::fromKeys({trusted(es256Key()), trusted(eddsaKey())}, issuedAt).value();
}

inline CrossingClaims sampleClaims(int64_t now = kNow) {
    CrossingClaims c;
    c.issuer = "HK";
    c.subject = "enr-0001";
    c.issuedAt = now;
    c.expiresAt = now + 30;
    c.tokenId = "00112233445566778899aabbccddeeff";
    c.documentType = "HKID";
    c.dateOfBirth = "1990-04-01";
    return c;
}

}  // namespace kiosk::credentials::testing
