#pragma once
// Helpers for the transport tests: certificates from the project CA (server/device_ca.h)
// in a temp dir, and a small blocking TLS client on plain OpenSSL so a test can control
// every byte (no certificate, another CA, TLS 1.1, a Content-Length without its body...).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "server/device_ca.h"
#include "server/http_server.h"
#include "tests/support/test_support.h"

namespace kiosk::server::nettest {

namespace fs = std::filesystem;

struct CertFiles {
    fs::path cert, key;
    std::string serial;
};

// One CA with a server certificate and a few device certificates, plus a second, foreign
// CA that issued a look-alike lane certificate.
struct Pki {
    fs::path dir, caDir, otherCaDir;
    CertFiles server, lane, lane2, registration, admin, foreignLane;

    fs::path caCert() const { return caDir / "ca.cert.pem"; }
    fs::path crl() const { return caDir / "crl.pem"; }

    CertFiles issue(const std::string& id, Role role) const {
        auto r = issueDeviceCert(caDir, id, role, dir / id);
        EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
        return r.ok() ? CertFiles{r->certFile, r->keyFile, r->serial} : CertFiles{};
    }
};

inline Pki makePki(const std::string& tag) {
    // A refused connection may be reset under the client's feet: an error, not a signal.
    std::signal(SIGPIPE, SIG_IGN);
    Pki p;
    p.dir = kiosk::testing::tempDir(tag);
    p.caDir = p.dir / "ca";
    p.otherCaDir = p.dir / "other-ca";
    auto st = initCa(p.caDir);
    EXPECT_TRUE(st.ok()) << (st.ok() ? "" : st.error().message);
    auto s = issueServerCert(p.caDir, {"localhost", "127.0.0.1"}, p.dir / "server");
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
    if (s.ok()) p.server = {s->certFile, s->keyFile, s->serial};
    p.lane = p.issue("HZMB-A-07", Role::Lane);
    p.lane2 = p.issue("HZMB-A-08", Role::Lane);
    p.registration = p.issue("REG-01", Role::Registration);
    p.admin = p.issue("chan.tm", Role::Admin);
    EXPECT_TRUE(initCa(p.otherCaDir, "someone else's CA").ok());
    auto f = issueDeviceCert(p.otherCaDir, "HZMB-A-07", Role::Lane, p.dir / "foreign-lane");
    EXPECT_TRUE(f.ok());
    if (f.ok()) p.foreignLane = {f->certFile, f->keyFile, f->serial};
    return p;
}

inline HttpServerOptions serverOptions(const Pki& p) {
    HttpServerOptions o;
    o.address = "127.0.0.1";
    o.port = 0;
    o.certFile = p.server.cert;
    o.keyFile = p.server.key;
    o.clientCaFile = p.caCert();
    o.crlFile = p.crl();
    o.threads = 2;
    return o;
}

inline Response jsonResponse(int status, const std::string& body) {
    Response r;
    r.status = status;
    r.body = body;
    return r;
}

struct HttpReply {
    int status = 0;
    std::map<std::string, std::string> headers;  // lower-case names
    std::string body;
};

inline std::string drainSslErrors() {
    std::string out;
    while (unsigned long e = ERR_get_error()) {
        char buf[256];
        ERR_error_string_n(e, buf, sizeof buf);
        out += (out.empty() ? "" : "; ") + std::string(buf);
    }
    return out;
}

struct ClientConfig {
    fs::path caFile;                // to verify the server
    std::optional<CertFiles> cert;  // client certificate, or none
    int minVersion = TLS1_2_VERSION;
    int maxVersion = 0;             // 0: the library's newest
    bool allowLegacy = false;       // security level 0, so TLS 1.1 can even be offered
};

// Shared by many connections (1,000 in the idle test): certificates load once.
class ClientContext {
public:
    explicit ClientContext(const ClientConfig& c) : ctx_(SSL_CTX_new(TLS_client_method()), SSL_CTX_free) {
        SSL_CTX* ctx = ctx_.get();
        if (c.allowLegacy) SSL_CTX_set_cipher_list(ctx, "DEFAULT:@SECLEVEL=0");
        SSL_CTX_set_min_proto_version(ctx, c.minVersion);
        if (c.maxVersion) SSL_CTX_set_max_proto_version(ctx, c.maxVersion);
        SSL_CTX_load_verify_locations(ctx, c.caFile.c_str(), nullptr);
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
        if (c.cert) {
            SSL_CTX_use_certificate_chain_file(ctx, c.cert->cert.c_str());
            SSL_CTX_use_PrivateKey_file(ctx, c.cert->key.c_str(), SSL_FILETYPE_PEM);
        }
        ERR_clear_error();
    }
    SSL_CTX* get() const { return ctx_.get(); }

private:
    std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx_;
};

// One blocking connection with 10 s socket timeouts (a hung server fails the test, it
// does not hang it).
class TlsClient {
public:
    ~TlsClient() { close(); }

    // Empty on success, else what went wrong (OpenSSL's reason, e.g. "certificate required").
    // rcvbuf > 0: a small receive buffer (a slow reader fills up sooner).
    std::string connect(uint16_t port, const ClientContext& ctx, int rcvbuf = 0) {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        if (rcvbuf > 0) ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
        timeval tv{10, 0};
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        const int one = 1;  // as real clients do; else Nagle holds each request ~40 ms
        ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(port);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return "tcp connect failed";
        ssl_ = SSL_new(ctx.get());
        SSL_set_fd(ssl_, fd_);
        SSL_set1_host(ssl_, "127.0.0.1");
        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_), "127.0.0.1");
        ERR_clear_error();
        if (SSL_connect(ssl_) != 1) {
            error_ = "handshake: " + drainSslErrors();
            return error_.empty() ? "handshake failed" : error_;
        }
        return "";
    }

    bool send(const std::string& data) {
        size_t done = 0;
        while (done < data.size()) {
            const int n = SSL_write(ssl_, data.data() + done, static_cast<int>(data.size() - done));
            if (n <= 0) {
                error_ = "write: " + drainSslErrors();
                return false;
            }
            done += static_cast<size_t>(n);
        }
        return true;
    }

    // One HTTP response (1xx interim answers skipped); nullopt when the connection failed
    // or closed first (error() says why).
    std::optional<HttpReply> readResponse(bool skipInterim = true) {
        for (;;) {
            size_t end;
            while ((end = buf_.find("\r\n\r\n")) == std::string::npos)
                if (!fill()) return std::nullopt;
            HttpReply r;
            const std::string head = buf_.substr(0, end);
            buf_.erase(0, end + 4);
            std::istringstream lines(head);
            std::string line;
            std::getline(lines, line);
            if (line.size() < 12) return std::nullopt;
            r.status = std::stoi(line.substr(9, 3));
            while (std::getline(lines, line)) {
                if (!line.empty() && line.back() == '\r') line.pop_back();
                const auto colon = line.find(':');
                if (colon == std::string::npos) continue;
                std::string name = line.substr(0, colon);
                for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
                std::string value = line.substr(colon + 1);
                while (!value.empty() && value.front() == ' ') value.erase(0, 1);
                r.headers[name] = value;
            }
            if (r.status >= 100 && r.status < 200) {
                if (skipInterim) continue;
                return r;
            }
            const size_t len = r.headers.count("content-length") ? std::stoul(r.headers["content-length"]) : 0;
            while (buf_.size() < len)
                if (!fill()) return std::nullopt;
            r.body = buf_.substr(0, len);
            buf_.erase(0, len);
            return r;
        }
    }

    std::optional<HttpReply> request(const std::string& method, const std::string& target,
                                     const std::string& body = "", const std::string& extraHeaders = "") {
        std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extraHeaders;
        if (!body.empty() || method == "POST" || method == "PUT")
            req += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
        req += "\r\n" + body;
        if (!send(req)) return std::nullopt;
        return readResponse();
    }

    // Raw reading (event streams): everything up to and including `delim`; nullopt when the
    // connection closed or failed first.
    std::optional<std::string> readUntil(const std::string& delim) {
        size_t end;
        while ((end = buf_.find(delim)) == std::string::npos)
            if (!fill()) return std::nullopt;
        std::string out = buf_.substr(0, end + delim.size());
        buf_.erase(0, end + delim.size());
        return out;
    }

    // True when the peer closed the connection (close_notify, EOF or reset) before
    // sending anything more.
    bool closedByPeer() {
        if (!buf_.empty()) return false;
        return !fill();
    }

    const std::string& error() const { return error_; }

    void close() {
        if (ssl_) {
            SSL_free(ssl_);
            ssl_ = nullptr;
        }
        if (fd_ >= 0) {
            ::close(fd_);
            fd_ = -1;
        }
    }

private:
    bool fill() {
        char tmp[16384];
        ERR_clear_error();
        const int n = SSL_read(ssl_, tmp, sizeof tmp);
        if (n <= 0) {
            const int e = SSL_get_error(ssl_, n);
            error_ = e == SSL_ERROR_ZERO_RETURN ? "closed" : "read: " + drainSslErrors();
            if (error_ == "read: ") error_ = "read: connection lost";
            return false;
        }
        buf_.append(tmp, static_cast<size_t>(n));
        return true;
    }

    int fd_ = -1;
    SSL* ssl_ = nullptr;
    std::string buf_;
    std::string error_;
};

// Connects and makes one request; the error text when the connection or TLS failed.
struct Attempt {
    std::optional<HttpReply> reply;
    std::string error;
};

inline Attempt tryGet(uint16_t port, const ClientConfig& cfg, const std::string& target = "/v1/health") {
    ClientContext ctx(cfg);
    TlsClient c;
    Attempt a;
    a.error = c.connect(port, ctx);
    if (!a.error.empty()) return a;
    a.reply = c.request("GET", target);
    if (!a.reply) a.error = c.error();
    return a;
}

inline ClientConfig clientWith(const Pki& p, const CertFiles& cert) {
    ClientConfig c;
    c.caFile = p.caCert();
    c.cert = cert;
    return c;
}

// Polls `pred` until true or ~10 s passed (no timing assertion: a deadline only so a
// broken server fails instead of hanging).
template <typename Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = std::chrono::milliseconds(10000)) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
        if (pred()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return pred();
}

}  // namespace kiosk::server::nettest
