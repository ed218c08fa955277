#pragma once
// Base45 (RFC 9285). Strict: uppercase alphabet only, no dangling character, every
// group must fit its byte range.
#include <string>
#include <string_view>

#include "core/result.h"

namespace kiosk::credentials {

std::string base45Encode(std::string_view bytes);
// Error code `qr.malformed` on any invalid input.
core::Result<std::string> base45Decode(std::string_view text);

}  // namespace kiosk::credentials
