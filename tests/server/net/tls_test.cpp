// Mutual TLS over loopback with certificates from the project CA: who gets in, who is
// refused in the handshake (never reaching the handler), and the CRL reload.
#include <atomic>
#include <fstream>
#include <mutex>

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "tests/server/net/net_test_support.h"

namespace kiosk::server {
namespace {

using namespace nettest;
using namespace std::chrono_literals;

struct Recorder {
    std::mutex mu;
    std::vector<std::pair<Request, Identity>> calls;

    Handler handler() {
        return [this](const Request& r, const Identity& id) {
            std::lock_guard lock(mu);
            calls.emplace_back(r, id);
            return jsonResponse(200, R"({"status":"ok"})");
        };
    }
    size_t count() {
        std::lock_guard lock(mu);
        return calls.size();
    }
};


// A client certificate from the project CA with an OU that is no role (device_ca only
// issues the three roles, so the test signs this one itself).
CertFiles issueWithUnit(const Pki& pki, const std::string& cn, const std::string& ou) {
    auto readPem = [](const fs::path& p, auto fn) {
        FILE* f = std::fopen(p.c_str(), "rb");
        auto* x = f ? fn(f, nullptr, nullptr, nullptr) : nullptr;
        if (f) std::fclose(f);
        return x;
    };
    EVP_PKEY* caKey = readPem(pki.caDir / "ca.key.pem", PEM_read_PrivateKey);
    X509* caCert = readPem(pki.caCert(), PEM_read_X509);
    EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
    X509* c = X509_new();
    X509_set_version(c, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(c), 424242);
    X509_gmtime_adj(X509_getm_notBefore(c), -60);
    X509_gmtime_adj(X509_getm_notAfter(c), 3600);
    X509_NAME* n = X509_get_subject_name(c);
    X509_NAME_add_entry_by_txt(n, "OU", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(ou.c_str()), -1, -1, 0);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
    X509_set_issuer_name(c, X509_get_subject_name(caCert));
    X509_set_pubkey(c, key);
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, caCert, c, nullptr, nullptr, 0);
    for (auto [nid, value] : {std::pair{NID_basic_constraints, "critical,CA:FALSE"},
                              std::pair{NID_ext_key_usage, "clientAuth"}}) {
        X509_EXTENSION* ex = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
        X509_add_ext(c, ex, -1);
        X509_EXTENSION_free(ex);
    }
    X509_sign(c, caKey, EVP_sha256());
    CertFiles out{pki.dir / (cn + ".cert.pem"), pki.dir / (cn + ".key.pem"), ""};
    FILE* cf = std::fopen(out.cert.c_str(), "wb");
    PEM_write_X509(cf, c);
    std::fclose(cf);
    FILE* kf = std::fopen(out.key.c_str(), "wb");
    PEM_write_PrivateKey(kf, key, nullptr, nullptr, 0, nullptr, nullptr);
    std::fclose(kf);
    X509_free(c);
    X509_free(caCert);
    EVP_PKEY_free(key);
    EVP_PKEY_free(caKey);
    return out;
}

class TlsTest : public ::testing::Test {
protected:
    void SetUp() override { pki = makePki("net-tls"); }
    std::unique_ptr<HttpServer> start(HttpServerOptions o) {
        auto s = HttpServer::create(std::move(o), rec.handler());
        EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
        return s.ok() ? std::move(*s) : nullptr;
    }
    Pki pki;
    Recorder rec;
};

TEST_F(TlsTest, LaneCertificateReachesTheHandlerWithItsIdentity) {
    auto server = start(serverOptions(pki));
    ASSERT_TRUE(server);
    ClientContext ctx(clientWith(pki, pki.lane));
    TlsClient c;
    ASSERT_EQ(c.connect(server->port(), ctx), "");
    auto r = c.request("GET", "/v1/device/enrolments?cursor=12&name=a%20b+c&empty=", "",
                       "X-Trace-Id: Abc\r\n");
    ASSERT_TRUE(r) << c.error();
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, R"({"status":"ok"})");
    EXPECT_EQ(r->headers["content-type"], "application/json");
    ASSERT_EQ(rec.count(), 1u);
    const auto& [req, who] = rec.calls[0];
    EXPECT_EQ(who.role, Role::Lane);
    EXPECT_EQ(who.deviceId, "HZMB-A-07");
    EXPECT_EQ(who.certSerial, pki.lane.serial);
    EXPECT_EQ(req.method, "GET");
    EXPECT_EQ(req.path, "/v1/device/enrolments");
    EXPECT_EQ(req.query.at("cursor"), "12");
    EXPECT_EQ(req.query.at("name"), "a b c");
    EXPECT_EQ(req.query.at("empty"), "");
    EXPECT_EQ(req.headers.at("x-trace-id"), "Abc");
    EXPECT_FALSE(req.longPollExpired);

    // Keep-alive: a second request on the same connection, with a body.
    auto r2 = c.request("POST", "/v1/device/events", R"({"stream":"x"})");
    ASSERT_TRUE(r2) << c.error();
    ASSERT_EQ(rec.count(), 2u);
    EXPECT_EQ(rec.calls[1].first.body, R"({"stream":"x"})");
    EXPECT_EQ(rec.calls[1].first.headers.at("content-type"), "application/json");
}

TEST_F(TlsTest, RegistrationAndAdminRolesComeFromTheOrganisationalUnit) {
    auto server = start(serverOptions(pki));
    ASSERT_TRUE(server);
    for (const auto& [cert, role, id] : {std::tuple{pki.registration, Role::Registration, "REG-01"},
                                         std::tuple{pki.admin, Role::Admin, "chan.tm"}}) {
        auto a = tryGet(server->port(), clientWith(pki, cert));
        ASSERT_TRUE(a.reply) << a.error;
        std::lock_guard lock(rec.mu);
        EXPECT_EQ(rec.calls.back().second.role, role);
        EXPECT_EQ(rec.calls.back().second.deviceId, id);
    }
}

TEST_F(TlsTest, AnOrganisationalUnitThatIsNoRoleGivesRoleNone) {
    auto server = start(serverOptions(pki));
    ASSERT_TRUE(server);
    const CertFiles odd = issueWithUnit(pki, "AUDIT-1", "auditor");
    auto a = tryGet(server->port(), clientWith(pki, odd));
    ASSERT_TRUE(a.reply) << a.error;  // a valid certificate: the API, not TLS, refuses it
    ASSERT_EQ(rec.count(), 1u);
    EXPECT_EQ(rec.calls[0].second.role, Role::None);
    EXPECT_EQ(rec.calls[0].second.deviceId, "AUDIT-1");
}

TEST_F(TlsTest, NoClientCertificateIsRefusedInTheHandshake) {
    auto server = start(serverOptions(pki));
    ASSERT_TRUE(server);
    ClientConfig cfg;
    cfg.caFile = pki.caCert();
    auto a = tryGet(server->port(), cfg);
    EXPECT_FALSE(a.reply);
    // TLS 1.3: the client finishes first and then reads the server's alert.
    EXPECT_NE(a.error.find("certificate required"), std::string::npos) << a.error;
    EXPECT_EQ(rec.count(), 0u);
}

TEST_F(TlsTest, CertificateFromAnotherCaIsRefused) {
    auto server = start(serverOptions(pki));
    ASSERT_TRUE(server);
    auto a = tryGet(server->port(), clientWith(pki, pki.foreignLane));
    EXPECT_FALSE(a.reply);
    EXPECT_NE(a.error.find("unknown ca"), std::string::npos) << a.error;
    EXPECT_EQ(rec.count(), 0u);
}

TEST_F(TlsTest, ServerCertificateUsedAsClientCertificateIsRefused) {
    // Right CA, wrong purpose (EKU serverAuth only): the CA's own certificates are not
    // interchangeable.
    auto server = start(serverOptions(pki));
    ASSERT_TRUE(server);
    auto a = tryGet(server->port(), clientWith(pki, pki.server));
    EXPECT_FALSE(a.reply);
    EXPECT_EQ(rec.count(), 0u);
}

TEST_F(TlsTest, RevokedCertificateIsRefused) {
    ASSERT_TRUE(revoke(pki.caDir, "HZMB-A-08").ok());
    auto server = start(serverOptions(pki));
    ASSERT_TRUE(server);
    auto revoked = tryGet(server->port(), clientWith(pki, pki.lane2));
    EXPECT_FALSE(revoked.reply);
    EXPECT_NE(revoked.error.find("certificate revoked"), std::string::npos) << revoked.error;
    EXPECT_EQ(rec.count(), 0u);
    auto other = tryGet(server->port(), clientWith(pki, pki.lane));
    EXPECT_TRUE(other.reply) << other.error;
}

TEST_F(TlsTest, RevocationWhileRunningTakesEffectAfterTheReloadInterval) {
    auto o = serverOptions(pki);
    o.crlReload = 100ms;
    auto server = start(o);
    ASSERT_TRUE(server);
    ASSERT_TRUE(tryGet(server->port(), clientWith(pki, pki.lane2)).reply);

    auto serials = revoke(pki.caDir, pki.lane2.serial);
    ASSERT_TRUE(serials.ok());
    ASSERT_EQ(serials->size(), 1u);
    std::string lastError;
    EXPECT_TRUE(eventually([&] {
        auto a = tryGet(server->port(), clientWith(pki, pki.lane2));
        lastError = a.error;
        return !a.reply;
    })) << "the revoked certificate was still accepted";
    EXPECT_NE(lastError.find("certificate revoked"), std::string::npos) << lastError;
    // The same server (no restart) still lets the others in.
    EXPECT_TRUE(tryGet(server->port(), clientWith(pki, pki.lane)).reply);
}

TEST_F(TlsTest, ABrokenCrlFileKeepsTheListItHad) {
    ASSERT_TRUE(revoke(pki.caDir, "HZMB-A-08").ok());
    auto o = serverOptions(pki);
    o.crlReload = 50ms;
    auto server = start(o);
    ASSERT_TRUE(server);
    {
        std::ofstream out(pki.crl(), std::ios::trunc);
        out << "-----BEGIN X509 CRL-----\nnot a crl\n-----END X509 CRL-----\n";
    }
    std::this_thread::sleep_for(100ms);
    for (int i = 0; i < 3; ++i) {
        EXPECT_FALSE(tryGet(server->port(), clientWith(pki, pki.lane2)).reply);
        EXPECT_TRUE(tryGet(server->port(), clientWith(pki, pki.lane)).reply);
    }
}

TEST_F(TlsTest, Tls11OfferedByTheClientIsRefusedByTheServer) {
    auto server = start(serverOptions(pki));
    ASSERT_TRUE(server);
    ClientConfig cfg = clientWith(pki, pki.lane);
    cfg.allowLegacy = true;
    cfg.minVersion = TLS1_1_VERSION;
    cfg.maxVersion = TLS1_1_VERSION;
    auto a = tryGet(server->port(), cfg);
    EXPECT_FALSE(a.reply);
    // The server's alert, not a client that could not even offer TLS 1.1.
    EXPECT_NE(a.error.find("alert protocol version"), std::string::npos) << a.error;
    EXPECT_EQ(rec.count(), 0u);

    // The same legacy-capable client is let in with TLS 1.2, so the refusal above is the
    // server's minimum version and nothing else.
    cfg.maxVersion = TLS1_2_VERSION;
    auto ok = tryGet(server->port(), cfg);
    EXPECT_TRUE(ok.reply) << ok.error;
}

TEST_F(TlsTest, BadServerFilesAreErrorsNamingTheProblem) {
    auto o = serverOptions(pki);
    o.keyFile = pki.lane.key;  // not the server certificate's key
    auto s = HttpServer::create(o, rec.handler());
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, "http.tls");

    o = serverOptions(pki);
    o.crlFile = pki.dir / "missing-crl.pem";
    s = HttpServer::create(o, rec.handler());
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.error().message.find("crl"), std::string::npos);

    o = serverOptions(pki);
    o.crlFile = pki.otherCaDir / "crl.pem";  // signed by another CA
    s = HttpServer::create(o, rec.handler());
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.error().message.find("not signed by the client CA"), std::string::npos) << s.error().message;
}

}  // namespace
}  // namespace kiosk::server
