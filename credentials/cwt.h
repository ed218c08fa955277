#pragma once
// CWT claims (RFC 8392): iss 1, sub 2, aud 3, exp 4, nbf 5, iat 6, cti 7, plus private claims.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "credentials/cbor.h"

namespace kiosk::credentials {

struct CwtClaims {
    std::optional<std::string> iss, sub, aud;
    std::optional<int64_t> exp, nbf, iat;  // NumericDate (floats are truncated)
    std::optional<std::string> cti;        // raw bytes
    std::vector<CborValue::MapEntry> privateClaims;  // every other key, in order

    const CborValue* privateClaim(int64_t key) const;
    const CborValue* privateClaim(std::string_view key) const;
};

// Code `qr.malformed` when the payload is not a claims map or a known claim has the wrong type.
core::Result<CwtClaims> parseCwtClaims(std::string_view cborBytes, const CborLimits& limits = {});
core::Result<CwtClaims> cwtClaimsFromCbor(const CborValue& map);
std::string encodeCwtClaims(const CwtClaims& claims);

std::string toHex(std::string_view bytes);
core::Result<std::string> fromHex(std::string_view hex);

}  // namespace kiosk::credentials
