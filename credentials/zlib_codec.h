#pragma once
// zlib (RFC 1950) with an output cap: decompression stops and fails past maxOutput.
#include <cstddef>
#include <string>
#include <string_view>

#include "core/result.h"

namespace kiosk::credentials {

std::string zlibCompress(std::string_view data, int level = 9);
// Codes: qr.too_large (output over the cap), qr.malformed (not zlib / truncated / trailing data).
core::Result<std::string> zlibDecompress(std::string_view data, std::size_t maxOutput);

}  // namespace kiosk::credentials
