#include <gtest/gtest.h>

#include "test_keys.h"

namespace kiosk::credentials {
namespace {
using namespace kiosk::credentials::testing;

HealthCodeClaims sampleHealth(HealthColour colour) {
    HealthCodeClaims h;
    h.issuer = "HK-DH";
    h.subject = "enr-0001";
    h.colour = colour;
    h.issuedAt = kNow - 3600;
    h.tokenId = "beef01";
    return h;
}

TEST(HealthCode, EveryColourRoundTrips) {
    for (auto colour : {HealthColour::Green, HealthColour::Amber, HealthColour::Red}) {
        const auto text = issueHealthCodeToken(sampleHealth(colour), eddsaKey());
        ASSERT_TRUE(text.ok());
        EXPECT_EQ(text->rfind("HKHC1:", 0), 0u);
        const auto h = verifyHealthCode(*text, trustBoth(), kNow);
        ASSERT_TRUE(h.ok()) << h.error().message;
        EXPECT_EQ(h->colour, colour);
        EXPECT_EQ(h->issuedAt, kNow - 3600);
        EXPECT_EQ(h->subject, "enr-0001");
        EXPECT_EQ(h->tokenId, "beef01");
        EXPECT_FALSE(h->expiresAt);
    }
}

TEST(HealthCode, PrefixesAreNotInterchangeable) {
    const auto hc = issueHealthCodeToken(sampleHealth(HealthColour::Green), es256Key()).value();
    EXPECT_EQ(verifyCrossingQr(hc, trustBoth(), kNow).error().code, "qr.unknown_prefix");
    const auto crossing = issueCrossingQr(sampleClaims(), es256Key()).value();
    EXPECT_EQ(verifyHealthCode(crossing, trustBoth(), kNow).error().code, "qr.unknown_prefix");
    // Same bytes under the other prefix: the structure verifies but the claims are not a health code.
    EXPECT_EQ(verifyHealthCode("HKHC1:" + crossing.substr(6), trustBoth(), kNow).error().code, "qr.malformed");
}

TEST(HealthCode, SignatureExpiryAndKeyPurpose) {
    auto h = sampleHealth(HealthColour::Red);
    h.expiresAt = kNow + 60;
    const auto text = issueHealthCodeToken(h, es256Key()).value();
    EXPECT_TRUE(verifyHealthCode(text, trustBoth(), kNow).ok());
    EXPECT_EQ(verifyHealthCode(text, trustBoth(), kNow + 100).error().code, "qr.expired");
    const auto forged = issueHealthCodeToken(h, otherEs256Key()).value();
    EXPECT_EQ(verifyHealthCode(forged, trustBoth(), kNow).error().code, "qr.bad_signature");
    auto crossingOnly = TrustList::fromKeys({trusted(es256Key(), KeyPurpose::Crossing)}, kNow).value();
    EXPECT_EQ(verifyHealthCode(text, crossingOnly, kNow).error().code, "qr.key_not_valid");
}

// An HC1 made with our own key and self-signed certificate is not possible without X.509
// issuance here, so the own-data HC1 checks cover the payload decoder and the failure codes.
TEST(Hc1, PayloadDecoderExposesTypeAndDates) {
    CwtClaims w;
    w.iss = "XX";
    w.iat = kNow;
    w.exp = kNow + 1000;
    auto dcc = [](const char* kind, std::vector<CborValue::MapEntry> entry) {
        return CborValue::map({{CborValue::integer(1),
                                CborValue::map({{CborValue::text("dob"), CborValue::text("1980-01-02")},
                                                {CborValue::text(kind), CborValue::array({CborValue::map(std::move(entry))})}})}});
    };
    w.privateClaims = {{CborValue::integer(-260),
                        dcc("t", {{CborValue::text("sc"), CborValue::tag(0, CborValue::text("2021-06-01T10:00:00Z"))},
                                  {CborValue::text("tr"), CborValue::text("260415000")}})}};
    auto c = decodeHc1Payload(encodeCwtClaims(w));
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->type, HealthCertificateType::Test);
    EXPECT_EQ(c->eventDate, "2021-06-01T10:00:00Z");
    EXPECT_EQ(c->testResult, "260415000");
    EXPECT_EQ(c->dateOfBirth, "1980-01-02");
    EXPECT_TRUE(checkHc1Expiry(*c, kNow + 10).ok());
    EXPECT_EQ(checkHc1Expiry(*c, kNow + 1001).error().code, "hc.expired");
    EXPECT_EQ(checkHc1Expiry(*c, kNow - 10).error().code, "hc.expired");  // before iat

    w.privateClaims = {{CborValue::integer(-260), dcc("r", {{CborValue::text("fr"), CborValue::text("2021-01-01")},
                                                             {CborValue::text("df"), CborValue::text("2021-01-12")},
                                                             {CborValue::text("du"), CborValue::text("2021-07-01")}})}};
    c = decodeHc1Payload(encodeCwtClaims(w));
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c->type, HealthCertificateType::Recovery);
    EXPECT_EQ(c->validUntil, "2021-07-01");

    w.privateClaims.clear();
    EXPECT_EQ(decodeHc1Payload(encodeCwtClaims(w)).error().code, "hc.malformed");
    EXPECT_EQ(decodeHc1("HC2:ABC").error().code, "hc.malformed");
    EXPECT_EQ(decodeHc1("HC1:abc").error().code, "hc.malformed");
}

}  // namespace
}  // namespace kiosk::credentials
