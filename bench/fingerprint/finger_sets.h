#pragma once
// bench_fingerprint's data: any folder of FFF_I.png sets (finger FFF, impression I), with
// set names, finger and impression counts found from the files, and the resolution from
// the folder's README.md table (a row naming the set in backticks with a dpi column) or
// --ppi; 500 otherwise.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/result.h"
#include "devices/fingerprint/finger_image_source.h"

namespace kiosk::bench::finger {

struct FingerSet {
    std::string name;
    std::filesystem::path dir;
    int ppi = 500;
    std::vector<std::string> fingers;                                    // "101", ...
    std::vector<std::vector<devices::fingerprint::FingerImage>> images;  // [finger][impression], impression order
};

// Sets directly under `root` (or `root` itself when it holds FFF_I files). Only fingers
// with the full impression count of their set are kept.
core::Result<std::vector<std::filesystem::path>> findSets(const std::filesystem::path& root);
// dpi per set name from root/README.md (rows "| `name` | ... | 569 | ...").
std::map<std::string, int> readmeResolutions(const std::filesystem::path& root);
core::Result<FingerSet> loadSet(const std::filesystem::path& dir, int ppi);

}  // namespace kiosk::bench::finger
