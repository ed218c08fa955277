// The one file that talks to OpenSSL's EVP API for keys and signatures.
#include "credentials/keys.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <memory>

namespace kiosk::credentials {

struct PublicKey::Impl {
    EVP_PKEY* pkey = nullptr;
    ~Impl() { EVP_PKEY_free(pkey); }
};
struct PrivateKey::Impl {
    EVP_PKEY* pkey = nullptr;
    ~Impl() { EVP_PKEY_free(pkey); }
};

namespace {

template <typename T, void (*F)(T*)>
struct Deleter {
    void operator()(T* p) const { F(p); }
};
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using SigPtr = std::unique_ptr<ECDSA_SIG, Deleter<ECDSA_SIG, ECDSA_SIG_free>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;

core::Error keyError(const std::string& what) {
    ERR_clear_error();
    return core::makeError("qr.malformed", "key: " + what);
}

// Explicitly fetched once (OpenSSL 3 would otherwise fetch the implementation on every init).
const EVP_MD* fetched(const char* name) { return EVP_MD_fetch(nullptr, name, nullptr); }
const EVP_MD* digestFor(Algorithm alg) {
    static const EVP_MD* sha256 = fetched("SHA256");
    static const EVP_MD* sha384 = fetched("SHA384");
    static const EVP_MD* sha512 = fetched("SHA512");
    switch (alg) {
        case Algorithm::ES256:
        case Algorithm::PS256: return sha256;
        case Algorithm::ES384: return sha384;
        case Algorithm::ES512: return sha512;
        case Algorithm::EdDSA: return nullptr;
    }
    return nullptr;
}

bool isEcdsa(Algorithm alg) { return alg == Algorithm::ES256 || alg == Algorithm::ES384 || alg == Algorithm::ES512; }

// Byte length of one ECDSA coordinate/scalar for the key's curve.
int ecScalarBytes(EVP_PKEY* pkey) { return (EVP_PKEY_get_bits(pkey) + 7) / 8; }

std::string ecGroupName(EVP_PKEY* pkey) {
    char name[64] = {};
    std::size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof name, &len) != 1) return {};
    return std::string(name, len);
}

// RFC 9053: each ECDSA algorithm names its curve (ES256 = P-256, ES384 = P-384, ES512 =
// P-521); a key on another curve is refused rather than verified with the wrong hash.
bool keyFitsAlg(EVP_PKEY* pkey, Algorithm alg) {
    const int id = EVP_PKEY_get_base_id(pkey);
    if (isEcdsa(alg)) {
        if (id != EVP_PKEY_EC) return false;
        const std::string group = ecGroupName(pkey);
        if (alg == Algorithm::ES256) return group == "prime256v1";
        if (alg == Algorithm::ES384) return group == "secp384r1";
        return group == "secp521r1";
    }
    if (alg == Algorithm::EdDSA) return id == EVP_PKEY_ED25519 || id == EVP_PKEY_ED448;
    // RSA under 2048 bits is below every current signing profile (DCC, NIST SP 800-131A).
    if (alg == Algorithm::PS256) return (id == EVP_PKEY_RSA || id == EVP_PKEY_RSA_PSS) && EVP_PKEY_get_bits(pkey) >= 2048;
    return false;
}

bool setupPss(EVP_PKEY_CTX* pctx) {
    return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) > 0 &&
           EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) > 0 && EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32) > 0;
}

std::optional<Algorithm> naturalAlgorithmOf(EVP_PKEY* pkey) {
    if (!pkey) return std::nullopt;
    switch (EVP_PKEY_get_base_id(pkey)) {
        case EVP_PKEY_EC: {
            const int bits = EVP_PKEY_get_bits(pkey);
            if (bits == 256) return Algorithm::ES256;
            if (bits == 384) return Algorithm::ES384;
            if (bits == 521) return Algorithm::ES512;
            return std::nullopt;
        }
        case EVP_PKEY_ED25519: return Algorithm::EdDSA;
        case EVP_PKEY_RSA:
        case EVP_PKEY_RSA_PSS: return Algorithm::PS256;
        default: return std::nullopt;
    }
}

}  // namespace

int64_t coseAlgorithmId(Algorithm alg) {
    switch (alg) {
        case Algorithm::ES256: return -7;
        case Algorithm::EdDSA: return -8;
        case Algorithm::PS256: return -37;
        case Algorithm::ES384: return -35;
        case Algorithm::ES512: return -36;
    }
    return 0;
}

std::optional<Algorithm> algorithmFromCoseId(int64_t id) {
    switch (id) {
        case -7: return Algorithm::ES256;
        case -8: return Algorithm::EdDSA;
        case -37: return Algorithm::PS256;
        case -35: return Algorithm::ES384;
        case -36: return Algorithm::ES512;
        default: return std::nullopt;
    }
}

std::string algorithmName(Algorithm alg) {
    switch (alg) {
        case Algorithm::ES256: return "ES256";
        case Algorithm::EdDSA: return "EdDSA";
        case Algorithm::PS256: return "PS256";
        case Algorithm::ES384: return "ES384";
        case Algorithm::ES512: return "ES512";
    }
    return "?";
}

std::optional<Algorithm> algorithmFromName(std::string_view name) {
    for (Algorithm a : {Algorithm::ES256, Algorithm::EdDSA, Algorithm::PS256, Algorithm::ES384, Algorithm::ES512})
        if (algorithmName(a) == name) return a;
    if (name == "Ed25519" || name == "EDDSA" || name == "eddsa") return Algorithm::EdDSA;
    if (name == "es256") return Algorithm::ES256;
    return std::nullopt;
}

core::Result<IssuerKeyPair> generateIssuerKey(Algorithm alg, std::string kid) {
    EVP_PKEY* raw = nullptr;
    switch (alg) {
        case Algorithm::ES256: raw = EVP_EC_gen("P-256"); break;
        case Algorithm::ES384: raw = EVP_EC_gen("P-384"); break;
        case Algorithm::ES512: raw = EVP_EC_gen("P-521"); break;
        case Algorithm::EdDSA: raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"); break;
        case Algorithm::PS256: raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048)); break;
    }
    if (!raw) return keyError("key generation failed");
    PkeyPtr pkey(raw);
    BioPtr priv(BIO_new(BIO_s_mem())), pub(BIO_new(BIO_s_mem()));
    if (!PEM_write_bio_PrivateKey(priv.get(), pkey.get(), nullptr, nullptr, 0, nullptr, nullptr) ||
        !PEM_write_bio_PUBKEY(pub.get(), pkey.get()))
        return keyError("PEM export failed");
    auto text = [](BIO* b) {
        char* p = nullptr;
        const long n = BIO_get_mem_data(b, &p);
        return std::string(p, static_cast<std::size_t>(n));
    };
    IssuerKeyPair kp;
    kp.kid = std::move(kid);
    kp.alg = alg;
    kp.privatePem = text(priv.get());
    kp.publicPem = text(pub.get());
    return kp;
}

// ---- PublicKey ----
PublicKey::PublicKey() = default;
PublicKey::~PublicKey() = default;
PublicKey::PublicKey(const PublicKey&) = default;
PublicKey& PublicKey::operator=(const PublicKey&) = default;
PublicKey::PublicKey(PublicKey&&) noexcept = default;
PublicKey& PublicKey::operator=(PublicKey&&) noexcept = default;

core::Result<PublicKey> PublicKey::fromPem(std::string_view pem) {
    BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    EVP_PKEY* pkey = bio ? PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr) : nullptr;
    if (!pkey) return keyError("not a PEM public key");
    PublicKey k;
    k.impl_ = std::make_shared<Impl>();
    k.impl_->pkey = pkey;
    return k;
}

core::Result<PublicKey> PublicKey::fromSpkiDer(std::string_view der) {
    const auto* p = reinterpret_cast<const unsigned char*>(der.data());
    EVP_PKEY* pkey = d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size()));
    if (!pkey) return keyError("not a DER SubjectPublicKeyInfo");
    PublicKey k;
    k.impl_ = std::make_shared<Impl>();
    k.impl_->pkey = pkey;
    return k;
}

core::Result<PublicKey> PublicKey::fromCertificateDer(std::string_view der) {
    const auto* p = reinterpret_cast<const unsigned char*>(der.data());
    X509* cert = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
    if (!cert) return keyError("not a DER X.509 certificate");
    EVP_PKEY* pkey = X509_get_pubkey(cert);
    X509_free(cert);
    if (!pkey) return keyError("certificate without a usable public key");
    PublicKey k;
    k.impl_ = std::make_shared<Impl>();
    k.impl_->pkey = pkey;
    return k;
}

core::Result<PublicKey> PublicKey::fromEcCoordinates(std::string_view curve, std::string_view x, std::string_view y) {
    const char* group = curve == "P-256" ? "prime256v1" : curve == "P-384" ? "secp384r1" : curve == "P-521" ? "secp521r1" : nullptr;
    if (!group) return keyError("unknown curve");
    std::string point;
    point.push_back('\x04');
    point.append(x);
    point.append(y);
    std::unique_ptr<OSSL_PARAM_BLD, Deleter<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>> bld(OSSL_PARAM_BLD_new());
    if (!bld || !OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, 0) ||
        !OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()))
        return keyError("parameter build failed");
    std::unique_ptr<OSSL_PARAM, Deleter<OSSL_PARAM, OSSL_PARAM_free>> params(OSSL_PARAM_BLD_to_param(bld.get()));
    PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
    EVP_PKEY* pkey = nullptr;
    if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) <= 0 ||
        EVP_PKEY_fromdata(ctx.get(), &pkey, EVP_PKEY_PUBLIC_KEY, params.get()) <= 0 || !pkey)
        return keyError("EC point not on the curve");
    PublicKey k;
    k.impl_ = std::make_shared<Impl>();
    k.impl_->pkey = pkey;
    return k;
}

std::optional<Algorithm> PublicKey::naturalAlgorithm() const {
    return impl_ ? naturalAlgorithmOf(impl_->pkey) : std::nullopt;
}
std::optional<Algorithm> PrivateKey::naturalAlgorithm() const {
    return impl_ ? naturalAlgorithmOf(impl_->pkey) : std::nullopt;
}

std::string PublicKey::toPem() const {
    if (!impl_) return {};
    BioPtr b(BIO_new(BIO_s_mem()));
    if (!PEM_write_bio_PUBKEY(b.get(), impl_->pkey)) return {};
    char* p = nullptr;
    const long n = BIO_get_mem_data(b.get(), &p);
    return std::string(p, static_cast<std::size_t>(n));
}

core::Status PublicKey::verify(Algorithm alg, std::string_view message, std::string_view signature) const {
    auto badSig = [](const std::string& why) {
        ERR_clear_error();
        return core::makeError("qr.bad_signature", "signature: " + why);
    };
    if (!impl_) return badSig("no key");
    EVP_PKEY* pkey = impl_->pkey;
    if (!keyFitsAlg(pkey, alg))
        return core::makeError("qr.unsupported_alg", "key type does not fit " + algorithmName(alg));
    std::string sig(signature);
    if (isEcdsa(alg)) {
        // COSE carries r||s, each the curve's size; EVP wants DER.
        const int n = ecScalarBytes(pkey);
        if (signature.size() != static_cast<std::size_t>(2 * n)) return badSig("ECDSA signature has the wrong length");
        const auto* s = reinterpret_cast<const unsigned char*>(signature.data());
        BnPtr r(BN_bin2bn(s, n, nullptr)), ss(BN_bin2bn(s + n, n, nullptr));
        SigPtr es(ECDSA_SIG_new());
        if (!r || !ss || !es || !ECDSA_SIG_set0(es.get(), r.get(), ss.get())) return badSig("ECDSA conversion failed");
        r.release();
        ss.release();
        unsigned char* der = nullptr;
        const int len = i2d_ECDSA_SIG(es.get(), &der);
        if (len <= 0) return badSig("ECDSA conversion failed");
        sig.assign(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
        OPENSSL_free(der);
    }
    MdCtxPtr ctx(EVP_MD_CTX_new());
    EVP_PKEY_CTX* pctx = nullptr;
    if (!ctx || EVP_DigestVerifyInit(ctx.get(), &pctx, digestFor(alg), nullptr, pkey) <= 0)
        return badSig("verifier init failed");
    if (alg == Algorithm::PS256 && !setupPss(pctx)) return badSig("PSS setup failed");
    const int rc = EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                                    reinterpret_cast<const unsigned char*>(message.data()), message.size());
    if (rc != 1) return badSig("does not verify");
    return {};
}

// ---- PrivateKey ----
PrivateKey::PrivateKey() = default;
PrivateKey::~PrivateKey() = default;
PrivateKey::PrivateKey(const PrivateKey&) = default;
PrivateKey& PrivateKey::operator=(const PrivateKey&) = default;
PrivateKey::PrivateKey(PrivateKey&&) noexcept = default;
PrivateKey& PrivateKey::operator=(PrivateKey&&) noexcept = default;

core::Result<PrivateKey> PrivateKey::fromPem(std::string_view pem) {
    BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    EVP_PKEY* pkey = bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr;
    if (!pkey) return keyError("not a PEM private key");
    PrivateKey k;
    k.impl_ = std::make_shared<Impl>();
    k.impl_->pkey = pkey;
    return k;
}

core::Result<std::string> PrivateKey::sign(Algorithm alg, std::string_view message) const {
    if (!impl_) return keyError("no private key");
    EVP_PKEY* pkey = impl_->pkey;
    if (!keyFitsAlg(pkey, alg)) return core::makeError("qr.unsupported_alg", "key type does not fit " + algorithmName(alg));
    MdCtxPtr ctx(EVP_MD_CTX_new());
    EVP_PKEY_CTX* pctx = nullptr;
    if (!ctx || EVP_DigestSignInit(ctx.get(), &pctx, digestFor(alg), nullptr, pkey) <= 0)
        return keyError("signer init failed");
    if (alg == Algorithm::PS256 && !setupPss(pctx)) return keyError("PSS setup failed");
    std::size_t len = 0;
    const auto* msg = reinterpret_cast<const unsigned char*>(message.data());
    if (EVP_DigestSign(ctx.get(), nullptr, &len, msg, message.size()) <= 0) return keyError("sign failed");
    std::string sig(len, '\0');
    if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, msg, message.size()) <= 0)
        return keyError("sign failed");
    sig.resize(len);
    if (!isEcdsa(alg)) return sig;
    const auto* p = reinterpret_cast<const unsigned char*>(sig.data());
    SigPtr es(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size())));
    if (!es) return keyError("ECDSA decode failed");
    const int n = ecScalarBytes(pkey);
    std::string raw(static_cast<std::size_t>(2 * n), '\0');
    auto* out = reinterpret_cast<unsigned char*>(raw.data());
    if (BN_bn2binpad(ECDSA_SIG_get0_r(es.get()), out, n) != n || BN_bn2binpad(ECDSA_SIG_get0_s(es.get()), out + n, n) != n)
        return keyError("ECDSA encode failed");
    return raw;
}

}  // namespace kiosk::credentials
