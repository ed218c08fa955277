// Base45: decode never crashes; whatever decodes re-encodes to the same text.
#include <cstdlib>
#include <string_view>

#include "credentials/base45.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto r = kiosk::credentials::base45Decode(text);
    if (r.ok() && kiosk::credentials::base45Encode(*r) != text) std::abort();
    // Any bytes encode and decode back.
    auto back = kiosk::credentials::base45Decode(kiosk::credentials::base45Encode(text));
    if (!back.ok() || *back != text) std::abort();
    return 0;
}
