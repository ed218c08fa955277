#include "tests/support/test_support.h"

#include <cstdlib>
#include <random>
#include <vector>

namespace kiosk::testing {

namespace fs = std::filesystem;

std::optional<fs::path> sharedDataDir() {
    const char* env = std::getenv("KIOSK_SHARED_DIR");
    fs::path p = env ? fs::path(env) : fs::path(KIOSK_SHARED_DIR_DEFAULT);
    p /= "data";
    std::error_code ec;
    if (fs::is_directory(p, ec)) return fs::weakly_canonical(p, ec);
    return std::nullopt;
}

fs::path sourceDir() {
    const char* env = std::getenv("KIOSK_SOURCE_DIR");
    return env ? fs::path(env) : fs::path(KIOSK_SOURCE_DIR_DEFAULT);
}

fs::path buildDir() {
    const char* env = std::getenv("KIOSK_BUILD_DIR");
    return env ? fs::path(env) : fs::path(KIOSK_BUILD_DIR_DEFAULT);
}

namespace {
struct TempDirs {
    std::vector<fs::path> dirs;
    ~TempDirs() {
        std::error_code ec;
        for (auto& d : dirs) fs::remove_all(d, ec);
    }
};
TempDirs& temps() {
    static TempDirs t;
    return t;
}
}  // namespace

fs::path tempDir(const std::string& tag) {
    std::random_device rd;
    fs::path p = fs::temp_directory_path() / ("kiosk-" + tag + "-" + std::to_string(rd()));
    fs::create_directories(p);
    temps().dirs.push_back(p);
    return p;
}

}  // namespace kiosk::testing
