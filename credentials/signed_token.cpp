#include "credentials/signed_token.h"

#include "credentials/base45.h"
#include "credentials/zlib_codec.h"

namespace kiosk::credentials::detail {

bool isLowerHex(std::string_view s) {
    if (s.empty() || s.size() % 2) return false;
    for (char c : s)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    return true;
}

core::Result<DecodedToken> verifySignedToken(std::string_view text, std::string_view prefix, const TrustList& trust,
                                             int64_t nowUnix, const VerifyOptions& options, KeyPurpose purpose,
                                             bool requireExp) {
    if (text.size() > options.maxTextBytes)
        return core::makeError("qr.too_large", "QR text over " + std::to_string(options.maxTextBytes) + " bytes");
    if (text.substr(0, prefix.size()) != prefix)
        return core::makeError("qr.unknown_prefix", "expected prefix " + std::string(prefix));
    KIOSK_ASSIGN_OR_RETURN(std::string compressed, base45Decode(text.substr(prefix.size())));
    KIOSK_ASSIGN_OR_RETURN(std::string cose, zlibDecompress(compressed, options.maxDecompressedBytes));
    CoseOptions copts;
    copts.requireTag = true;
    copts.limits.maxDepth = 8;
    copts.limits.maxItems = 256;
    KIOSK_ASSIGN_OR_RETURN(CoseSign1 msg, parseCoseSign1(cose, copts));

    const auto algId = msg.algId();
    if (!algId) return core::makeError("qr.unsupported_alg", "alg missing from the protected header");
    const auto alg = algorithmFromCoseId(*algId);
    if (!alg || (*alg != Algorithm::ES256 && *alg != Algorithm::EdDSA))
        return core::makeError("qr.unsupported_alg", "alg " + std::to_string(*algId) + " not accepted");
    const auto* kidVal = msg.protectedHeader.find(kCoseHeaderKid);
    if (!kidVal || !kidVal->isBytes()) return core::makeError("qr.unknown_issuer", "kid missing from the protected header");
    const std::string kid = kidVal->str();
    const TrustedKey* tk = trust.find(kid);
    if (!tk) return core::makeError("qr.unknown_issuer", "kid not in the trust list");
    if (tk->alg != *alg) return core::makeError("qr.unsupported_alg", "alg differs from the trusted key's");
    if (tk->purpose != KeyPurpose::Any && tk->purpose != purpose)
        return core::makeError("qr.key_not_valid", "key is not for " + keyPurposeName(purpose) + " tokens");
    if ((tk->validFrom != 0 && nowUnix < tk->validFrom) || (tk->validUntil != 0 && nowUnix > tk->validUntil))
        return core::makeError("qr.key_not_valid", "signing key outside its validity window");
    KIOSK_ASSIGN_OR_RETURN(PublicKey pk, trust.publicKey(kid));
    KIOSK_TRY(verifyCoseSign1(msg, pk, {}, copts));

    CborLimits climits;
    climits.maxDepth = 8;
    climits.maxItems = 256;
    KIOSK_ASSIGN_OR_RETURN(CwtClaims claims, parseCwtClaims(*msg.payload, climits));
    const int64_t skew = options.clockSkewSeconds;
    if (requireExp && !claims.exp) return core::makeError("qr.malformed", "exp claim missing");
    if (claims.exp && nowUnix > *claims.exp + skew) return core::makeError("qr.expired", "token expired");
    if (claims.nbf && nowUnix + skew < *claims.nbf) return core::makeError("qr.not_yet_valid", "token not yet valid (nbf)");
    if (claims.iat && nowUnix + skew < *claims.iat) return core::makeError("qr.not_yet_valid", "token issued in the future");
    return DecodedToken{std::move(msg), std::move(claims), kid};
}

core::Result<std::string> issueSignedToken(std::string_view prefix, const CwtClaims& claims, const IssuerKeyPair& key) {
    if (key.alg != Algorithm::ES256 && key.alg != Algorithm::EdDSA)
        return core::makeError("qr.unsupported_alg", "tokens are signed with ES256 or EdDSA");
    KIOSK_ASSIGN_OR_RETURN(PrivateKey pk, PrivateKey::fromPem(key.privatePem));
    KIOSK_ASSIGN_OR_RETURN(std::string cose, signCoseSign1(encodeCwtClaims(claims), pk, key.alg, key.kid));
    return std::string(prefix) + base45Encode(zlibCompress(cose));
}

}  // namespace kiosk::credentials::detail
