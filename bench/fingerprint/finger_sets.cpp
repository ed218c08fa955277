#include "bench/fingerprint/finger_sets.h"

#include <algorithm>
#include <fstream>
#include <regex>
#include <set>

namespace kiosk::bench::finger {
namespace fs = std::filesystem;
namespace fp = devices::fingerprint;

namespace {
const std::regex kFile(R"(^(\d+)_(\d+)\.(png|tif|tiff|bmp)$)", std::regex::icase);

bool holdsImages(const fs::path& dir) {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec))
        if (e.is_regular_file() && std::regex_match(e.path().filename().string(), kFile)) return true;
    return false;
}
}  // namespace

core::Result<std::vector<fs::path>> findSets(const fs::path& root) {
    if (!fs::is_directory(root)) return core::makeError("bench.no_data", "not a folder: " + root.string());
    std::vector<fs::path> out;
    if (holdsImages(root)) out.push_back(root);
    for (const auto& e : fs::directory_iterator(root))
        if (e.is_directory() && holdsImages(e.path())) out.push_back(e.path());
    std::sort(out.begin(), out.end());
    if (out.empty()) return core::makeError("bench.no_data", "no FFF_I image sets under " + root.string());
    return out;
}

std::map<std::string, int> readmeResolutions(const fs::path& root) {
    std::map<std::string, int> out;
    std::ifstream in(root / "README.md");
    std::string line;
    const std::regex name(R"(^\|\s*`([^`]+)`\s*\|)");
    const std::regex cell(R"(\|\s*(\d{3,4})\s*(?=\|))");
    while (std::getline(in, line)) {
        std::smatch m;
        if (!std::regex_search(line, m, name)) continue;
        const std::string set = m[1];
        for (auto it = std::sregex_iterator(line.begin(), line.end(), cell); it != std::sregex_iterator(); ++it) {
            const int v = std::stoi((*it)[1]);
            if (v >= 250 && v <= 2000) {
                out[set] = v;
                break;
            }
        }
    }
    return out;
}

core::Result<FingerSet> loadSet(const fs::path& dir, int ppi) {
    FingerSet s;
    s.dir = dir;
    s.name = dir.filename().string();
    s.ppi = ppi;
    std::map<std::string, std::map<int, fs::path>> files;
    for (const auto& e : fs::directory_iterator(dir)) {
        std::smatch m;
        const std::string n = e.path().filename().string();
        if (e.is_regular_file() && std::regex_match(n, m, kFile)) files[m[1]][std::stoi(m[2])] = e.path();
    }
    std::size_t most = 0;
    for (const auto& [f, imps] : files) most = std::max(most, imps.size());
    for (const auto& [f, imps] : files) {
        if (imps.size() != most) continue;
        std::vector<fp::FingerImage> row;
        for (const auto& [i, path] : imps) {
            KIOSK_ASSIGN_OR_RETURN(auto img, fp::loadGrayImage(path));
            row.push_back({std::move(img), ppi});
        }
        s.fingers.push_back(f);
        s.images.push_back(std::move(row));
    }
    if (s.fingers.size() < 3 || most < 6)
        return core::makeError("bench.no_data", s.name + ": need >= 3 fingers with >= 6 impressions each");
    return s;
}

}  // namespace kiosk::bench::finger
