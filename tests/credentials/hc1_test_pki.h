#pragma once
// A small X.509 PKI for the HC1 signer-rule tests: a country signing CA (CSCA) and
// document signer certificates (DSC) with chosen curve, validity and extended key usage,
// made with OpenSSL here because the project itself never issues DCC certificates.
#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/log.h"
#include "credentials/credentials.h"

namespace kiosk::credentials::testpki {

struct PkeyFree {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct X509Free {
    void operator()(X509* x) const { X509_free(x); }
};
using Pkey = std::shared_ptr<EVP_PKEY>;

inline Pkey ecKey(const char* curve) {
    return Pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve), PkeyFree{});
}

struct Issued {
    std::string der;
    Pkey key;
    std::string privatePem() const {
        std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
        PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr);
        char* data = nullptr;
        const long n = BIO_get_mem_data(bio.get(), &data);
        return std::string(data, static_cast<std::size_t>(n));
    }
};

struct CertSpec {
    std::string commonName = "DSC";
    const char* curve = "prime256v1";
    int64_t notBefore = 0, notAfter = 0;  // unix seconds
    bool isCa = false;
    std::vector<std::string> extendedKeyUsage;  // dotted OIDs; empty = no extension
};

// Issues `spec` signed by `issuer` (nullptr = self-signed).
inline Issued issue(const CertSpec& spec, const Issued* issuer) {
    Issued out;
    out.key = ecKey(spec.curve);
    std::unique_ptr<X509, X509Free> x(X509_new());
    X509_set_version(x.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x.get()), static_cast<long>(spec.notBefore % 100000 + 1));
    ASN1_TIME_set(X509_getm_notBefore(x.get()), static_cast<time_t>(spec.notBefore));
    ASN1_TIME_set(X509_getm_notAfter(x.get()), static_cast<time_t>(spec.notAfter));
    X509_NAME* name = X509_get_subject_name(x.get());
    X509_NAME_add_entry_by_txt(name, "C", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("MO"), -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(spec.commonName.c_str()), -1,
                               -1, 0);
    X509* issuerCert = nullptr;
    std::unique_ptr<X509, X509Free> issuerHolder;
    if (issuer) {
        const auto* p = reinterpret_cast<const unsigned char*>(issuer->der.data());
        issuerHolder.reset(d2i_X509(nullptr, &p, static_cast<long>(issuer->der.size())));
        issuerCert = issuerHolder.get();
        X509_set_issuer_name(x.get(), X509_get_subject_name(issuerCert));
    } else {
        X509_set_issuer_name(x.get(), name);
    }
    X509_set_pubkey(x.get(), out.key.get());
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuerCert ? issuerCert : x.get(), x.get(), nullptr, nullptr, 0);
    auto add = [&](int nid, const std::string& value) {
        X509_EXTENSION* e = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
        if (!e) throw std::runtime_error("extension " + value);
        X509_add_ext(x.get(), e, -1);
        X509_EXTENSION_free(e);
    };
    add(NID_basic_constraints, spec.isCa ? "critical,CA:TRUE" : "critical,CA:FALSE");
    add(NID_key_usage, spec.isCa ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
    if (!spec.extendedKeyUsage.empty()) {
        std::string eku;
        for (const auto& o : spec.extendedKeyUsage) eku += (eku.empty() ? "" : ",") + o;
        add(NID_ext_key_usage, eku);
    }
    X509_sign(x.get(), issuer ? issuer->key.get() : out.key.get(), EVP_sha256());
    unsigned char* der = nullptr;
    const int len = i2d_X509(x.get(), &der);
    out.der.assign(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
    OPENSSL_free(der);
    return out;
}

// The certificate as a PEM file holds it (what an operator copies onto a lane).
inline std::string certificatePem(const std::string& der) {
    const auto* p = reinterpret_cast<const unsigned char*>(der.data());
    std::unique_ptr<X509, X509Free> x(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
    PEM_write_bio_X509(bio.get(), x.get());
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(n));
}

// ECDSA over SHA-256 with any EC key, as COSE raw r||s (each the key's scalar size): lets a
// test build the "ES256 header, P-384 key" forgery the verifier must refuse.
inline std::string ecdsaSha256Raw(EVP_PKEY* key, const std::string& message) {
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key);
    std::size_t len = 0;
    const auto* m = reinterpret_cast<const unsigned char*>(message.data());
    EVP_DigestSign(ctx.get(), nullptr, &len, m, message.size());
    std::string der(len, '\0');
    EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(der.data()), &len, m, message.size());
    const auto* p = reinterpret_cast<const unsigned char*>(der.data());
    std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)> sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(len)),
                                                              &ECDSA_SIG_free);
    const int n = (EVP_PKEY_get_bits(key) + 7) / 8;
    std::string raw(static_cast<std::size_t>(2 * n), '\0');
    auto* out = reinterpret_cast<unsigned char*>(raw.data());
    BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), out, n);
    BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), out + n, n);
    return raw;
}

// The DCC kid: the first 8 bytes of SHA-256 over the DSC.
inline std::string dccKid(const std::string& dscDer) { return fromHex(core::sha256Hex(dscDer).substr(0, 16)).value(); }

// CWT payload with a one-entry DCC of the given kind ("v", "t" or "r").
inline std::string dccPayload(const std::string& kind, int64_t iat, int64_t exp, const std::string& dob = "1980-01-01") {
    CwtClaims w;
    w.iss = "MO";
    w.iat = iat;
    w.exp = exp;
    CborValue entry = kind == "v"   ? CborValue::map({{CborValue::text("dt"), CborValue::text("2021-05-01")},
                                                      {CborValue::text("dn"), CborValue::integer(2)},
                                                      {CborValue::text("sd"), CborValue::integer(2)}})
                      : kind == "t" ? CborValue::map({{CborValue::text("sc"), CborValue::text("2021-05-01T10:00:00Z")},
                                                      {CborValue::text("tr"), CborValue::text("260415000")}})
                                    : CborValue::map({{CborValue::text("fr"), CborValue::text("2021-04-01")}});
    CborValue dcc = CborValue::map({{CborValue::text("ver"), CborValue::text("1.3.0")},
                                    {CborValue::text("dob"), CborValue::text(dob)},
                                    {CborValue::text(kind), CborValue::array({entry})}});
    w.privateClaims.emplace_back(CborValue::integer(-260), CborValue::map({{CborValue::integer(1), dcc}}));
    return encodeCwtClaims(w);
}

inline std::string hc1Text(const std::string& coseBytes) { return "HC1:" + base45Encode(zlibCompress(coseBytes)); }

// An HC1 signed by `dsc` with alg ES256 in the protected header, whatever the DSC's curve.
inline std::string signHc1Es256Header(const Issued& dsc, const std::string& payload) {
    CoseSign1 msg;
    msg.protectedBytes = cborEncode(CborValue::map({{CborValue::integer(1), CborValue::integer(-7)},
                                                    {CborValue::integer(4), CborValue::bytes(dccKid(dsc.der))}}));
    msg.payload = payload;
    const std::string sig = ecdsaSha256Raw(dsc.key.get(), coseSigStructure(msg));
    return hc1Text(cborEncode(CborValue::tag(18, CborValue::array({CborValue::bytes(msg.protectedBytes), CborValue::map(),
                                                                    CborValue::bytes(payload), CborValue::bytes(sig)}))));
}

}  // namespace kiosk::credentials::testpki
