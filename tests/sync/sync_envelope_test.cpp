// The sealed biometrics envelope: AES-256-GCM with the fleet key, AAD bound to the reference.
#include "kiosk/sync/biometric_envelope.h"

#include <gtest/gtest.h>

#include "tests/sync/sync_test_util.h"

namespace kiosk::sync {
namespace {

using testutil::makeEnrolment;
using testutil::randomKey;

EnrolmentBiometrics sample(uint32_t seed) {
    auto row = makeEnrolment("E-ENV" + std::to_string(seed), "K123456(7)", testutil::kNow, seed);
    return EnrolmentBiometrics{row.faceDescriptors, row.fingers};
}

TEST(BiometricEnvelope, RoundTripKeepsEveryFloatAndByte) {
    const auto key = randomKey(1);
    const auto bio = sample(7);
    auto sealed = sealBiometrics(key, "E-7Q2M9K", bio);
    ASSERT_TRUE(sealed.ok()) << sealed.error().message;
    auto opened = openBiometrics(key, "E-7Q2M9K", *sealed);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    EXPECT_EQ(opened->faces, bio.faces);
    ASSERT_EQ(opened->fingers.size(), bio.fingers.size());
    for (std::size_t i = 0; i < bio.fingers.size(); ++i) {
        EXPECT_EQ(opened->fingers[i].finger, bio.fingers[i].finger);
        EXPECT_EQ(opened->fingers[i].formatVersion, bio.fingers[i].formatVersion);
        EXPECT_EQ(opened->fingers[i].libfprintVersion, bio.fingers[i].libfprintVersion);
        EXPECT_EQ(opened->fingers[i].data, bio.fingers[i].data);
    }
}

TEST(BiometricEnvelope, WireFormIsNonceCiphertextTagInBase64WithFreshNonces) {
    const auto key = randomKey(2);
    const auto bio = sample(3);
    auto a = sealBiometrics(key, "E-1", bio);
    auto b = sealBiometrics(key, "E-1", bio);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_NE(*a, *b);  // a random nonce each time
    auto raw = base64Decode(*a);
    ASSERT_TRUE(raw.ok());
    // 12-byte nonce + 16-byte tag around a ciphertext as long as the JSON plaintext.
    EXPECT_GT(raw->size(), 12u + 16u + 128u * 3u);
    // The plaintext never appears in the clear.
    const std::string finger(bio.fingers[0].data.begin(), bio.fingers[0].data.begin() + 16);
    EXPECT_EQ(std::string(raw->begin(), raw->end()).find(finger), std::string::npos);
    EXPECT_EQ(a->find("faces"), std::string::npos);
}

TEST(BiometricEnvelope, WrongKeyIsRefused) {
    auto sealed = sealBiometrics(randomKey(3), "E-1", sample(1));
    ASSERT_TRUE(sealed.ok());
    auto opened = openBiometrics(randomKey(4), "E-1", *sealed);
    ASSERT_FALSE(opened.ok());
    EXPECT_EQ(opened.error().code, "sync.envelope_open");
}

TEST(BiometricEnvelope, EveryTamperedByteIsRefused) {
    const auto key = randomKey(5);
    auto sealed = sealBiometrics(key, "E-1", sample(2));
    ASSERT_TRUE(sealed.ok());
    auto raw = base64Decode(*sealed);
    ASSERT_TRUE(raw.ok());
    // Nonce, ciphertext start, middle and the tag.
    for (std::size_t pos : {std::size_t{0}, std::size_t{11}, std::size_t{12}, raw->size() / 2, raw->size() - 1}) {
        auto bad = *raw;
        bad[pos] ^= 0x40;
        auto opened = openBiometrics(key, "E-1", base64Encode(bad));
        ASSERT_FALSE(opened.ok()) << "byte " << pos;
        EXPECT_EQ(opened.error().code, "sync.envelope_open") << "byte " << pos;
    }
    // Truncated.
    auto shortBlob = std::vector<uint8_t>(raw->begin(), raw->begin() + 20);
    auto opened = openBiometrics(key, "E-1", base64Encode(shortBlob));
    ASSERT_FALSE(opened.ok());
    EXPECT_EQ(opened.error().code, "sync.bad_envelope");
}

TEST(BiometricEnvelope, AnEnvelopeMovedToAnotherReferenceIsRefused) {
    const auto key = randomKey(6);
    auto sealed = sealBiometrics(key, "E-AAAA", sample(4));
    ASSERT_TRUE(sealed.ok());
    auto opened = openBiometrics(key, "E-BBBB", *sealed);
    ASSERT_FALSE(opened.ok());
    EXPECT_EQ(opened.error().code, "sync.envelope_open");
    EXPECT_TRUE(openBiometrics(key, "E-AAAA", *sealed).ok());
}

TEST(BiometricEnvelope, KeyFileMustHoldExactly32Bytes) {
    const auto dir = kiosk::testing::tempDir("sync-key");
    auto good = loadTemplateKey(testutil::writeKeyFile(dir, randomKey(9)).string());
    ASSERT_TRUE(good.ok());
    EXPECT_EQ(good->size(), 32u);
    testutil::writeFile(dir / "short.key", std::string(31, 'x'));
    auto bad = loadTemplateKey((dir / "short.key").string());
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().code, "sync.bad_key");
    EXPECT_NE(bad.error().message.find("31"), std::string::npos);
    auto missing = loadTemplateKey((dir / "none.key").string());
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().code, "sync.bad_key");
    auto sealWithShort = sealBiometrics(std::vector<uint8_t>(16, 1), "E-1", sample(1));
    ASSERT_FALSE(sealWithShort.ok());
    EXPECT_EQ(sealWithShort.error().code, "sync.bad_key");
}

TEST(BiometricEnvelope, Base64IsStrict) {
    for (std::size_t n = 0; n < 40; ++n) {
        std::vector<uint8_t> v(n);
        for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(i * 37 + n);
        auto back = base64Decode(base64Encode(v));
        ASSERT_TRUE(back.ok()) << n;
        EXPECT_EQ(*back, v) << n;
    }
    EXPECT_EQ(base64Encode({'f', 'o', 'o', 'b'}), "Zm9vYg==");
    for (const char* bad : {"Zm9", "Zm9vYg=a", "Zm=vYg==", "Zm9v\nYg==", "Zm9-Yg=="})
        EXPECT_FALSE(base64Decode(bad).ok()) << bad;
}

TEST(BiometricEnvelope, EmptyBiometricsSealAndOpen) {
    const auto key = randomKey(10);
    auto sealed = sealBiometrics(key, "E-EMPTY", EnrolmentBiometrics{});
    ASSERT_TRUE(sealed.ok());
    auto opened = openBiometrics(key, "E-EMPTY", *sealed);
    ASSERT_TRUE(opened.ok());
    EXPECT_TRUE(opened->faces.empty());
    EXPECT_TRUE(opened->fingers.empty());
}

// The plaintext parser (what openBiometrics runs after the cipher): descriptors of 128 or 512
// numbers, each a float; a number beyond float's range (converting it would be undefined) or
// of another count is refused as sync.bad_envelope.
TEST(BiometricEnvelope, PlaintextFacesAre128Or512Floats) {
    auto faces = [](std::size_t n, const std::string& value) {
        std::string a = "[";
        for (std::size_t i = 0; i < n; ++i) a += (i ? "," : "") + (i == 0 ? value : std::string("0.25"));
        return "{\"faces\":[" + a + "]],\"fingers\":[]}";
    };
    for (std::size_t n : {std::size_t{128}, std::size_t{512}}) {
        auto ok = parseBiometricsPlaintext(faces(n, "-3.4e38"));
        ASSERT_TRUE(ok.ok()) << n << ": " << ok.error().message;
        ASSERT_EQ(ok->faces.size(), 1u);
        EXPECT_EQ(ok->faces[0].size(), n);
        EXPECT_FLOAT_EQ(ok->faces[0][0], -3.4e38f);
    }
    for (const auto& bad : {faces(512, "1e39"), faces(128, "-1e300"), faces(127, "0"), faces(256, "0"), faces(0, "0"),
                            faces(128, "\"0\"")}) {
        auto r = parseBiometricsPlaintext(bad);
        ASSERT_FALSE(r.ok()) << bad.substr(0, 40);
        EXPECT_EQ(r.error().code, "sync.bad_envelope");
    }
    EXPECT_NE(parseBiometricsPlaintext(faces(512, "1e39")).error().message.find("out of float range"), std::string::npos);
}

}  // namespace
}  // namespace kiosk::sync
