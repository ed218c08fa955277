// CBOR reader: never crashes; a decoded value re-encodes to something that decodes equal.
#include <cstdlib>
#include <string_view>

#include "credentials/cbor.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace kiosk::credentials;
    const std::string_view in(reinterpret_cast<const char*>(data), size);
    auto v = cborDecode(in);
    if (!v.ok()) return 0;
    (void)v->toDiagnostic();
    const std::string again = cborEncode(*v);
    CborLimits roomy;
    roomy.maxBytes = again.size() + 1;
    auto w = cborDecode(again, roomy);
    if (!w.ok() || !(*w == *v)) std::abort();
    return 0;
}
