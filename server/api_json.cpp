// The only API file that parses JSON text; nlohmann's exceptions stop here.
#include "server/api_json.h"

#include <array>
#include <charconv>
#include <limits>
#include <set>

namespace kiosk::server::apijson {
namespace {

core::Error err(const char* code, std::string message) { return core::makeError(code, std::move(message)); }

// Field names are echoed in messages; a key that is not a plain identifier (it could be
// anything the client sent) is not.
std::string printableKey(const std::string& k) {
    if (k.empty() || k.size() > 64) return "(unnamed field)";
    for (unsigned char c : k)
        if (!(std::isalnum(c) || c == '_' || c == '-' || c == '.')) return "(unnamed field)";
    return k;
}

bool inRange(std::string_view s, size_t lo, size_t hi) { return s.size() >= lo && s.size() <= hi; }

bool allOf(std::string_view s, bool (*pred)(char)) {
    for (char c : s)
        if (!pred(c)) return false;
    return true;
}

bool lowerHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }
bool alnum(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool referenceChar(char c) { return alnum(c) || c == '-' || c == '_'; }
bool deviceChar(char c) { return referenceChar(c) || c == '.'; }
bool tokenChar(char c) { return deviceChar(c) || c == ':'; }
bool codeChar(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; }

// Depth of [ and { outside strings; nlohmann's parser is iterative but a shallow limit keeps
// every later walk over the value cheap and bounded.
bool depthWithin(const std::string& text, int maxDepth) {
    int depth = 0;
    bool inString = false, escape = false;
    for (char c : text) {
        if (inString) {
            if (escape) escape = false;
            else if (c == '\\') escape = true;
            else if (c == '"') inString = false;
            continue;
        }
        if (c == '"') inString = true;
        else if (c == '[' || c == '{') {
            if (++depth > maxDepth) return false;
        } else if (c == ']' || c == '}') --depth;
    }
    return true;
}

struct DuplicateKey {
    std::string key;
};

}  // namespace

int statusOf(const std::string& code) {
    static const std::map<std::string, int> kStatus = {
        {"api.bad_json", 400},    {"api.bad_query", 400},     {"auth.required", 401},
        {"auth.wrong_role", 403}, {"api.not_found", 404},     {"api.method", 405},
        {"api.conflict", 409},    {"api.too_large", 413},     {"api.content_type", 415},
        {"repo.unavailable", 503}, {"api.internal", 500},
    };
    auto it = kStatus.find(code);
    if (it != kStatus.end()) return it->second;
    if (code.rfind("api.", 0) == 0) return 422;
    return 500;
}

core::Result<Json> parseObject(const std::string& body, int maxDepth) {
    if (!depthWithin(body, maxDepth))
        return err("api.bad_json", "body: nested deeper than " + std::to_string(maxDepth) + " levels");
    std::vector<std::set<std::string>> keys;
    auto cb = [&keys](int, Json::parse_event_t ev, Json& parsed) {
        switch (ev) {
            case Json::parse_event_t::object_start: keys.emplace_back(); break;
            case Json::parse_event_t::object_end:
                if (!keys.empty()) keys.pop_back();
                break;
            case Json::parse_event_t::key:
                if (!keys.empty() && parsed.is_string() && !keys.back().insert(parsed.get<std::string>()).second)
                    throw DuplicateKey{parsed.get<std::string>()};
                break;
            default: break;
        }
        return true;
    };
    try {
        Json j = Json::parse(body, cb, /*allow_exceptions=*/true, /*ignore_comments=*/false);
        if (!j.is_object()) return err("api.bad_type", "body: must be a JSON object");
        return j;
    } catch (const DuplicateKey& d) {
        return err("api.bad_json", "body: duplicate key " + printableKey(d.key));
    } catch (const Json::parse_error& e) {
        // Only the position: nlohmann's what() quotes the last token read ("last read:
        // '...'"), which may be a password or a document number.
        return err("api.bad_json", "body: not valid JSON at byte " + std::to_string(e.byte));
    } catch (const std::exception&) {
        return err("api.bad_json", "body: not valid JSON");
    }
}

// --- value checks ------------------------------------------------------------------------

bool isHex64(std::string_view s) { return s.size() == 64 && allOf(s, lowerHex); }
bool isStreamId(std::string_view s) { return s.size() == 32 && allOf(s, lowerHex); }
bool isReference(std::string_view s) { return inRange(s, 1, 64) && allOf(s, referenceChar); }
bool isDeviceId(std::string_view s) { return inRange(s, 1, 64) && allOf(s, deviceChar); }
bool isToken(std::string_view s) { return inRange(s, 0, 64) && allOf(s, tokenChar); }

bool isReasonCode(std::string_view s) {
    if (!inRange(s, 3, 64)) return false;
    auto dot = s.find('.');
    if (dot == std::string_view::npos || dot == 0 || dot + 1 == s.size()) return false;
    if (!(s[0] >= 'a' && s[0] <= 'z')) return false;
    return allOf(s.substr(0, dot), codeChar) && allOf(s.substr(dot + 1), codeChar);
}

bool isVerdict(std::string_view s) { return s == "accepted" || s == "verified" || isReasonCode(s); }

// A state name of the device's machine ("ReadCredential", "CaptureFingers"): a pattern,
// not the lane's list, so a device with a newer machine (or the registration machine)
// is not refused for naming a state this server has not heard of.
bool isStateName(std::string_view s) {
    if (s.empty() || s.size() > 32 || !(s[0] >= 'A' && s[0] <= 'Z')) return false;
    for (char c : s)
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return false;
    return true;
}

bool isDate(std::string_view s) {
    if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
    for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
        if (s[i] < '0' || s[i] > '9') return false;
    auto num = [&](size_t at, size_t n) {
        int v = 0;
        for (size_t i = 0; i < n; ++i) v = v * 10 + (s[at + i] - '0');
        return v;
    };
    const int y = num(0, 4), m = num(5, 2), d = num(8, 2);
    if (y < 1900 || y > 2199 || m < 1 || m > 12 || d < 1) return false;
    static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    const int maxDay = kDays[m - 1] + (m == 2 && leap ? 1 : 0);
    return d <= maxDay;
}

bool isBase64(std::string_view s) {
    if (s.empty() || s.size() % 4 != 0) return false;
    size_t pad = 0;
    if (s.back() == '=') pad = (s[s.size() - 2] == '=') ? 2 : 1;
    for (size_t i = 0; i < s.size() - pad; ++i) {
        char c = s[i];
        if (!(alnum(c) || c == '+' || c == '/')) return false;
    }
    return true;
}

bool isMaskedDocument(std::string_view s) {
    if (!inRange(s, 1, 32)) return false;
    int shown = 0, stars = 0;
    for (char c : s) {
        if (alnum(c)) ++shown;
        else if (c == '*') ++stars;
        else if (!(c == '(' || c == ')' || c == '-' || c == '/' || c == ' ')) return false;
    }
    return stars >= 1 && shown <= 4;
}

bool isPlainText(std::string_view s, size_t maxChars) {
    size_t chars = 0;
    for (size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        size_t n = 0;
        uint32_t cp = 0;
        if (c < 0x80) n = 1, cp = c;
        else if ((c & 0xE0) == 0xC0) n = 2, cp = c & 0x1F;
        else if ((c & 0xF0) == 0xE0) n = 3, cp = c & 0x0F;
        else if ((c & 0xF8) == 0xF0) n = 4, cp = c & 0x07;
        else return false;
        if (i + n > s.size()) return false;
        for (size_t k = 1; k < n; ++k) {
            const auto cc = static_cast<unsigned char>(s[i + k]);
            if ((cc & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (cc & 0x3F);
        }
        static const uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
        if (cp < 0x20 || cp == 0x7F) return false;
        if (++chars > maxChars) return false;
        i += n;
    }
    return true;
}

// --- Fields ------------------------------------------------------------------------------

core::Error Fields::missing(const std::string& key) const {
    return err("api.missing_field", at(key) + ": required");
}
core::Error Fields::badType(const std::string& key, const char* expected) const {
    return err("api.bad_type", at(key) + ": must be " + expected);
}
core::Error Fields::badValue(const std::string& key, const std::string& why) const {
    return err("api.bad_value", at(key) + ": " + why);
}

core::Status Fields::requireOnly(std::initializer_list<const char*> allowed) const {
    for (auto it = j_->begin(); it != j_->end(); ++it) {
        bool known = false;
        for (const char* a : allowed)
            if (it.key() == a) known = true;
        if (!known) return err("api.unknown_field", at(printableKey(it.key())) + ": unknown field");
    }
    return {};
}

core::Result<std::string> Fields::string(const std::string& key, bool (*check)(std::string_view),
                                         const char* what, size_t maxChars) const {
    auto it = j_->find(key);
    if (it == j_->end()) return missing(key);
    if (!it->is_string()) return badType(key, "a string");
    const auto& s = it->get_ref<const std::string&>();
    if (!isPlainText(s, maxChars)) return badValue(key, "must be text of at most " + std::to_string(maxChars) +
                                                            " characters without control characters");
    if (check && !check(s)) return badValue(key, std::string("must be ") + what);
    return s;
}

core::Result<std::string> Fields::stringOr(const std::string& key, const std::string& fallback,
                                           bool (*check)(std::string_view), const char* what,
                                           size_t maxChars) const {
    if (!has(key)) return fallback;
    return string(key, check, what, maxChars);
}

core::Result<std::string> Fields::oneOf(const std::string& key, const std::vector<std::string>& allowed) const {
    auto it = j_->find(key);
    if (it == j_->end()) return missing(key);
    if (!it->is_string()) return badType(key, "a string");
    const auto& s = it->get_ref<const std::string&>();
    for (const auto& a : allowed)
        if (a == s) return s;
    std::string list;
    for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
    return badValue(key, "must be one of " + list);
}

core::Result<int64_t> Fields::integer(const std::string& key, int64_t lo, int64_t hi) const {
    auto it = j_->find(key);
    if (it == j_->end()) return missing(key);
    if (!it->is_number_integer()) return badType(key, "an integer");
    int64_t v = 0;
    if (it->is_number_unsigned()) {
        const auto u = it->get<uint64_t>();
        if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
            return badValue(key, "out of range");
        v = static_cast<int64_t>(u);
    } else {
        v = it->get<int64_t>();
    }
    if (v < lo || v > hi)
        return badValue(key, "must be in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
    return v;
}

core::Result<int64_t> Fields::integerOr(const std::string& key, int64_t fallback, int64_t lo, int64_t hi) const {
    if (!has(key)) return fallback;
    return integer(key, lo, hi);
}

core::Result<bool> Fields::boolean(const std::string& key) const {
    auto it = j_->find(key);
    if (it == j_->end()) return missing(key);
    if (!it->is_boolean()) return badType(key, "true or false");
    return it->get<bool>();
}

core::Result<bool> Fields::booleanOr(const std::string& key, bool fallback) const {
    if (!has(key)) return fallback;
    return boolean(key);
}

core::Result<const Json*> Fields::object(const std::string& key) const {
    auto it = j_->find(key);
    if (it == j_->end()) return missing(key);
    if (!it->is_object()) return badType(key, "an object");
    return &*it;
}

core::Result<const Json*> Fields::array(const std::string& key, size_t minItems, size_t maxItems) const {
    auto it = j_->find(key);
    if (it == j_->end()) return missing(key);
    if (!it->is_array()) return badType(key, "an array");
    if (it->size() < minItems || it->size() > maxItems)
        return badValue(key, "must have " + std::to_string(minItems) + " to " + std::to_string(maxItems) + " items");
    return &*it;
}

// --- query -------------------------------------------------------------------------------

std::optional<int64_t> parseInt64(std::string_view s) {
    if (s.empty() || s.size() > 20) return std::nullopt;
    int64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
    return v;
}

core::Status queryOnly(const std::map<std::string, std::string>& q, std::initializer_list<const char*> allowed) {
    for (const auto& [k, v] : q) {
        bool known = false;
        for (const char* a : allowed)
            if (k == a) known = true;
        if (!known) return err("api.bad_query", "query parameter " + printableKey(k) + ": unknown");
    }
    return {};
}

core::Result<int64_t> queryInt(const std::map<std::string, std::string>& q, const std::string& name,
                               int64_t fallback, int64_t lo, int64_t hi) {
    auto it = q.find(name);
    if (it == q.end()) return fallback;
    auto v = parseInt64(it->second);
    if (!v || *v < lo || *v > hi)
        return err("api.bad_query", "query parameter " + name + ": must be an integer in [" + std::to_string(lo) +
                                        ", " + std::to_string(hi) + "]");
    return *v;
}

core::Result<std::string> queryString(const std::map<std::string, std::string>& q, const std::string& name,
                                      bool (*check)(std::string_view), const char* what) {
    auto it = q.find(name);
    if (it == q.end() || it->second.empty()) return std::string();
    if (!check(it->second)) return err("api.bad_query", "query parameter " + name + ": must be " + what);
    return it->second;
}

std::string dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

}  // namespace kiosk::server::apijson
