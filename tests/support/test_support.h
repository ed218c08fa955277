#pragma once
#include <filesystem>
#include <optional>
#include <string>

#include <gtest/gtest.h>

namespace kiosk::testing {

// ../shared/data, or nullopt when absent. Tests that need it live in a suite whose name
// contains "Dataset" (ctest label `dataset`) and skip through KIOSK_REQUIRE_SHARED_DATA.
std::optional<std::filesystem::path> sharedDataDir();
std::filesystem::path sourceDir();
std::filesystem::path buildDir();
// A fresh empty folder under the system temp dir, removed when the process exits.
std::filesystem::path tempDir(const std::string& tag);

}  // namespace kiosk::testing

#define KIOSK_REQUIRE_SHARED_DATA(var)                                                   \
    auto var##_opt = ::kiosk::testing::sharedDataDir();                                  \
    if (!var##_opt) GTEST_SKIP() << "../shared/data is absent: dataset test skipped";    \
    const std::filesystem::path var = *var##_opt
