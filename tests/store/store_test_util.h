#pragma once
// Helpers for store_tests: temp databases, sample enrolments, raw SQL on a file.
#include <sqlite3.h>

#include <array>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/log.h"
#include "kiosk/store/store.h"
#include "tests/support/test_support.h"

namespace kiosk::store::testutil {

inline constexpr int64_t kNow = 1795000000;  // 2026-11-18, a fixed test time

inline StoreOptions keyOpts(const std::filesystem::path& key) {
    StoreOptions o;
    o.keyFile = key;
    return o;
}

struct TempStore {
    std::filesystem::path dir;
    std::filesystem::path db;
    std::filesystem::path key;

    explicit TempStore(const std::string& tag) {
        dir = kiosk::testing::tempDir("store-" + tag);
        db = dir / "kiosk.db";
        key = dir / "store.key";
        auto st = Store::createKeyFile(key);
        EXPECT_TRUE(st.ok()) << (st.ok() ? "" : st.error().message);
    }
    std::unique_ptr<Store> open(StoreOptions o = {}) const {
        if (o.keyFile.empty()) o.keyFile = key;
        auto s = Store::open(db, std::move(o));
        EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().code + ": " + s.error().message);
        return s.ok() ? std::move(s).value() : nullptr;
    }
};

inline FaceDescriptor makeDescriptor(uint32_t seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> n(0.0f, 0.1f);
    FaceDescriptor d(128);
    for (float& f : d) f = n(rng);
    return d;
}

inline std::vector<uint8_t> makeTemplate(uint32_t seed, std::size_t size = 2048) {
    std::mt19937 rng(seed);
    std::vector<uint8_t> t(size);
    for (auto& b : t) b = static_cast<uint8_t>(rng());
    return t;
}

inline EnrolmentRow makeEnrolment(const std::string& reference, const std::string& documentNumber,
                                  int64_t enrolledAt = kNow, uint32_t seed = 1) {
    EnrolmentRow r;
    r.reference = reference;
    r.documentHash = documentHash(documentNumber);
    r.documentMasked = core::maskDocumentNumber(documentNumber);
    r.residency = Residency::HongKongPermanent;
    r.dateOfBirth = "1990-04-01";
    r.channel = EnrolmentChannel::Machine;
    r.enrolledAt = enrolledAt;
    r.documentExpiry = "2031-04-01";
    r.faceDescriptors = {makeDescriptor(seed), makeDescriptor(seed + 100), makeDescriptor(seed + 200)};
    r.fingers = {FingerTemplate{"right_index", 1, "1.94.5", makeTemplate(seed)},
                 FingerTemplate{"left_index", 1, "1.94.5", makeTemplate(seed + 1)}};
    return r;
}

inline std::vector<uint8_t> readFile(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Runs SQL directly on the file (as an attacker or a broken tool would), outside the store.
inline void rawExec(const std::filesystem::path& db, const std::string& sql) {
    sqlite3* h = nullptr;
    ASSERT_EQ(sqlite3_open(db.c_str(), &h), SQLITE_OK);
    char* err = nullptr;
    const int rc = sqlite3_exec(h, sql.c_str(), nullptr, nullptr, &err);
    const std::string msg = err ? err : "";
    sqlite3_free(err);
    sqlite3_close(h);
    ASSERT_EQ(rc, SQLITE_OK) << msg;
}

inline int64_t rawInt(const std::filesystem::path& db, const std::string& sql) {
    sqlite3* h = nullptr;
    EXPECT_EQ(sqlite3_open(db.c_str(), &h), SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(h, sql.c_str(), -1, &st, nullptr), SQLITE_OK) << sqlite3_errmsg(h);
    int64_t v = -1;
    if (st && sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(h);
    return v;
}

// Flips one bit of a blob column in the one row matching `where`.
inline void flipBlobByte(const std::filesystem::path& db, const std::string& table, const std::string& column,
                         const std::string& where, int offset) {
    sqlite3* h = nullptr;
    ASSERT_EQ(sqlite3_open(db.c_str(), &h), SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(h, ("SELECT rowid, " + column + " FROM " + table + " WHERE " + where).c_str(), -1,
                                 &st, nullptr),
              SQLITE_OK);
    ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
    const int64_t rowid = sqlite3_column_int64(st, 0);
    const auto* p = static_cast<const uint8_t*>(sqlite3_column_blob(st, 1));
    std::vector<uint8_t> blob(p, p + sqlite3_column_bytes(st, 1));
    sqlite3_finalize(st);
    ASSERT_LT(static_cast<std::size_t>(offset), blob.size());
    blob[static_cast<std::size_t>(offset)] ^= 0x01;
    ASSERT_EQ(sqlite3_prepare_v2(h, ("UPDATE " + table + " SET " + column + " = ? WHERE rowid = ?").c_str(), -1, &st,
                                 nullptr),
              SQLITE_OK);
    sqlite3_bind_blob(st, 1, blob.data(), static_cast<int>(blob.size()), SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, rowid);
    ASSERT_EQ(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
    sqlite3_close(h);
}

inline bool contains(const std::vector<uint8_t>& hay, const std::vector<uint8_t>& needle) {
    return std::search(hay.begin(), hay.end(), needle.begin(), needle.end()) != hay.end();
}

}  // namespace kiosk::store::testutil
