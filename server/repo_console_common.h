#pragma once
// Small helpers the two console repositories share.
#include <string>
#include <vector>

namespace kiosk::server::detail {

// An export's lanes as one text column: lane ids ([A-Za-z0-9._-]) never hold a comma.
inline std::string joinLanes(const std::vector<std::string>& lanes) {
    std::string out;
    for (const auto& l : lanes) out += (out.empty() ? "" : ",") + l;
    return out;
}

inline std::vector<std::string> splitLanes(const std::string& text) {
    std::vector<std::string> out;
    size_t i = 0;
    while (i <= text.size() && !text.empty()) {
        const auto j = text.find(',', i);
        out.push_back(text.substr(i, j == std::string::npos ? std::string::npos : j - i));
        if (j == std::string::npos) break;
        i = j + 1;
    }
    return out;
}

}  // namespace kiosk::server::detail
