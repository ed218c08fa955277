// Secrets of the console (console_secrets.h): libargon2 and OpenSSL only here.
#include <argon2.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <vector>

#include "server/console_secrets.h"

namespace kiosk::server {

namespace {
constexpr size_t kSaltBytes = 16;
constexpr size_t kHashBytes = 32;
constexpr const char* kCodeAlphabet = "ABCDEFGHJKMNPQRSTVWXYZ23456789";
constexpr size_t kCodeLength = 12;
}  // namespace

core::Result<std::string> hashPassword(std::string_view password, const PasswordCost& cost) {
    unsigned char salt[kSaltBytes];
    if (RAND_bytes(salt, sizeof salt) != 1) return core::makeError("console.random", "no random bytes");
    const size_t len = argon2_encodedlen(cost.timeCost, cost.memoryKiB, cost.parallelism, kSaltBytes, kHashBytes,
                                         Argon2_id);
    std::vector<char> out(len + 1, '\0');
    const int rc = argon2id_hash_encoded(cost.timeCost, cost.memoryKiB, cost.parallelism, password.data(),
                                         password.size(), salt, sizeof salt, kHashBytes, out.data(), out.size());
    if (rc != ARGON2_OK) return core::makeError("console.argon2", argon2_error_message(rc));
    return std::string(out.data());
}

bool verifyPassword(std::string_view password, const std::string& encoded) {
    if (encoded.rfind("$argon2id$", 0) != 0) return false;
    return argon2id_verify(encoded.c_str(), password.data(), password.size()) == ARGON2_OK;
}

core::Result<std::string> randomToken(size_t bytes) {
    std::vector<unsigned char> raw(bytes);
    if (RAND_bytes(raw.data(), static_cast<int>(raw.size())) != 1)
        return core::makeError("console.random", "no random bytes");
    static const char* b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    uint32_t acc = 0;
    int bits = 0;
    for (unsigned char c : raw) {
        acc = (acc << 8) | c;
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            out.push_back(b64[(acc >> bits) & 63]);
        }
    }
    if (bits > 0) out.push_back(b64[(acc << (6 - bits)) & 63]);
    OPENSSL_cleanse(raw.data(), raw.size());
    return out;
}

std::string sha256HexOf(std::string_view data) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_Digest(data.data(), data.size(), md, &n, EVP_sha256(), nullptr);
    static const char* hex = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < n; ++i) {
        out.push_back(hex[md[i] >> 4]);
        out.push_back(hex[md[i] & 15]);
    }
    return out;
}

bool equalsConstantTime(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

core::Result<std::string> randomExportCode() {
    const size_t n = std::char_traits<char>::length(kCodeAlphabet);
    std::string out;
    while (out.size() < kCodeLength) {
        unsigned char b = 0;
        if (RAND_bytes(&b, 1) != 1) return core::makeError("console.random", "no random bytes");
        // Rejection sampling keeps every character equally likely.
        if (b >= 256 - (256 % n)) continue;
        out.push_back(kCodeAlphabet[b % n]);
    }
    return out;
}

std::string normaliseExportCode(std::string_view typed) {
    std::string out;
    for (char c : typed) {
        if (c == '-' || c == ' ') continue;
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
        if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return "";
        out.push_back(c);
    }
    return out;
}

std::string formatExportCode(const std::string& code) {
    std::string out;
    for (size_t i = 0; i < code.size(); ++i) {
        if (i > 0 && i % 4 == 0) out.push_back('-');
        out.push_back(code[i]);
    }
    return out;
}

std::string documentHashOf(std::string_view documentNumber) {
    std::string norm;
    for (char ch : documentNumber) {
        char c = ch;
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
        if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) norm.push_back(c);
    }
    return sha256HexOf("kiosk.document.v1:" + norm);
}

}  // namespace kiosk::server
