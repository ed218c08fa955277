// X.509 DER for the HC1 signer rules (certificate facts, validity, chain, key usage) and
// the lane's certificate files (PEM or DER): never crashes, whatever the bytes.
#include <string>
#include <string_view>

#include "credentials/health.h"
#include "credentials/x509_certificate.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace kiosk::credentials;
    const std::string der(reinterpret_cast<const char*>(data), size);
    (void)readCertificateFacts(der);
    Hc1Options listed;
    listed.signerTrust = Hc1SignerTrust::SignerListed;
    (void)checkHc1Signer(der, 1'700'000'000, listed);
    (void)verifyCertificateChain(der, {der}, 1'700'000'000);
    Hc1Certificate cert;
    cert.type = HealthCertificateType::Test;
    (void)checkHc1KeyUsage(cert, der);
    (void)certificateDer(der);
    (void)certificateDer("-----BEGIN CERTIFICATE-----\n" + der);
    return 0;
}
