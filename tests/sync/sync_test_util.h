#pragma once
// Helpers for sync_tests: template keys, sample enrolments (tests/store's helpers).
#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "kiosk/sync/biometric_envelope.h"
#include "tests/store/store_test_util.h"
#include "tests/support/test_support.h"

namespace kiosk::sync::testutil {

using store::testutil::kNow;
using store::testutil::makeEnrolment;
using store::testutil::TempStore;

inline std::vector<uint8_t> randomKey(uint32_t seed) {
    std::mt19937 rng(seed);
    std::vector<uint8_t> k(32);
    for (auto& b : k) b = static_cast<uint8_t>(rng());
    return k;
}

inline void writeFile(const std::filesystem::path& p, const std::string& bytes) {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << bytes;
}

inline std::filesystem::path writeKeyFile(const std::filesystem::path& dir, const std::vector<uint8_t>& key,
                                          const std::string& name = "template.key") {
    const auto p = dir / name;
    writeFile(p, std::string(key.begin(), key.end()));
    return p;
}

inline void expectSameBiometrics(const store::EnrolmentRow& a, const store::EnrolmentRow& b) {
    EXPECT_EQ(a.faceDescriptors, b.faceDescriptors);
    ASSERT_EQ(a.fingers.size(), b.fingers.size());
    for (std::size_t i = 0; i < a.fingers.size(); ++i) {
        EXPECT_EQ(a.fingers[i].finger, b.fingers[i].finger);
        EXPECT_EQ(a.fingers[i].formatVersion, b.fingers[i].formatVersion);
        EXPECT_EQ(a.fingers[i].libfprintVersion, b.fingers[i].libfprintVersion);
        EXPECT_EQ(a.fingers[i].data, b.fingers[i].data);
    }
}

}  // namespace kiosk::sync::testutil
