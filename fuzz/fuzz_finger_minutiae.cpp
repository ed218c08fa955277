// The minutiae of fingerprint print blobs (devices/fingerprint/libfprint_prints.cpp
// printMinutiae, GVariant) and the Minutia Cylinder-Code matcher over whatever comes out
// (devices/fingerprint/mcc_matcher.cpp): never a crash on arbitrary bytes; as many sets as
// printImpressions counts; every set matched with itself and with the first set, both
// ways, gives a similarity in [0, 1].
#include <cstdlib>
#include <vector>

#include "devices/fingerprint/libfprint_reader.h"
#include "devices/fingerprint/mcc_matcher.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    namespace fp = kiosk::devices::fingerprint;
    std::vector<uint8_t> blob(data, data + size);
    if (size > 0 && data[0] == '!') {  // most inputs should reach the GVariant parser
        blob.erase(blob.begin());
        blob.insert(blob.begin(), {'F', 'P', '3'});
    }
    auto sets = fp::printMinutiae(blob);
    if (!sets.ok()) return 0;
    auto n = fp::printImpressions(blob);
    if (!n.ok() || static_cast<std::size_t>(n.value()) != sets->size()) std::abort();
    std::vector<fp::MccTemplate> t;
    for (const auto& s : *sets) {
        if (s.size() > 400) return 0;  // bozorth3 keeps at most 200; keep each run short
        t.push_back(fp::MccTemplate::build(s));
    }
    for (const auto& a : t) {
        const float self = fp::mccSimilarity(a, a);
        const float first = fp::mccSimilarity(a, t.front());
        const float back = fp::mccSimilarity(t.front(), a);
        for (float v : {self, first, back})
            if (!(v >= 0.0f && v <= 1.0f)) std::abort();
    }
    return 0;
}
