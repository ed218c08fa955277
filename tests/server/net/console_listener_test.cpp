// The browsers' listener of the supervision console: no client certificate asked (while
// the devices' listener still requires one), the page's files from one folder and nothing
// outside it, the security headers on every answer (page, API, errors, event stream), and
// the peer's address handed to the handler on both listeners.
#include <fstream>

#include "server/console_site.h"
#include "server/server_config.h"
#include "tests/server/net/net_test_support.h"

namespace kiosk::server {
namespace {

using namespace nettest;
using namespace std::chrono_literals;

ClientConfig noCert(const Pki& p) {
    ClientConfig c;
    c.caFile = p.caCert();
    return c;
}

// Was a CertificateRequest received in the handshake? OpenSSL calls the client-certificate
// callback only then.
struct CertRequestProbe {
    static int onRequest(SSL* ssl, X509**, EVP_PKEY**) {
        auto* asked = static_cast<bool*>(SSL_get_app_data(ssl));
        if (asked) *asked = true;
        return 0;  // send no certificate
    }
    static bool askedForCertificate(uint16_t port, const Pki& p, bool* connected) {
        ClientContext ctx(noCert(p));
        SSL_CTX_set_client_cert_cb(ctx.get(), &CertRequestProbe::onRequest);
        bool asked = false;
        // The client's SSL is private to TlsClient: hand the flag through the context's
        // new SSLs via a fresh connection made here.
        const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(port);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        timeval tv{10, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        *connected = false;
        if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
            SSL* ssl = SSL_new(ctx.get());
            SSL_set_app_data(ssl, &asked);
            SSL_set_fd(ssl, fd);
            SSL_set1_host(ssl, "127.0.0.1");
            X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), "127.0.0.1");
            // TLS 1.3 reports a refused client certificate only on the first read.
            if (SSL_connect(ssl) == 1) {
                const std::string req = "GET /x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
                char buf[512];
                *connected = SSL_write(ssl, req.data(), static_cast<int>(req.size())) > 0 && SSL_read(ssl, buf, sizeof buf) > 0;
            }
            SSL_free(ssl);
        }
        ::close(fd);
        ERR_clear_error();
        return asked;
    }
};

HttpServerOptions browserOptions(const Pki& p) {
    HttpServerOptions o = serverOptions(p);
    o.clientAuth = ClientAuth::None;
    o.clientCaFile.clear();
    o.crlFile.clear();
    o.responseHeaders = consoleSecurityHeaders();
    return o;
}

TEST(ConsoleListener, BrowserListenerAsksNoCertificateDeviceListenerStillRequiresOne) {
    Pki pki = makePki("net-console-tls");
    Identity seenBrowser, seenDevice;
    std::string addrBrowser, addrDevice;
    std::mutex mu;
    auto browser = HttpServer::create(browserOptions(pki), [&](const Request& r, const Identity& who) {
        std::lock_guard lock(mu);
        seenBrowser = who;
        addrBrowser = r.remoteAddress;
        return jsonResponse(200, "{}");
    });
    auto device = HttpServer::create(serverOptions(pki), [&](const Request& r, const Identity& who) {
        std::lock_guard lock(mu);
        seenDevice = who;
        addrDevice = r.remoteAddress;
        return jsonResponse(200, "{}");
    });
    ASSERT_TRUE(browser.ok() && device.ok());

    bool connected = false;
    EXPECT_FALSE(CertRequestProbe::askedForCertificate((*browser)->port(), pki, &connected));
    EXPECT_TRUE(connected);
    EXPECT_TRUE(CertRequestProbe::askedForCertificate((*device)->port(), pki, &connected));
    EXPECT_FALSE(connected);  // no certificate: refused in the handshake

    // Plain requests: a browser without a certificate gets in; a device without one does not.
    auto b = tryGet((*browser)->port(), noCert(pki), "/v1/console/me");
    ASSERT_TRUE(b.reply) << b.error;
    EXPECT_EQ(b.reply->status, 200);
    EXPECT_FALSE(tryGet((*device)->port(), noCert(pki)).reply);
    // A certificate offered to the browser listener gives no identity (it was never asked for).
    auto withCert = tryGet((*browser)->port(), clientWith(pki, pki.admin), "/v1/console/me");
    ASSERT_TRUE(withCert.reply) << withCert.error;
    auto d = tryGet((*device)->port(), clientWith(pki, pki.lane));
    ASSERT_TRUE(d.reply) << d.error;
    std::lock_guard lock(mu);
    EXPECT_EQ(seenBrowser.role, Role::None);
    EXPECT_TRUE(seenBrowser.deviceId.empty());
    EXPECT_EQ(seenDevice.role, Role::Lane);
    EXPECT_EQ(seenDevice.deviceId, "HZMB-A-07");
    EXPECT_EQ(addrBrowser, "127.0.0.1");
    EXPECT_EQ(addrDevice, "127.0.0.1");
}

TEST(ConsoleListener, OldTlsRefusedOnTheBrowserListenerToo) {
    Pki pki = makePki("net-console-tls11");
    auto browser = HttpServer::create(browserOptions(pki), [](const Request&, const Identity&) { return jsonResponse(200, "{}"); });
    ASSERT_TRUE(browser.ok());
    ClientConfig old = noCert(pki);
    old.minVersion = TLS1_1_VERSION;
    old.maxVersion = TLS1_1_VERSION;
    old.allowLegacy = true;
    EXPECT_FALSE(tryGet((*browser)->port(), old).reply);
}

// A console folder in a temp dir, with a secret next to it and a symlink pointing out.
struct Site {
    fs::path root, dir;
};
Site makeSite(const std::string& tag) {
    Site s;
    s.root = kiosk::testing::tempDir(tag);
    s.dir = s.root / "console";
    fs::create_directories(s.dir / "i18n");
    std::ofstream(s.dir / "index.html") << "<!doctype html><title>console</title><script src=\"/console/app.js\"></script>";
    std::ofstream(s.dir / "app.js") << "console.log('app');";
    std::ofstream(s.dir / "style.css") << "body{}";
    std::ofstream(s.dir / "i18n" / "en.json") << R"({"hello":"Hello"})";
    std::ofstream(s.dir / "notes.exe") << "MZ";
    std::ofstream(s.dir / ".hidden.js") << "hidden";
    std::ofstream(s.root / "secret.json") << R"({"secret":true})";
    fs::create_symlink(s.root / "secret.json", s.dir / "link.json");
    return s;
}

void expectSecurityHeaders(const HttpReply& r, const std::string& what) {
    auto h = r.headers;
    EXPECT_EQ(h["content-security-policy"],
              "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
              "frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
        << what;
    EXPECT_EQ(h["x-content-type-options"], "nosniff") << what;
    EXPECT_EQ(h["referrer-policy"], "no-referrer") << what;
    EXPECT_NE(h["strict-transport-security"].find("max-age="), std::string::npos) << what;
}

TEST(ConsoleListener, ServesTheFolderOnlyWithSecurityHeadersOnEveryAnswer) {
    Pki pki = makePki("net-console-site");
    Site site = makeSite("net-console-files");
    ConsoleSite console(site.dir, [](const Request& r) {
        if (r.path == "/v1/console/stream") {
            Response s;
            s.stream = EventStream{"console", 0, "t"};
            return s;
        }
        if (r.path == "/v1/console/me") return jsonResponse(401, R"({"error":{"code":"auth.required","message":"log in"}})");
        return jsonResponse(200, R"({"path":")" + r.path + "\"}");
    });
    auto opts = browserOptions(pki);
    opts.maxBodyBytes = 1024;
    auto srv = HttpServer::create(opts, [&](const Request& r, const Identity&) { return console.handle(r); });
    ASSERT_TRUE(srv.ok());
    const uint16_t port = (*srv)->port();
    ClientContext ctx(noCert(pki));
    TlsClient c;
    ASSERT_EQ(c.connect(port, ctx), "");

    struct Case {
        std::string target;
        int status;
        std::string type;  // expected content type prefix ("" for any)
    };
    const std::vector<Case> cases = {
        {"/", 200, "text/html"},
        {"/index.html", 200, "text/html"},
        {"/console/app.js", 200, "text/javascript"},
        {"/console/style.css", 200, "text/css"},
        {"/console/i18n/en.json", 200, "application/json"},
        {"/console/missing.js", 404, ""},
        {"/console/notes.exe", 404, ""},            // not in the content-type table
        {"/console/.hidden.js", 404, ""},
        {"/console/../secret.json", 404, ""},
        {"/console/i18n/../../secret.json", 404, ""},
        {"/console/%2e%2e/secret.json", 404, ""},
        {"/console/..%2fsecret.json", 404, ""},
        {"/console/link.json", 404, ""},            // a symlink leading out of the folder
        {"/console//etc/passwd", 404, ""},
        {"/console/", 404, ""},
        {"/console/i18n", 404, ""},                 // a folder
        {"/etc/passwd", 404, ""},
        {"/v1/device/events", 404, ""},             // the device API is not on this listener
        {"/v1/console/me", 401, "application/json"},
        {"/v1/console/lanes", 200, "application/json"},
    };
    for (const auto& k : cases) {
        auto r = c.request("GET", k.target);
        ASSERT_TRUE(r) << k.target << ": " << c.error();
        EXPECT_EQ(r->status, k.status) << k.target << " " << r->body;
        if (!k.type.empty()) { EXPECT_EQ(r->headers["content-type"].rfind(k.type, 0), 0u) << k.target; }
        EXPECT_EQ(r->body.find("secret"), std::string::npos) << k.target;
        expectSecurityHeaders(*r, k.target);
        if (k.target.rfind("/v1/", 0) == 0) { EXPECT_EQ(r->headers["cache-control"], "no-store") << k.target; }
    }
    auto page = c.request("GET", "/");
    ASSERT_TRUE(page);
    EXPECT_NE(page->body.find("<title>console</title>"), std::string::npos);
    auto post = c.request("POST", "/console/app.js", "{}");
    ASSERT_TRUE(post);
    EXPECT_EQ(post->status, 405);
    expectSecurityHeaders(*post, "POST static");

    // Errors made by the transport itself carry them too.
    auto big = c.request("POST", "/v1/console/login", std::string(4096, 'x'));
    ASSERT_TRUE(big);
    EXPECT_EQ(big->status, 413);
    expectSecurityHeaders(*big, "413");

    // And the event stream's head.
    TlsClient s;
    ASSERT_EQ(s.connect(port, ctx), "");
    ASSERT_TRUE(s.send("GET /v1/console/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
    auto head = s.readResponse();
    ASSERT_TRUE(head) << s.error();
    EXPECT_EQ(head->status, 200);
    EXPECT_EQ(head->headers["cache-control"], "no-store");
    expectSecurityHeaders(*head, "stream");
}

TEST(ConsoleListener, NoApiYetMeansNotFound) {
    Site site = makeSite("net-console-noapi");
    ConsoleSite console(site.dir, {});
    Request r;
    r.method = "GET";
    r.path = "/v1/console/me";
    EXPECT_EQ(console.handle(r).status, 404);
    EXPECT_EQ(consoleContentType("a.svg").value_or(""), "image/svg+xml");
    EXPECT_FALSE(consoleContentType("a.php"));
    EXPECT_FALSE(consoleContentType("Makefile"));
}

TEST(ConsoleConfig, KeysReadDefaultsAndErrorsNamed) {
    const fs::path base = "/etc/clearance";
    auto cfgOf = [&](const std::string& console) {
        auto j = core::Json::parse(R"({"tls": {"cert_file": "s.pem", "key_file": "k.pem", "client_ca_file": "ca.pem",
                                                "crl_file": "crl.pem"}, "db": "sqlite:x.db")" +
                                   (console.empty() ? std::string() : ", \"console\": " + console) + "}");
        return parseServerConfig(j, base);
    };
    auto none = cfgOf("");
    ASSERT_TRUE(none.ok()) << none.error().message;
    EXPECT_FALSE(none->consoleEnabled);
    EXPECT_EQ(none->consolePort, 8444);
    auto on = cfgOf(R"({"enabled": true, "listen": {"address": "127.0.0.1", "port": 9443}, "static_dir": "web",
                        "feed_interval_ms": 100, "ping_s": 5, "max_queue_bytes": 65536})");
    ASSERT_TRUE(on.ok()) << on.error().message;
    EXPECT_TRUE(on->consoleEnabled);
    EXPECT_EQ(on->consoleAddress, "127.0.0.1");
    EXPECT_EQ(on->consolePort, 9443);
    EXPECT_EQ(on->consoleStaticDir, fs::path("/etc/clearance/web"));
    EXPECT_EQ(on->consoleFeedIntervalMs, 100);
    auto opts = consoleHttpOptions(*on);
    EXPECT_EQ(opts.clientAuth, ClientAuth::None);
    EXPECT_EQ(opts.port, 9443);
    EXPECT_EQ(opts.ssePing, std::chrono::milliseconds(5000));
    EXPECT_EQ(opts.sseQueueBytes, 65536u);
    EXPECT_EQ(opts.maxBodyBytes, static_cast<size_t>(on->maxBodyBytes));
    bool csp = false;
    for (const auto& [k, v] : opts.responseHeaders) csp = csp || k == "Content-Security-Policy";
    EXPECT_TRUE(csp);

    const std::vector<std::pair<std::string, std::string>> bad = {
        {R"({"enabled": "yes"})", "console.enabled"},
        {R"({"listen": {"port": 70000}})", "console.listen.port"},
        {R"({"listen": {"address": "localhost"}})", "console.listen.address"},
        {R"({"listen": {"host": "x"}})", "console.listen.host"},
        {R"({"static_dir": ""})", "console.static_dir"},
        {R"({"ping_s": 0})", "console.ping_s"},
        {R"({"session_idle": 5})", "console.session_idle"},
        {R"({"enabled": true, "listen": {"address": "0.0.0.0", "port": 8443}})", "console.listen.port"},
    };
    for (const auto& [text, key] : bad) {
        auto r = cfgOf(text);
        ASSERT_FALSE(r.ok()) << text;
        EXPECT_NE(r.error().message.find(key), std::string::npos) << text << " -> " << r.error().message;
    }
}

}  // namespace
}  // namespace kiosk::server
