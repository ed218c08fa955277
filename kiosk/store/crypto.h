#pragma once
// AES-256-GCM for biometric blobs, SHA-256, HMAC-SHA256, random bytes (OpenSSL 3 EVP).
// Blob layout: 0x01 (format) | nonce (12) | ciphertext | tag (16).
#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"

namespace kiosk::store::detail {

using Bytes = std::vector<uint8_t>;

core::Result<Bytes> randomBytes(std::size_t n);
core::Result<Bytes> sealBlob(const Bytes& key, const Bytes& plaintext, const std::string& aad);
// store.decrypt_failed for a wrong key, a tampered blob or a wrong AAD.
core::Result<Bytes> openBlob(const Bytes& key, const Bytes& blob, const std::string& aad);
std::string sha256HexOf(const std::string& bytes);
// Lowercase hex HMAC-SHA256(key, text).
std::string hmacSha256Hex(const Bytes& key, const std::string& text);
Bytes hmacSha256(const Bytes& key, const std::string& text);
std::string toHex(const Bytes& b);
Bytes fromHex(const std::string& hex);  // empty on a malformed string
// Ed25519 from a 32-byte seed (the journal checkpoint key, derived from the store key).
core::Result<Bytes> ed25519PublicKey(const Bytes& seed);
core::Result<Bytes> ed25519Sign(const Bytes& seed, const std::string& message);
bool ed25519Verify(const Bytes& publicKey, const std::string& message, const Bytes& signature);

}  // namespace kiosk::store::detail
