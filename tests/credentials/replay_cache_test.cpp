#include <gtest/gtest.h>

#include "test_keys.h"
#include "tests/support/test_support.h"

namespace kiosk::credentials {
namespace {
using namespace kiosk::credentials::testing;

std::string replayCodeOf(const core::Status& s) { return s.ok() ? "ok" : s.error().code; }

CrossingClaims claimsWith(const std::string& cti, int64_t iat) {
    auto c = sampleClaims(iat);
    c.tokenId = cti;
    return c;
}

TEST(ReplayCache, SameTextTwiceWithinFiveMinutesIsDuplicateScan) {
    ReplayCache cache;
    const auto c = claimsWith("01", kNow);
    EXPECT_EQ(replayCodeOf(cache.check(c, "QR-A", kNow)), "ok");
    EXPECT_EQ(replayCodeOf(cache.check(c, "QR-A", kNow + 10)), "qr.duplicate_scan");
    EXPECT_EQ(replayCodeOf(cache.check(c, "QR-A", kNow + 300)), "qr.duplicate_scan");
    EXPECT_EQ(replayCodeOf(cache.check(c, "QR-A", kNow + 301)), "ok");  // cti entry gone too (exp + skew)
}

TEST(ReplayCache, SameCtiInOtherTextIsReplayed) {
    ReplayCache cache;
    EXPECT_EQ(replayCodeOf(cache.check(claimsWith("02", kNow), "QR-1", kNow)), "ok");
    EXPECT_EQ(replayCodeOf(cache.check(claimsWith("02", kNow), "QR-2", kNow + 5)), "qr.replayed");
    EXPECT_EQ(replayCodeOf(cache.check(claimsWith("03", kNow), "QR-3", kNow + 5)), "ok");
}

TEST(ReplayCache, WithRealTokens) {
    ReplayCache cache;
    const auto trust = trustBoth();
    const auto qr = issueCrossingQr(sampleClaims(), es256Key()).value();
    const auto c = verifyCrossingQr(qr, trust, kNow).value();
    EXPECT_EQ(replayCodeOf(cache.check(c, qr, kNow)), "ok");
    EXPECT_EQ(replayCodeOf(cache.check(verifyCrossingQr(qr, trust, kNow + 3).value(), qr, kNow + 3)), "qr.duplicate_scan");
    // Re-signed token with the same cti (new signature, new text) is a replay.
    const auto qr2 = issueCrossingQr(sampleClaims(), es256Key()).value();
    ASSERT_NE(qr, qr2);  // ECDSA signatures are randomised
    EXPECT_EQ(replayCodeOf(cache.check(verifyCrossingQr(qr2, trust, kNow + 4).value(), qr2, kNow + 4)), "qr.replayed");
}

TEST(ReplayCache, EntriesExpireAndMemoryIsBounded) {
    ReplayOptions o;
    o.maxEntries = 10;
    ReplayCache cache(o);
    for (int i = 0; i < 50; ++i) {
        char cti[8];
        std::snprintf(cti, sizeof cti, "%04x", i);
        ASSERT_EQ(replayCodeOf(cache.check(claimsWith(cti, kNow + i), "T" + std::to_string(i), kNow + i)), "ok");
        EXPECT_LE(cache.size(), 10u);
    }
    // Oldest evicted first: the latest ones are still remembered.
    EXPECT_EQ(replayCodeOf(cache.check(claimsWith("0031", kNow + 49), "other", kNow + 50)), "qr.replayed");
    cache.purgeExpired(kNow + 49 + 301);
    EXPECT_EQ(cache.size(), 0u);
}

TEST(ReplayCache, ExportImportSurvivesRestart) {
    ReplayCache a;
    ASSERT_TRUE(a.check(claimsWith("0a", kNow), "QR-X", kNow).ok());
    ASSERT_TRUE(a.check(claimsWith("0b", kNow), "QR-Y", kNow).ok());
    const auto rows = a.exportEntries();
    EXPECT_EQ(rows.size(), 4u);
    ReplayCache b;
    b.importEntries(rows, kNow + 20);
    EXPECT_EQ(replayCodeOf(b.check(claimsWith("0a", kNow), "QR-Z", kNow + 20)), "qr.replayed");
    EXPECT_EQ(replayCodeOf(b.check(claimsWith("0c", kNow), "QR-Y", kNow + 20)), "qr.duplicate_scan");
    // Importing long after: everything expired, nothing kept.
    ReplayCache c;
    c.importEntries(rows, kNow + 10000);
    EXPECT_EQ(c.size(), 0u);
}

TEST(ReplayCache, ExportSinceGivesOnlyWhatALaterScanAdded) {
    ReplayCache a;
    ASSERT_TRUE(a.check(claimsWith("1a", kNow), "QR-1", kNow).ok());
    ASSERT_TRUE(a.check(claimsWith("1b", kNow + 5), "QR-2", kNow + 5).ok());
    const auto since = a.exportEntriesSince(kNow + 5);
    ASSERT_EQ(since.size(), 2u);  // the cti and the text of the second scan
    for (const auto& e : since) EXPECT_EQ(e.seenAt, kNow + 5);
    EXPECT_EQ(a.exportEntriesSince(kNow).size(), 4u);
    EXPECT_TRUE(a.exportEntriesSince(kNow + 6).empty());
}

TEST(ReplayCache, FileSaveLoad) {
    const auto file = kiosk::testing::tempDir("replay") / "replay.txt";
    ReplayCache a;
    ASSERT_TRUE(a.check(claimsWith("0d", kNow), "QR with spaces\nand newline", kNow).ok());
    ASSERT_TRUE(a.saveFile(file).ok());
    ReplayCache b;
    ASSERT_TRUE(b.loadFile(file, kNow + 1).ok());
    EXPECT_EQ(b.exportEntries(), a.exportEntries());
    EXPECT_EQ(replayCodeOf(b.check(claimsWith("0e", kNow), "QR with spaces\nand newline", kNow + 2)), "qr.duplicate_scan");
    EXPECT_FALSE(b.loadFile(file.string() + ".missing", kNow).ok());
}

}  // namespace
}  // namespace kiosk::credentials
