#pragma once
// COSE_Sign1 (RFC 9052) parsing, Sig_structure, verification and signing.
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "credentials/cbor.h"
#include "credentials/keys.h"

namespace kiosk::credentials {

// COSE header labels used here.
inline constexpr int64_t kCoseHeaderAlg = 1;
inline constexpr int64_t kCoseHeaderCrit = 2;
inline constexpr int64_t kCoseHeaderContentType = 3;
inline constexpr int64_t kCoseHeaderKid = 4;
inline constexpr uint64_t kCoseSign1Tag = 18;
inline constexpr uint64_t kCwtTag = 61;

struct CoseSign1 {
    bool tagged = false;              // carried CBOR tag 18
    std::string protectedBytes;       // the serialized protected header (bstr content), byte-exact
    CborValue protectedHeader;        // decoded (empty map when protectedBytes is empty)
    CborValue unprotectedHeader;      // map
    std::optional<std::string> payload;  // nullopt when detached (nil)
    std::string signature;

    // Protected alg (or unprotected when allowed by the options used to read it).
    std::optional<int64_t> algId(bool allowUnprotected = false) const;
    // kid from the protected header, else the unprotected one (DCC practice); empty when absent.
    std::string kid() const;
};

struct CoseOptions {
    CborLimits limits{};
    // Tag 18 must be present (the crossing QR always carries it); DCC tolerates absence.
    bool requireTag = false;
    // RFC 9052 says alg SHOULD be protected; this project requires it.
    bool requireProtectedAlg = true;
    // cose-wg sign-pass-01: treat protected h'A0' as a zero-length bstr in Sig_structure.
    bool emptyProtectedMapAsEmpty = false;
    // RFC 9052: a label may not be in both buckets. DCC test data (CO21) has kid in both;
    // the HC1 path turns this off (the protected value wins).
    bool rejectDuplicateLabels = true;
    // Critical header labels this caller understands (besides alg/crit/content type/kid).
    std::vector<int64_t> understoodCritical{};
};

// Structure only (qr.malformed). Accepts tag 18 and, for CWT, tag 61 wrapping tag 18.
core::Result<CoseSign1> parseCoseSign1(std::string_view bytes, const CoseOptions& options = {});
// Sig_structure = ["Signature1", protected, external_aad, payload].
std::string coseSigStructure(const CoseSign1& msg, std::string_view externalAad = {},
                             const CoseOptions& options = {});
// Header checks + signature. Codes: qr.unsupported_alg, qr.critical_header, qr.bad_signature.
core::Status verifyCoseSign1(const CoseSign1& msg, const PublicKey& key, std::string_view externalAad = {},
                             const CoseOptions& options = {});
// Builds a tagged COSE_Sign1 with protected {1: alg, 4: kid} (+ extraProtected entries).
core::Result<std::string> signCoseSign1(std::string_view payload, const PrivateKey& key, Algorithm alg,
                                        std::string_view kid,
                                        const std::vector<CborValue::MapEntry>& extraProtected = {});

}  // namespace kiosk::credentials
