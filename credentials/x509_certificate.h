#pragma once
// What the HC1 rules need from an X.509 certificate (OpenSSL underneath, no OpenSSL type
// leaks here): validity period, extended key usage, and a chain check against a list of
// signing CAs at a given time. No clock is read: the validation time comes in as a value.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace kiosk::credentials {

struct CertificateFacts {
    int64_t notBefore = 0;  // unix seconds
    int64_t notAfter = 0;
    // Extended key usage OIDs in dotted form; empty when the extension is absent.
    std::vector<std::string> extendedKeyUsage;
    bool hasExtendedKeyUsage = false;
    bool isCa = false;  // basicConstraints cA
};

// Error code `hc.bad_certificate` when the DER is not a certificate.
core::Result<CertificateFacts> readCertificateFacts(std::string_view der);

// The certificate chains to one of `caDers` (each a DER certificate, normally a
// self-signed country signing CA), every certificate on the path valid at `atUnix`.
// Error code `hc.untrusted_signer` naming OpenSSL's reason.
core::Status verifyCertificateChain(std::string_view der, const std::vector<std::string>& caDers, int64_t atUnix);

// A certificate file's bytes, PEM ("-----BEGIN CERTIFICATE-----", the first block) or DER,
// as DER. Error code `hc.bad_certificate` when it is neither.
core::Result<std::string> certificateDer(std::string_view pemOrDer);

}  // namespace kiosk::credentials
