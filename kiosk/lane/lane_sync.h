#pragma once
// What the lane does with the data the clearance service sends it (the sync agent hands
// it over; the binary connects the two, so kiosk::lane does not link the sync library).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/result.h"
#include "credentials/trust_list.h"
#include "kiosk/store/store.h"

namespace kiosk::lane {

class LaneServices;

// A signed trust list from the server: verified with the lane's configured signer key
// (trust.bad_signature otherwise, an older sequence is refused too), then it replaces
// the lane's list and is kept in the store so a restart starts from it.
core::Status acceptSignedTrustList(const std::vector<uint8_t>& signedList, const std::string& signerPublicPem,
                                   credentials::TrustStore& trust, store::Store& store, int64_t nowUnix);

// The newest verified list of the two: the configured file's and the one the store kept
// from the server (the server's may be newer than the file after a restart). Either may
// be absent; an empty list when neither is.
core::Result<credentials::TrustList> newestTrustList(std::optional<credentials::TrustList> fromFile,
                                                    store::Store& store, const std::string& signerPublicPem);

// The "health_code" array of docs/policies.md from the server. Checked like the
// configuration's (errors name health_code[i]...); applied only when the lane's policy
// allows it (policy.health_code_from_server), else sync.health_rules_local.
core::Status acceptHealthRules(const core::Json& healthCode, LaneServices& services);

}  // namespace kiosk::lane
