#pragma once
// Health credentials:
// - the project's health-code token "HKHC1:" + Base45(zlib(COSE_Sign1(CWT))), claims
//   iss, sub, iat, (exp), cti and private claim "hkhc" = {"colour": "green"|"amber"|"red"};
//   errors use the qr.* codes (same stack as the crossing QR);
// - EU DCC / WHO "HC1:" certificates verified with the signer certificate (X.509 DER);
//   errors hc.malformed, hc.bad_signature, hc.expired.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

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

struct Hc1Options {
    int64_t clockSkewSeconds = 0;
    std::size_t maxDecompressedBytes = 64 * 1024;
    bool checkExpiry = true;
};

// The steps, exposed for tests and tools.
core::Result<std::string> hc1Unprefix(std::string_view text);                       // hc.malformed
core::Result<Hc1Certificate> decodeHc1Payload(std::string_view cwtPayload);         // hc.malformed
// Full path: unprefix, Base45, zlib, COSE (hc.malformed); signature with the
// certificate's key (hc.bad_signature); exp vs nowUnix (hc.expired).
core::Result<Hc1Certificate> verifyHc1(std::string_view text, std::string_view signerCertificateDer, int64_t nowUnix,
                                       const Hc1Options& options = {});
// exp/iat against nowUnix (hc.expired), on its own (e.g. after decodeHc1).
core::Status checkHc1Expiry(const Hc1Certificate& certificate, int64_t nowUnix, const Hc1Options& options = {});
// Decode without verifying (for tools).
core::Result<Hc1Certificate> decodeHc1(std::string_view text, const Hc1Options& options = {});

}  // namespace kiosk::credentials
