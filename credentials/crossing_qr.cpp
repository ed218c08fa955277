#include "credentials/crossing_qr.h"

#include "credentials/signed_token.h"

namespace kiosk::credentials {
namespace {
constexpr std::string_view kPrivateClaim = "hkmo";

bool isIsoDate(std::string_view s) {
    if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
    for (std::size_t i : {0u, 1u, 2u, 3u, 5u, 6u, 8u, 9u})
        if (s[i] < '0' || s[i] > '9') return false;
    const int m = (s[5] - '0') * 10 + (s[6] - '0'), d = (s[8] - '0') * 10 + (s[9] - '0');
    return m >= 1 && m <= 12 && d >= 1 && d <= 31;
}
core::Error invalid(const std::string& why) { return core::makeError("qr.malformed", "crossing claims: " + why); }
}  // namespace

core::Result<std::string> issueCrossingQr(const CrossingClaims& c, const IssuerKeyPair& key) {
    if (c.issuer.empty()) return invalid("issuer is empty");
    if (c.subject.empty()) return invalid("subject is empty");
    if (!detail::isLowerHex(c.tokenId)) return invalid("tokenId must be lowercase hex");
    if (c.expiresAt <= c.issuedAt || c.expiresAt - c.issuedAt > kMaxCrossingLifetimeSeconds)
        return invalid("exp must be after iat by at most 60 s");
    if (c.dateOfBirth && !isIsoDate(*c.dateOfBirth)) return invalid("dateOfBirth must be YYYY-MM-DD");
    CwtClaims w;
    w.iss = c.issuer;
    w.sub = c.subject;
    w.iat = c.issuedAt;
    w.exp = c.expiresAt;
    w.nbf = c.notBefore;
    w.cti = fromHex(c.tokenId).value();
    if (c.documentType || c.dateOfBirth) {
        std::vector<CborValue::MapEntry> p;
        if (c.documentType) p.emplace_back(CborValue::text("doc"), CborValue::text(*c.documentType));
        if (c.dateOfBirth) p.emplace_back(CborValue::text("dob"), CborValue::text(*c.dateOfBirth));
        w.privateClaims.emplace_back(CborValue::text(std::string(kPrivateClaim)), CborValue::map(std::move(p)));
    }
    return detail::issueSignedToken(kCrossingPrefix, w, key);
}

core::Result<CrossingClaims> verifyCrossingQr(std::string_view text, const TrustList& trust, int64_t nowUnix,
                                              const VerifyOptions& options) {
    KIOSK_ASSIGN_OR_RETURN(detail::DecodedToken t,
                           detail::verifySignedToken(text, kCrossingPrefix, trust, nowUnix, options, KeyPurpose::Crossing,
                                                     true));
    const CwtClaims& w = t.claims;
    if (!w.iss || w.iss->empty()) return invalid("iss missing");
    if (!w.sub || w.sub->empty()) return invalid("sub missing");
    if (!w.iat) return invalid("iat missing");
    if (!w.cti || w.cti->empty()) return invalid("cti missing");
    if (*w.exp - *w.iat > kMaxCrossingLifetimeSeconds) return invalid("lifetime over 60 s");
    CrossingClaims c;
    c.issuer = *w.iss;
    c.subject = *w.sub;
    c.issuedAt = *w.iat;
    c.expiresAt = *w.exp;
    c.notBefore = w.nbf;
    c.tokenId = toHex(*w.cti);
    c.kid = t.kid;
    if (const auto* p = w.privateClaim(kPrivateClaim)) {
        if (!p->isMap()) return invalid("private claim is not a map");
        if (const auto* d = p->find("doc")) {
            if (!d->isText()) return invalid("document type is not text");
            c.documentType = d->str();
        }
        if (const auto* d = p->find("dob")) {
            if (!d->isText() || !isIsoDate(d->str())) return invalid("date of birth is not YYYY-MM-DD");
            c.dateOfBirth = d->str();
        }
    }
    return c;
}

}  // namespace kiosk::credentials
