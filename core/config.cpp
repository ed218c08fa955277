#include "core/config.h"

#include <algorithm>
#include <cctype>
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

namespace {

// Optimal string alignment distance (Damerau-Levenshtein without repeated edits of a
// substring): "stor" -> "store" is 1, "pth" -> "path" is 1, "ptah" -> "path" is 1.
std::size_t editDistance(const std::string& a, const std::string& b) {
    const std::size_t n = a.size(), m = b.size();
    std::vector<std::vector<std::size_t>> d(n + 1, std::vector<std::size_t>(m + 1));
    for (std::size_t i = 0; i <= n; ++i) d[i][0] = i;
    for (std::size_t j = 0; j <= m; ++j) d[0][j] = j;
    for (std::size_t i = 1; i <= n; ++i)
        for (std::size_t j = 1; j <= m; ++j) {
            const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
        }
    return d[n][m];
}

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

}  // namespace

std::string nearestKey(const std::string& key, const std::vector<std::string>& candidates) {
    const std::string k = lower(key);
    std::string best;
    std::size_t bestDistance = std::string::npos;
    for (const auto& c : candidates) {
        const std::size_t d = editDistance(k, lower(c));
        if (d < bestDistance) {
            bestDistance = d;
            best = c;
        }
    }
    // A third of the longer name (at least 1, at most 3 edits) is still a misspelling;
    // beyond that the hint would mislead more than it helps.
    const std::size_t longer = std::max(k.size(), best.size());
    const std::size_t allowed = std::clamp<std::size_t>(longer / 3, 1, 3);
    return bestDistance <= allowed ? best : std::string();
}

Status ConfigView::onlyKeys(const std::vector<std::string>& known, const std::string& where) const {
    if (!j_->is_object())
        return makeError("config.bad_value", (path_.empty() ? std::string("the configuration") : path_) + ": must be an object");
    for (const auto& [key, value] : j_->items()) {
        if (std::find(known.begin(), known.end(), key) != known.end()) continue;
        std::string msg = keyPath(key) + ": unknown key";
        if (const std::string hint = nearestKey(key, known); !hint.empty()) msg += " (did you mean " + keyPath(hint) + "?)";
        if (!where.empty()) msg += " (" + where + " lists the keys)";
        return makeError("config.unknown_key", msg);
    }
    return {};
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
