// Health credentials. nlohmann::json is used only to render the hcert for people/tools.
#include "credentials/health.h"

#include <nlohmann/json.hpp>

#include "core/log.h"
#include "credentials/base45.h"
#include "credentials/cose.h"
#include "credentials/cwt.h"
#include "credentials/signed_token.h"
#include "credentials/x509_certificate.h"
#include "credentials/zlib_codec.h"

namespace kiosk::credentials {
namespace {
constexpr std::string_view kHealthClaim = "hkhc";

core::Error hcMalformed(const std::string& why) { return core::makeError("hc.malformed", "HC1: " + why); }

std::string base64(std::string_view in) {
    static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::size_t i = 0;
    for (; i + 2 < in.size(); i += 3) {
        const unsigned n = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8) |
                           static_cast<unsigned char>(in[i + 2]);
        out += {t[n >> 18], t[(n >> 12) & 63], t[(n >> 6) & 63], t[n & 63]};
    }
    if (i + 1 == in.size()) {
        const unsigned n = static_cast<unsigned char>(in[i]) << 16;
        out += {t[n >> 18], t[(n >> 12) & 63], '=', '='};
    } else if (i + 2 == in.size()) {
        const unsigned n = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8);
        out += {t[n >> 18], t[(n >> 12) & 63], t[(n >> 6) & 63], '='};
    }
    return out;
}

nlohmann::json toJson(const CborValue& v, int depth = 0) {
    using T = CborValue::Type;
    if (depth > 32) return nullptr;
    switch (v.type()) {
        case T::Unsigned: return v.rawUint();
        case T::Negative: return v.asInt64() ? nlohmann::json(*v.asInt64()) : nlohmann::json(v.toDiagnostic());
        case T::Bytes: return base64(v.str());
        case T::Text: return v.str();
        case T::Array: {
            auto a = nlohmann::json::array();
            for (const auto& i : v.items()) a.push_back(toJson(i, depth + 1));
            return a;
        }
        case T::Map: {
            auto o = nlohmann::json::object();
            for (const auto& [k, val] : v.entries())
                o[k.isText() ? k.str() : k.toDiagnostic()] = toJson(val, depth + 1);
            return o;
        }
        case T::Tag: return toJson(v.tagged(), depth + 1);
        case T::Bool: return v.boolValue();
        case T::Float: return v.floatValue();
        default: return nullptr;
    }
}

// Text value, looking through tags (DCC "sc" may be tag 0 date-time text).
std::optional<std::string> textOf(const CborValue* v) {
    while (v && v->isTag()) v = &v->tagged();
    if (v && v->isText()) return v->str();
    return std::nullopt;
}

core::Status checkHc1Times(const Hc1Certificate& c, int64_t nowUnix, const Hc1Options& o) {
    if (c.expiresAt && nowUnix > *c.expiresAt + o.clockSkewSeconds)
        return core::makeError("hc.expired", "HC1: certificate expired");
    if (c.issuedAt && nowUnix + o.clockSkewSeconds < *c.issuedAt)
        return core::makeError("hc.expired", "HC1: validation time before the issue time");
    return {};
}

struct Hc1Parts {
    CoseSign1 message;
    Hc1Certificate cert;
};

core::Result<Hc1Parts> decodeParts(std::string_view text, const Hc1Options& options) {
    if (text.size() > options.maxTextBytes)
        return hcMalformed("text of " + std::to_string(text.size()) + " bytes is over the cap of " +
                           std::to_string(options.maxTextBytes));
    KIOSK_ASSIGN_OR_RETURN(std::string b45, hc1Unprefix(text));
    auto compressed = base45Decode(b45);
    if (!compressed) return hcMalformed(compressed.error().message);
    auto cose = zlibDecompress(*compressed, options.maxDecompressedBytes);
    if (!cose) return hcMalformed(cose.error().message);
    CoseOptions copts;
    copts.requireProtectedAlg = false;  // DCC practice: alg may be unprotected (CO20)
    copts.rejectDuplicateLabels = false;  // kid in both buckets, protected wins (CO21)
    auto msg = parseCoseSign1(*cose, copts);
    if (!msg) return hcMalformed(msg.error().message);
    if (!msg->payload) return hcMalformed("no payload");
    KIOSK_ASSIGN_OR_RETURN(Hc1Certificate cert, decodeHc1Payload(*msg->payload));
    cert.kid = base64(msg->kid());
    return Hc1Parts{std::move(msg).value(), std::move(cert)};
}
}  // namespace

std::string healthColourName(HealthColour c) {
    switch (c) {
        case HealthColour::Green: return "green";
        case HealthColour::Amber: return "amber";
        case HealthColour::Red: return "red";
    }
    return "red";
}

std::optional<HealthColour> healthColourFromName(std::string_view n) {
    if (n == "green") return HealthColour::Green;
    if (n == "amber") return HealthColour::Amber;
    if (n == "red") return HealthColour::Red;
    return std::nullopt;
}

std::string healthCertificateTypeName(HealthCertificateType t) {
    switch (t) {
        case HealthCertificateType::Vaccination: return "vaccination";
        case HealthCertificateType::Test: return "test";
        case HealthCertificateType::Recovery: return "recovery";
        case HealthCertificateType::Unknown: return "unknown";
    }
    return "unknown";
}

core::Result<std::string> issueHealthCodeToken(const HealthCodeClaims& c, const IssuerKeyPair& key) {
    if (c.issuer.empty() || c.subject.empty()) return core::makeError("qr.malformed", "health code: issuer and subject required");
    if (!detail::isLowerHex(c.tokenId)) return core::makeError("qr.malformed", "health code: tokenId must be lowercase hex");
    CwtClaims w;
    w.iss = c.issuer;
    w.sub = c.subject;
    w.iat = c.issuedAt;
    w.exp = c.expiresAt;
    w.cti = fromHex(c.tokenId).value();
    w.privateClaims.emplace_back(CborValue::text(std::string(kHealthClaim)),
                                 CborValue::map({{CborValue::text("colour"), CborValue::text(healthColourName(c.colour))}}));
    return detail::issueSignedToken(kHealthCodePrefix, w, key);
}

core::Result<HealthCodeClaims> verifyHealthCode(std::string_view text, const TrustList& trust, int64_t nowUnix,
                                                const VerifyOptions& options) {
    KIOSK_ASSIGN_OR_RETURN(detail::DecodedToken t, detail::verifySignedToken(text, kHealthCodePrefix, trust, nowUnix, options,
                                                                             KeyPurpose::HealthCode, false));
    const CwtClaims& w = t.claims;
    if (!w.iss || !w.sub || !w.iat || !w.cti) return core::makeError("qr.malformed", "health code: iss, sub, iat, cti required");
    const auto* p = w.privateClaim(kHealthClaim);
    const auto colourText = p ? textOf(p->find("colour")) : std::nullopt;
    const auto colour = colourText ? healthColourFromName(*colourText) : std::nullopt;
    if (!colour) return core::makeError("qr.malformed", "health code: colour missing or unknown");
    HealthCodeClaims c;
    c.issuer = *w.iss;
    c.subject = *w.sub;
    c.colour = *colour;
    c.issuedAt = *w.iat;
    c.expiresAt = w.exp;
    c.tokenId = toHex(*w.cti);
    c.kid = t.kid;
    return c;
}

core::Result<std::string> hc1Unprefix(std::string_view text) {
    if (text.substr(0, kHc1Prefix.size()) != kHc1Prefix) return hcMalformed("prefix HC1: missing");
    return std::string(text.substr(kHc1Prefix.size()));
}

core::Result<Hc1Certificate> decodeHc1Payload(std::string_view cwtPayload) {
    auto claims = parseCwtClaims(cwtPayload);
    if (!claims) return hcMalformed(claims.error().message);
    const CborValue* hcert = claims->privateClaim(-260);
    if (!hcert || !hcert->isMap()) return hcMalformed("claim -260 (hcert) missing");
    const CborValue* dcc = hcert->find(1);
    if (!dcc || !dcc->isMap()) return hcMalformed("hcert 1 (DCC) missing");
    Hc1Certificate c;
    c.issuer = claims->iss.value_or("");
    c.issuedAt = claims->iat;
    c.expiresAt = claims->exp;
    c.dateOfBirth = textOf(dcc->find("dob")).value_or("");
    auto first = [&](const char* key) -> const CborValue* {
        const CborValue* a = dcc->find(key);
        if (a && a->isArray() && !a->items().empty() && a->items().front().isMap()) return &a->items().front();
        return nullptr;
    };
    if (const auto* v = first("v")) {
        c.type = HealthCertificateType::Vaccination;
        c.eventDate = textOf(v->find("dt")).value_or("");
        if (const auto* dn = v->find("dn")) c.doseNumber = dn->asInt64();
        if (const auto* sd = v->find("sd")) c.totalDoses = sd->asInt64();
    } else if (const auto* t = first("t")) {
        c.type = HealthCertificateType::Test;
        c.eventDate = textOf(t->find("sc")).value_or("");
        c.testResult = textOf(t->find("tr")).value_or("");
    } else if (const auto* r = first("r")) {
        c.type = HealthCertificateType::Recovery;
        c.eventDate = textOf(r->find("fr")).value_or("");
        c.validFrom = textOf(r->find("df"));
        c.validUntil = textOf(r->find("du"));
    }
    try {
        c.hcertJson = toJson(*dcc).dump();
    } catch (const std::exception&) {
        c.hcertJson = "{}";  // invalid UTF-8 cannot happen (the reader checks), kept defensive
    }
    return c;
}

core::Status checkHc1Expiry(const Hc1Certificate& certificate, int64_t nowUnix, const Hc1Options& options) {
    return checkHc1Times(certificate, nowUnix, options);
}

core::Result<Hc1Certificate> decodeHc1(std::string_view text, const Hc1Options& options) {
    KIOSK_ASSIGN_OR_RETURN(Hc1Parts parts, decodeParts(text, options));
    return parts.cert;
}

namespace {
// DCC kid = first 8 bytes of SHA-256 over the signer certificate.
std::string rawSignerKid(std::string_view signerCertificateDer) {
    return fromHex(core::sha256Hex(std::string(signerCertificateDer)).substr(0, 16)).value();
}

core::Result<Hc1Certificate> checkSignature(Hc1Parts& parts, std::string_view signerCertificateDer) {
    auto key = PublicKey::fromCertificateDer(signerCertificateDer);
    if (!key) return core::makeError("hc.bad_signature", "HC1: signer certificate unreadable");
    // The protected header's kid wins over the unprotected one.
    if (parts.message.kid() != rawSignerKid(signerCertificateDer)) return core::makeError("hc.bad_signature", "HC1: kid does not match the certificate");
    CoseOptions copts;
    copts.requireProtectedAlg = false;
    copts.rejectDuplicateLabels = false;
    // verifyCoseSign1 refuses an algorithm that does not fit the key's type and curve
    // (ES256 only with P-256), so a P-384 DSC cannot pass as ES256.
    if (auto st = verifyCoseSign1(parts.message, *key, {}, copts); !st)
        return core::makeError("hc.bad_signature", "HC1: " + st.error().message);
    return parts.cert;
}

bool listsOid(const CertificateFacts& f, std::string_view oid) {
    for (const auto& o : f.extendedKeyUsage)
        if (o == oid) return true;
    return false;
}
}  // namespace

core::Result<Hc1Certificate> verifyHc1Signature(std::string_view text, std::string_view signerCertificateDer,
                                                const Hc1Options& options) {
    KIOSK_ASSIGN_OR_RETURN(Hc1Parts parts, decodeParts(text, options));
    return checkSignature(parts, signerCertificateDer);
}

core::Status checkHc1KeyUsage(const Hc1Certificate& certificate, std::string_view signerCertificateDer) {
    KIOSK_ASSIGN_OR_RETURN(CertificateFacts f, readCertificateFacts(signerCertificateDer));
    const bool test = listsOid(f, kDccKeyUsageTest) || listsOid(f, kDccKeyUsageTestAlt);
    const bool vacc = listsOid(f, kDccKeyUsageVaccination) || listsOid(f, kDccKeyUsageVaccinationAlt);
    const bool recov = listsOid(f, kDccKeyUsageRecovery) || listsOid(f, kDccKeyUsageRecoveryAlt);
    if (!test && !vacc && !recov) return {};  // no DCC usage listed: may sign every kind
    const bool allowed = (certificate.type == HealthCertificateType::Test && test) ||
                         (certificate.type == HealthCertificateType::Vaccination && vacc) ||
                         (certificate.type == HealthCertificateType::Recovery && recov);
    if (!allowed)
        return core::makeError("hc.key_usage", "HC1: the signer certificate may not sign a " +
                                                   healthCertificateTypeName(certificate.type) + " certificate");
    return {};
}

core::Status checkHc1Signer(std::string_view signerCertificateDer, int64_t nowUnix, const Hc1Options& options) {
    KIOSK_ASSIGN_OR_RETURN(CertificateFacts f, readCertificateFacts(signerCertificateDer));
    if (nowUnix + options.clockSkewSeconds < f.notBefore)
        return core::makeError("hc.signer_not_valid", "HC1: the signer certificate is not valid yet");
    if (nowUnix - options.clockSkewSeconds > f.notAfter)
        return core::makeError("hc.signer_not_valid", "HC1: the signer certificate has expired");
    if (options.signerTrust == Hc1SignerTrust::ChainToSigningCa)
        KIOSK_TRY(verifyCertificateChain(signerCertificateDer, options.signingCaDers, nowUnix));
    return {};
}

core::Result<Hc1Certificate> verifyHc1(std::string_view text, std::string_view signerCertificateDer, int64_t nowUnix,
                                       const Hc1Options& options) {
    KIOSK_ASSIGN_OR_RETURN(Hc1Parts parts, decodeParts(text, options));
    KIOSK_ASSIGN_OR_RETURN(Hc1Certificate cert, checkSignature(parts, signerCertificateDer));
    KIOSK_TRY(checkHc1KeyUsage(cert, signerCertificateDer));
    KIOSK_TRY(checkHc1Signer(signerCertificateDer, nowUnix, options));
    if (options.checkExpiry) KIOSK_TRY(checkHc1Times(cert, nowUnix, options));
    return cert;
}

std::string hc1SignerKid(std::string_view signerCertificateDer) {
    return base64(rawSignerKid(signerCertificateDer));
}

core::Result<Hc1Certificate> verifyHc1WithSigners(std::string_view text, const Hc1Signers& signers, int64_t nowUnix) {
    KIOSK_ASSIGN_OR_RETURN(Hc1Certificate unverified, decodeHc1(text, signers.options));
    std::optional<core::Error> firstError;
    for (const auto& der : signers.signerDers) {
        if (hc1SignerKid(der) != unverified.kid) continue;
        auto cert = verifyHc1(text, der, nowUnix, signers.options);
        if (cert.ok()) return cert;
        if (!firstError) firstError = cert.error();
    }
    if (firstError) return *firstError;
    return core::makeError("hc.untrusted_signer", "HC1: no configured signer certificate has the kid " + unverified.kid);
}

}  // namespace kiosk::credentials
