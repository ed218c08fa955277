#include "server/tls_trust.h"

#include <sys/stat.h>

#include <algorithm>
#include <string>
#include <vector>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509_vfy.h>

#include "core/log.h"

namespace kiosk::server {

using core::makeError;

namespace {

std::string nameEntry(X509_NAME* name, int nid) {
    const int idx = X509_NAME_get_index_by_NID(name, nid, -1);
    if (idx < 0) return "";
    unsigned char* utf8 = nullptr;
    const int n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx)));
    if (n < 0) return "";
    std::string out(reinterpret_cast<char*>(utf8), static_cast<size_t>(n));
    OPENSSL_free(utf8);
    return out;
}

std::string serialHex(const ASN1_INTEGER* s) {
    BIGNUM* bn = ASN1_INTEGER_to_BN(s, nullptr);
    if (!bn) return "";
    char* hex = BN_bn2hex(bn);
    std::string out = hex ? hex : "";
    OPENSSL_free(hex);
    BN_free(bn);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
}

}  // namespace

core::Result<X509StorePtr> buildTrustStore(const std::filesystem::path& caFile, const std::filesystem::path& crlFile) {
    X509StorePtr store(X509_STORE_new(), X509_STORE_free);
    if (!store) return makeError("http.tls", "X509_STORE_new failed");
    std::vector<X509*> cas;
    {
        BIO* b = BIO_new_file(caFile.c_str(), "r");
        if (!b) return makeError("http.tls", "cannot read tls.client_ca_file " + caFile.string());
        while (X509* c = PEM_read_bio_X509(b, nullptr, nullptr, nullptr)) cas.push_back(c);
        ERR_clear_error();  // the end-of-file "no start line"
        BIO_free(b);
    }
    if (cas.empty()) return makeError("http.tls", "no certificate in " + caFile.string());
    for (X509* c : cas) X509_STORE_add_cert(store.get(), c);
    auto freeCas = [&] {
        for (X509* c : cas) X509_free(c);
    };
    if (!crlFile.empty()) {
        BIO* b = BIO_new_file(crlFile.c_str(), "r");
        if (!b) {
            freeCas();
            return makeError("http.tls", "cannot read tls.crl_file " + crlFile.string());
        }
        int count = 0;
        std::string bad;
        while (X509_CRL* crl = PEM_read_bio_X509_CRL(b, nullptr, nullptr, nullptr)) {
            // A CRL that no CA signed would make every handshake fail: refuse it here.
            bool signedByCa = false;
            for (X509* c : cas)
                if (X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(c)) == 0 &&
                    X509_CRL_verify(crl, X509_get0_pubkey(c)) == 1)
                    signedByCa = true;
            if (signedByCa) {
                X509_STORE_add_crl(store.get(), crl);
                ++count;
            } else {
                bad = "a CRL in " + crlFile.string() + " is not signed by the client CA";
            }
            X509_CRL_free(crl);
        }
        ERR_clear_error();
        BIO_free(b);
        if (!bad.empty() || count == 0) {
            freeCas();
            return makeError("http.tls", bad.empty() ? "no CRL in " + crlFile.string() : bad);
        }
        X509_STORE_set_flags(store.get(), X509_V_FLAG_CRL_CHECK);
    }
    freeCas();
    return store;
}

Identity identityOf(SSL* ssl) {
    Identity id;
    X509* peer = SSL_get0_peer_certificate(ssl);
    if (!peer || SSL_get_verify_result(ssl) != X509_V_OK) return id;
    X509_NAME* subject = X509_get_subject_name(peer);
    id.deviceId = nameEntry(subject, NID_commonName);
    id.certSerial = serialHex(X509_get0_serialNumber(peer));
    auto role = parseRole(nameEntry(subject, NID_organizationalUnitName));
    id.role = role.value_or(Role::None);
    return id;
}

TrustStore::Stamp TrustStore::stampOf(const std::filesystem::path& p) {
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0) return {};
    return Stamp{static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec,
                 static_cast<int64_t>(st.st_size), static_cast<int64_t>(st.st_ino)};
}

core::Result<std::unique_ptr<TrustStore>> TrustStore::create(const std::filesystem::path& caFile,
                                                             const std::filesystem::path& crlFile,
                                                             std::chrono::milliseconds reloadInterval) {
    auto t = std::unique_ptr<TrustStore>(new TrustStore);
    t->caFile_ = caFile;
    t->crlFile_ = crlFile;
    t->interval_ = reloadInterval;
    KIOSK_ASSIGN_OR_RETURN(t->store_, buildTrustStore(caFile, crlFile));
    if (!crlFile.empty()) t->stamp_ = stampOf(crlFile);
    t->nextCheck_ = std::chrono::steady_clock::now() + reloadInterval;
    return t;
}

X509StorePtr TrustStore::current() {
    std::lock_guard lock(mu_);
    const auto now = std::chrono::steady_clock::now();
    if (crlFile_.empty() || now < nextCheck_) return store_;
    nextCheck_ = now + interval_;
    const Stamp s = stampOf(crlFile_);
    if (s == stamp_) return store_;
    auto fresh = buildTrustStore(caFile_, crlFile_);
    if (fresh.ok()) {
        store_ = *fresh;
        stamp_ = s;
        core::logInfo("http.crl_reloaded", {{"file", crlFile_.string()}});
    } else {
        // Keep the list we had: a half-copied or foreign file must not open the door.
        core::logWarn("http.crl_reload_failed", {{"error", fresh.error().message}});
    }
    return store_;
}

}  // namespace kiosk::server
