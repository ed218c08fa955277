// HC1 health certificates at the lane (EU DCC / WHO format). The policy had the rule (H6,
// `health_code[].hc1_accepted`) and credentials/ had the verifier, but the lane took every
// health QR for the project's own token, so an HC1 was always refused as malformed. Now an
// "HC1:" text is verified with the configured signer certificates (trust.hc1_*), bound to
// the enrolled traveller by date of birth, and the rules in force decide. Certificates are
// real X.509 made with OpenSSL (tests/credentials/hc1_test_pki.h), signatures real ECDSA.
#include <gtest/gtest.h>

#include <fstream>

#include "kiosk/lane/hc1_trust.h"
#include "tests/credentials/hc1_test_pki.h"
#include "tests/kiosk/lane_harness.h"

namespace kiosk::testing {
namespace {

using namespace credentials::testpki;
namespace cr = credentials;

constexpr int64_t kDay = 86400;
constexpr int64_t kNow = LaneHarness::kStart;

struct Pki {
    Issued csca = issue({.commonName = "CSCA MO", .notBefore = kNow - 2000 * kDay, .notAfter = kNow + 2000 * kDay,
                         .isCa = true, .extendedKeyUsage = {}},
                        nullptr);
    Issued otherCsca = issue({.commonName = "CSCA XX", .notBefore = kNow - 2000 * kDay, .notAfter = kNow + 2000 * kDay,
                              .isCa = true, .extendedKeyUsage = {}},
                             nullptr);
    Issued dsc = issue({.commonName = "DSC MO", .notBefore = kNow - 100 * kDay, .notAfter = kNow + 300 * kDay,
                        .extendedKeyUsage = {}},
                       &csca);
    Issued strayDsc = issue({.commonName = "DSC XX", .notBefore = kNow - 100 * kDay, .notAfter = kNow + 300 * kDay,
                             .extendedKeyUsage = {}},
                            &otherCsca);
};

const Pki& pki() {
    static const Pki p;
    return p;
}

std::string signHc1(const Issued& dsc, const std::string& dob = "1985-03-04", int64_t iat = kNow - kDay,
                    int64_t exp = kNow + 30 * kDay) {
    const auto key = cr::PrivateKey::fromPem(dsc.privatePem()).value();
    return hc1Text(cr::signCoseSign1(dccPayload("v", iat, exp, dob), key, cr::Algorithm::ES256, dccKid(dsc.der)).value());
}

// Health rules in force since 2020 that require evidence; `hc1Accepted` per H6.
policies::PolicyConfig healthPolicy(bool hc1Accepted) {
    policies::PolicyConfig p;
    policies::HealthRuleSet r;
    r.from = policies::Date{2020, 1, 1};
    r.required = true;
    r.certificateAccepted = hc1Accepted;
    p.healthRules = {r};
    return p;
}

cr::Hc1Signers signers(std::vector<std::string> dscs, std::vector<std::string> cas = {pki().csca.der}) {
    cr::Hc1Signers s;
    s.signerDers = std::move(dscs);
    s.options.signingCaDers = std::move(cas);
    return s;
}

// A lane (harness: real store, credentials and policies) with `hc1` and the health rules.
std::unique_ptr<LaneHarness> lane(const std::string& tag, cr::Hc1Signers hc1, bool hc1Accepted = true) {
    return std::make_unique<LaneHarness>(tag, lane::SyncHooks{}, lane::LaneConfig{}, LaneHarness::Trust::Loaded, 0,
                                         [&](lane::LaneServicesConfig& sc) {
                                             sc.hc1 = hc1;
                                             sc.policy = healthPolicy(hc1Accepted);
                                         });
}

std::vector<std::string> refusal(LaneHarness& h, const std::string& subject, const std::string& healthText) {
    auto e = h.services->checkEligibility(subject, 1, healthText, h.clock.wallNow());
    if (std::holds_alternative<lane::ev::EligibilityPassed>(e)) return {};
    return std::get<lane::ev::EligibilityRefused>(e).reasons;
}

bool has(const std::vector<std::string>& v, const std::string& code) {
    return std::find(v.begin(), v.end(), code) != v.end();
}

TEST(LaneHc1, AValidCertificateOfTheEnrolledTravellerPassesWhereTheRulesAcceptHc1) {
    auto h = lane("hc1-pass", signers({pki().strayDsc.der, pki().dsc.der}));
    h->enrol("R-HC1-0001", "K1234567(4)");  // born 1985-03-04
    EXPECT_EQ(refusal(*h, "R-HC1-0001", signHc1(pki().dsc)), std::vector<std::string>{});
    // Shown again at the next crossing: a certificate is not used once, unlike a code.
    EXPECT_EQ(refusal(*h, "R-HC1-0001", signHc1(pki().dsc)), std::vector<std::string>{});
    // A DCC may give only the year, or year and month.
    EXPECT_EQ(refusal(*h, "R-HC1-0001", signHc1(pki().dsc, "1985")), std::vector<std::string>{});
    EXPECT_EQ(refusal(*h, "R-HC1-0001", signHc1(pki().dsc, "1985-03")), std::vector<std::string>{});
    // Without evidence the same traveller is refused: the rules are really in force.
    EXPECT_TRUE(has(refusal(*h, "R-HC1-0001", ""), "health.missing"));
}

TEST(LaneHc1, RulesThatDoNotAcceptHc1RefuseAValidCertificate) {
    auto h = lane("hc1-not-accepted", signers({pki().dsc.der}), false);
    h->enrol("R-HC1-0002", "K1234567(4)");
    EXPECT_TRUE(has(refusal(*h, "R-HC1-0002", signHc1(pki().dsc)), "health.certificate_invalid"));
}

TEST(LaneHc1, SomebodyElsesCertificateIsRefused) {
    auto h = lane("hc1-other-person", signers({pki().dsc.der}));
    h->enrol("R-HC1-0003", "K1234567(4)");
    for (const char* dob : {"1985-03-05", "1984", "1985-04", "", "85-03-04"})
        EXPECT_TRUE(has(refusal(*h, "R-HC1-0003", signHc1(pki().dsc, dob)), "health.certificate_invalid")) << dob;
    // No enrolment to bind it to: refused too (and not.enrolled says why).
    EXPECT_TRUE(has(refusal(*h, "R-HC1-UNKNOWN", signHc1(pki().dsc)), "health.certificate_invalid"));
}

TEST(LaneHc1, SignerProblemsAreRefusedWithTheirReason) {
    auto h = lane("hc1-signers", signers({pki().dsc.der, pki().strayDsc.der}));
    h->enrol("R-HC1-0004", "K1234567(4)");
    // A DSC the lane is given but that chains to a CA it does not trust.
    auto r = refusal(*h, "R-HC1-0004", signHc1(pki().strayDsc));
    EXPECT_TRUE(has(r, "hc.untrusted_signer")) << ::testing::PrintToString(r);
    EXPECT_TRUE(has(r, "health.missing"));
    // Expired certificate.
    EXPECT_TRUE(has(refusal(*h, "R-HC1-0004", signHc1(pki().dsc, "1985-03-04", kNow - 40 * kDay, kNow - kDay)),
                    "hc.expired"));
    // One character changed in the Base45 text: it no longer decodes or no longer verifies.
    std::string text = signHc1(pki().dsc);
    text[text.size() / 2] = text[text.size() / 2] == 'A' ? 'B' : 'A';
    r = refusal(*h, "R-HC1-0004", text);
    EXPECT_TRUE(has(r, "hc.malformed") || has(r, "hc.bad_signature")) << ::testing::PrintToString(r);

    // A lane without HC1 signers refuses every HC1, naming why.
    auto none = lane("hc1-none", cr::Hc1Signers{});
    none->enrol("R-HC1-0005", "K1234567(4)");
    EXPECT_TRUE(has(refusal(*none, "R-HC1-0005", signHc1(pki().dsc)), "hc.untrusted_signer"));
}

// The whole flow: crossing QR, the lane asks for health evidence, the HC1 QR, doors.
TEST(LaneHc1, ATravellerShowingAnHc1CrossesTheLane) {
    auto h = lane("hc1-flow", signers({pki().dsc.der}));
    h->enrol("R-HC1-0006", "K1234567(4)");
    ASSERT_TRUE(h->runUntilState(lane::State::ReadCredential));
    h->qr.present(h->qrFor("R-HC1-0006"), core::Millis(500));
    ASSERT_TRUE(h->runUntilState(lane::State::ReadHealthCode, core::Millis(30000)));
    h->qr.present(signHc1(pki().dsc), core::Millis(500));
    ASSERT_TRUE(h->runUntil([&] { return !h->finished.empty(); }, core::Millis(600000)));
    EXPECT_EQ(h->finished.back(), lane::Outcome::Passed) << ::testing::PrintToString(h->finishedReasons.back());

    // The same flow with somebody else's certificate is refused before door 1.
    h->enrol("R-HC1-0007", "K7654321(0)");
    ASSERT_TRUE(h->runUntilState(lane::State::ReadCredential));
    h->qr.present(h->qrFor("R-HC1-0007"), core::Millis(500));
    ASSERT_TRUE(h->runUntilState(lane::State::ReadHealthCode, core::Millis(30000)));
    h->qr.present(signHc1(pki().dsc, "1970-01-01"), core::Millis(500));
    ASSERT_TRUE(h->runUntil([&] { return h->finished.size() == 2; }, core::Millis(600000)));
    EXPECT_EQ(h->finished.back(), lane::Outcome::Refused);
    EXPECT_TRUE(has(h->finishedReasons.back(), "health.certificate_invalid"));
}

// trust.hc1_* (docs/configuration.md): files in PEM or DER, each error naming its key.
class Hc1TrustConfig : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = tempDir("hc1-config");
        write("dsc.der", pki().dsc.der);
        write("csca.pem", certificatePem(pki().csca.der));
    }
    void write(const std::string& name, const std::string& bytes) {
        std::ofstream(dir_ / name, std::ios::binary) << bytes;
    }
    core::Result<cr::Hc1Signers> load(const std::string& json) {
        json_ = core::Json::parse(json);
        return lane::hc1SignersFromConfig(core::ConfigView(json_, "trust"), dir_);
    }
    std::string error(const std::string& json) {
        auto r = load(json);
        return r.ok() ? "ok" : r.error().code + ": " + r.error().message;
    }
    std::filesystem::path dir_;
    core::Json json_;
};

TEST_F(Hc1TrustConfig, LoadsPemAndDerAndVerifiesWithThem) {
    auto s = load(R"({"hc1_signers": ["dsc.der"], "hc1_signing_cas": ["csca.pem"]})");
    ASSERT_TRUE(s.ok()) << s.error().message;
    EXPECT_EQ(s->signerDers, std::vector<std::string>{pki().dsc.der});
    EXPECT_EQ(s->options.signingCaDers, std::vector<std::string>{pki().csca.der});
    EXPECT_EQ(s->options.signerTrust, cr::Hc1SignerTrust::ChainToSigningCa);
    EXPECT_TRUE(cr::verifyHc1WithSigners(signHc1(pki().dsc), *s, kNow).ok());

    auto listed = load(R"({"hc1_signers": ["dsc.der"], "hc1_signer_trust": "listed"})");
    ASSERT_TRUE(listed.ok()) << listed.error().message;
    EXPECT_EQ(listed->options.signerTrust, cr::Hc1SignerTrust::SignerListed);
    EXPECT_TRUE(cr::verifyHc1WithSigners(signHc1(pki().dsc), *listed, kNow).ok());

    auto none = load("{}");
    ASSERT_TRUE(none.ok());
    EXPECT_TRUE(none->signerDers.empty());
}

TEST_F(Hc1TrustConfig, BadValuesAreErrorsThatNameTheKey) {
    write("junk.pem", "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n");
    write("junk.der", "\x30\x03\x02\x01\x01");
    EXPECT_NE(error(R"({"hc1_signers": ["missing.der"], "hc1_signing_cas": ["csca.pem"]})").find("trust.hc1_signers: item 1: cannot read"), std::string::npos);
    EXPECT_NE(error(R"({"hc1_signers": ["dsc.der", "junk.pem"], "hc1_signing_cas": ["csca.pem"]})").find("trust.hc1_signers: item 2"), std::string::npos);
    EXPECT_NE(error(R"({"hc1_signers": ["junk.der"], "hc1_signing_cas": ["csca.pem"]})").find("trust.hc1_signers: item 1"), std::string::npos);
    EXPECT_NE(error(R"({"hc1_signers": "dsc.der", "hc1_signing_cas": ["csca.pem"]})").find("trust.hc1_signers: must be a non-empty list"), std::string::npos);
    EXPECT_NE(error(R"({"hc1_signers": [], "hc1_signing_cas": ["csca.pem"]})").find("trust.hc1_signers: must be a non-empty list"), std::string::npos);
    EXPECT_NE(error(R"({"hc1_signers": ["csca.pem"], "hc1_signing_cas": ["csca.pem"]})").find("is a CA certificate"), std::string::npos);
    EXPECT_NE(error(R"({"hc1_signers": ["dsc.der"], "hc1_signing_cas": ["dsc.der"]})").find("trust.hc1_signing_cas: item 1 ("), std::string::npos);
    EXPECT_NE(error(R"({"hc1_signers": ["dsc.der"], "hc1_signing_cas": ["dsc.der"]})").find("not a CA certificate"), std::string::npos);
    EXPECT_NE(error(R"({"hc1_signers": ["dsc.der"]})").find("trust.hc1_signing_cas: required"), std::string::npos);
    EXPECT_NE(error(R"({"hc1_signers": ["dsc.der"], "hc1_signer_trust": "trusting"})").find("trust.hc1_signer_trust"), std::string::npos);
    EXPECT_NE(error(R"({"hc1_signing_cas": ["csca.pem"]})").find("trust.hc1_signers: required"), std::string::npos);
}

}  // namespace
}  // namespace kiosk::testing
