#pragma once
// Mutual-TLS trust for the transport, on plain OpenSSL (no Beast): the client CA plus its
// CRL as one X509_STORE, reloaded when the CRL file changes, and the caller's Identity
// from a verified peer certificate.
#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "core/result.h"
#include "server/http_types.h"

namespace kiosk::server {

using X509StorePtr = std::shared_ptr<X509_STORE>;

// The CA certificates plus the CRL, as one store handed to each new connection
// (SSL_set1_verify_cert_store), so a reloaded CRL applies to the next handshake while
// connections already verified keep the store they started with.
class TrustStore {
public:
    // http.tls when the CA or CRL file cannot be read, or the CRL is not signed by the CA.
    // An empty crlFile: no revocation check.
    static core::Result<std::unique_ptr<TrustStore>> create(const std::filesystem::path& caFile,
                                                            const std::filesystem::path& crlFile,
                                                            std::chrono::milliseconds reloadInterval);

    // The store for the next handshake; checks the CRL file's stamp at most once per
    // interval. A changed file that does not load is logged and the old list kept.
    X509StorePtr current();

private:
    struct Stamp {
        int64_t mtimeNs = -1, size = -1, inode = -1;
        bool operator==(const Stamp&) const = default;
    };
    static Stamp stampOf(const std::filesystem::path& p);

    std::filesystem::path caFile_, crlFile_;
    std::chrono::milliseconds interval_{0};
    std::mutex mu_;
    X509StorePtr store_;
    Stamp stamp_;
    std::chrono::steady_clock::time_point nextCheck_{};
};

core::Result<X509StorePtr> buildTrustStore(const std::filesystem::path& caFile, const std::filesystem::path& crlFile);

// CN = device id, OU = role (anything but lane/registration/admin: Role::None), serial in
// lower-case hex. An empty Identity when there is no verified peer certificate.
Identity identityOf(SSL* ssl);

}  // namespace kiosk::server
