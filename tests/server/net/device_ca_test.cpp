// The project CA (server/device_ca.h): files and modes, the ledger, revocation, refusals.
#include <sys/stat.h>

#include <fstream>

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "server/device_ca.h"
#include "tests/support/test_support.h"

namespace kiosk::server {
namespace {

namespace fs = std::filesystem;

unsigned mode(const fs::path& p) {
    struct stat st {};
    ::stat(p.c_str(), &st);
    return st.st_mode & 0777;
}

X509* readCert(const fs::path& p) {
    FILE* f = std::fopen(p.c_str(), "rb");
    X509* x = f ? PEM_read_X509(f, nullptr, nullptr, nullptr) : nullptr;
    if (f) std::fclose(f);
    return x;
}

std::string subjectField(X509* x, int nid) {
    char buf[256] = {};
    X509_NAME_get_text_by_NID(X509_get_subject_name(x), nid, buf, sizeof buf);
    return buf;
}

TEST(DeviceCa, InitWritesTheCaOnceWithAPrivateKey) {
    const fs::path dir = kiosk::testing::tempDir("ca-init") / "ca";
    ASSERT_TRUE(initCa(dir).ok());
    const auto p = CaPaths::in(dir);
    for (const auto& f : {p.key, p.cert, p.crl, p.issued}) EXPECT_TRUE(fs::exists(f)) << f;
    EXPECT_EQ(mode(p.key), 0600u);
    X509* ca = readCert(p.cert);
    ASSERT_NE(ca, nullptr);
    EXPECT_EQ(X509_check_ca(ca), 1);
    X509_free(ca);
    auto again = initCa(dir);
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code, "ca.exists");
    auto list = listIssued(dir);
    ASSERT_TRUE(list.ok());
    EXPECT_TRUE(list->empty());
}

TEST(DeviceCa, DeviceCertificateCarriesIdAndRoleAndVerifiesAgainstTheCa) {
    const fs::path tmp = kiosk::testing::tempDir("ca-issue");
    ASSERT_TRUE(initCa(tmp / "ca").ok());
    auto r = issueDeviceCert(tmp / "ca", "HZMB-A-07", Role::Lane, tmp / "out" / "lane");
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->certFile, tmp / "out" / "lane.cert.pem");
    EXPECT_EQ(mode(r->keyFile), 0600u);
    X509* c = readCert(r->certFile);
    X509* ca = readCert(tmp / "ca" / "ca.cert.pem");
    ASSERT_TRUE(c && ca);
    EXPECT_EQ(subjectField(c, NID_commonName), "HZMB-A-07");
    EXPECT_EQ(subjectField(c, NID_organizationalUnitName), "lane");
    EXPECT_EQ(X509_verify(c, X509_get0_pubkey(ca)), 1);
    EXPECT_EQ(X509_check_purpose(c, X509_PURPOSE_SSL_CLIENT, 0), 1);
    EXPECT_NE(X509_check_purpose(c, X509_PURPOSE_SSL_SERVER, 0), 1);
    X509_free(c);
    X509_free(ca);

    auto list = listIssued(tmp / "ca");
    ASSERT_TRUE(list.ok());
    ASSERT_EQ(list->size(), 1u);
    EXPECT_EQ((*list)[0].serial, r->serial);
    EXPECT_EQ((*list)[0].role, "lane");
    EXPECT_FALSE((*list)[0].revoked);

    // Never overwritten; bad ids and roles refused.
    EXPECT_EQ(issueDeviceCert(tmp / "ca", "HZMB-A-07", Role::Lane, tmp / "out" / "lane").error().code, "ca.exists");
    EXPECT_FALSE(issueDeviceCert(tmp / "ca", "bad id", Role::Lane, tmp / "x").ok());
    EXPECT_FALSE(issueDeviceCert(tmp / "ca", "", Role::Lane, tmp / "x").ok());
    EXPECT_FALSE(issueDeviceCert(tmp / "ca", "x", Role::None, tmp / "x").ok());
    EXPECT_EQ(issueDeviceCert(tmp / "no-ca", "x", Role::Lane, tmp / "x").error().code, "ca.not_found");
}

TEST(DeviceCa, ServerCertificateHasTheNamesAndServerPurpose) {
    const fs::path tmp = kiosk::testing::tempDir("ca-server");
    ASSERT_TRUE(initCa(tmp / "ca").ok());
    auto r = issueServerCert(tmp / "ca", {"clearance.example", "127.0.0.1", "::1"}, tmp / "server");
    ASSERT_TRUE(r.ok()) << r.error().message;
    X509* c = readCert(r->certFile);
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(X509_check_host(c, "clearance.example", 0, 0, nullptr), 1);
    EXPECT_EQ(X509_check_ip_asc(c, "127.0.0.1", 0), 1);
    EXPECT_EQ(X509_check_ip_asc(c, "::1", 0), 1);
    EXPECT_NE(X509_check_host(c, "other.example", 0, 0, nullptr), 1);
    EXPECT_EQ(X509_check_purpose(c, X509_PURPOSE_SSL_SERVER, 0), 1);
    EXPECT_NE(X509_check_purpose(c, X509_PURPOSE_SSL_CLIENT, 0), 1);
    X509_free(c);
    EXPECT_FALSE(issueServerCert(tmp / "ca", {}, tmp / "s2").ok());
    EXPECT_FALSE(issueServerCert(tmp / "ca", {"bad name!"}, tmp / "s3").ok());
}

TEST(DeviceCa, RevokeByIdOrSerialRewritesTheCrl) {
    const fs::path tmp = kiosk::testing::tempDir("ca-revoke");
    const fs::path ca = tmp / "ca";
    ASSERT_TRUE(initCa(ca).ok());
    auto a1 = issueDeviceCert(ca, "LANE-1", Role::Lane, tmp / "a1");
    auto a2 = issueDeviceCert(ca, "LANE-1", Role::Lane, tmp / "a2");  // a re-issue: same id
    auto b = issueDeviceCert(ca, "LANE-2", Role::Lane, tmp / "b");
    ASSERT_TRUE(a1.ok() && a2.ok() && b.ok());

    auto done = revoke(ca, "LANE-1");
    ASSERT_TRUE(done.ok());
    EXPECT_EQ(done->size(), 2u);
    auto byUpperSerial = b->serial;
    for (auto& ch : byUpperSerial) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    ASSERT_TRUE(revoke(ca, byUpperSerial).ok());
    EXPECT_EQ(revoke(ca, "LANE-1").error().code, "ca.not_found");  // nothing left to revoke
    EXPECT_EQ(revoke(ca, "nobody").error().code, "ca.not_found");

    FILE* f = std::fopen((ca / "crl.pem").c_str(), "rb");
    ASSERT_NE(f, nullptr);
    X509_CRL* crl = PEM_read_X509_CRL(f, nullptr, nullptr, nullptr);
    std::fclose(f);
    ASSERT_NE(crl, nullptr);
    X509* caCert = readCert(ca / "ca.cert.pem");
    EXPECT_EQ(X509_CRL_verify(crl, X509_get0_pubkey(caCert)), 1);
    EXPECT_EQ(sk_X509_REVOKED_num(X509_CRL_get_REVOKED(crl)), 3);
    X509_CRL_free(crl);
    X509_free(caCert);

    auto list = listIssued(ca);
    ASSERT_TRUE(list.ok());
    for (const auto& c : *list) {
        EXPECT_TRUE(c.revoked) << c.commonName;
        EXPECT_GT(c.revokedAt, 0);
    }
}

TEST(DeviceCa, TemplateKeyIs32PrivateBytesAndNeverOverwritten) {
    const fs::path p = kiosk::testing::tempDir("ca-tk") / "template.key";
    ASSERT_TRUE(makeTemplateKey(p).ok());
    EXPECT_EQ(fs::file_size(p), 32u);
    EXPECT_EQ(mode(p), 0600u);
    std::ifstream in(p, std::ios::binary);
    const std::string first((std::istreambuf_iterator<char>(in)), {});
    auto again = makeTemplateKey(p);
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code, "ca.exists");
    std::ifstream in2(p, std::ios::binary);
    EXPECT_EQ(std::string((std::istreambuf_iterator<char>(in2)), {}), first);
    const fs::path q = p.parent_path() / "other.key";
    ASSERT_TRUE(makeTemplateKey(q).ok());
    std::ifstream in3(q, std::ios::binary);
    EXPECT_NE(std::string((std::istreambuf_iterator<char>(in3)), {}), first);  // random, not a constant
}

}  // namespace
}  // namespace kiosk::server
