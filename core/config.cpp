#include "core/config.h"

#include <fstream>
#include <sstream>

#include "core/clock.h"

namespace kiosk::core {

Result<Json> parseJsonText(const std::string& text, const std::string& what) {
    Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false, /*ignore_comments=*/true);
    if (j.is_discarded()) {
        // Re-parse with exceptions only to get the position for the message.
        try {
            auto unused = Json::parse(text, nullptr, true, true);
            (void)unused;
        } catch (const Json::parse_error& e) {
            return makeError("config.syntax", what + ": " + e.what());
        }
        return makeError("config.syntax", what + ": not valid JSON");
    }
    return j;
}

Result<Json> loadJsonFile(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return makeError("config.unreadable", "cannot read " + path.string());
    std::ostringstream ss;
    ss << in.rdbuf();
    return parseJsonText(ss.str(), path.string());
}

Error ConfigView::missing(const std::string& key) const {
    return makeError("config.missing_key", keyPath(key) + ": required key is missing");
}

Error ConfigView::bad(const std::string& key, const std::string& why) const {
    return makeError("config.bad_value", keyPath(key) + ": " + why);
}

bool ConfigView::has(const std::string& key) const {
    return j_->is_object() && j_->contains(key) && !(*j_)[key].is_null();
}

Result<ConfigView> ConfigView::child(const std::string& key) const {
    if (!has(key)) return missing(key);
    const Json& c = (*j_)[key];
    if (!c.is_object()) return bad(key, "must be an object");
    return ConfigView(c, keyPath(key));
}

Result<std::string> ConfigView::string(const std::string& key) const {
    if (!has(key)) return missing(key);
    const Json& v = (*j_)[key];
    if (!v.is_string()) return bad(key, "must be a string");
    return v.get<std::string>();
}

Result<std::string> ConfigView::stringOr(const std::string& key, const std::string& fallback) const {
    if (!has(key)) return fallback;
    return string(key);
}

Result<std::string> ConfigView::oneOf(const std::string& key, const std::vector<std::string>& allowed,
                                      const std::string& fallback) const {
    std::string v;
    if (!has(key)) {
        if (fallback.empty()) return missing(key);
        v = fallback;
    } else {
        auto s = string(key);
        if (!s) return s.error();
        v = *s;
    }
    for (const auto& a : allowed)
        if (a == v) return v;
    std::string list;
    for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
    return bad(key, "'" + v + "' is not one of: " + list);
}

Result<int64_t> ConfigView::integer(const std::string& key, int64_t lo, int64_t hi) const {
    if (!has(key)) return missing(key);
    const Json& v = (*j_)[key];
    const std::string range = "[" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
    if (!v.is_number_integer()) return bad(key, "must be an integer in " + range);
    const int64_t x = v.get<int64_t>();
    if (x < lo || x > hi) return bad(key, std::to_string(x) + " is outside " + range);
    return x;
}

Result<int64_t> ConfigView::integerOr(const std::string& key, int64_t fallback, int64_t lo,
                                      int64_t hi) const {
    if (!has(key)) return fallback;
    return integer(key, lo, hi);
}

Result<double> ConfigView::number(const std::string& key, double lo, double hi) const {
    if (!has(key)) return missing(key);
    const Json& v = (*j_)[key];
    std::ostringstream range;
    range << "[" << lo << ", " << hi << "]";
    if (!v.is_number()) return bad(key, "must be a number in " + range.str());
    const double x = v.get<double>();
    if (!(x >= lo && x <= hi)) return bad(key, "value is outside " + range.str());
    return x;
}

Result<double> ConfigView::numberOr(const std::string& key, double fallback, double lo, double hi) const {
    if (!has(key)) return fallback;
    return number(key, lo, hi);
}

Result<bool> ConfigView::boolean(const std::string& key) const {
    if (!has(key)) return missing(key);
    const Json& v = (*j_)[key];
    if (!v.is_boolean()) return bad(key, "must be true or false");
    return v.get<bool>();
}

Result<bool> ConfigView::booleanOr(const std::string& key, bool fallback) const {
    if (!has(key)) return fallback;
    return boolean(key);
}

Result<int64_t> ConfigView::unixTime(const std::string& key) const {
    auto s = string(key);
    if (!s) return s.error();
    WallTime t;
    if (!parseIsoTime(*s, t))
        return bad(key, "'" + *s + "' is not an ISO 8601 date or time (e.g. 2026-01-19 or 2026-01-19T00:00:00+08:00)");
    return toUnixSeconds(t);
}

}  // namespace kiosk::core
