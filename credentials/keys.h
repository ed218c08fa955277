#pragma once
// Keys for signing and verifying (OpenSSL 3 EVP underneath; no OpenSSL type leaks here).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace kiosk::credentials {

// COSE algorithms. The crossing QR accepts ES256 and EdDSA; PS256 is for EU DCC (HC1);
// ES384/ES512 exist for the generic COSE verifier (test vectors).
enum class Algorithm { ES256, EdDSA, PS256, ES384, ES512 };

int64_t coseAlgorithmId(Algorithm alg);                    // ES256 -> -7, EdDSA -> -8, PS256 -> -37, ES384 -> -35, ES512 -> -36
std::optional<Algorithm> algorithmFromCoseId(int64_t id);
std::string algorithmName(Algorithm alg);                  // "ES256", "EdDSA", ...
std::optional<Algorithm> algorithmFromName(std::string_view name);

struct IssuerKeyPair {
    std::string kid;
    Algorithm alg = Algorithm::ES256;
    std::string privatePem;  // PKCS#8
    std::string publicPem;   // SubjectPublicKeyInfo
};

// ES256 (P-256) or EdDSA (Ed25519); PS256 makes an RSA-2048 key.
core::Result<IssuerKeyPair> generateIssuerKey(Algorithm alg, std::string kid);

class PublicKey {
public:
    PublicKey();
    ~PublicKey();
    PublicKey(const PublicKey&);
    PublicKey& operator=(const PublicKey&);
    PublicKey(PublicKey&&) noexcept;
    PublicKey& operator=(PublicKey&&) noexcept;

    static core::Result<PublicKey> fromPem(std::string_view pem);
    static core::Result<PublicKey> fromSpkiDer(std::string_view der);
    // Public key of an X.509 certificate (DER), e.g. a DCC signer certificate.
    static core::Result<PublicKey> fromCertificateDer(std::string_view der);
    // Uncompressed EC point from COSE_Key x/y (curve "P-256", "P-384", "P-521").
    static core::Result<PublicKey> fromEcCoordinates(std::string_view curve, std::string_view x, std::string_view y);

    bool valid() const { return impl_ != nullptr; }
    // The algorithm this key type implies: P-256 ES256, P-384 ES384, P-521 ES512,
    // Ed25519 EdDSA, RSA PS256.
    std::optional<Algorithm> naturalAlgorithm() const;
    std::string toPem() const;
    // Verifies a COSE-format signature (ECDSA raw r||s, RSA-PSS, Ed25519) over `message`.
    // Error codes: `qr.bad_signature`, `qr.unsupported_alg` (key type does not fit alg).
    core::Status verify(Algorithm alg, std::string_view message, std::string_view signature) const;

    struct Impl;
    const Impl* impl() const { return impl_.get(); }

private:
    std::shared_ptr<Impl> impl_;
};

class PrivateKey {
public:
    PrivateKey();
    ~PrivateKey();
    PrivateKey(const PrivateKey&);
    PrivateKey& operator=(const PrivateKey&);
    PrivateKey(PrivateKey&&) noexcept;
    PrivateKey& operator=(PrivateKey&&) noexcept;

    static core::Result<PrivateKey> fromPem(std::string_view pem);
    std::optional<Algorithm> naturalAlgorithm() const;
    // Produces a COSE-format signature (ECDSA: raw r||s).
    core::Result<std::string> sign(Algorithm alg, std::string_view message) const;

    struct Impl;

private:
    std::shared_ptr<Impl> impl_;
};

}  // namespace kiosk::credentials
