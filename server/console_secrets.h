#pragma once
// Secrets of the supervision console: Argon2id password hashes (libargon2), random tokens
// (OpenSSL's RAND_bytes), SHA-256 of stored secrets, one-time export codes, and the
// document-number hash of the lane (kiosk::store::documentHash, which the server may not
// link: the same rule, pinned by a test vector).
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace kiosk::server {

struct PasswordCost {
    // OWASP's Argon2id minimum: 19 MiB, 2 passes, 1 lane.
    uint32_t timeCost = 2;
    uint32_t memoryKiB = 19 * 1024;
    uint32_t parallelism = 1;
};

// "$argon2id$v=19$m=...,t=...,p=...$salt$hash" with a fresh 16-byte salt.
core::Result<std::string> hashPassword(std::string_view password, const PasswordCost& cost);
// False for a wrong password or a malformed hash.
bool verifyPassword(std::string_view password, const std::string& encoded);

// `bytes` random bytes as base64url without padding (32 bytes -> 43 characters).
core::Result<std::string> randomToken(size_t bytes);
std::string sha256HexOf(std::string_view data);
// Compares without an early exit (tokens, codes).
bool equalsConstantTime(std::string_view a, std::string_view b);

// 12 characters of ABCDEFGHJKMNPQRSTVWXYZ23456789 (no look-alikes), shown "XXXX-XXXX-XXXX".
core::Result<std::string> randomExportCode();
// What a person typed: dashes and spaces dropped, upper case; "" if anything else is in it.
std::string normaliseExportCode(std::string_view typed);
std::string formatExportCode(const std::string& code);

// kiosk::store::documentHash: upper case, keep only A-Z and 0-9, SHA-256 of
// "kiosk.document.v1:" + that, lowercase hex.
std::string documentHashOf(std::string_view documentNumber);

}  // namespace kiosk::server
