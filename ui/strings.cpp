#include "ui/strings.h"

#include "core/config.h"

namespace kiosk::ui {

core::Result<StringTable> StringTable::load(const std::filesystem::path& path) {
    KIOSK_ASSIGN_OR_RETURN(core::Json j, core::loadJsonFile(path));
    return parse(j.dump());
}

core::Result<StringTable> StringTable::parse(const std::string& jsonText) {
    KIOSK_ASSIGN_OR_RETURN(core::Json j, core::parseJsonText(jsonText, "strings table"));
    if (!j.is_object()) return core::makeError("ui.strings", "strings table: top level must be an object");
    StringTable t;
    for (auto it = j.begin(); it != j.end(); ++it) {
        if (it.key().rfind("_", 0) == 0) continue;  // "_comment" etc.
        const auto& v = it.value();
        if (!v.is_object())
            return core::makeError("ui.strings", "strings table: " + it.key() + ": must be an object");
        TextTriple tt;
        for (auto [tag, dst] : {std::pair{"zh-Hant", &tt.zhHant}, {"en", &tt.en}, {"pt", &tt.pt}}) {
            if (!v.contains(tag) || !v[tag].is_string() || v[tag].get<std::string>().empty())
                return core::makeError("ui.strings",
                                       std::string("strings table: ") + it.key() + "." + tag + ": missing");
            *dst = v[tag].get<std::string>();
        }
        t.entries_.emplace(it.key(), std::move(tt));
    }
    return t;
}

const std::string& StringTable::get(const std::string& key, Language l) const {
    auto it = entries_.find(key);
    if (it == entries_.end()) return key;
    return it->second.in(l);
}

const TextTriple* StringTable::find(const std::string& key) const {
    auto it = entries_.find(key);
    return it == entries_.end() ? nullptr : &it->second;
}

std::vector<std::string> StringTable::keys() const {
    std::vector<std::string> out;
    for (const auto& [k, v] : entries_) out.push_back(k);
    return out;
}

}  // namespace kiosk::ui
