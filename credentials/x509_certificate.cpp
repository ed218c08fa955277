#include "credentials/x509_certificate.h"

#include <chrono>
#include <ctime>
#include <memory>

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

namespace kiosk::credentials {
namespace {

struct X509Free {
    void operator()(X509* x) const { X509_free(x); }
};
struct StoreFree {
    void operator()(X509_STORE* s) const { X509_STORE_free(s); }
};
struct StoreCtxFree {
    void operator()(X509_STORE_CTX* c) const { X509_STORE_CTX_free(c); }
};
struct EkuFree {
    void operator()(EXTENDED_KEY_USAGE* e) const { EXTENDED_KEY_USAGE_free(e); }
};
struct BcFree {
    void operator()(BASIC_CONSTRAINTS* b) const { BASIC_CONSTRAINTS_free(b); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

X509Ptr parse(std::string_view der) {
    const auto* p = reinterpret_cast<const unsigned char*>(der.data());
    X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
    // Trailing bytes after the certificate are not a certificate either.
    if (cert && p != reinterpret_cast<const unsigned char*>(der.data()) + der.size()) cert.reset();
    ERR_clear_error();
    return cert;
}

// ASN1_TIME -> unix seconds without touching the process time zone.
bool toUnix(const ASN1_TIME* t, int64_t& out) {
    std::tm tm{};
    if (!t || ASN1_TIME_to_tm(t, &tm) != 1) return false;
    using namespace std::chrono;
    const auto day = sys_days{year{tm.tm_year + 1900} / month{static_cast<unsigned>(tm.tm_mon + 1)} /
                              std::chrono::day{static_cast<unsigned>(tm.tm_mday)}};
    out = duration_cast<seconds>(day.time_since_epoch()).count() + tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
    return true;
}

std::string dotted(const ASN1_OBJECT* obj) {
    char buf[128];
    const int n = OBJ_obj2txt(buf, sizeof buf, obj, 1);
    return n > 0 && n < static_cast<int>(sizeof buf) ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
}

}  // namespace

core::Result<CertificateFacts> readCertificateFacts(std::string_view der) {
    X509Ptr cert = parse(der);
    if (!cert) return core::makeError("hc.bad_certificate", "signer certificate: not a DER X.509 certificate");
    CertificateFacts f;
    if (!toUnix(X509_get0_notBefore(cert.get()), f.notBefore) || !toUnix(X509_get0_notAfter(cert.get()), f.notAfter))
        return core::makeError("hc.bad_certificate", "signer certificate: unreadable validity period");
    int crit = 0;
    std::unique_ptr<EXTENDED_KEY_USAGE, EkuFree> eku(
        static_cast<EXTENDED_KEY_USAGE*>(X509_get_ext_d2i(cert.get(), NID_ext_key_usage, &crit, nullptr)));
    if (eku) {
        f.hasExtendedKeyUsage = true;
        for (int i = 0; i < sk_ASN1_OBJECT_num(eku.get()); ++i) f.extendedKeyUsage.push_back(dotted(sk_ASN1_OBJECT_value(eku.get(), i)));
    } else if (crit != -1) {
        // -1 = absent; anything else means the extension is there but unreadable.
        ERR_clear_error();
        return core::makeError("hc.bad_certificate", "signer certificate: unreadable extended key usage");
    }
    std::unique_ptr<BASIC_CONSTRAINTS, BcFree> bc(
        static_cast<BASIC_CONSTRAINTS*>(X509_get_ext_d2i(cert.get(), NID_basic_constraints, nullptr, nullptr)));
    f.isCa = bc && bc->ca;
    ERR_clear_error();
    return f;
}

core::Status verifyCertificateChain(std::string_view der, const std::vector<std::string>& caDers, int64_t atUnix) {
    auto untrusted = [](const std::string& why) { return core::makeError("hc.untrusted_signer", "signer certificate: " + why); };
    if (caDers.empty()) return untrusted("no signing CA configured");
    X509Ptr cert = parse(der);
    if (!cert) return core::makeError("hc.bad_certificate", "signer certificate: not a DER X.509 certificate");
    std::unique_ptr<X509_STORE, StoreFree> store(X509_STORE_new());
    if (!store) return untrusted("out of memory");
    for (std::size_t i = 0; i < caDers.size(); ++i) {
        X509Ptr ca = parse(caDers[i]);
        if (!ca) return core::makeError("hc.bad_certificate", "signing CA " + std::to_string(i) + ": not a DER X.509 certificate");
        if (X509_STORE_add_cert(store.get(), ca.get()) != 1) {
            ERR_clear_error();  // a duplicate CA is harmless
        }
    }
    std::unique_ptr<X509_STORE_CTX, StoreCtxFree> ctx(X509_STORE_CTX_new());
    if (!ctx || X509_STORE_CTX_init(ctx.get(), store.get(), cert.get(), nullptr) != 1) {
        ERR_clear_error();
        return untrusted("verifier init failed");
    }
    // The caller's validation time, never the machine's clock.
    X509_STORE_CTX_set_time(ctx.get(), 0, static_cast<time_t>(atUnix));
    const int rc = X509_verify_cert(ctx.get());
    const int err = X509_STORE_CTX_get_error(ctx.get());
    ERR_clear_error();
    if (rc != 1) return untrusted(X509_verify_cert_error_string(err));
    return {};
}

core::Result<std::string> certificateDer(std::string_view pemOrDer) {
    constexpr std::string_view kPem = "-----BEGIN CERTIFICATE-----";
    if (pemOrDer.find(kPem) == std::string_view::npos) {
        if (!parse(pemOrDer)) return core::makeError("hc.bad_certificate", "not a DER or PEM certificate");
        return std::string(pemOrDer);
    }
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pemOrDer.data(), static_cast<int>(pemOrDer.size())),
                                                  &BIO_free);
    X509Ptr cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
    ERR_clear_error();
    if (!cert) return core::makeError("hc.bad_certificate", "unreadable PEM certificate");
    unsigned char* der = nullptr;
    const int len = i2d_X509(cert.get(), &der);
    if (len <= 0) return core::makeError("hc.bad_certificate", "unreadable PEM certificate");
    std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
    OPENSSL_free(der);
    return out;
}

}  // namespace kiosk::credentials
