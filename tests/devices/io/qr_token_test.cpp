// Photographed QR frames carrying real signed crossing tokens: the decoded text is the
// exact token, and it still verifies against the issuer's key.
#include <gtest/gtest.h>

#include "devices/io/image_file.h"
#include "devices/io/qr_decoder.h"
#include "devices/io/qr_image_set.h"
#include "tests/support/test_support.h"

#if __has_include("credentials/credentials.h")
#include "credentials/credentials.h"
#define KIOSK_TEST_SIGNED 1
#endif

namespace kiosk::devices::io {
namespace {

Image loadFrame(const std::filesystem::path& p) {
    auto img = loadImageFile(p, ColorMode::Bgr);
    EXPECT_TRUE(img.ok()) << p;
    return img.ok() ? std::move(img).value() : Image{};
}

TEST(QrImageSet, GeneratedSetDecodesToManifestTexts) {
    auto dir = testing::tempDir("qrset");
    auto set = generateQrSet(dir, 11, 4);  // one frame per condition
    ASSERT_TRUE(set.ok()) << set.error().message;
    auto manifest = loadQrSetManifest(dir);
    ASSERT_TRUE(manifest.ok());
    ASSERT_EQ(manifest->size(), 11u);
    int decoded = 0;
    for (const auto& e : *manifest) ASSERT_EQ(e.text.rfind("HKMO1:", 0), 0u);
    // Decode the stored JPEG frames themselves.
    for (const auto& e : *manifest) {
        auto r = decodeQr(loadFrame(dir / e.file));
        if (r.ok() && r->size() == 1 && r->front() == e.text) ++decoded;
        else ADD_FAILURE() << e.condition << " frame " << e.file << " not decoded";
    }
    EXPECT_EQ(decoded, 11);
}

#ifdef KIOSK_TEST_SIGNED
TEST(QrToken, SignedTokenSurvivesThePhotograph) {
    namespace cr = kiosk::credentials;
    auto key = cr::generateIssuerKey(cr::Algorithm::ES256, "test-io-1");
    ASSERT_TRUE(key.ok());
    const int64_t now = 1795000000;
    cr::CrossingClaims c;
    c.issuer = "HK";
    c.subject = "enr-42";
    c.issuedAt = now;
    c.expiresAt = now + 30;
    c.tokenId = "00112233445566aa";
    auto token = cr::issueCrossingQr(c, *key);
    ASSERT_TRUE(token.ok()) << token.error().message;
    QrShotParams p;
    p.rotationDeg = 140;
    p.perspective = 0.06;
    p.glare = 0.5;
    p.noiseSigma = 6;
    p.darkMode = true;
    auto img = renderQrShot(*token, p, 1280, 720, 11);
    ASSERT_TRUE(img.ok());
    auto r = decodeQr(*img);
    ASSERT_TRUE(r.ok()) << r.error().message;
    ASSERT_EQ(r->size(), 1u);
    EXPECT_EQ(r->front(), *token);
    cr::TrustedKey tk;
    tk.kid = key->kid;
    tk.alg = key->alg;
    tk.publicPem = key->publicPem;
    auto list = cr::TrustList::fromKeys({tk}, now);
    ASSERT_TRUE(list.ok());
    auto claims = cr::verifyCrossingQr(r->front(), *list, now);
    ASSERT_TRUE(claims.ok()) << claims.error().code;
    EXPECT_EQ(claims->subject, "enr-42");
}
#endif

}  // namespace
}  // namespace kiosk::devices::io
