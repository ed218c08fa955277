// The project CA with OpenSSL 3 (EVP/X509). Tooling, not the request path: it reads the
// system clock itself (certificate validity is about real time, not the lane's clock).
#include "server/device_ca.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <memory>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "core/config.h"

namespace kiosk::server {
namespace {

namespace fs = std::filesystem;
using core::Error;
using core::Json;
using core::makeError;
using core::Result;
using core::Status;

template <auto Fn>
struct Deleter {
    template <typename T>
    void operator()(T* p) const { Fn(p); }
};
using PKey = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using Cert = std::unique_ptr<X509, Deleter<X509_free>>;
using Crl = std::unique_ptr<X509_CRL, Deleter<X509_CRL_free>>;
using Bio = std::unique_ptr<BIO, Deleter<BIO_free_all>>;
using Bn = std::unique_ptr<BIGNUM, Deleter<BN_free>>;
using Asn1Int = std::unique_ptr<ASN1_INTEGER, Deleter<ASN1_INTEGER_free>>;
using Asn1Time = std::unique_ptr<ASN1_TIME, Deleter<ASN1_TIME_free>>;

constexpr int kCaValidDays = 3650;
constexpr long kBackdateSeconds = 300;  // tolerate a few minutes of clock skew between machines

Error sslError(const std::string& what) {
    std::string detail;
    while (unsigned long e = ERR_get_error()) {
        char buf[256];
        ERR_error_string_n(e, buf, sizeof buf);
        detail += (detail.empty() ? "" : "; ") + std::string(buf);
    }
    return makeError("ca.openssl", what + (detail.empty() ? "" : ": " + detail));
}

// Creates `p` exclusively with `mode` (never overwrites).
Status writeNew(const fs::path& p, const std::string& data, mode_t mode) {
    const int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0) {
        if (errno == EEXIST) return makeError("ca.exists", p.string() + " already exists (never overwritten)");
        return makeError("ca.write_failed", "cannot create " + p.string() + ": " + std::strerror(errno));
    }
    ::fchmod(fd, mode);  // whatever the umask
    const ssize_t n = ::write(fd, data.data(), data.size());
    const bool ok = n == static_cast<ssize_t>(data.size()) && ::fsync(fd) == 0;
    ::close(fd);
    if (!ok) {
        ::unlink(p.c_str());
        return makeError("ca.write_failed", "cannot write " + p.string());
    }
    return {};
}

// Replaces `p` atomically so a server reloading the CRL never reads half a file.
Status writeReplace(const fs::path& p, const std::string& data, mode_t mode) {
    const fs::path tmp = p.string() + ".tmp";
    ::unlink(tmp.c_str());
    KIOSK_TRY(writeNew(tmp, data, mode));
    if (::rename(tmp.c_str(), p.c_str()) != 0) {
        ::unlink(tmp.c_str());
        return makeError("ca.write_failed", "cannot replace " + p.string() + ": " + std::strerror(errno));
    }
    return {};
}

// Serialises kioskctl runs on one CA folder (issued.json is read-modify-write).
class DirLock {
public:
    explicit DirLock(const fs::path& dir) {
        fd_ = ::open((dir / ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd_ >= 0) ::flock(fd_, LOCK_EX);
    }
    ~DirLock() {
        if (fd_ >= 0) ::close(fd_);
    }
    DirLock(const DirLock&) = delete;
    DirLock& operator=(const DirLock&) = delete;

private:
    int fd_ = -1;
};

Result<PKey> newKey() {
    PKey k(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
    if (!k) return sslError("EC P-256 key generation failed");
    return k;
}

Result<std::string> bioText(BIO* b) {
    char* data = nullptr;
    const long n = BIO_get_mem_data(b, &data);
    if (n < 0) return makeError("ca.openssl", "memory BIO");
    return std::string(data, static_cast<size_t>(n));
}

Result<std::string> keyPem(EVP_PKEY* k) {
    Bio b(BIO_new(BIO_s_mem()));
    if (!b || PEM_write_bio_PrivateKey(b.get(), k, nullptr, nullptr, 0, nullptr, nullptr) != 1)
        return sslError("cannot encode private key");
    return bioText(b.get());
}

Result<std::string> certPem(X509* c) {
    Bio b(BIO_new(BIO_s_mem()));
    if (!b || PEM_write_bio_X509(b.get(), c) != 1) return sslError("cannot encode certificate");
    return bioText(b.get());
}

std::string serialHex(const ASN1_INTEGER* s) {
    Bn bn(ASN1_INTEGER_to_BN(s, nullptr));
    if (!bn) return "";
    char* hex = BN_bn2hex(bn.get());
    std::string out = hex ? hex : "";
    OPENSSL_free(hex);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
}

// 128 random bits, positive (RFC 5280: at most 20 octets, non-negative).
Result<Asn1Int> randomSerial() {
    unsigned char b[16];
    if (RAND_bytes(b, sizeof b) != 1) return sslError("RAND_bytes");
    b[0] = static_cast<unsigned char>((b[0] & 0x7f) | 0x10);
    Bn bn(BN_bin2bn(b, sizeof b, nullptr));
    Asn1Int s(bn ? BN_to_ASN1_INTEGER(bn.get(), nullptr) : nullptr);
    if (!s) return sslError("serial number");
    return s;
}

int64_t toUnix(const ASN1_TIME* t) {
    struct tm tm {};
    if (ASN1_TIME_to_tm(t, &tm) != 1) return 0;
    return static_cast<int64_t>(timegm(&tm));
}

Status addExt(X509* cert, X509* issuer, int nid, const char* value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    X509_EXTENSION* ex = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    if (!ex) return sslError(std::string("extension ") + OBJ_nid2sn(nid) + "=" + value);
    const int ok = X509_add_ext(cert, ex, -1);
    X509_EXTENSION_free(ex);
    if (ok != 1) return sslError("cannot add extension");
    return {};
}

Status addName(X509_NAME* n, const char* field, const std::string& value) {
    if (X509_NAME_add_entry_by_txt(n, field, MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(value.c_str()), -1,
                                   -1, 0) != 1)
        return sslError(std::string("subject ") + field);
    return {};
}

struct Ca {
    PKey key;
    Cert cert;
};

Result<Ca> loadCa(const fs::path& dir) {
    const CaPaths p = CaPaths::in(dir);
    std::error_code ec;
    if (!fs::exists(p.cert, ec) || !fs::exists(p.key, ec))
        return makeError("ca.not_found", "no CA in " + dir.string() + " (run: kioskctl ca init --dir " + dir.string() + ")");
    Ca ca;
    {
        FILE* f = std::fopen(p.key.c_str(), "rb");
        if (!f) return makeError("ca.unreadable", "cannot read " + p.key.string());
        ca.key.reset(PEM_read_PrivateKey(f, nullptr, nullptr, nullptr));
        std::fclose(f);
        if (!ca.key) return sslError("cannot parse " + p.key.string());
    }
    {
        FILE* f = std::fopen(p.cert.c_str(), "rb");
        if (!f) return makeError("ca.unreadable", "cannot read " + p.cert.string());
        ca.cert.reset(PEM_read_X509(f, nullptr, nullptr, nullptr));
        std::fclose(f);
        if (!ca.cert) return sslError("cannot parse " + p.cert.string());
    }
    if (X509_check_private_key(ca.cert.get(), ca.key.get()) != 1)
        return makeError("ca.mismatch", "ca.key.pem does not belong to ca.cert.pem");
    return ca;
}

// issued.json: {"crl_number": N, "certificates": [{serial, cn, role, not_after, revoked, revoked_at}]}
struct Ledger {
    int64_t crlNumber = 0;
    std::vector<IssuedCert> certs;
};

Result<Ledger> readLedger(const fs::path& dir) {
    const fs::path p = CaPaths::in(dir).issued;
    Ledger l;
    std::error_code ec;
    if (!fs::exists(p, ec)) return l;
    KIOSK_ASSIGN_OR_RETURN(Json j, core::loadJsonFile(p));
    try {
        l.crlNumber = j.at("crl_number").get<int64_t>();
        for (const auto& c : j.at("certificates")) {
            IssuedCert x;
            x.serial = c.at("serial").get<std::string>();
            x.commonName = c.at("cn").get<std::string>();
            x.role = c.at("role").get<std::string>();
            x.notAfter = c.at("not_after").get<int64_t>();
            x.revoked = c.at("revoked").get<bool>();
            x.revokedAt = c.value("revoked_at", int64_t{0});
            l.certs.push_back(std::move(x));
        }
    } catch (const Json::exception& e) {
        return makeError("ca.bad_ledger", p.string() + ": " + e.what());
    }
    return l;
}

Status writeLedger(const fs::path& dir, const Ledger& l) {
    Json certs = Json::array();
    for (const auto& c : l.certs)
        certs.push_back({{"serial", c.serial}, {"cn", c.commonName}, {"role", c.role}, {"not_after", c.notAfter},
                         {"revoked", c.revoked}, {"revoked_at", c.revokedAt}});
    Json j = {{"crl_number", l.crlNumber}, {"certificates", certs}};
    return writeReplace(CaPaths::in(dir).issued, j.dump(2) + "\n", 0644);
}

// Signs a fresh CRL listing every revoked certificate. nextUpdate is the CA's own expiry:
// the list travels as a file the server reloads, not over a CRL distribution point, and an
// expired CRL would otherwise lock every device out at once.
Status writeCrl(const fs::path& dir, const Ca& ca, Ledger& l) {
    Crl crl(X509_CRL_new());
    if (!crl) return sslError("X509_CRL_new");
    X509_CRL_set_version(crl.get(), 1);  // v2
    X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(ca.cert.get()));
    Asn1Time last(ASN1_TIME_new());
    X509_gmtime_adj(last.get(), -kBackdateSeconds);
    X509_CRL_set1_lastUpdate(crl.get(), last.get());
    X509_CRL_set1_nextUpdate(crl.get(), X509_get0_notAfter(ca.cert.get()));
    for (const auto& c : l.certs) {
        if (!c.revoked) continue;
        BIGNUM* raw = nullptr;
        if (BN_hex2bn(&raw, c.serial.c_str()) == 0) return makeError("ca.bad_ledger", "bad serial " + c.serial);
        Bn bn(raw);
        Asn1Int serial(BN_to_ASN1_INTEGER(bn.get(), nullptr));
        Asn1Time when(ASN1_TIME_new());
        ASN1_TIME_set(when.get(), static_cast<time_t>(c.revokedAt));
        X509_REVOKED* r = X509_REVOKED_new();
        if (!r || !serial || !when || X509_REVOKED_set_serialNumber(r, serial.get()) != 1 ||
            X509_REVOKED_set_revocationDate(r, when.get()) != 1 || X509_CRL_add0_revoked(crl.get(), r) != 1) {
            X509_REVOKED_free(r);
            return sslError("cannot add revoked entry");
        }
    }
    X509_CRL_sort(crl.get());
    l.crlNumber += 1;
    Asn1Int number(ASN1_INTEGER_new());
    ASN1_INTEGER_set_int64(number.get(), l.crlNumber);
    if (X509_CRL_add1_ext_i2d(crl.get(), NID_crl_number, number.get(), 0, 0) != 1) return sslError("CRL number");
    if (X509_CRL_sign(crl.get(), ca.key.get(), EVP_sha256()) <= 0) return sslError("cannot sign the CRL");
    Bio b(BIO_new(BIO_s_mem()));
    if (!b || PEM_write_bio_X509_CRL(b.get(), crl.get()) != 1) return sslError("cannot encode the CRL");
    KIOSK_ASSIGN_OR_RETURN(std::string pem, bioText(b.get()));
    return writeReplace(CaPaths::in(dir).crl, pem, 0644);
}

bool validDeviceId(const std::string& id) {
    if (id.empty() || id.size() > 64) return false;
    return std::all_of(id.begin(), id.end(), [](unsigned char c) {
        return std::isalnum(c) || c == '.' || c == '_' || c == '-' || c == ':' || c == '@';
    });
}

bool isIpLiteral(const std::string& s) {
    ASN1_OCTET_STRING* o = a2i_IPADDRESS(s.c_str());
    if (!o) {
        ERR_clear_error();
        return false;
    }
    ASN1_OCTET_STRING_free(o);
    return true;
}

// Builds, signs and writes a leaf certificate; records it in issued.json.
Result<IssuedFiles> issueLeaf(const fs::path& dir, const std::string& cn, const std::string& ou,
                              const std::string& eku, const std::string& san, const fs::path& outPrefix, int validDays) {
    if (validDays < 1 || validDays > kCaValidDays) return makeError("ca.bad_value", "validity must be 1-3650 days");
    DirLock lock(dir);
    KIOSK_ASSIGN_OR_RETURN(Ca ca, loadCa(dir));
    KIOSK_ASSIGN_OR_RETURN(Ledger ledger, readLedger(dir));
    IssuedFiles out;
    out.certFile = outPrefix.string() + ".cert.pem";
    out.keyFile = outPrefix.string() + ".key.pem";
    std::error_code ec;
    for (const auto& f : {out.certFile, out.keyFile})
        if (fs::exists(f, ec)) return makeError("ca.exists", f.string() + " already exists (never overwritten)");
    if (outPrefix.has_parent_path()) fs::create_directories(outPrefix.parent_path(), ec);

    KIOSK_ASSIGN_OR_RETURN(PKey key, newKey());
    Cert cert(X509_new());
    if (!cert) return sslError("X509_new");
    X509_set_version(cert.get(), 2);
    KIOSK_ASSIGN_OR_RETURN(Asn1Int serial, randomSerial());
    X509_set_serialNumber(cert.get(), serial.get());
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -kBackdateSeconds);
    X509_time_adj_ex(X509_getm_notAfter(cert.get()), validDays, 0, nullptr);
    // A leaf never outlives its CA (verification would fail on the CA first anyway).
    if (ASN1_TIME_compare(X509_get0_notAfter(cert.get()), X509_get0_notAfter(ca.cert.get())) > 0)
        X509_set1_notAfter(cert.get(), X509_get0_notAfter(ca.cert.get()));
    X509_NAME* subject = X509_get_subject_name(cert.get());
    if (!ou.empty()) KIOSK_TRY(addName(subject, "OU", ou));
    KIOSK_TRY(addName(subject, "CN", cn));
    X509_set_issuer_name(cert.get(), X509_get_subject_name(ca.cert.get()));
    X509_set_pubkey(cert.get(), key.get());
    KIOSK_TRY(addExt(cert.get(), ca.cert.get(), NID_basic_constraints, "critical,CA:FALSE"));
    KIOSK_TRY(addExt(cert.get(), ca.cert.get(), NID_key_usage, "critical,digitalSignature,keyAgreement"));
    KIOSK_TRY(addExt(cert.get(), ca.cert.get(), NID_ext_key_usage, eku.c_str()));
    KIOSK_TRY(addExt(cert.get(), ca.cert.get(), NID_subject_key_identifier, "hash"));
    KIOSK_TRY(addExt(cert.get(), ca.cert.get(), NID_authority_key_identifier, "keyid:always"));
    if (!san.empty()) KIOSK_TRY(addExt(cert.get(), ca.cert.get(), NID_subject_alt_name, san.c_str()));
    if (X509_sign(cert.get(), ca.key.get(), EVP_sha256()) <= 0) return sslError("cannot sign the certificate");

    KIOSK_ASSIGN_OR_RETURN(std::string kpem, keyPem(key.get()));
    KIOSK_ASSIGN_OR_RETURN(std::string cpem, certPem(cert.get()));
    KIOSK_TRY(writeNew(out.keyFile, kpem, 0600));
    if (auto st = writeNew(out.certFile, cpem, 0644); !st.ok()) {
        ::unlink(out.keyFile.c_str());
        return st.error();
    }
    out.serial = serialHex(X509_get0_serialNumber(cert.get()));
    IssuedCert rec;
    rec.serial = out.serial;
    rec.commonName = cn;
    rec.role = ou.empty() ? "server" : ou;
    rec.notAfter = toUnix(X509_get0_notAfter(cert.get()));
    ledger.certs.push_back(rec);
    KIOSK_TRY(writeLedger(dir, ledger));
    return out;
}

}  // namespace

CaPaths CaPaths::in(const fs::path& dir) {
    return CaPaths{dir / "ca.key.pem", dir / "ca.cert.pem", dir / "crl.pem", dir / "issued.json"};
}

Status initCa(const fs::path& dir, const std::string& name) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return makeError("ca.write_failed", "cannot create " + dir.string() + ": " + ec.message());
    DirLock lock(dir);
    const CaPaths p = CaPaths::in(dir);
    if (fs::exists(p.key, ec) || fs::exists(p.cert, ec))
        return makeError("ca.exists", "a CA already exists in " + dir.string() + " (never overwritten)");

    KIOSK_ASSIGN_OR_RETURN(PKey key, newKey());
    Ca ca;
    ca.cert.reset(X509_new());
    X509* c = ca.cert.get();
    X509_set_version(c, 2);
    KIOSK_ASSIGN_OR_RETURN(Asn1Int serial, randomSerial());
    X509_set_serialNumber(c, serial.get());
    X509_gmtime_adj(X509_getm_notBefore(c), -kBackdateSeconds);
    X509_time_adj_ex(X509_getm_notAfter(c), kCaValidDays, 0, nullptr);
    X509_NAME* subject = X509_get_subject_name(c);
    KIOSK_TRY(addName(subject, "O", "e-channel"));
    KIOSK_TRY(addName(subject, "CN", name));
    X509_set_issuer_name(c, subject);
    X509_set_pubkey(c, key.get());
    KIOSK_TRY(addExt(c, c, NID_basic_constraints, "critical,CA:TRUE,pathlen:0"));
    KIOSK_TRY(addExt(c, c, NID_key_usage, "critical,keyCertSign,cRLSign"));
    KIOSK_TRY(addExt(c, c, NID_subject_key_identifier, "hash"));
    if (X509_sign(c, key.get(), EVP_sha256()) <= 0) return sslError("cannot self-sign the CA certificate");
    ca.key = std::move(key);

    KIOSK_ASSIGN_OR_RETURN(std::string kpem, keyPem(ca.key.get()));
    KIOSK_ASSIGN_OR_RETURN(std::string cpem, certPem(c));
    KIOSK_TRY(writeNew(p.key, kpem, 0600));
    if (auto st = writeNew(p.cert, cpem, 0644); !st.ok()) {
        ::unlink(p.key.c_str());
        return st.error();
    }
    Ledger ledger;
    KIOSK_TRY(writeCrl(dir, ca, ledger));
    return writeLedger(dir, ledger);
}

Result<IssuedFiles> issueDeviceCert(const fs::path& dir, const std::string& deviceId, Role role,
                                    const fs::path& outPrefix, int validDays) {
    if (!validDeviceId(deviceId))
        return makeError("ca.bad_value", "device id must be 1-64 characters of A-Z a-z 0-9 . _ - : @");
    if (role == Role::None) return makeError("ca.bad_value", "role must be lane, registration or admin");
    return issueLeaf(dir, deviceId, toString(role), "clientAuth", "", outPrefix, validDays);
}

Result<IssuedFiles> issueServerCert(const fs::path& dir, const std::vector<std::string>& names,
                                    const fs::path& outPrefix, int validDays) {
    if (names.empty()) return makeError("ca.bad_value", "a server certificate needs at least one DNS name or IP");
    std::string san;
    for (const auto& n : names) {
        const bool ip = isIpLiteral(n);
        if (!ip && (n.empty() || n.size() > 253 || !std::all_of(n.begin(), n.end(), [](unsigned char c) {
                return std::isalnum(c) || c == '.' || c == '-' || c == '*';
            })))
            return makeError("ca.bad_value", "'" + n + "' is neither a DNS name nor an IP address");
        san += (san.empty() ? "" : ",") + std::string(ip ? "IP:" : "DNS:") + n;
    }
    return issueLeaf(dir, names.front(), "", "serverAuth", san, outPrefix, validDays);
}

Result<std::vector<std::string>> revoke(const fs::path& dir, const std::string& deviceIdOrSerial) {
    DirLock lock(dir);
    KIOSK_ASSIGN_OR_RETURN(Ca ca, loadCa(dir));
    KIOSK_ASSIGN_OR_RETURN(Ledger ledger, readLedger(dir));
    std::string wanted = deviceIdOrSerial;
    std::string lower = wanted;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    std::vector<std::string> done;
    const int64_t now = static_cast<int64_t>(std::time(nullptr));
    for (auto& c : ledger.certs) {
        if (c.revoked) continue;
        if (c.commonName == wanted || c.serial == lower) {
            c.revoked = true;
            c.revokedAt = now;
            done.push_back(c.serial);
        }
    }
    if (done.empty())
        return makeError("ca.not_found", "no unrevoked certificate with CN or serial '" + deviceIdOrSerial + "'");
    KIOSK_TRY(writeCrl(dir, ca, ledger));
    KIOSK_TRY(writeLedger(dir, ledger));
    return done;
}

Result<std::vector<IssuedCert>> listIssued(const fs::path& dir) {
    KIOSK_ASSIGN_OR_RETURN(Ca ca, loadCa(dir));
    (void)ca;
    KIOSK_ASSIGN_OR_RETURN(Ledger ledger, readLedger(dir));
    return ledger.certs;
}

Status makeTemplateKey(const fs::path& path) {
    std::string key(32, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(key.data()), static_cast<int>(key.size())) != 1)
        return sslError("RAND_bytes");
    auto st = writeNew(path, key, 0600);
    OPENSSL_cleanse(key.data(), key.size());
    return st;
}

}  // namespace kiosk::server
