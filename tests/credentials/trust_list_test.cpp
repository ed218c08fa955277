#include <gtest/gtest.h>

#include <fstream>

#include "test_keys.h"
#include "tests/support/test_support.h"

namespace kiosk::credentials {
namespace {
using namespace kiosk::credentials::testing;
constexpr int64_t kTrustDay = 86400;

std::string trustCodeOf(const core::Result<TrustCheck>& r) {
    if (!r.ok()) return r.error().code;
    return r->warning ? r->warning->code : "ok";
}

TEST(TrustList, SignedRoundTripKeepsEveryField) {
    auto t = trusted(es256Key(), KeyPurpose::Crossing);
    t.validFrom = kNow - 10;
    t.validUntil = kNow + 1000;
    t.issuer = "MO";
    auto list = TrustList::fromKeys({t, trusted(eddsaKey())}, kNow, 7).value();
    const auto signedBytes = list.toSigned(trustSignerKey()).value();
    const auto back = TrustList::fromSigned(signedBytes, trustSignerKey().publicPem);
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(back->issuedAt(), kNow);
    EXPECT_EQ(back->sequence(), 7);
    ASSERT_EQ(back->keys().size(), 2u);
    const auto* k = back->find(es256Key().kid);
    ASSERT_NE(k, nullptr);
    EXPECT_EQ(k->validFrom, kNow - 10);
    EXPECT_EQ(k->validUntil, kNow + 1000);
    EXPECT_EQ(k->issuer, "MO");
    EXPECT_EQ(k->purpose, KeyPurpose::Crossing);
    EXPECT_EQ(back->find(eddsaKey().kid)->alg, Algorithm::EdDSA);
    // And it verifies tokens.
    EXPECT_TRUE(verifyCrossingQr(issueCrossingQr(sampleClaims(), eddsaKey()).value(), *back, kNow).ok());
}

TEST(TrustList, WrongSignerOrTamperedFileRefused) {
    auto list = TrustList::fromKeys({trusted(es256Key())}, kNow).value();
    const auto signedBytes = list.toSigned(trustSignerKey()).value();
    EXPECT_EQ(TrustList::fromSigned(signedBytes, es256Key().publicPem).error().code, "trust.bad_signature");
    std::string tampered = signedBytes;
    const auto pos = tampered.find("issued_at");
    ASSERT_NE(pos, std::string::npos);
    tampered[pos + 12] ^= 1;  // a digit of the issue time
    EXPECT_EQ(TrustList::fromSigned(tampered, trustSignerKey().publicPem).error().code, "trust.bad_signature");
    EXPECT_EQ(TrustList::fromSigned("garbage", trustSignerKey().publicPem).error().code, "trust.bad_signature");
}

TEST(TrustList, FileSaveLoadIsAtomicReplace) {
    const auto dir = kiosk::testing::tempDir("trust");
    const auto file = dir / "trust.cose";
    auto list1 = TrustList::fromKeys({trusted(es256Key())}, kNow, 1).value();
    ASSERT_TRUE(list1.saveSignedFile(file, trustSignerKey()).ok());
    auto list2 = TrustList::fromKeys({trusted(eddsaKey())}, kNow + 10, 2).value();
    ASSERT_TRUE(list2.saveSignedFile(file, trustSignerKey()).ok());
    EXPECT_FALSE(std::filesystem::exists(dir / "trust.cose.tmp"));
    const auto loaded = TrustList::loadSignedFile(file, trustSignerKey().publicPem);
    ASSERT_TRUE(loaded.ok());
    EXPECT_EQ(loaded->sequence(), 2);
    EXPECT_NE(loaded->find(eddsaKey().kid), nullptr);
    EXPECT_EQ(loaded->find(es256Key().kid), nullptr);
}

TEST(TrustList, StoreReplacesAtomicallyAndRefusesOlder) {
    TrustStore store;
    ASSERT_TRUE(store.replace(TrustList::fromKeys({trusted(es256Key())}, kNow, 5).value()).ok());
    auto snapshot = store.current();
    ASSERT_TRUE(store.replace(TrustList::fromKeys({trusted(eddsaKey())}, kNow + 1, 6).value()).ok());
    EXPECT_NE(snapshot->find(es256Key().kid), nullptr);  // old readers keep their snapshot
    EXPECT_NE(store.current()->find(eddsaKey().kid), nullptr);
    const auto st = store.replace(TrustList::fromKeys({trusted(es256Key())}, kNow, 4).value());
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code, "trust.bad_signature");
    EXPECT_EQ(store.current()->sequence(), 6);
}

TEST(TrustList, FreshThenWarningFromDay23ThenStaleAfterDay30) {
    auto list = TrustList::fromKeys({trusted(es256Key())}, kNow).value();
    int64_t seen = 0;
    EXPECT_EQ(trustCodeOf(list.checkFreshness(kNow + 1 * kTrustDay, seen)), "ok");
    EXPECT_EQ(trustCodeOf(list.checkFreshness(kNow + 23 * kTrustDay - 1, seen)), "ok");
    EXPECT_EQ(trustCodeOf(list.checkFreshness(kNow + 23 * kTrustDay, seen)), "trust.stale_warning");
    const auto r = list.checkFreshness(kNow + 29 * kTrustDay, seen);
    ASSERT_TRUE(r.ok());  // a warning keeps working
    EXPECT_EQ(r->freshness, TrustFreshness::StaleWarning);
    EXPECT_EQ(trustCodeOf(list.checkFreshness(kNow + 30 * kTrustDay, seen)), "trust.stale_warning");
    EXPECT_EQ(trustCodeOf(list.checkFreshness(kNow + 30 * kTrustDay + 1, seen)), "trust.stale");
    EXPECT_EQ(seen, kNow + 30 * kTrustDay + 1);
}

TEST(TrustList, ClockSetBackIsRefused) {
    auto list = TrustList::fromKeys({trusted(es256Key())}, kNow).value();
    int64_t seen = 0;
    ASSERT_EQ(trustCodeOf(list.checkFreshness(kNow + 10 * kTrustDay, seen)), "ok");
    EXPECT_EQ(seen, kNow + 10 * kTrustDay);
    // Within the skew: fine; the high-water mark does not move back.
    EXPECT_EQ(trustCodeOf(list.checkFreshness(kNow + 10 * kTrustDay - 30, seen)), "ok");
    EXPECT_EQ(seen, kNow + 10 * kTrustDay);
    // Set back a day (e.g. to keep a stale list alive): refused, and stays refused.
    EXPECT_EQ(trustCodeOf(list.checkFreshness(kNow + 9 * kTrustDay, seen)), "trust.clock_rollback");
    EXPECT_EQ(trustCodeOf(list.checkFreshness(kNow + 9 * kTrustDay, seen)), "trust.clock_rollback");
    // Before the list was even issued.
    int64_t fresh = 0;
    EXPECT_EQ(trustCodeOf(list.checkFreshness(kNow - kTrustDay, fresh)), "trust.clock_rollback");
}

TEST(TrustList, EmptyListIsStale) {
    TrustList empty;
    int64_t seen = 0;
    EXPECT_EQ(trustCodeOf(empty.checkFreshness(kNow, seen)), "trust.stale");
}

}  // namespace
}  // namespace kiosk::credentials
