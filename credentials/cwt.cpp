#include "credentials/cwt.h"

#include <cmath>

namespace kiosk::credentials {
namespace {
core::Error malformed(const std::string& why) { return core::makeError("qr.malformed", "cwt: " + why); }

core::Result<int64_t> numericDate(const CborValue& v, const char* name) {
    if (v.isTag() && v.tagNumber() == 1) return numericDate(v.tagged(), name);  // epoch-based date tag
    if (auto i = v.asInt64()) return *i;
    if (v.type() == CborValue::Type::Float && std::isfinite(v.floatValue()) && std::fabs(v.floatValue()) < 1e15)
        return static_cast<int64_t>(std::floor(v.floatValue()));
    return malformed(std::string(name) + " is not a NumericDate");
}
}  // namespace

const CborValue* CwtClaims::privateClaim(int64_t key) const {
    for (const auto& [k, v] : privateClaims)
        if (k.isInteger() && k.asInt64() == key) return &v;
    return nullptr;
}
const CborValue* CwtClaims::privateClaim(std::string_view key) const {
    for (const auto& [k, v] : privateClaims)
        if (k.isText() && k.str() == key) return &v;
    return nullptr;
}

core::Result<CwtClaims> cwtClaimsFromCbor(const CborValue& map) {
    if (!map.isMap()) return malformed("claims set is not a map");
    CwtClaims c;
    for (const auto& [k, v] : map.entries()) {
        const auto key = k.asInt64();
        if (!key || *key < 1 || *key > 7) {
            c.privateClaims.emplace_back(k, v);
            continue;
        }
        switch (*key) {
            case 1:
            case 2:
            case 3: {
                if (!v.isText()) return malformed("claim " + std::to_string(*key) + " must be text");
                (*key == 1 ? c.iss : *key == 2 ? c.sub : c.aud) = v.str();
                break;
            }
            case 4: {
                KIOSK_ASSIGN_OR_RETURN(c.exp, numericDate(v, "exp"));
                break;
            }
            case 5: {
                KIOSK_ASSIGN_OR_RETURN(c.nbf, numericDate(v, "nbf"));
                break;
            }
            case 6: {
                KIOSK_ASSIGN_OR_RETURN(c.iat, numericDate(v, "iat"));
                break;
            }
            case 7:
                if (!v.isBytes()) return malformed("cti must be a byte string");
                c.cti = v.str();
                break;
        }
    }
    return c;
}

core::Result<CwtClaims> parseCwtClaims(std::string_view cborBytes, const CborLimits& limits) {
    KIOSK_ASSIGN_OR_RETURN(CborValue v, cborDecode(cborBytes, limits));
    return cwtClaimsFromCbor(v);
}

std::string encodeCwtClaims(const CwtClaims& c) {
    std::vector<CborValue::MapEntry> m;
    auto put = [&](int64_t k, CborValue v) { m.emplace_back(CborValue::integer(k), std::move(v)); };
    if (c.iss) put(1, CborValue::text(*c.iss));
    if (c.sub) put(2, CborValue::text(*c.sub));
    if (c.aud) put(3, CborValue::text(*c.aud));
    if (c.exp) put(4, CborValue::integer(*c.exp));
    if (c.nbf) put(5, CborValue::integer(*c.nbf));
    if (c.iat) put(6, CborValue::integer(*c.iat));
    if (c.cti) put(7, CborValue::bytes(*c.cti));
    for (const auto& e : c.privateClaims) m.push_back(e);
    return cborEncode(CborValue::map(std::move(m)));
}

std::string toHex(std::string_view bytes) {
    static const char* d = "0123456789abcdef";
    std::string s;
    s.reserve(bytes.size() * 2);
    for (unsigned char c : bytes) {
        s.push_back(d[c >> 4]);
        s.push_back(d[c & 15]);
    }
    return s;
}

core::Result<std::string> fromHex(std::string_view hex) {
    if (hex.size() % 2) return core::makeError("qr.malformed", "hex: odd length");
    auto val = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    std::string out;
    out.reserve(hex.size() / 2);
    for (std::size_t i = 0; i < hex.size(); i += 2) {
        const int a = val(hex[i]), b = val(hex[i + 1]);
        if (a < 0 || b < 0) return core::makeError("qr.malformed", "hex: not a hex digit");
        out.push_back(static_cast<char>(a * 16 + b));
    }
    return out;
}

}  // namespace kiosk::credentials
