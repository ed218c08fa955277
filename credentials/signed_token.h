#pragma once
// Internal: the shared front door of prefix + Base45(zlib(COSE_Sign1(CWT))) tokens
// (crossing QR, health-code token). Not part of the public API.
#include <string>
#include <string_view>

#include "core/result.h"
#include "credentials/cose.h"
#include "credentials/crossing_qr.h"
#include "credentials/cwt.h"
#include "credentials/trust_list.h"

namespace kiosk::credentials::detail {

struct DecodedToken {
    CoseSign1 message;
    CwtClaims claims;
    std::string kid;
};

// Everything up to and including the signature and the time claims (exp required).
core::Result<DecodedToken> verifySignedToken(std::string_view text, std::string_view prefix, const TrustList& trust,
                                             int64_t nowUnix, const VerifyOptions& options, KeyPurpose purpose,
                                             bool requireExp);
core::Result<std::string> issueSignedToken(std::string_view prefix, const CwtClaims& claims, const IssuerKeyPair& key);

bool isLowerHex(std::string_view s);

}  // namespace kiosk::credentials::detail
