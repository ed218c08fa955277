#pragma once
// Health credentials:
// - the project's health-code token "HKHC1:" + Base45(zlib(COSE_Sign1(CWT))), claims
//   iss, sub, iat, (exp), cti and private claim "hkhc" = {"colour": "green"|"amber"|"red"};
//   errors use the qr.* codes (same stack as the crossing QR);
// - EU DCC / WHO "HC1:" certificates verified with the signer certificate (X.509 DER);
//   errors hc.malformed, hc.bad_signature, hc.key_usage, hc.signer_not_valid,
//   hc.untrusted_signer, hc.bad_certificate, hc.expired (docs/credentials.md "HC1 signer rules").
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "credentials/crossing_qr.h"
#include "credentials/keys.h"
#include "credentials/trust_list.h"

namespace kiosk::credentials {

inline constexpr std::string_view kHealthCodePrefix = "HKHC1:";
inline constexpr std::string_view kHc1Prefix = "HC1:";

enum class HealthColour { Green, Amber, Red };
std::string healthColourName(HealthColour c);  // "green", "amber", "red"
std::optional<HealthColour> healthColourFromName(std::string_view name);

struct HealthCodeClaims {
    std::string issuer;
    std::string subject;      // enrolment reference, opaque
    HealthColour colour = HealthColour::Green;
    int64_t issuedAt = 0;
    std::optional<int64_t> expiresAt;  // the policy decides validity from colour + issuedAt
    std::string tokenId;      // cti, lowercase hex
    std::string kid;          // filled on verify
};

core::Result<std::string> issueHealthCodeToken(const HealthCodeClaims& claims, const IssuerKeyPair& key);
core::Result<HealthCodeClaims> verifyHealthCode(std::string_view text, const TrustList& trust, int64_t nowUnix,
                                                const VerifyOptions& options = {});

enum class HealthCertificateType { Vaccination, Test, Recovery, Unknown };
std::string healthCertificateTypeName(HealthCertificateType t);  // "vaccination", "test", "recovery", "unknown"

struct Hc1Certificate {
    std::string issuer;            // CWT iss (country)
    std::string kid;               // base64 of the COSE kid
    std::optional<int64_t> issuedAt, expiresAt;
    HealthCertificateType type = HealthCertificateType::Unknown;
    std::string dateOfBirth;       // as in the certificate ("1964-08-12", may be partial)
    // The date the policy needs: vaccination date (v/dt), test sample time (t/sc),
    // recovery first positive (r/fr); recovery validity window (r/df, r/du).
    std::string eventDate;
    std::optional<std::string> validFrom, validUntil;
    std::optional<int64_t> doseNumber, totalDoses;  // vaccination
    std::string testResult;                        // test: tr code (260415000 = not detected)
    std::string hcertJson;                         // claim -260 / 1 as JSON text
};

// A QR code holds at most 4,296 characters in alphanumeric mode (version 40-L), the mode
// Base45 is made for; anything longer did not come from a QR code.
inline constexpr std::size_t kHc1MaxTextBytes = 4296;

// The DCC extended key usage OIDs (../shared/data/credentials/README.md): a signer
// certificate listing any of them may sign only those kinds; one listing none may sign all.
// Early DSCs (and the DCC test data) use the form with an extra ".0" arc, which the
// verifier apps of the member states accept as the same usage; so does this one.
inline constexpr std::string_view kDccKeyUsageTest = "1.3.6.1.4.1.1847.2021.1.1";
inline constexpr std::string_view kDccKeyUsageVaccination = "1.3.6.1.4.1.1847.2021.1.2";
inline constexpr std::string_view kDccKeyUsageRecovery = "1.3.6.1.4.1.1847.2021.1.3";
inline constexpr std::string_view kDccKeyUsageTestAlt = "1.3.6.1.4.1.0.1847.2021.1.1";
inline constexpr std::string_view kDccKeyUsageVaccinationAlt = "1.3.6.1.4.1.0.1847.2021.1.2";
inline constexpr std::string_view kDccKeyUsageRecoveryAlt = "1.3.6.1.4.1.0.1847.2021.1.3";

// How the signer certificate (DSC) is trusted. The caller must choose: the default
// demands a chain, and an empty CA list then refuses every certificate (fail closed).
enum class Hc1SignerTrust {
    ChainToSigningCa,  // the DSC must chain to one of signingCaDers (country signing CAs)
    SignerListed,      // the caller took the DSC from a list it already trusts (a DCC gateway's DSC list)
};

struct Hc1Options {
    int64_t clockSkewSeconds = 0;
    std::size_t maxTextBytes = kHc1MaxTextBytes;
    std::size_t maxDecompressedBytes = 64 * 1024;
    bool checkExpiry = true;
    Hc1SignerTrust signerTrust = Hc1SignerTrust::ChainToSigningCa;
    std::vector<std::string> signingCaDers;  // DER certificates
};

// The steps, exposed for tests and tools.
core::Result<std::string> hc1Unprefix(std::string_view text);                       // hc.malformed
core::Result<Hc1Certificate> decodeHc1Payload(std::string_view cwtPayload);         // hc.malformed
// Full path, in this order: size cap, unprefix, Base45, zlib, COSE (hc.malformed); kid,
// algorithm against the key's type and curve, signature (hc.bad_signature); the DSC's
// extended key usage against the certificate type (hc.key_usage); the DSC's validity
// period at nowUnix (hc.signer_not_valid); the chain to a signing CA at nowUnix unless
// the DSC is listed (hc.untrusted_signer); exp/iat vs nowUnix (hc.expired).
core::Result<Hc1Certificate> verifyHc1(std::string_view text, std::string_view signerCertificateDer, int64_t nowUnix,
                                       const Hc1Options& options = {});
// The signature step alone (kid, algorithm/curve, signature): what the DCC test data's
// EXPECTEDVERIFY flag means.
core::Result<Hc1Certificate> verifyHc1Signature(std::string_view text, std::string_view signerCertificateDer,
                                                const Hc1Options& options = {});
// The DSC's extended key usage against the certificate's type (hc.key_usage): what the
// DCC test data's EXPECTEDKEYUSAGE flag means.
core::Status checkHc1KeyUsage(const Hc1Certificate& certificate, std::string_view signerCertificateDer);
// The DSC's validity period at nowUnix and, unless listed, its chain to a signing CA.
core::Status checkHc1Signer(std::string_view signerCertificateDer, int64_t nowUnix, const Hc1Options& options = {});
// exp/iat against nowUnix (hc.expired), on its own (e.g. after decodeHc1).
core::Status checkHc1Expiry(const Hc1Certificate& certificate, int64_t nowUnix, const Hc1Options& options = {});
// Decode without verifying (for tools).
core::Result<Hc1Certificate> decodeHc1(std::string_view text, const Hc1Options& options = {});

// The DCC kid of a signer certificate, base64 as in Hc1Certificate::kid: the first 8 bytes
// of SHA-256 over its DER.
std::string hc1SignerKid(std::string_view signerCertificateDer);

// A verifier's signer certificates (DSCs, DER), e.g. from a DCC gateway's list, and the
// options they are checked with (signerTrust, signingCaDers).
struct Hc1Signers {
    std::vector<std::string> signerDers;
    Hc1Options options;
};
// verifyHc1 with the signer whose kid the certificate names; hc.untrusted_signer when none
// of `signers` has it (kid collisions: each candidate is tried, the first that verifies wins).
core::Result<Hc1Certificate> verifyHc1WithSigners(std::string_view text, const Hc1Signers& signers, int64_t nowUnix);

}  // namespace kiosk::credentials
