#include "credentials/cbor.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <set>

namespace kiosk::credentials {

// ---- CborValue ----
CborValue CborValue::integer(int64_t v) {
    if (v >= 0) return unsignedInt(static_cast<uint64_t>(v));
    return negativeRaw(static_cast<uint64_t>(-(v + 1)));
}
CborValue CborValue::unsignedInt(uint64_t v) {
    CborValue c;
    c.type_ = Type::Unsigned;
    c.uint_ = v;
    return c;
}
CborValue CborValue::negativeRaw(uint64_t n) {
    CborValue c;
    c.type_ = Type::Negative;
    c.uint_ = n;
    return c;
}
CborValue CborValue::bytes(std::string b) {
    CborValue c;
    c.type_ = Type::Bytes;
    c.str_ = std::move(b);
    return c;
}
CborValue CborValue::text(std::string t) {
    CborValue c;
    c.type_ = Type::Text;
    c.str_ = std::move(t);
    return c;
}
CborValue CborValue::array(std::vector<CborValue> items) {
    CborValue c;
    c.type_ = Type::Array;
    c.items_ = std::move(items);
    return c;
}
CborValue CborValue::map(std::vector<MapEntry> entries) {
    CborValue c;
    c.type_ = Type::Map;
    c.entries_ = std::move(entries);
    return c;
}
CborValue CborValue::tag(uint64_t tag, CborValue inner) {
    CborValue c;
    c.type_ = Type::Tag;
    c.uint_ = tag;
    c.items_.push_back(std::move(inner));
    return c;
}
CborValue CborValue::boolean(bool b) {
    CborValue c;
    c.type_ = Type::Bool;
    c.uint_ = b ? 1 : 0;
    return c;
}
CborValue CborValue::null() { return CborValue(); }
CborValue CborValue::undefined() {
    CborValue c;
    c.type_ = Type::Undefined;
    return c;
}
CborValue CborValue::simple(uint8_t v) {
    CborValue c;
    c.type_ = Type::Simple;
    c.uint_ = v;
    return c;
}
CborValue CborValue::floating(double d) {
    CborValue c;
    c.type_ = Type::Float;
    c.float_ = d;
    return c;
}

std::optional<int64_t> CborValue::asInt64() const {
    if (type_ == Type::Unsigned && uint_ <= static_cast<uint64_t>(INT64_MAX)) return static_cast<int64_t>(uint_);
    if (type_ == Type::Negative && uint_ <= static_cast<uint64_t>(INT64_MAX)) return -1 - static_cast<int64_t>(uint_);
    return std::nullopt;
}

std::optional<double> CborValue::asNumber() const {
    if (type_ == Type::Unsigned) return static_cast<double>(uint_);
    if (type_ == Type::Negative) return -1.0 - static_cast<double>(uint_);
    if (type_ == Type::Float) return float_;
    return std::nullopt;
}

const CborValue* CborValue::find(int64_t key) const {
    if (type_ != Type::Map) return nullptr;
    for (const auto& [k, v] : entries_)
        if (k.isInteger() && k.asInt64() == key) return &v;
    return nullptr;
}

const CborValue* CborValue::find(std::string_view key) const {
    if (type_ != Type::Map) return nullptr;
    for (const auto& [k, v] : entries_)
        if (k.isText() && k.str() == key) return &v;
    return nullptr;
}

bool CborValue::operator==(const CborValue& o) const {
    if (type_ != o.type_) return false;
    if (type_ == Type::Float) return float_ == o.float_ || (std::isnan(float_) && std::isnan(o.float_));
    return uint_ == o.uint_ && str_ == o.str_ && items_ == o.items_ && entries_ == o.entries_;
}

namespace {
std::string hexOf(std::string_view b) {
    static const char* d = "0123456789abcdef";
    std::string s;
    for (unsigned char c : b) {
        s.push_back(d[c >> 4]);
        s.push_back(d[c & 15]);
    }
    return s;
}
std::string jsonEscape(std::string_view t) {
    std::string s = "\"";
    for (unsigned char c : t) {
        if (c == '"' || c == '\\') {
            s.push_back('\\');
            s.push_back(static_cast<char>(c));
        } else if (c < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            s += buf;
        } else {
            s.push_back(static_cast<char>(c));
        }
    }
    return s + "\"";
}
}  // namespace

std::string CborValue::toDiagnostic() const {
    switch (type_) {
        case Type::Unsigned: return std::to_string(uint_);
        case Type::Negative:
            return uint_ == UINT64_MAX ? "-18446744073709551616" : "-" + std::to_string(uint_ + 1);
        case Type::Bytes: return "h'" + hexOf(str_) + "'";
        case Type::Text: return jsonEscape(str_);
        case Type::Array: {
            std::string s = "[";
            for (std::size_t i = 0; i < items_.size(); ++i) s += (i ? ", " : "") + items_[i].toDiagnostic();
            return s + "]";
        }
        case Type::Map: {
            std::string s = "{";
            for (std::size_t i = 0; i < entries_.size(); ++i)
                s += (i ? ", " : "") + entries_[i].first.toDiagnostic() + ": " + entries_[i].second.toDiagnostic();
            return s + "}";
        }
        case Type::Tag: return std::to_string(uint_) + "(" + items_.front().toDiagnostic() + ")";
        case Type::Bool: return uint_ ? "true" : "false";
        case Type::Null: return "null";
        case Type::Undefined: return "undefined";
        case Type::Simple: return "simple(" + std::to_string(uint_) + ")";
        case Type::Float: {
            char buf[64];
            std::snprintf(buf, sizeof buf, "%.17g", float_);
            return buf;
        }
    }
    return "?";
}

// ---- reader ----
namespace {

bool validUtf8(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        int n;
        uint32_t cp;
        if (c < 0x80) {
            ++i;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            n = 1;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            n = 2;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            n = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        for (int k = 1; k <= n; ++k) {
            if (i + k >= s.size()) return false;
            const auto cc = static_cast<unsigned char>(s[i + k]);
            if ((cc & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (cc & 0x3F);
        }
        if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += static_cast<std::size_t>(n) + 1;
    }
    return true;
}

core::Result<CborValue> checkedMap(std::vector<CborValue::MapEntry> v);

class Reader {
public:
    Reader(std::string_view in, const CborLimits& limits) : in_(in), limits_(limits) {}

    core::Result<CborValue> item(std::size_t depth) {
        if (depth > limits_.maxDepth) return fail("nesting deeper than " + std::to_string(limits_.maxDepth));
        if (++items_ > limits_.maxItems) return fail("more than " + std::to_string(limits_.maxItems) + " items");
        uint8_t ib;
        if (!byte(ib)) return fail("truncated");
        const int major = ib >> 5;
        const int info = ib & 0x1F;
        if (major == 7) return simpleOrFloat(info);
        if (info == 31) {
            switch (major) {
                case 2:
                case 3: return indefiniteString(major, depth);
                case 4: return indefiniteArray(depth);
                case 5: return indefiniteMap(depth);
                default: return fail("indefinite length not allowed for major type " + std::to_string(major));
            }
        }
        uint64_t arg;
        if (!argument(info, arg)) return fail("bad or truncated argument");
        switch (major) {
            case 0: return CborValue::unsignedInt(arg);
            case 1: return CborValue::negativeRaw(arg);
            case 2:
            case 3: {
                if (arg > remaining()) return fail("string longer than the input");
                std::string s(in_.substr(pos_, static_cast<std::size_t>(arg)));
                pos_ += static_cast<std::size_t>(arg);
                if (major == 3 && !validUtf8(s)) return fail("text string is not valid UTF-8");
                return major == 2 ? CborValue::bytes(std::move(s)) : CborValue::text(std::move(s));
            }
            case 4: {
                if (arg > remaining()) return fail("array longer than the input");
                std::vector<CborValue> v;
                v.reserve(static_cast<std::size_t>(std::min<uint64_t>(arg, 64)));
                for (uint64_t i = 0; i < arg; ++i) {
                    auto r = item(depth + 1);
                    if (!r) return r.error();
                    v.push_back(std::move(r).value());
                }
                return CborValue::array(std::move(v));
            }
            case 5: {
                if (arg > remaining() / 2) return fail("map longer than the input");
                std::vector<CborValue::MapEntry> v;
                v.reserve(static_cast<std::size_t>(std::min<uint64_t>(arg, 64)));
                for (uint64_t i = 0; i < arg; ++i) {
                    auto k = item(depth + 1);
                    if (!k) return k.error();
                    auto val = item(depth + 1);
                    if (!val) return val.error();
                    v.emplace_back(std::move(k).value(), std::move(val).value());
                }
                return checkedMap(std::move(v));
            }
            case 6: {
                auto inner = item(depth + 1);
                if (!inner) return inner.error();
                return CborValue::tag(arg, std::move(inner).value());
            }
        }
        return fail("unreachable");
    }

    std::size_t pos() const { return pos_; }

private:
    static core::Error fail(const std::string& why) { return core::makeError("qr.malformed", "cbor: " + why); }
    std::size_t remaining() const { return in_.size() - pos_; }
    bool byte(uint8_t& b) {
        if (pos_ >= in_.size()) return false;
        b = static_cast<uint8_t>(in_[pos_++]);
        return true;
    }
    bool bigEndian(std::size_t n, uint64_t& out) {
        if (remaining() < n) return false;
        out = 0;
        for (std::size_t i = 0; i < n; ++i) out = (out << 8) | static_cast<uint8_t>(in_[pos_++]);
        return true;
    }
    bool argument(int info, uint64_t& out) {
        if (info < 24) {
            out = static_cast<uint64_t>(info);
            return true;
        }
        switch (info) {
            case 24: return bigEndian(1, out);
            case 25: return bigEndian(2, out);
            case 26: return bigEndian(4, out);
            case 27: return bigEndian(8, out);
            default: return false;  // 28..30 reserved
        }
    }
    core::Result<CborValue> simpleOrFloat(int info) {
        uint64_t v = 0;
        switch (info) {
            case 20: return CborValue::boolean(false);
            case 21: return CborValue::boolean(true);
            case 22: return CborValue::null();
            case 23: return CborValue::undefined();
            case 24:
                if (!bigEndian(1, v)) return fail("truncated simple value");
                if (v < 32) return fail("simple value below 32 in two-byte form");
                return CborValue::simple(static_cast<uint8_t>(v));
            case 25: {
                if (!bigEndian(2, v)) return fail("truncated half float");
                const int e = static_cast<int>((v >> 10) & 0x1F);
                const int m = static_cast<int>(v & 0x3FF);
                double d;
                if (e == 0) d = std::ldexp(m, -24);
                else if (e != 31) d = std::ldexp(m + 1024, e - 25);
                else d = m == 0 ? INFINITY : NAN;
                return CborValue::floating((v & 0x8000) ? -d : d);
            }
            case 26: {
                if (!bigEndian(4, v)) return fail("truncated float");
                const uint32_t u = static_cast<uint32_t>(v);
                float f;
                std::memcpy(&f, &u, 4);
                return CborValue::floating(f);
            }
            case 27: {
                if (!bigEndian(8, v)) return fail("truncated double");
                double d;
                std::memcpy(&d, &v, 8);
                return CborValue::floating(d);
            }
            case 31: return fail("unexpected break");
            default:
                if (info < 20) return CborValue::simple(static_cast<uint8_t>(info));
                return fail("reserved simple value");
        }
    }
    bool atBreak() const { return pos_ < in_.size() && static_cast<uint8_t>(in_[pos_]) == 0xFF; }
    core::Result<CborValue> indefiniteString(int major, std::size_t depth) {
        std::string s;
        while (true) {
            if (pos_ >= in_.size()) return fail("unterminated indefinite string");
            if (atBreak()) {
                ++pos_;
                break;
            }
            if (++items_ > limits_.maxItems) return fail("too many chunks");
            uint8_t ib;
            byte(ib);
            if ((ib >> 5) != major || (ib & 0x1F) == 31) return fail("bad chunk in indefinite string");
            uint64_t len;
            if (!argument(ib & 0x1F, len)) return fail("bad chunk length");
            if (len > remaining()) return fail("chunk longer than the input");
            s.append(in_.substr(pos_, static_cast<std::size_t>(len)));
            pos_ += static_cast<std::size_t>(len);
        }
        if (major == 3 && !validUtf8(s)) return fail("text string is not valid UTF-8");
        return major == 2 ? CborValue::bytes(std::move(s)) : CborValue::text(std::move(s));
    }
    core::Result<CborValue> indefiniteArray(std::size_t depth) {
        std::vector<CborValue> v;
        while (true) {
            if (pos_ >= in_.size()) return fail("unterminated indefinite array");
            if (atBreak()) {
                ++pos_;
                break;
            }
            auto r = item(depth + 1);
            if (!r) return r.error();
            v.push_back(std::move(r).value());
        }
        return CborValue::array(std::move(v));
    }
    core::Result<CborValue> indefiniteMap(std::size_t depth) {
        std::vector<CborValue::MapEntry> v;
        while (true) {
            if (pos_ >= in_.size()) return fail("unterminated indefinite map");
            if (atBreak()) {
                ++pos_;
                break;
            }
            auto k = item(depth + 1);
            if (!k) return k.error();
            if (atBreak()) return fail("map key without a value");
            auto val = item(depth + 1);
            if (!val) return val.error();
            v.emplace_back(std::move(k).value(), std::move(val).value());
        }
        return checkedMap(std::move(v));
    }

    std::string_view in_;
    CborLimits limits_;
    std::size_t pos_ = 0;
    std::size_t items_ = 0;
};

void encodeInto(std::string& out, const CborValue& v);

core::Result<CborValue> checkedMap(std::vector<CborValue::MapEntry> v) {
    std::set<std::string> seen;
    for (const auto& e : v) {
        std::string k;
        encodeInto(k, e.first);
        if (!seen.insert(std::move(k)).second) return core::makeError("qr.malformed", "cbor: duplicate map key");
    }
    return CborValue::map(std::move(v));
}

void head(std::string& out, int major, uint64_t arg) {
    const uint8_t m = static_cast<uint8_t>(major << 5);
    auto put = [&](int n) {
        for (int i = n - 1; i >= 0; --i) out.push_back(static_cast<char>((arg >> (8 * i)) & 0xFF));
    };
    if (arg < 24) {
        out.push_back(static_cast<char>(m | arg));
    } else if (arg <= 0xFF) {
        out.push_back(static_cast<char>(m | 24));
        put(1);
    } else if (arg <= 0xFFFF) {
        out.push_back(static_cast<char>(m | 25));
        put(2);
    } else if (arg <= 0xFFFFFFFFull) {
        out.push_back(static_cast<char>(m | 26));
        put(4);
    } else {
        out.push_back(static_cast<char>(m | 27));
        put(8);
    }
}

void encodeInto(std::string& out, const CborValue& v) {
    using T = CborValue::Type;
    switch (v.type()) {
        case T::Unsigned: head(out, 0, v.rawUint()); break;
        case T::Negative: head(out, 1, v.rawUint()); break;
        case T::Bytes:
            head(out, 2, v.str().size());
            out += v.str();
            break;
        case T::Text:
            head(out, 3, v.str().size());
            out += v.str();
            break;
        case T::Array:
            head(out, 4, v.items().size());
            for (const auto& i : v.items()) encodeInto(out, i);
            break;
        case T::Map:
            head(out, 5, v.entries().size());
            for (const auto& [k, val] : v.entries()) {
                encodeInto(out, k);
                encodeInto(out, val);
            }
            break;
        case T::Tag:
            head(out, 6, v.tagNumber());
            encodeInto(out, v.tagged());
            break;
        case T::Bool: out.push_back(v.boolValue() ? '\xF5' : '\xF4'); break;
        case T::Null: out.push_back('\xF6'); break;
        case T::Undefined: out.push_back('\xF7'); break;
        case T::Simple:
            if (v.rawUint() < 24) {
                out.push_back(static_cast<char>(0xE0 | v.rawUint()));
            } else {
                out.push_back('\xF8');
                out.push_back(static_cast<char>(v.rawUint()));
            }
            break;
        case T::Float: {
            uint64_t u;
            const double d = v.floatValue();
            std::memcpy(&u, &d, 8);
            out.push_back('\xFB');
            for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((u >> (8 * i)) & 0xFF));
            break;
        }
    }
}

}  // namespace

core::Result<CborValue> cborDecodePrefix(std::string_view bytes, std::size_t& consumed, const CborLimits& limits) {
    if (bytes.size() > limits.maxBytes) return core::makeError("qr.malformed", "cbor: input over the size limit");
    Reader r(bytes, limits);
    auto v = r.item(0);
    if (!v) return v.error();
    consumed = r.pos();
    return v;
}

core::Result<CborValue> cborDecode(std::string_view bytes, const CborLimits& limits) {
    std::size_t consumed = 0;
    auto v = cborDecodePrefix(bytes, consumed, limits);
    if (!v) return v.error();
    if (consumed != bytes.size()) return core::makeError("qr.malformed", "cbor: trailing bytes after the item");
    return v;
}

std::string cborEncode(const CborValue& v) {
    std::string out;
    encodeInto(out, v);
    return out;
}

}  // namespace kiosk::credentials
