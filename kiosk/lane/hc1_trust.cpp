#include "kiosk/lane/hc1_trust.h"

#include <fstream>
#include <sstream>

#include "credentials/x509_certificate.h"

namespace kiosk::lane {
namespace {

namespace fs = std::filesystem;

enum class CertificateRole { Signer, SigningCa };

// Each item of a list of certificate files, as DER; errors name the key and the item.
core::Result<std::vector<std::string>> certificateList(const core::ConfigView& trust, const std::string& key,
                                                       const fs::path& configDir, CertificateRole role) {
    std::vector<std::string> out;
    if (!trust.has(key)) return out;
    const core::Json& list = trust.json()[key];
    if (!list.is_array() || list.empty()) return trust.bad(key, "must be a non-empty list of certificate files");
    for (std::size_t i = 0; i < list.size(); ++i) {
        const std::string item = "item " + std::to_string(i + 1);
        if (!list[i].is_string() || list[i].get<std::string>().empty())
            return trust.bad(key, item + " must name a certificate file");
        const fs::path name = list[i].get<std::string>();
        const fs::path path = name.is_absolute() ? name : configDir / name;
        std::ifstream in(path, std::ios::binary);
        if (!in) return trust.bad(key, item + ": cannot read " + path.string());
        std::ostringstream bytes;
        bytes << in.rdbuf();
        auto der = credentials::certificateDer(bytes.str());
        if (!der.ok()) return trust.bad(key, item + " (" + path.string() + "): " + der.error().message);
        auto facts = credentials::readCertificateFacts(*der);
        if (!facts.ok()) return trust.bad(key, item + " (" + path.string() + "): " + facts.error().message);
        if (role == CertificateRole::SigningCa && !facts->isCa)
            return trust.bad(key, item + " (" + path.string() + ") is not a CA certificate");
        if (role == CertificateRole::Signer && facts->isCa)
            return trust.bad(key, item + " (" + path.string() + ") is a CA certificate, not a document signer");
        out.push_back(std::move(*der));
    }
    return out;
}

}  // namespace

core::Result<credentials::Hc1Signers> hc1SignersFromConfig(const core::ConfigView& trust, const fs::path& configDir) {
    credentials::Hc1Signers out;
    KIOSK_ASSIGN_OR_RETURN(std::string mode, trust.oneOf("hc1_signer_trust", {"chain", "listed"}, "chain"));
    KIOSK_ASSIGN_OR_RETURN(out.signerDers,
                           certificateList(trust, "hc1_signers", configDir, CertificateRole::Signer));
    KIOSK_ASSIGN_OR_RETURN(out.options.signingCaDers,
                           certificateList(trust, "hc1_signing_cas", configDir, CertificateRole::SigningCa));
    out.options.signerTrust = mode == "listed" ? credentials::Hc1SignerTrust::SignerListed
                                               : credentials::Hc1SignerTrust::ChainToSigningCa;
    // A chain with nothing to chain to would refuse every HC1 while looking configured.
    if (!out.signerDers.empty() && mode == "chain" && out.options.signingCaDers.empty())
        return trust.bad("hc1_signing_cas", "required when hc1_signers is set and hc1_signer_trust is \"chain\"");
    if (out.signerDers.empty() && (trust.has("hc1_signing_cas") || trust.has("hc1_signer_trust")))
        return trust.bad("hc1_signers", "required with hc1_signing_cas or hc1_signer_trust");
    return out;
}

}  // namespace kiosk::lane
