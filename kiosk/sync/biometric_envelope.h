#pragma once
// The sealed form of an enrolment's biometrics on the wire (docs/sync.md, docs/api.md):
// a registration machine seals, the server stores and forwards without a key, lanes open.
//
//   key        the fleet template key: a file of exactly 32 bytes (kioskctl ca template-key)
//   cipher     AES-256-GCM, 12-byte random nonce, 16-byte tag
//   AAD        "echannel-biometrics-v1|<reference>"  (an envelope cannot be moved to another record)
//   wire form  base64(nonce || ciphertext || tag)
//   plaintext  {"faces": [[128 or 512 floats], ...],
//               "fingers": [{"finger", "format_version", "libfprint_version", "data": base64}]}
//
// Errors: sync.bad_key (key file), sync.bad_envelope (not base64, too short, bad JSON
// inside), sync.envelope_open (wrong key, tampered, or sealed for another reference).
#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"
#include "kiosk/store/store.h"

namespace kiosk::sync {

inline constexpr std::size_t kTemplateKeyBytes = 32;

struct EnrolmentBiometrics {
    std::vector<store::FaceDescriptor> faces;
    std::vector<store::FingerTemplate> fingers;
};

// Reads the 32-byte fleet key.
core::Result<std::vector<uint8_t>> loadTemplateKey(const std::string& path);

core::Result<std::string> sealBiometrics(const std::vector<uint8_t>& key, const std::string& reference,
                                         const EnrolmentBiometrics& biometrics);
core::Result<EnrolmentBiometrics> openBiometrics(const std::vector<uint8_t>& key, const std::string& reference,
                                                 const std::string& envelope);
// The opened plaintext (JSON above) into biometrics: what openBiometrics does after the
// cipher; sync.bad_envelope for anything else. Fuzzed by fuzz/fuzz_biometric_envelope.cpp.
core::Result<EnrolmentBiometrics> parseBiometricsPlaintext(const std::string& plaintext);

// Standard alphabet, padded. decode refuses anything else (sync.bad_base64).
std::string base64Encode(const std::vector<uint8_t>& bytes);
core::Result<std::vector<uint8_t>> base64Decode(const std::string& text);

}  // namespace kiosk::sync
