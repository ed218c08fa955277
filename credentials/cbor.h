#pragma once
// A small strict CBOR (RFC 8949) reader and writer: definite and indefinite lengths,
// tags, integer and text map keys, simple values, half/single/double floats.
// The reader enforces depth and size limits and never throws: every failure is an
// Error with code `qr.malformed` (callers may remap it).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace kiosk::credentials {

struct CborLimits {
    std::size_t maxDepth = 16;         // nesting of arrays/maps/tags
    std::size_t maxItems = 65536;      // total data items in one document
    std::size_t maxBytes = 1 << 20;    // input size
};

class CborValue {
public:
    enum class Type { Unsigned, Negative, Bytes, Text, Array, Map, Tag, Bool, Null, Undefined, Simple, Float };
    using MapEntry = std::pair<CborValue, CborValue>;

    CborValue() : type_(Type::Null) {}
    static CborValue integer(int64_t v);
    static CborValue unsignedInt(uint64_t v);
    static CborValue negativeRaw(uint64_t n);  // the value -1 - n
    static CborValue bytes(std::string b);
    static CborValue text(std::string t);
    static CborValue array(std::vector<CborValue> items = {});
    static CborValue map(std::vector<MapEntry> entries = {});
    static CborValue tag(uint64_t tag, CborValue inner);
    static CborValue boolean(bool b);
    static CborValue null();
    static CborValue undefined();
    static CborValue simple(uint8_t v);
    static CborValue floating(double d);

    Type type() const { return type_; }
    bool isInteger() const { return type_ == Type::Unsigned || type_ == Type::Negative; }
    bool isBytes() const { return type_ == Type::Bytes; }
    bool isText() const { return type_ == Type::Text; }
    bool isArray() const { return type_ == Type::Array; }
    bool isMap() const { return type_ == Type::Map; }
    bool isTag() const { return type_ == Type::Tag; }

    // Integer value when it fits an int64_t.
    std::optional<int64_t> asInt64() const;
    // Integer or float as a double (e.g. CWT NumericDate, which may be a float).
    std::optional<double> asNumber() const;
    uint64_t rawUint() const { return uint_; }  // Unsigned value, Negative magnitude, tag number, simple value
    const std::string& str() const { return str_; }       // Bytes or Text
    double floatValue() const { return float_; }
    bool boolValue() const { return uint_ != 0; }
    const std::vector<CborValue>& items() const { return items_; }     // Array; Tag: one item
    const std::vector<MapEntry>& entries() const { return entries_; }  // Map
    uint64_t tagNumber() const { return uint_; }
    const CborValue& tagged() const { return items_.front(); }          // Tag only

    // Map lookup by integer or text key; nullptr when absent (or not a map).
    const CborValue* find(int64_t key) const;
    const CborValue* find(std::string_view key) const;

    bool operator==(const CborValue& o) const;
    // Diagnostic-ish JSON text for humans (bytes as hex "h'..'"); never used for security.
    std::string toDiagnostic() const;

private:
    Type type_;
    uint64_t uint_ = 0;
    double float_ = 0;
    std::string str_;
    std::vector<CborValue> items_;
    std::vector<MapEntry> entries_;
};

// Decodes exactly one data item that must span the whole input.
core::Result<CborValue> cborDecode(std::string_view bytes, const CborLimits& limits = {});
// Decodes one item from the front; `consumed` receives its length.
core::Result<CborValue> cborDecodePrefix(std::string_view bytes, std::size_t& consumed,
                                         const CborLimits& limits = {});
// Deterministic-length encoding (shortest heads, definite lengths).
std::string cborEncode(const CborValue& v);

}  // namespace kiosk::credentials
