#pragma once
// The byte form of an enrolment's face descriptors inside the store (sealed with
// AES-256-GCM by crypto.h before it is written). No I/O: fuzzed by fuzz/fuzz_face_blob.cpp.
//
//   format 1 (every descriptor 128-d, as every store before the ONNX recogniser):
//            u32 count, count x 128 float32
//   format 2 (any 512-d descriptor): u32 0x80000000 | count, then per descriptor u32 size
//            (128 or 512) and size float32
// All little-endian. Format 1 is still written when it can be, so existing stores and their
// bytes do not change.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/result.h"
#include "kiosk/store/store.h"

namespace kiosk::store {

// What enrol() and upsertEnrolment() accept (store.invalid otherwise): at most
// kMaxFaceDescriptors, each of 128 or 512 finite floats, all of one size (one recogniser).
core::Status checkFaceDescriptors(const std::vector<FaceDescriptor>& descriptors);

std::vector<uint8_t> encodeFaceDescriptors(const std::vector<FaceDescriptor>& descriptors);
// store.corrupt when the bytes are not one of the two formats.
core::Result<std::vector<FaceDescriptor>> decodeFaceDescriptors(const std::vector<uint8_t>& bytes);

}  // namespace kiosk::store
