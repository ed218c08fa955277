// Base45, zlib, CBOR and COSE building blocks with data made here.
#include <gtest/gtest.h>

#include "test_keys.h"

namespace kiosk::credentials {
namespace {
using namespace kiosk::credentials::testing;

TEST(Base45, RoundTripsEveryByteValueAndLength) {
    std::string all;
    for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
    for (std::size_t n = 0; n <= all.size(); n += 7) {
        const auto s = all.substr(0, n);
        const auto enc = base45Encode(s);
        EXPECT_EQ(enc.size(), n / 2 * 3 + (n % 2) * 2);
        EXPECT_EQ(base45Decode(enc).value(), s);
    }
    EXPECT_EQ(base45Encode("AB"), "BB8");
    EXPECT_FALSE(base45Decode("bb8").ok());
    EXPECT_FALSE(base45Decode("GGW").ok());
}

TEST(Zlib, CapAndCorruption) {
    const std::string data(5000, 'x');
    const auto z = zlibCompress(data);
    EXPECT_EQ(zlibDecompress(z, 5000).value(), data);
    EXPECT_EQ(zlibDecompress(z, 4999).error().code, "qr.too_large");
    EXPECT_EQ(zlibDecompress(z.substr(0, z.size() - 3), 10000).error().code, "qr.malformed");
    EXPECT_EQ(zlibDecompress(z + "junk", 10000).error().code, "qr.malformed");
    EXPECT_EQ(zlibDecompress("", 10).error().code, "qr.malformed");
}

TEST(Cbor, DefiniteIndefiniteTagsAndIntegerKeys) {
    // {_ 1: [_ 1, 2], -260: 18(h'0102'), "t": (_ "ab", "c")} in indefinite form.
    const std::string in("\xbf\x01\x9f\x01\x02\xff\x39\x01\x03\xd2\x42\x01\x02\x61t\x7f\x62" "ab" "\x61" "c\xff\xff", 23);
    const auto v = cborDecode(in);
    ASSERT_TRUE(v.ok()) << v.error().message;
    ASSERT_TRUE(v->isMap());
    EXPECT_EQ(v->find(1)->items().size(), 2u);
    EXPECT_EQ(v->find(-260)->tagNumber(), 18u);
    EXPECT_EQ(v->find("t")->str(), "abc");
    // Re-encoding gives definite lengths that decode to the same value.
    EXPECT_EQ(cborDecode(cborEncode(*v)).value(), *v);
    // Integers at the edges.
    for (int64_t i : {int64_t{0}, int64_t{23}, int64_t{24}, int64_t{-1}, int64_t{-25}, INT64_MIN, INT64_MAX})
        EXPECT_EQ(cborDecode(cborEncode(CborValue::integer(i)))->asInt64(), i);
    EXPECT_EQ(cborDecode(std::string("\xf9\x3c\x00", 3))->asNumber(), 1.0);  // half float
}

TEST(Cbor, StrictRefusals) {
    auto code = [](const std::string& s) { return cborDecode(s).ok() ? "ok" : cborDecode(s).error().code; };
    EXPECT_EQ(code(std::string("\x82\x01", 2)), "qr.malformed");                  // truncated array
    EXPECT_EQ(code(std::string("\x01\x02", 2)), "qr.malformed");                  // trailing byte
    EXPECT_EQ(code(std::string("\x5a\xff\xff\xff\xff", 5)), "qr.malformed");      // length over input
    EXPECT_EQ(code(std::string("\xa2\x01\x01\x01\x02", 5)), "qr.malformed");     // duplicate key
    EXPECT_EQ(code(std::string("\x62\xc3\x28", 3)), "qr.malformed");             // invalid UTF-8
    EXPECT_EQ(code(std::string("\x1c", 1)), "qr.malformed");                      // reserved info
    EXPECT_EQ(code(std::string("\xff", 1)), "qr.malformed");                      // lone break
    EXPECT_EQ(code(std::string("\x5f\x61\x61\xff", 4)), "qr.malformed");         // text chunk in bytes
    std::string deep(100, '\x81');
    deep.push_back('\x01');
    EXPECT_EQ(code(deep), "qr.malformed");  // depth limit
    CborLimits small;
    small.maxItems = 3;
    EXPECT_FALSE(cborDecode(std::string("\x84\x01\x02\x03\x04", 5), small).ok());
}

TEST(Cbor, HugeDeclaredCountsFailWithoutHugeAllocations) {
    // Array of 1 000 000 declared items backed by 1 000 000 bytes: refused at the item limit.
    std::string in("\x9a\x00\x0f\x42\x40", 5);
    in.append(1000000, '\x00');
    const auto r = cborDecode(in);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("items"), std::string::npos) << r.error().message;
    // Map declaring more pairs than bytes left.
    EXPECT_FALSE(cborDecode(std::string("\xbb\x00\x00\x00\x01\x00\x00\x00\x00\x01\x02", 11)).ok());
}

TEST(Cose, SignVerifyEveryAlgorithmWithOwnKeys) {
    for (auto alg : {Algorithm::ES256, Algorithm::EdDSA, Algorithm::PS256, Algorithm::ES384, Algorithm::ES512}) {
        const auto kp = generateIssuerKey(alg, "k").value();
        const auto cose = signCoseSign1("payload", PrivateKey::fromPem(kp.privatePem).value(), alg, "k").value();
        const auto msg = parseCoseSign1(cose).value();
        EXPECT_EQ(msg.algId(), coseAlgorithmId(alg));
        const auto pub = PublicKey::fromPem(kp.publicPem).value();
        EXPECT_TRUE(verifyCoseSign1(msg, pub).ok()) << algorithmName(alg);
        EXPECT_EQ(verifyCoseSign1(msg, pub, "other aad").error().code, "qr.bad_signature") << algorithmName(alg);
        // A key of another type is an unsupported combination, not a crash.
        const auto other = PublicKey::fromPem(alg == Algorithm::EdDSA ? es256Key().publicPem : eddsaKey().publicPem).value();
        EXPECT_FALSE(verifyCoseSign1(msg, other).ok());
    }
}

TEST(Cose, StructureErrors) {
    EXPECT_FALSE(parseCoseSign1(cborEncode(CborValue::array({}))).ok());
    EXPECT_FALSE(parseCoseSign1(cborEncode(CborValue::tag(
                                    17, CborValue::array({CborValue::bytes(""), CborValue::map(), CborValue::bytes(""),
                                                          CborValue::bytes("")}))))
                     .ok());
    // Protected header that is not a map.
    EXPECT_FALSE(parseCoseSign1(cborEncode(CborValue::array({CborValue::bytes(cborEncode(CborValue::integer(1))),
                                                             CborValue::map(), CborValue::bytes(""), CborValue::bytes("")})))
                     .ok());
    CoseOptions needTag;
    needTag.requireTag = true;
    EXPECT_FALSE(parseCoseSign1(cborEncode(CborValue::array({CborValue::bytes(""), CborValue::map(), CborValue::bytes(""),
                                                             CborValue::bytes("")})),
                                needTag)
                     .ok());
}

TEST(Keys, GeneratedPemsLoadAndAlgorithmNamesRoundTrip) {
    for (auto alg : {Algorithm::ES256, Algorithm::EdDSA}) {
        const auto kp = generateIssuerKey(alg, "x").value();
        EXPECT_NE(kp.privatePem.find("PRIVATE KEY"), std::string::npos);
        EXPECT_TRUE(PrivateKey::fromPem(kp.privatePem).ok());
        EXPECT_EQ(PublicKey::fromPem(kp.publicPem)->toPem(), kp.publicPem);
        EXPECT_EQ(algorithmFromName(algorithmName(alg)), alg);
        EXPECT_EQ(algorithmFromCoseId(coseAlgorithmId(alg)), alg);
    }
    EXPECT_FALSE(PublicKey::fromPem("nope").ok());
    EXPECT_FALSE(PublicKey::fromCertificateDer("nope").ok());
}

}  // namespace
}  // namespace kiosk::credentials
