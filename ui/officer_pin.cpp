// OpenSSL adapter for the officer PIN hash (PBKDF2-HMAC-SHA256).
#include "ui/officer_pin.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <optional>
#include <sstream>
#include <vector>

namespace kiosk::ui {

namespace {
constexpr const char* kScheme = "pbkdf2-sha256";
constexpr int kHashLen = 32;

std::string b64(const std::string& raw) {
    std::string out(4 * ((raw.size() + 2) / 3) + 1, '\0');
    int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                            reinterpret_cast<const unsigned char*>(raw.data()), static_cast<int>(raw.size()));
    out.resize(n);
    return out;
}

bool unb64(const std::string& text, std::string& out) {
    if (text.empty() || text.size() % 4 != 0) return false;
    std::string buf(text.size() / 4 * 3 + 1, '\0');
    int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(buf.data()),
                            reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
    if (n < 0) return false;
    std::size_t pad = 0;
    if (text.back() == '=') ++pad;
    if (text.size() >= 2 && text[text.size() - 2] == '=') ++pad;
    buf.resize(static_cast<std::size_t>(n) - pad);
    out = std::move(buf);
    return true;
}

bool derive(const std::string& pin, const std::string& salt, int iterations, std::string& out) {
    out.assign(kHashLen, '\0');
    return PKCS5_PBKDF2_HMAC(pin.data(), static_cast<int>(pin.size()),
                             reinterpret_cast<const unsigned char*>(salt.data()), static_cast<int>(salt.size()),
                             iterations, EVP_sha256(), kHashLen, reinterpret_cast<unsigned char*>(out.data())) == 1;
}
}  // namespace

core::Result<std::string> hashOfficerPinWithSalt(const std::string& pin, const std::string& salt, int iterations) {
    if (pin.size() < 4) return core::makeError("ui.pin", "officer PIN must have at least 4 digits");
    if (iterations < 1000) return core::makeError("ui.pin", "PBKDF2 iterations must be >= 1000");
    if (salt.size() < 8) return core::makeError("ui.pin", "salt must have at least 8 bytes");
    std::string dk;
    if (!derive(pin, salt, iterations, dk)) return core::makeError("ui.pin", "PBKDF2 failed");
    return std::string(kScheme) + "$" + std::to_string(iterations) + "$" + b64(salt) + "$" + b64(dk);
}

core::Result<std::string> hashOfficerPin(const std::string& pin, int iterations) {
    std::string salt(16, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(salt.data()), static_cast<int>(salt.size())) != 1)
        return core::makeError("ui.pin", "no random bytes for the salt");
    return hashOfficerPinWithSalt(pin, salt, iterations);
}

namespace {

struct ParsedHash {
    int iterations = 0;
    std::string salt, hash;
};

// "pbkdf2-sha256$<iterations>$<salt base64>$<hash base64>", or nothing.
std::optional<ParsedHash> parseHash(const std::string& hashString) {
    std::vector<std::string> parts;
    std::stringstream ss(hashString);
    std::string part;
    while (std::getline(ss, part, '$')) parts.push_back(part);
    if (parts.size() != 4 || parts[0] != kScheme) return std::nullopt;
    ParsedHash p;
    try {
        std::size_t used = 0;
        p.iterations = std::stoi(parts[1], &used);
        if (used != parts[1].size()) return std::nullopt;
    } catch (...) {
        return std::nullopt;
    }
    if (p.iterations < 1000 || p.iterations > 10000000) return std::nullopt;
    if (!unb64(parts[2], p.salt) || !unb64(parts[3], p.hash) || p.hash.size() != kHashLen)
        return std::nullopt;
    return p;
}

}  // namespace

bool wellFormedOfficerPinHash(const std::string& hashString) { return parseHash(hashString).has_value(); }

bool verifyOfficerPin(const std::string& pin, const std::string& hashString) {
    auto p = parseHash(hashString);
    if (!p) return false;
    std::string actual;
    if (!derive(pin, p->salt, p->iterations, actual)) return false;
    return CRYPTO_memcmp(actual.data(), p->hash.data(), kHashLen) == 0;
}

}  // namespace kiosk::ui
