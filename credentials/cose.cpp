#include "credentials/cose.h"

#include <algorithm>

namespace kiosk::credentials {
namespace {
core::Error malformed(const std::string& why) { return core::makeError("qr.malformed", "cose: " + why); }
}  // namespace

std::optional<int64_t> CoseSign1::algId(bool allowUnprotected) const {
    if (const auto* a = protectedHeader.find(kCoseHeaderAlg)) return a->asInt64();
    if (allowUnprotected)
        if (const auto* a = unprotectedHeader.find(kCoseHeaderAlg)) return a->asInt64();
    return std::nullopt;
}

std::string CoseSign1::kid() const {
    if (const auto* k = protectedHeader.find(kCoseHeaderKid); k && k->isBytes()) return k->str();
    if (const auto* k = unprotectedHeader.find(kCoseHeaderKid); k && k->isBytes()) return k->str();
    return {};
}

core::Result<CoseSign1> parseCoseSign1(std::string_view bytes, const CoseOptions& options) {
    auto top = cborDecode(bytes, options.limits);
    if (!top) return top.error();
    const CborValue* v = &top.value();
    CoseSign1 msg;
    if (v->isTag() && v->tagNumber() == kCwtTag) {
        v = &v->tagged();
        if (!v->isTag()) return malformed("CWT tag 61 must wrap a tagged COSE message");
    }
    if (v->isTag()) {
        if (v->tagNumber() != kCoseSign1Tag) return malformed("tag " + std::to_string(v->tagNumber()) + " is not COSE_Sign1 (18)");
        msg.tagged = true;
        v = &v->tagged();
    } else if (options.requireTag) {
        return malformed("COSE_Sign1 tag 18 missing");
    }
    if (!v->isArray() || v->items().size() != 4) return malformed("COSE_Sign1 must be an array of 4");
    const auto& it = v->items();
    if (!it[0].isBytes()) return malformed("protected header must be a byte string");
    msg.protectedBytes = it[0].str();
    if (msg.protectedBytes.empty()) {
        msg.protectedHeader = CborValue::map();
    } else {
        auto ph = cborDecode(msg.protectedBytes, options.limits);
        if (!ph) return ph.error();
        if (!ph->isMap()) return malformed("protected header must encode a map");
        msg.protectedHeader = std::move(ph).value();
    }
    if (!it[1].isMap()) return malformed("unprotected header must be a map");
    msg.unprotectedHeader = it[1];
    // A label may not appear in both buckets (RFC 9052 3).
    for (const auto& [k, _] : options.rejectDuplicateLabels ? msg.unprotectedHeader.entries()
                                                            : std::vector<CborValue::MapEntry>{})
        for (const auto& [pk, __] : msg.protectedHeader.entries())
            if (k == pk) return malformed("header label in both protected and unprotected buckets");
    if (it[2].isBytes()) msg.payload = it[2].str();
    else if (it[2].type() != CborValue::Type::Null) return malformed("payload must be a byte string or nil");
    if (!it[3].isBytes()) return malformed("signature must be a byte string");
    msg.signature = it[3].str();
    return msg;
}

std::string coseSigStructure(const CoseSign1& msg, std::string_view externalAad, const CoseOptions& options) {
    std::string prot = msg.protectedBytes;
    if (options.emptyProtectedMapAsEmpty && prot == std::string("\xA0", 1)) prot.clear();
    return cborEncode(CborValue::array({CborValue::text("Signature1"), CborValue::bytes(std::move(prot)),
                                        CborValue::bytes(std::string(externalAad)),
                                        CborValue::bytes(msg.payload.value_or(std::string()))}));
}

core::Status verifyCoseSign1(const CoseSign1& msg, const PublicKey& key, std::string_view externalAad,
                             const CoseOptions& options) {
    // Critical headers: must be protected, a non-empty array of labels we understand.
    if (msg.unprotectedHeader.find(kCoseHeaderCrit)) return core::makeError("qr.critical_header", "crit must be protected");
    if (const auto* crit = msg.protectedHeader.find(kCoseHeaderCrit)) {
        if (!crit->isArray() || crit->items().empty())
            return core::makeError("qr.critical_header", "crit must be a non-empty array");
        for (const auto& label : crit->items()) {
            const auto id = label.asInt64();
            const bool known = id && (*id == kCoseHeaderAlg || *id == kCoseHeaderContentType || *id == kCoseHeaderKid ||
                                      std::find(options.understoodCritical.begin(), options.understoodCritical.end(),
                                                *id) != options.understoodCritical.end());
            if (!known) return core::makeError("qr.critical_header", "unknown critical header " + label.toDiagnostic());
        }
    }
    const auto* algVal = msg.protectedHeader.find(kCoseHeaderAlg);
    if (!algVal && !options.requireProtectedAlg) algVal = msg.unprotectedHeader.find(kCoseHeaderAlg);
    if (!algVal) return core::makeError("qr.unsupported_alg", "alg missing from the protected header");
    const auto algId = algVal->asInt64();
    const auto alg = algId ? algorithmFromCoseId(*algId) : std::nullopt;
    if (!alg) return core::makeError("qr.unsupported_alg", "alg " + algVal->toDiagnostic() + " not supported");
    if (!msg.payload) return malformed("detached payload not supported");
    return key.verify(*alg, coseSigStructure(msg, externalAad, options), msg.signature);
}

core::Result<std::string> signCoseSign1(std::string_view payload, const PrivateKey& key, Algorithm alg,
                                        std::string_view kid, const std::vector<CborValue::MapEntry>& extraProtected) {
    std::vector<CborValue::MapEntry> ph{{CborValue::integer(kCoseHeaderAlg), CborValue::integer(coseAlgorithmId(alg))}};
    if (!kid.empty()) ph.emplace_back(CborValue::integer(kCoseHeaderKid), CborValue::bytes(std::string(kid)));
    for (const auto& e : extraProtected) ph.push_back(e);
    CoseSign1 msg;
    msg.protectedBytes = cborEncode(CborValue::map(std::move(ph)));
    msg.payload = std::string(payload);
    KIOSK_ASSIGN_OR_RETURN(std::string sig, key.sign(alg, coseSigStructure(msg)));
    return cborEncode(CborValue::tag(kCoseSign1Tag, CborValue::array({CborValue::bytes(msg.protectedBytes), CborValue::map(),
                                                                      CborValue::bytes(*msg.payload),
                                                                      CborValue::bytes(std::move(sig))})));
}

}  // namespace kiosk::credentials
