#pragma once
// Real signed crossing tokens for measurement sets and tools (a throw-away ES256 issuer
// key; deterministic claims from the seed). Not for the lane.
#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"

namespace kiosk::credentials {

core::Result<std::vector<std::string>> sampleCrossingTokens(int count, uint64_t seed);

}  // namespace kiosk::credentials
