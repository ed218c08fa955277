// The store's face-descriptor blob (kiosk/store/face_blob.cpp, formats 1 and 2): decoding
// never crashes on arbitrary bytes; what decodes re-encodes to the same descriptors (format 1
// byte for byte; a format-2 blob whose descriptors are all 128-d re-encodes as format 1), and
// what checkFaceDescriptors accepts always decodes back. A leading '1' / '2' byte is replaced
// by a valid head of that format for the remaining length, so most inputs reach the body.
#include <cstdlib>
#include <cstring>
#include <vector>

#include "kiosk/store/face_blob.h"

namespace {

bool sameBits(const std::vector<kiosk::store::FaceDescriptor>& a, const std::vector<kiosk::store::FaceDescriptor>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (a[i].size() != b[i].size() || std::memcmp(a[i].data(), b[i].data(), a[i].size() * sizeof(float)) != 0)
            return false;
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    namespace st = kiosk::store;
    std::vector<uint8_t> blob(data, data + size);
    if (size > 1 && (data[0] == '1' || data[0] == '2')) {
        // '1': count from the length (format 1); '2': count from the second byte (format 2).
        const bool v2 = data[0] == '2';
        const uint32_t n = v2 ? (data[1] % 8) : static_cast<uint32_t>((size - 1) / 512);
        blob.assign(data + (v2 ? 2 : 1), data + size);
        const uint32_t head = n | (v2 ? 0x80000000u : 0u);
        blob.insert(blob.begin(), {uint8_t(head), uint8_t(head >> 8), uint8_t(head >> 16), uint8_t(head >> 24)});
    }
    auto decoded = st::decodeFaceDescriptors(blob);
    if (!decoded.ok()) {
        if (decoded.error().code != "store.corrupt") std::abort();
        return 0;
    }
    const auto again = st::encodeFaceDescriptors(*decoded);
    const bool v1 = (blob[3] & 0x80) == 0;
    if (v1 && again != blob) std::abort();
    auto back = st::decodeFaceDescriptors(again);
    if (!back.ok() || !sameBits(*back, *decoded)) std::abort();
    // The write-side check never lets through what the read side refuses.
    if (st::checkFaceDescriptors(*decoded).ok()) {
        auto w = st::decodeFaceDescriptors(st::encodeFaceDescriptors(*decoded));
        if (!w.ok()) std::abort();
    }
    return 0;
}
