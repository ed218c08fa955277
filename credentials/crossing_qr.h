#pragma once
// The crossing QR: "HKMO1:" + Base45(zlib(COSE_Sign1(CWT claims))).
// Private claim "hkmo" (text key) = {"doc": document type, "dob": "YYYY-MM-DD"} when included.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "credentials/keys.h"
#include "credentials/trust_list.h"

namespace kiosk::credentials {

inline constexpr std::string_view kCrossingPrefix = "HKMO1:";
inline constexpr int64_t kMaxCrossingLifetimeSeconds = 60;

struct CrossingClaims {
    std::string issuer;
    std::string subject;      // enrolment reference, opaque
    int64_t issuedAt = 0;
    int64_t expiresAt = 0;    // issuedAt + at most 60 s
    std::optional<int64_t> notBefore;
    std::string tokenId;      // cti, lowercase hex
    std::optional<std::string> documentType;
    std::optional<std::string> dateOfBirth;  // YYYY-MM-DD
    std::string kid;          // filled on verify: the signing key
};

struct VerifyOptions {
    int64_t clockSkewSeconds = 30;
    std::size_t maxDecompressedBytes = 4096;
    std::size_t maxTextBytes = 8192;  // qr.too_large above this
};

// Refuses exp - iat > 60 s, empty subject/tokenId, non-hex tokenId.
core::Result<std::string> issueCrossingQr(const CrossingClaims& claims, const IssuerKeyPair& key);
// Codes: qr.unknown_prefix, qr.too_large, qr.malformed, qr.unsupported_alg, qr.critical_header,
// qr.unknown_issuer, qr.key_not_valid, qr.bad_signature, qr.expired, qr.not_yet_valid.
core::Result<CrossingClaims> verifyCrossingQr(std::string_view text, const TrustList& trust, int64_t nowUnix,
                                              const VerifyOptions& options = {});


}  // namespace kiosk::credentials
