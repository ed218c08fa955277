#pragma once
// Reading the kiosk's JSON configuration. Every accessor names the full dotted key in
// its error ("config.bad_value: lane.timeouts.door1_ms: must be an integer in [100, 600000]"),
// so an operator can fix the file without reading code.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/result.h"

namespace kiosk::core {

using Json = nlohmann::json;

Result<Json> loadJsonFile(const std::filesystem::path& path);
Result<Json> parseJsonText(const std::string& text, const std::string& what);

// The candidate closest to `key` by edit distance (insertions, deletions, substitutions,
// swaps of neighbours), or "" when none is close enough to be a likely misspelling.
std::string nearestKey(const std::string& key, const std::vector<std::string>& candidates);

class ConfigView {
public:
    ConfigView(const Json& j, std::string path = "") : j_(&j), path_(std::move(path)) {}

    const std::string& path() const { return path_; }
    std::string keyPath(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }
    bool has(const std::string& key) const;
    const Json& json() const { return *j_; }

    Result<ConfigView> child(const std::string& key) const;
    Result<std::string> string(const std::string& key) const;
    Result<std::string> stringOr(const std::string& key, const std::string& fallback) const;
    // One of the allowed values, e.g. device backends {"sim", "opencv"}.
    Result<std::string> oneOf(const std::string& key, const std::vector<std::string>& allowed,
                              const std::string& fallback = "") const;
    Result<int64_t> integer(const std::string& key, int64_t lo, int64_t hi) const;
    Result<int64_t> integerOr(const std::string& key, int64_t fallback, int64_t lo, int64_t hi) const;
    Result<double> number(const std::string& key, double lo, double hi) const;
    Result<double> numberOr(const std::string& key, double fallback, double lo, double hi) const;
    Result<bool> boolean(const std::string& key) const;
    Result<bool> booleanOr(const std::string& key, bool fallback) const;
    // ISO 8601 UTC time or date value.
    Result<int64_t> unixTime(const std::string& key) const;

    // Strict configuration: every key of this object must be one of `known`. An unknown key
    // is config.unknown_key naming the full key, with the nearest known key as a hint
    // ("store.pth: unknown key (did you mean store.path?)"); `where` says where the list
    // of keys is documented. A non-object is config.bad_value.
    Status onlyKeys(const std::vector<std::string>& known, const std::string& where = "") const;

    Error missing(const std::string& key) const;
    Error bad(const std::string& key, const std::string& why) const;

private:
    const Json* j_;
    std::string path_;
};

}  // namespace kiosk::core
