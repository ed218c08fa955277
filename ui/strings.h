#pragma once
// The one table of UI strings (assets/strings/strings.json):
//   { "welcome.title": { "zh-Hant": "...", "en": "...", "pt": "..." }, ... }
// Every key must have all three languages (load() refuses a table that does not).
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/result.h"
#include "ui/view_model.h"

namespace kiosk::ui {

class StringTable {
public:
    static core::Result<StringTable> load(const std::filesystem::path& path);
    static core::Result<StringTable> parse(const std::string& jsonText);

    bool has(const std::string& key) const { return entries_.count(key) != 0; }
    // The text, or the key itself when missing (visible in screenshots, never a crash).
    const std::string& get(const std::string& key, Language l) const;
    const TextTriple* find(const std::string& key) const;
    std::vector<std::string> keys() const;
    std::size_t size() const { return entries_.size(); }

private:
    std::map<std::string, TextTriple> entries_;
};

}  // namespace kiosk::ui
