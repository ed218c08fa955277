// Fingerprint print blobs (devices/fingerprint/libfprint_prints.cpp): count, split and
// merge never crash on arbitrary bytes; a blob that splits gives one impression per part,
// and merging the parts back gives as many impressions as the blob had.
#include <cstdlib>
#include <vector>

#include "devices/fingerprint/libfprint_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    namespace fp = kiosk::devices::fingerprint;
    std::vector<uint8_t> blob(data, data + size);
    // Most inputs should reach the GVariant parser: give them the magic when absent.
    if (size > 0 && data[0] == '!') {
        blob.erase(blob.begin());
        blob.insert(blob.begin(), {'F', 'P', '3'});
    }
    auto n = fp::printImpressions(blob);
    auto parts = fp::splitPrint(blob);
    if (parts.ok()) {
        if (!n.ok() || static_cast<std::size_t>(n.value()) != parts->size()) std::abort();
        for (const auto& p : *parts) {
            auto one = fp::printImpressions(p);
            if (!one.ok() || one.value() != 1) std::abort();
        }
        if (!parts->empty()) {
            auto merged = fp::mergePrints(*parts);
            if (merged.ok()) {
                auto m = fp::printImpressions(*merged);
                if (!m.ok() || static_cast<std::size_t>(m.value()) != parts->size()) std::abort();
            }
        }
    }
    return 0;
}
