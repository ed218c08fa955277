// HC1 signer rules (issue 16, defects 12-16): the DSC's extended key usage, its validity
// period at the validation time, the chain to a configured signing CA, the algorithm's
// curve, and the input cap. Certificates are made with OpenSSL (hc1_test_pki.h).
#include <gtest/gtest.h>

#include "tests/credentials/hc1_test_pki.h"

namespace kiosk::credentials {
namespace {
using namespace testpki;

constexpr int64_t kDay = 86400;
constexpr int64_t kHc1Now = 1'780'000'000;  // 2026-05-28

struct Pki {
    Issued csca = issue({.commonName = "CSCA MO", .notBefore = kHc1Now - 2000 * kDay, .notAfter = kHc1Now + 2000 * kDay, .isCa = true, .extendedKeyUsage = {}},
                        nullptr);
    Issued otherCsca = issue({.commonName = "CSCA XX", .notBefore = kHc1Now - 2000 * kDay, .notAfter = kHc1Now + 2000 * kDay,
                              .isCa = true, .extendedKeyUsage = {}},
                             nullptr);
    Issued dsc(std::vector<std::string> eku = {}, int64_t from = kHc1Now - 100 * kDay, int64_t to = kHc1Now + 300 * kDay,
               const char* curve = "prime256v1") const {
        return issue({.commonName = "DSC MO", .curve = curve, .notBefore = from, .notAfter = to, .extendedKeyUsage = eku}, &csca);
    }
};

const Pki& pki() {
    static const Pki p;
    return p;
}

std::string signHc1(const Issued& dsc, const std::string& kind, int64_t iat = kHc1Now - kDay, int64_t exp = kHc1Now + 30 * kDay) {
    const auto key = PrivateKey::fromPem(dsc.privatePem()).value();
    return hc1Text(signCoseSign1(dccPayload(kind, iat, exp), key, Algorithm::ES256, dccKid(dsc.der)).value());
}

Hc1Options chained() {
    Hc1Options o;
    o.signingCaDers = {pki().csca.der};
    return o;
}

TEST(Hc1Signer, ValidChainAndUsageVerifies) {
    const auto dsc = pki().dsc({std::string(kDccKeyUsageVaccination)});
    auto r = verifyHc1(signHc1(dsc, "v"), dsc.der, kHc1Now, chained());
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->type, HealthCertificateType::Vaccination);
}

// Defect 12: a DSC limited to test certificates must not sign a vaccination one.
TEST(Hc1Signer, ExtendedKeyUsageLimitsTheCertificateKinds) {
    const auto testOnly = pki().dsc({std::string(kDccKeyUsageTest)});
    EXPECT_EQ(verifyHc1(signHc1(testOnly, "v"), testOnly.der, kHc1Now, chained()).error().code, "hc.key_usage");
    EXPECT_EQ(verifyHc1(signHc1(testOnly, "r"), testOnly.der, kHc1Now, chained()).error().code, "hc.key_usage");
    EXPECT_TRUE(verifyHc1(signHc1(testOnly, "t"), testOnly.der, kHc1Now, chained()).ok());
    const auto testAndRecovery = pki().dsc({std::string(kDccKeyUsageTest), std::string(kDccKeyUsageRecovery)});
    EXPECT_TRUE(verifyHc1(signHc1(testAndRecovery, "r"), testAndRecovery.der, kHc1Now, chained()).ok());
    EXPECT_EQ(verifyHc1(signHc1(testAndRecovery, "v"), testAndRecovery.der, kHc1Now, chained()).error().code, "hc.key_usage");
    // No DCC OID listed (no extension, or only unrelated usages): every kind.
    const auto none = pki().dsc();
    const auto unrelated = pki().dsc({"1.3.6.1.5.5.7.3.4"});
    // The older spelling with the extra ".0" arc means the same usage.
    const auto oldSpelling = pki().dsc({std::string(kDccKeyUsageRecoveryAlt)});
    EXPECT_TRUE(verifyHc1(signHc1(oldSpelling, "r"), oldSpelling.der, kHc1Now, chained()).ok());
    EXPECT_EQ(verifyHc1(signHc1(oldSpelling, "t"), oldSpelling.der, kHc1Now, chained()).error().code, "hc.key_usage");
    for (const char* kind : {"v", "t", "r"}) {
        EXPECT_TRUE(verifyHc1(signHc1(none, kind), none.der, kHc1Now, chained()).ok()) << kind;
        EXPECT_TRUE(verifyHc1(signHc1(unrelated, kind), unrelated.der, kHc1Now, chained()).ok()) << kind;
    }
}

// Defect 13: a DSC that expired 400 days before the validation time, or is not valid yet.
TEST(Hc1Signer, SignerCertificateMustBeValidAtTheValidationTime) {
    const auto expired = pki().dsc({}, kHc1Now - 800 * kDay, kHc1Now - 400 * kDay);
    Hc1Options listed;
    listed.signerTrust = Hc1SignerTrust::SignerListed;
    listed.checkExpiry = false;
    const auto text = signHc1(expired, "v");
    EXPECT_EQ(verifyHc1(text, expired.der, kHc1Now, listed).error().code, "hc.signer_not_valid");
    EXPECT_TRUE(verifyHc1(text, expired.der, kHc1Now - 500 * kDay, listed).ok());  // valid at that time
    EXPECT_EQ(verifyHc1(text, expired.der, kHc1Now - 900 * kDay, listed).error().code, "hc.signer_not_valid");
    // The signature step alone does not look at time (the DCC EXPECTEDVERIFY flag).
    EXPECT_TRUE(verifyHc1Signature(text, expired.der).ok());
}

// Defect 14: the DSC must chain to a configured signing CA.
TEST(Hc1Signer, SignerMustChainToAConfiguredSigningCa) {
    const auto dsc = pki().dsc();
    const auto text = signHc1(dsc, "t");
    Hc1Options other;
    other.signingCaDers = {pki().otherCsca.der};
    EXPECT_EQ(verifyHc1(text, dsc.der, kHc1Now, other).error().code, "hc.untrusted_signer");
    // The default demands a chain: no CA configured refuses (fail closed).
    EXPECT_EQ(verifyHc1(text, dsc.der, kHc1Now).error().code, "hc.untrusted_signer");
    Hc1Options both;
    both.signingCaDers = {pki().otherCsca.der, pki().csca.der};
    EXPECT_TRUE(verifyHc1(text, dsc.der, kHc1Now, both).ok());
    // A self-signed "DSC" is not chained to anything.
    const auto rogue = issue({.commonName = "DSC MO", .notBefore = kHc1Now - kDay, .notAfter = kHc1Now + kDay, .isCa = false, .extendedKeyUsage = {}}, nullptr);
    EXPECT_EQ(verifyHc1(signHc1(rogue, "t"), rogue.der, kHc1Now, chained()).error().code, "hc.untrusted_signer");
    // A CSCA that has expired at the validation time breaks the chain.
    const auto oldCsca = issue({.commonName = "CSCA OLD", .notBefore = kHc1Now - 900 * kDay, .notAfter = kHc1Now - kDay, .isCa = true, .extendedKeyUsage = {}},
                               nullptr);
    const auto dscOfOld = issue({.commonName = "DSC OLD", .notBefore = kHc1Now - 100 * kDay, .notAfter = kHc1Now + 100 * kDay, .isCa = false, .extendedKeyUsage = {}}, &oldCsca);
    Hc1Options old;
    old.signingCaDers = {oldCsca.der};
    EXPECT_EQ(verifyHc1(signHc1(dscOfOld, "t"), dscOfOld.der, kHc1Now, old).error().code, "hc.untrusted_signer");
    // A DSC taken from a trusted list is accepted without a CA, but only when asked for.
    Hc1Options listed;
    listed.signerTrust = Hc1SignerTrust::SignerListed;
    EXPECT_TRUE(verifyHc1(text, dsc.der, kHc1Now, listed).ok());
}

// Defect 15: ES256 names P-256; a P-384 key signing SHA-256 under an ES256 header is refused.
TEST(Hc1Signer, Es256IsRefusedWithAP384Key) {
    const auto p384 = pki().dsc({}, kHc1Now - 100 * kDay, kHc1Now + 300 * kDay, "secp384r1");
    const auto forged = signHc1Es256Header(p384, dccPayload("v", kHc1Now - kDay, kHc1Now + kDay));
    Hc1Options listed;
    listed.signerTrust = Hc1SignerTrust::SignerListed;
    const auto r = verifyHc1(forged, p384.der, kHc1Now, listed);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, "hc.bad_signature");
    EXPECT_NE(r.error().message.find("ES256"), std::string::npos) << r.error().message;
    // The same construction with a P-256 key is a good signature: only the curve differs.
    const auto p256 = pki().dsc();
    EXPECT_TRUE(verifyHc1(signHc1Es256Header(p256, dccPayload("v", kHc1Now - kDay, kHc1Now + kDay)), p256.der, kHc1Now, listed).ok());
    // At the key level too (the crossing QR uses the same check).
    const auto key = PublicKey::fromCertificateDer(p384.der).value();
    const std::string msg = "message";
    EXPECT_EQ(key.verify(Algorithm::ES256, msg, ecdsaSha256Raw(p384.key.get(), msg)).error().code, "qr.unsupported_alg");
}

// Defect 16: HC1 text longer than any QR code can hold is refused before decoding.
TEST(Hc1Signer, TextOverTheCapIsRefusedBeforeDecoding) {
    const auto dsc = pki().dsc();
    std::string text = signHc1(dsc, "v");
    ASSERT_LT(text.size(), kHc1MaxTextBytes);
    text.append(kHc1MaxTextBytes + 1 - text.size(), '0');  // valid Base45 characters
    const auto r = verifyHc1(text, dsc.der, kHc1Now, chained());
    EXPECT_EQ(r.error().code, "hc.malformed");
    EXPECT_NE(r.error().message.find("cap"), std::string::npos) << r.error().message;
    EXPECT_EQ(decodeHc1(std::string(1 << 20, 'A').insert(0, "HC1:")).error().code, "hc.malformed");
}

TEST(Hc1Signer, CertificateFactsAreRead) {
    const auto dsc = pki().dsc({std::string(kDccKeyUsageTest)}, kHc1Now - 10, kHc1Now + 20);
    const auto f = readCertificateFacts(dsc.der).value();
    EXPECT_EQ(f.notBefore, kHc1Now - 10);
    EXPECT_EQ(f.notAfter, kHc1Now + 20);
    EXPECT_TRUE(f.hasExtendedKeyUsage);
    EXPECT_EQ(f.extendedKeyUsage, std::vector<std::string>{std::string(kDccKeyUsageTest)});
    EXPECT_FALSE(f.isCa);
    EXPECT_TRUE(readCertificateFacts(pki().csca.der)->isCa);
    EXPECT_EQ(readCertificateFacts("not a certificate").error().code, "hc.bad_certificate");
    EXPECT_EQ(readCertificateFacts(dsc.der + "x").error().code, "hc.bad_certificate");  // trailing bytes
}

// The lane's entry: the DSC is picked from a list by the certificate's kid.
TEST(Hc1Signer, SignersAreFoundByKid) {
    const auto dsc = pki().dsc(), other = pki().dsc();
    ASSERT_NE(hc1SignerKid(dsc.der), hc1SignerKid(other.der));
    EXPECT_EQ(hc1SignerKid(dsc.der), decodeHc1(signHc1(dsc, "v"))->kid);
    Hc1Signers s;
    s.options = chained();
    s.signerDers = {other.der, dsc.der};
    auto r = verifyHc1WithSigners(signHc1(dsc, "t"), s, kHc1Now);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->type, HealthCertificateType::Test);
    // The right DSC, but the chain is not trusted: that DSC's own refusal, not "unknown".
    s.options.signingCaDers = {pki().otherCsca.der};
    EXPECT_EQ(verifyHc1WithSigners(signHc1(dsc, "t"), s, kHc1Now).error().code, "hc.untrusted_signer");
    s.options = chained();
    s.signerDers = {other.der};
    const auto none = verifyHc1WithSigners(signHc1(dsc, "t"), s, kHc1Now);
    EXPECT_EQ(none.error().code, "hc.untrusted_signer");
    EXPECT_NE(none.error().message.find(hc1SignerKid(dsc.der)), std::string::npos) << none.error().message;
    EXPECT_EQ(verifyHc1WithSigners("HC1:not base45 !", s, kHc1Now).error().code, "hc.malformed");
}

TEST(Hc1Signer, CertificateFilesArePemOrDer) {
    const auto dsc = pki().dsc();
    EXPECT_EQ(certificateDer(dsc.der).value(), dsc.der);
    const std::string pem = certificatePem(dsc.der);
    EXPECT_EQ(certificateDer(pem).value(), dsc.der);
    EXPECT_EQ(certificateDer("subject=CN\n" + pem).value(), dsc.der) << "text before the block, as openssl x509 -text writes";
    EXPECT_EQ(certificateDer("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n").error().code,
              "hc.bad_certificate");
    EXPECT_EQ(certificateDer("").error().code, "hc.bad_certificate");
    EXPECT_EQ(certificateDer(dsc.der.substr(0, dsc.der.size() - 1)).error().code, "hc.bad_certificate");
}

}  // namespace
}  // namespace kiosk::credentials
