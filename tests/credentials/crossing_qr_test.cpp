#include <gtest/gtest.h>

#include "credentials/base45.h"
#include "credentials/cbor.h"
#include "credentials/cose.h"
#include "credentials/zlib_codec.h"
#include "test_keys.h"

namespace kiosk::credentials {
namespace {
using namespace kiosk::credentials::testing;

std::string codeOf(const core::Result<CrossingClaims>& r) { return r.ok() ? "ok" : r.error().code; }

// Unwraps a QR into its COSE bytes and back, to tamper with it.
std::string coseOf(const std::string& qr) {
    return zlibDecompress(base45Decode(qr.substr(6)).value(), 1 << 16).value();
}
std::string qrOf(const std::string& cose) { return "HKMO1:" + base45Encode(zlibCompress(cose)); }

class CrossingQr : public ::testing::TestWithParam<Algorithm> {
protected:
    const IssuerKeyPair& key() const { return GetParam() == Algorithm::ES256 ? es256Key() : eddsaKey(); }
};

TEST_P(CrossingQr, ValidTokenVerifiesWithAllClaims) {
    const auto qr = issueCrossingQr(sampleClaims(), key());
    ASSERT_TRUE(qr.ok()) << qr.error().message;
    EXPECT_EQ(qr->rfind("HKMO1:", 0), 0u);
    const auto c = verifyCrossingQr(*qr, trustBoth(), kNow + 5);
    ASSERT_TRUE(c.ok()) << c.error().code << " " << c.error().message;
    EXPECT_EQ(c->issuer, "HK");
    EXPECT_EQ(c->subject, "enr-0001");
    EXPECT_EQ(c->issuedAt, kNow);
    EXPECT_EQ(c->expiresAt, kNow + 30);
    EXPECT_EQ(c->tokenId, "00112233445566778899aabbccddeeff");
    EXPECT_EQ(c->documentType, "HKID");
    EXPECT_EQ(c->dateOfBirth, "1990-04-01");
    EXPECT_EQ(c->kid, key().kid);
}

TEST_P(CrossingQr, PrivateClaimIsOptional) {
    auto claims = sampleClaims();
    claims.documentType.reset();
    claims.dateOfBirth.reset();
    const auto c = verifyCrossingQr(issueCrossingQr(claims, key()).value(), trustBoth(), kNow);
    ASSERT_TRUE(c.ok());
    EXPECT_FALSE(c->documentType);
    EXPECT_FALSE(c->dateOfBirth);
}

TEST_P(CrossingQr, ExpiredAfterSkew) {
    const auto qr = issueCrossingQr(sampleClaims(), key()).value();
    EXPECT_EQ(codeOf(verifyCrossingQr(qr, trustBoth(), kNow + 30 + 30)), "ok");  // exp + skew: still ok
    EXPECT_EQ(codeOf(verifyCrossingQr(qr, trustBoth(), kNow + 30 + 31)), "qr.expired");
    VerifyOptions strict;
    strict.clockSkewSeconds = 0;
    EXPECT_EQ(codeOf(verifyCrossingQr(qr, trustBoth(), kNow + 31, strict)), "qr.expired");
}

TEST_P(CrossingQr, NotYetValid) {
    auto claims = sampleClaims();
    claims.notBefore = kNow + 20;
    const auto qr = issueCrossingQr(claims, key()).value();
    EXPECT_EQ(codeOf(verifyCrossingQr(qr, trustBoth(), kNow + 20 - 31)), "qr.not_yet_valid");
    EXPECT_EQ(codeOf(verifyCrossingQr(qr, trustBoth(), kNow + 20)), "ok");
    // Issued in the future (phone clock ahead) is refused too.
    const auto future = issueCrossingQr(sampleClaims(kNow + 300), key()).value();
    EXPECT_EQ(codeOf(verifyCrossingQr(future, trustBoth(), kNow)), "qr.not_yet_valid");
}

TEST_P(CrossingQr, WrongKeyWithSameKidFailsSignature) {
    IssuerKeyPair forged = GetParam() == Algorithm::ES256 ? otherEs256Key() : generateIssuerKey(Algorithm::EdDSA, "mo-ed-1").value();
    const auto qr = issueCrossingQr(sampleClaims(), forged).value();
    EXPECT_EQ(codeOf(verifyCrossingQr(qr, trustBoth(), kNow)), "qr.bad_signature");
}

TEST_P(CrossingQr, UnknownKid) {
    auto k = generateIssuerKey(GetParam(), "nobody").value();
    EXPECT_EQ(codeOf(verifyCrossingQr(issueCrossingQr(sampleClaims(), k).value(), trustBoth(), kNow)), "qr.unknown_issuer");
}

TEST_P(CrossingQr, TamperedPayloadFailsSignature) {
    const auto cose = coseOf(issueCrossingQr(sampleClaims(), key()).value());
    auto msg = cborDecode(cose).value();
    auto items = msg.tagged().items();
    // Same structure, different subject.
    std::string payload = items[2].str();
    const auto pos = payload.find("enr-0001");
    ASSERT_NE(pos, std::string::npos);
    payload[pos + 7] = '2';
    items[2] = CborValue::bytes(payload);
    const auto tampered = cborEncode(CborValue::tag(18, CborValue::array(items)));
    EXPECT_EQ(codeOf(verifyCrossingQr(qrOf(tampered), trustBoth(), kNow)), "qr.bad_signature");
    EXPECT_EQ(codeOf(verifyCrossingQr(qrOf(cose), trustBoth(), kNow)), "ok");  // the untouched one still verifies
}

TEST_P(CrossingQr, TamperedProtectedHeaderFailsSignature) {
    const auto cose = coseOf(issueCrossingQr(sampleClaims(), key()).value());
    auto msg = cborDecode(cose).value();
    auto items = msg.tagged().items();
    auto ph = cborDecode(items[0].str()).value();
    auto entries = ph.entries();
    entries.emplace_back(CborValue::integer(3), CborValue::text("application/cwt"));  // add content type
    items[0] = CborValue::bytes(cborEncode(CborValue::map(entries)));
    const auto tampered = cborEncode(CborValue::tag(18, CborValue::array(items)));
    EXPECT_EQ(codeOf(verifyCrossingQr(qrOf(tampered), trustBoth(), kNow)), "qr.bad_signature");
}

TEST_P(CrossingQr, UnknownCriticalHeaderRefused) {
    PrivateKey pk = PrivateKey::fromPem(key().privatePem).value();
    CwtClaims w;
    w.iss = "HK";
    w.sub = "enr-1";
    w.iat = kNow;
    w.exp = kNow + 30;
    w.cti = "\x01\x02";
    const auto cose = signCoseSign1(encodeCwtClaims(w), pk, key().alg, key().kid,
                                    {{CborValue::integer(2), CborValue::array({CborValue::integer(99)})},
                                     {CborValue::integer(99), CborValue::text("x")}})
                          .value();
    EXPECT_EQ(codeOf(verifyCrossingQr(qrOf(cose), trustBoth(), kNow)), "qr.critical_header");
}

INSTANTIATE_TEST_SUITE_P(Algs, CrossingQr, ::testing::Values(Algorithm::ES256, Algorithm::EdDSA),
                         [](const auto& info) { return algorithmName(info.param); });

TEST(CrossingQrFrontDoor, UnknownPrefixRefused) {
    const auto qr = issueCrossingQr(sampleClaims(), es256Key()).value();
    EXPECT_EQ(codeOf(verifyCrossingQr("HKMO2:" + qr.substr(6), trustBoth(), kNow)), "qr.unknown_prefix");
    EXPECT_EQ(codeOf(verifyCrossingQr("HC1:" + qr.substr(6), trustBoth(), kNow)), "qr.unknown_prefix");
    EXPECT_EQ(codeOf(verifyCrossingQr("", trustBoth(), kNow)), "qr.unknown_prefix");
}

TEST(CrossingQrFrontDoor, ZlibBombRefusedAsTooLarge) {
    const std::string big(100000, 'A');  // compresses to ~100 bytes
    EXPECT_EQ(codeOf(verifyCrossingQr("HKMO1:" + base45Encode(zlibCompress(big)), trustBoth(), kNow)), "qr.too_large");
    EXPECT_EQ(codeOf(verifyCrossingQr("HKMO1:" + std::string(9000, '0'), trustBoth(), kNow)), "qr.too_large");
}

TEST(CrossingQrFrontDoor, BrokenLayersAreMalformed) {
    EXPECT_EQ(codeOf(verifyCrossingQr("HKMO1:abc", trustBoth(), kNow)), "qr.malformed");           // base45 (lowercase)
    EXPECT_EQ(codeOf(verifyCrossingQr("HKMO1:" + base45Encode("not zlib"), trustBoth(), kNow)), "qr.malformed");
    EXPECT_EQ(codeOf(verifyCrossingQr("HKMO1:" + base45Encode(zlibCompress("\x84\x40")), trustBoth(), kNow)),
              "qr.malformed");  // truncated CBOR
    // Untagged COSE_Sign1 is refused for the crossing QR.
    auto msg = cborDecode(coseOf(issueCrossingQr(sampleClaims(), es256Key()).value())).value();
    EXPECT_EQ(codeOf(verifyCrossingQr(qrOf(cborEncode(msg.tagged())), trustBoth(), kNow)), "qr.malformed");
}

TEST(CrossingQrFrontDoor, AlgorithmOnlyFromProtectedHeaderAndAccepted) {
    // alg in the unprotected header only.
    PrivateKey pk = PrivateKey::fromPem(es256Key().privatePem).value();
    CwtClaims w;
    w.iss = "HK";
    w.sub = "s";
    w.iat = kNow;
    w.exp = kNow + 10;
    w.cti = "\x01";
    const std::string payload = encodeCwtClaims(w);
    CoseSign1 m;
    m.protectedBytes = cborEncode(CborValue::map({{CborValue::integer(4), CborValue::bytes(es256Key().kid)}}));
    m.payload = payload;
    const auto sig = pk.sign(Algorithm::ES256, coseSigStructure(m)).value();
    const auto cose = cborEncode(CborValue::tag(
        18, CborValue::array({CborValue::bytes(m.protectedBytes), CborValue::map({{CborValue::integer(1), CborValue::integer(-7)}}),
                              CborValue::bytes(payload), CborValue::bytes(sig)})));
    EXPECT_EQ(codeOf(verifyCrossingQr(qrOf(cose), trustBoth(), kNow)), "qr.unsupported_alg");
    // PS256 is not accepted for the crossing QR even when the key would verify it.
    auto rsa = generateIssuerKey(Algorithm::PS256, "rsa").value();
    auto tl = TrustList::fromKeys({trusted(rsa)}, kNow).value();
    const auto ps = signCoseSign1(payload, PrivateKey::fromPem(rsa.privatePem).value(), Algorithm::PS256, "rsa").value();
    EXPECT_EQ(codeOf(verifyCrossingQr(qrOf(ps), tl, kNow)), "qr.unsupported_alg");
}

TEST(CrossingQrFrontDoor, KeyValidityWindowAndPurpose) {
    auto t = trusted(es256Key(), KeyPurpose::Crossing);
    t.validFrom = kNow - 100;
    t.validUntil = kNow + 10;
    auto tl = TrustList::fromKeys({t}, kNow).value();
    const auto qr = issueCrossingQr(sampleClaims(), es256Key()).value();
    EXPECT_EQ(codeOf(verifyCrossingQr(qr, tl, kNow + 5)), "ok");
    EXPECT_EQ(codeOf(verifyCrossingQr(qr, tl, kNow + 11)), "qr.key_not_valid");
    auto hcOnly = TrustList::fromKeys({trusted(es256Key(), KeyPurpose::HealthCode)}, kNow).value();
    EXPECT_EQ(codeOf(verifyCrossingQr(qr, hcOnly, kNow)), "qr.key_not_valid");
}

TEST(CrossingQrIssue, RefusesLongLifetimeAndBadFields) {
    auto c = sampleClaims();
    c.expiresAt = c.issuedAt + 61;
    EXPECT_FALSE(issueCrossingQr(c, es256Key()).ok());
    c = sampleClaims();
    c.tokenId = "XYZ";
    EXPECT_FALSE(issueCrossingQr(c, es256Key()).ok());
    c = sampleClaims();
    c.dateOfBirth = "01/04/1990";
    EXPECT_FALSE(issueCrossingQr(c, es256Key()).ok());
}

TEST(CrossingQrIssue, FitsInASmallQr) {
    const auto qr = issueCrossingQr(sampleClaims(), es256Key()).value();
    EXPECT_LT(qr.size(), 400u) << qr;  // alphanumeric QR version ~10
}

}  // namespace
}  // namespace kiosk::credentials

#include <atomic>
#include <thread>

namespace kiosk::credentials {
namespace {
using namespace kiosk::credentials::testing;

TEST(CrossingQrThreads, ConcurrentVerificationsShareOneTrustListAndCache) {
    const auto trust = trustBoth();
    std::vector<std::string> texts;
    for (int i = 0; i < 40; ++i) {
        auto c = sampleClaims();
        char cti[8];
        std::snprintf(cti, sizeof cti, "%04x", i);
        c.tokenId = cti;
        texts.push_back(issueCrossingQr(c, i % 2 ? es256Key() : eddsaKey()).value());
    }
    ReplayCache cache;
    std::atomic<int> ok{0}, refused{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&] {
            for (const auto& text : texts) {
                const auto c = verifyCrossingQr(text, trust, kNow + 1);
                ASSERT_TRUE(c.ok());
                (cache.check(*c, text, kNow + 1).ok() ? ok : refused)++;
            }
        });
    for (auto& th : threads) th.join();
    EXPECT_EQ(ok.load(), 40);        // each token accepted exactly once
    EXPECT_EQ(refused.load(), 120);  // the other threads' scans are duplicates
}

}  // namespace
}  // namespace kiosk::credentials
