#pragma once
// The lane's trust in HC1 health certificates (EU DCC / WHO): the signer certificates
// (DSCs) it verifies them with and the country signing CAs they must chain to, read from
// the configuration's `trust` section (docs/configuration.md):
//   hc1_signers       list of certificate files (PEM or DER), the DSCs
//   hc1_signing_cas   list of CA certificate files (PEM or DER), the CSCAs
//   hc1_signer_trust  "chain" (default: each DSC must chain to a listed CA, at the time of
//                     the crossing) or "listed" (the DSCs come from a list already trusted,
//                     e.g. a DCC gateway's, and are not chained)
// Without hc1_signers the lane refuses every HC1 (hc.untrusted_signer).
#include <filesystem>

#include "core/config.h"
#include "core/result.h"
#include "credentials/health.h"

namespace kiosk::lane {

core::Result<credentials::Hc1Signers> hc1SignersFromConfig(const core::ConfigView& trust,
                                                           const std::filesystem::path& configDir);

}  // namespace kiosk::lane
