#pragma once
// Officer PIN: stored in configuration only as a salted PBKDF2-HMAC-SHA256 hash,
//   "pbkdf2-sha256$<iterations>$<salt base64>$<hash base64>"
// made by `kioskctl ui hash-pin`. Checking the PIN is input handling, not a lane decision.
#include <string>

#include "core/result.h"

namespace kiosk::ui {

constexpr int kDefaultPinIterations = 100000;

// A fresh random 16-byte salt.
core::Result<std::string> hashOfficerPin(const std::string& pin, int iterations = kDefaultPinIterations);
// Same but with a given salt (tests).
core::Result<std::string> hashOfficerPinWithSalt(const std::string& pin, const std::string& salt,
                                                 int iterations);
// The configuration's check: a hash `kioskctl ui hash-pin` could have made (scheme,
// iterations 1000..10000000, 32-byte hash, all base64 valid).
bool wellFormedOfficerPinHash(const std::string& hashString);
// true when pin matches; false on mismatch or a malformed hash string (constant-time compare).
bool verifyOfficerPin(const std::string& pin, const std::string& hashString);

}  // namespace kiosk::ui
