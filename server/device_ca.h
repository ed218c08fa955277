#pragma once
// The project's own certificate authority for mutual TLS (kioskctl ca ..., and the tests,
// which make certificates in-process). One folder holds it:
//   ca.key.pem    the CA's EC P-256 private key (mode 0600; keep this folder offline)
//   ca.cert.pem   the self-signed CA certificate (10 years): tls.client_ca_file of the
//                 server, and the CA file devices verify the server with
//   crl.pem       the signed revocation list (tls.crl_file); rewritten by revoke()
//   issued.json   every certificate issued: serial, CN, role, not_after, revoked
// Device certificates: subject CN = device id, OU = role, EKU clientAuth, 2 years.
// Server certificates: DNS/IP subject alternative names, EKU serverAuth, 2 years.
// Keys are EC P-256, written with mode 0600; no file is silently overwritten except
// crl.pem and issued.json, which are replaced atomically (rename).
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/result.h"
#include "server/http_types.h"

namespace kiosk::server {

struct IssuedCert {
    std::string serial;       // lower-case hex
    std::string commonName;   // device id, or the first name of a server certificate
    std::string role;         // "lane", "registration", "admin", or "server"
    int64_t notAfter = 0;     // unix seconds
    bool revoked = false;
    int64_t revokedAt = 0;    // unix seconds, 0 if not revoked
};

// What issue*() wrote: <outPrefix>.cert.pem and <outPrefix>.key.pem.
struct IssuedFiles {
    std::filesystem::path certFile;
    std::filesystem::path keyFile;
    std::string serial;
};

struct CaPaths {
    std::filesystem::path key, cert, crl, issued;
    static CaPaths in(const std::filesystem::path& dir);
};

// Creates the CA in `dir` (created if needed). ca.error when a CA is already there.
core::Status initCa(const std::filesystem::path& dir, const std::string& name = "e-channel project CA");

// CN = deviceId, OU = role (Lane, Registration or Admin). The id is 1-64 characters of
// [A-Za-z0-9._:@-] so it is safe in logs, file names and the audit trail.
core::Result<IssuedFiles> issueDeviceCert(const std::filesystem::path& dir, const std::string& deviceId, Role role,
                                          const std::filesystem::path& outPrefix, int validDays = 730);

// names: "localhost", "clearance.example", "127.0.0.1", "::1" (IP literals become IP SANs).
core::Result<IssuedFiles> issueServerCert(const std::filesystem::path& dir, const std::vector<std::string>& names,
                                          const std::filesystem::path& outPrefix, int validDays = 730);

// Revokes every unrevoked certificate whose CN equals `deviceIdOrSerial`, or the one with
// that serial (hex), and rewrites crl.pem. Returns the serials revoked; ca.not_found when
// nothing matched.
core::Result<std::vector<std::string>> revoke(const std::filesystem::path& dir, const std::string& deviceIdOrSerial);

core::Result<std::vector<IssuedCert>> listIssued(const std::filesystem::path& dir);

// The fleet key for enrolment biometrics (docs/sync.md): 32 random bytes, mode 0600.
// ca.exists when the file is already there (never overwritten).
core::Status makeTemplateKey(const std::filesystem::path& path);

}  // namespace kiosk::server
