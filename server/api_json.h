#pragma once
// Strict reading of request bodies and query strings (docs/api.md, "Conventions").
// Every check returns core::Error with one of the API codes (api.bad_json, api.bad_query,
// api.unknown_field, api.missing_field, api.bad_type, api.bad_value) and a message that
// names the field by its path ("events[3].payload.qr_hash") but never echoes the value:
// a refused value may be exactly the personal data the whitelist keeps out.
#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "core/result.h"

namespace kiosk::server::apijson {

using core::Json;

// HTTP status of an API error code ("api.bad_json" -> 400, "api.bad_type" -> 422, ...).
int statusOf(const std::string& code);

// The body as a JSON object: malformed text, duplicate keys or nesting deeper than
// `maxDepth` -> api.bad_json; any other top-level value -> api.bad_type.
core::Result<Json> parseObject(const std::string& body, int maxDepth = 16);

// --- value checks (true when valid) ---------------------------------------------------
bool isHex64(std::string_view s);           // 64 lowercase hex: document and QR hashes
bool isStreamId(std::string_view s);        // 32 lowercase hex: a device store's id
bool isReference(std::string_view s);       // [A-Za-z0-9_-]{1,64}
bool isDeviceId(std::string_view s);        // [A-Za-z0-9._-]{1,64} (certificate CN)
bool isReasonCode(std::string_view s);      // [a-z][a-z0-9_]*\.[a-z0-9_]+, at most 64
bool isVerdict(std::string_view s);         // "accepted"/"verified" or a reason code
bool isStateName(std::string_view s);       // the lane state machine's state names
bool isToken(std::string_view s);           // [A-Za-z0-9._:-]{0,64}: free-form short codes
bool isDate(std::string_view s);            // YYYY-MM-DD, a real calendar date
bool isBase64(std::string_view s);          // standard alphabet, padded, non-empty
bool isMaskedDocument(std::string_view s);  // at most 4 letters/digits shown, at least one '*'
// Valid UTF-8 (nlohmann already checks) without control characters (< 0x20, 0x7f);
// `maxChars` counts code points.
bool isPlainText(std::string_view s, size_t maxChars);

// Field-by-field reader over one JSON object. Calls return the value or an Error naming
// `path.key`; requireOnly() refuses keys outside the whitelist.
class Fields {
public:
    Fields(const Json& obj, std::string path) : j_(&obj), path_(std::move(path)) {}

    std::string at(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }
    bool has(const std::string& key) const { return j_->contains(key); }
    core::Status requireOnly(std::initializer_list<const char*> allowed) const;

    // `check` may be null (any plain text up to maxChars).
    core::Result<std::string> string(const std::string& key, bool (*check)(std::string_view),
                                     const char* what, size_t maxChars = 64) const;
    core::Result<std::string> stringOr(const std::string& key, const std::string& fallback,
                                       bool (*check)(std::string_view), const char* what,
                                       size_t maxChars = 64) const;
    core::Result<std::string> oneOf(const std::string& key, const std::vector<std::string>& allowed) const;
    core::Result<int64_t> integer(const std::string& key, int64_t lo, int64_t hi) const;
    core::Result<int64_t> integerOr(const std::string& key, int64_t fallback, int64_t lo, int64_t hi) const;
    core::Result<bool> boolean(const std::string& key) const;
    core::Result<bool> booleanOr(const std::string& key, bool fallback) const;
    core::Result<const Json*> object(const std::string& key) const;
    core::Result<const Json*> array(const std::string& key, size_t minItems, size_t maxItems) const;

    core::Error missing(const std::string& key) const;
    core::Error badType(const std::string& key, const char* expected) const;
    core::Error badValue(const std::string& key, const std::string& why) const;

private:
    const Json* j_;
    std::string path_;
};

// Query parameters: only `allowed` names; integers in [lo, hi] (api.bad_query otherwise).
core::Status queryOnly(const std::map<std::string, std::string>& q, std::initializer_list<const char*> allowed);
core::Result<int64_t> queryInt(const std::map<std::string, std::string>& q, const std::string& name,
                               int64_t fallback, int64_t lo, int64_t hi);
core::Result<std::string> queryString(const std::map<std::string, std::string>& q, const std::string& name,
                                      bool (*check)(std::string_view), const char* what);

// Strict decimal int64 (no sign other than a leading '-', no spaces, no overflow).
std::optional<int64_t> parseInt64(std::string_view s);

// Serialises without throwing: invalid UTF-8 (never expected, as inputs are checked) is
// replaced rather than turned into an exception.
std::string dump(const Json& j);

}  // namespace kiosk::server::apijson
