#pragma once
// One fixture for both backends: each test gets a fresh database (a new SQLite file, or a
// new database on this process's test PostgreSQL) and an open repository on it.
#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <string>

#include "server/repository.h"
#include "tests/support/postgres_harness.h"
#include "tests/support/test_support.h"

// Fails the test with the error's code and message unless `r` is ok.
#define ASSERT_REPO_OK(r) ASSERT_TRUE((r).ok()) << (r).error().code << ": " << (r).error().message
#define EXPECT_REPO_OK(r) EXPECT_TRUE((r).ok()) << (r).error().code << ": " << (r).error().message
#define EXPECT_REPO_ERROR(r, c)                       \
    do {                                              \
        auto&& repo_e_ = (r);                         \
        ASSERT_FALSE(repo_e_.ok()) << "expected " c;  \
        EXPECT_EQ(repo_e_.error().code, c) << repo_e_.error().message; \
    } while (0)
// Binds the value of a Result or fails the test.
#define REPO_ASSIGN(decl, expr) REPO_ASSIGN_IMPL_(KIOSK_CONCAT_(repo_r_, __LINE__), decl, expr)
#define REPO_ASSIGN_IMPL_(tmp, decl, expr) \
    auto tmp = (expr);                     \
    ASSERT_REPO_OK(tmp);                   \
    decl = std::move(tmp).value()

namespace kiosk::server::test {

inline std::string backendName(const ::testing::TestParamInfo<std::string>& info) { return info.param; }

class RepoFixture : public ::testing::TestWithParam<std::string> {
protected:
    void SetUp() override {
        url_ = freshUrl();
        ASSERT_FALSE(url_.empty()) << "no database for this test";
        auto r = openRepository(url_);
        ASSERT_REPO_OK(r);
        repo_ = std::move(r).value();
    }

    // A URL of a fresh, empty database of this test's backend; "" (and a failure) if none.
    std::string freshUrl() {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        std::string hint = std::string(info->test_suite_name()) + "_" + info->name();
        if (GetParam() == "sqlite") return "sqlite:" + (kiosk::testing::tempDir("repo") / "server.db").string();
        auto u = kiosk::testing::freshPostgresDatabase(hint);
        if (!u.ok()) {
            ADD_FAILURE() << u.error().code << ": " << u.error().message;
            return "";
        }
        return *u;
    }

    core::Result<std::unique_ptr<Repository>> reopen() {
        repo_.reset();
        return openRepository(url_);
    }

    bool isPostgres() const { return GetParam() == "postgresql"; }

    std::string url_;
    std::unique_ptr<Repository> repo_;
};

inline DeviceEvent makeEvent(const std::string& device, const std::string& stream, int64_t seq,
                             const std::string& kind = "crossing", int64_t receivedAt = 1000,
                             const std::string& payload = "{}") {
    DeviceEvent e;
    e.deviceId = device;
    e.stream = stream;
    e.seq = seq;
    e.kind = kind;
    e.deviceTime = receivedAt - 1;
    e.receivedAt = receivedAt;
    e.payload = payload;
    return e;
}

// A 64-hex stand-in for a document hash.
inline std::string hashOf(int n) {
    char buf[65];
    std::snprintf(buf, sizeof(buf), "%064x", n);
    return buf;
}

inline EnrolmentRecord makeEnrolment(const std::string& reference, const std::string& documentHash,
                                     int64_t receivedAt = 1000, const std::string& source = "reg-1") {
    EnrolmentRecord r;
    r.reference = reference;
    r.documentHash = documentHash;
    r.documentMasked = "K1*****(8)";
    r.residency = "hk_permanent";
    r.dateOfBirth = "1990-04-01";
    r.documentExpiry = "2031-04-01";
    r.channel = "machine";
    r.enrolledAt = receivedAt - 10;
    r.biometrics = "c2VhbGVk";
    r.sourceDevice = source;
    r.receivedAt = receivedAt;
    return r;
}

}  // namespace kiosk::server::test
