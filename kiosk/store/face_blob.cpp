#include "kiosk/store/face_blob.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

namespace kiosk::store {
namespace {

constexpr uint32_t kFormat2 = 0x80000000u;

void putU32(std::vector<uint8_t>& out, uint32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

uint32_t getU32(const uint8_t* p) {
    return uint32_t(p[0]) | (uint32_t(p[1]) << 8) | (uint32_t(p[2]) << 16) | (uint32_t(p[3]) << 24);
}

bool knownSize(std::size_t n) { return n == 128 || n == 512; }

}  // namespace

core::Status checkFaceDescriptors(const std::vector<FaceDescriptor>& ds) {
    if (ds.size() > kMaxFaceDescriptors)
        return core::makeError("store.invalid", "an enrolment holds at most " + std::to_string(kMaxFaceDescriptors) +
                                                    " face descriptors (has " + std::to_string(ds.size()) + ")");
    for (std::size_t i = 0; i < ds.size(); ++i) {
        if (!knownSize(ds[i].size()))
            return core::makeError("store.invalid", "face descriptor " + std::to_string(i) + " has " +
                                                        std::to_string(ds[i].size()) +
                                                        " values; 128 (dlib_resnet) or 512 (onnx) expected");
        if (ds[i].size() != ds.front().size())
            return core::makeError("store.invalid",
                                   "face descriptors of one enrolment must come from one recogniser (sizes " +
                                       std::to_string(ds.front().size()) + " and " + std::to_string(ds[i].size()) + ")");
        if (!std::all_of(ds[i].begin(), ds[i].end(), [](float f) { return std::isfinite(f); }))
            return core::makeError("store.invalid", "face descriptor " + std::to_string(i) + " has a value that is not finite");
    }
    return {};
}

std::vector<uint8_t> encodeFaceDescriptors(const std::vector<FaceDescriptor>& ds) {
    const bool v1 = std::all_of(ds.begin(), ds.end(), [](const FaceDescriptor& d) { return d.size() == 128; });
    std::vector<uint8_t> out;
    out.reserve(4 + ds.size() * (4 + 512 * 4));
    putU32(out, static_cast<uint32_t>(ds.size()) | (v1 ? 0u : kFormat2));
    for (const auto& d : ds) {
        if (!v1) putU32(out, static_cast<uint32_t>(d.size()));
        for (float f : d) {
            uint32_t u;
            std::memcpy(&u, &f, 4);
            putU32(out, u);
        }
    }
    return out;
}

core::Result<std::vector<FaceDescriptor>> decodeFaceDescriptors(const std::vector<uint8_t>& b) {
    using core::makeError;
    if (b.size() < 4) return makeError("store.corrupt", "face descriptor blob too short");
    const uint32_t head = getU32(b.data());
    const bool v2 = (head & kFormat2) != 0;
    const uint32_t n = head & ~kFormat2;
    if (n > kMaxFaceDescriptors) return makeError("store.corrupt", "face descriptor blob holds too many descriptors");
    if (!v2 && b.size() != 4 + std::size_t(n) * 128 * 4)
        return makeError("store.corrupt", "face descriptor blob has the wrong size");
    std::vector<FaceDescriptor> out(n);
    const uint8_t* p = b.data() + 4;
    const uint8_t* end = b.data() + b.size();
    for (auto& d : out) {
        std::size_t dims = 128;
        if (v2) {
            if (end - p < 4) return makeError("store.corrupt", "face descriptor blob truncated");
            dims = getU32(p);
            p += 4;
            if (!knownSize(dims)) return makeError("store.corrupt", "face descriptor of unknown size");
        }
        if (static_cast<std::size_t>(end - p) < dims * 4) return makeError("store.corrupt", "face descriptor blob truncated");
        d.resize(dims);
        for (float& f : d) {
            const uint32_t u = getU32(p);
            std::memcpy(&f, &u, 4);
            p += 4;
        }
    }
    if (p != end) return makeError("store.corrupt", "face descriptor blob has the wrong size");
    return out;
}

}  // namespace kiosk::store
