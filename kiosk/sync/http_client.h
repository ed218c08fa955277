#pragma once
// A small HTTPS client for the clearance service (docs/api.md): mutual TLS with the
// device's certificate and key, the project CA as the only trust anchor (peer and host
// verified), TLS 1.2 or newer, connect and total timeouts, a limit on answer bodies.
// http_client.cpp is the only file that includes curl.
//
// Each calling thread gets its own curl easy handle, kept for the life of the client, so
// connections are reused (keep-alive) without two threads sharing a handle.
//
// Transport failures are errors; any HTTP status is an answer:
//   sync.unreachable  no connection (refused, reset, name not resolved, nothing answered)
//   sync.timeout      the connect or total timeout ran out
//   sync.tls          handshake failed: certificate refused by either side, bad CA/cert/key file
//   sync.too_large    the answer body is over maxAnswerBytes
//   sync.cancelled    the cancel flag was raised (stop()) during the transfer
//   sync.http         any other curl failure
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/clock.h"
#include "core/result.h"

namespace kiosk::sync {

struct HttpClientOptions {
    std::string baseUrl;              // "https://127.0.0.1:8443" (no trailing slash needed)
    std::string certFile, keyFile;    // PEM
    std::string caFile;               // PEM
    core::Millis connectTimeout{2000};
    core::Millis requestTimeout{5000};  // total, unless a call gives its own
    std::size_t maxAnswerBytes = 16u << 20;
    // When set and true, transfers stop within about a second (a long poll during stop()).
    const std::atomic<bool>* cancel = nullptr;
};

struct HttpAnswer {
    long status = 0;
    std::string body;
};

class HttpClient {
public:
    explicit HttpClient(HttpClientOptions options);
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    // `path` starts with "/" and may carry a query ("/v1/device/commands?wait_ms=0").
    // `totalTimeout` replaces requestTimeout for this call (long poll, on-demand budget).
    core::Result<HttpAnswer> get(const std::string& path, std::optional<core::Millis> totalTimeout = {});
    core::Result<HttpAnswer> post(const std::string& path, const std::string& jsonBody,
                                  std::optional<core::Millis> totalTimeout = {});

    const HttpClientOptions& options() const { return options_; }

private:
    core::Result<HttpAnswer> perform(const char* method, const std::string& path, const std::string* body,
                                     std::optional<core::Millis> totalTimeout);
    struct Handles;
    HttpClientOptions options_;
    std::unique_ptr<Handles> handles_;
};

}  // namespace kiosk::sync
