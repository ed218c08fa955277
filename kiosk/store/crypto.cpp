#include "kiosk/store/crypto.h"

#include "core/log.h"

#include <memory>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

namespace kiosk::store::detail {

namespace {
constexpr uint8_t kBlobFormat = 1;
constexpr std::size_t kNonce = 12;
constexpr std::size_t kTag = 16;

struct CtxFree {
    void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using Ctx = std::unique_ptr<EVP_CIPHER_CTX, CtxFree>;
}  // namespace

core::Result<Bytes> randomBytes(std::size_t n) {
    Bytes out(n);
    if (n && RAND_bytes(out.data(), static_cast<int>(n)) != 1)
        return core::makeError("store.crypto", "RAND_bytes failed");
    return out;
}

core::Result<Bytes> sealBlob(const Bytes& key, const Bytes& plaintext, const std::string& aad) {
    if (key.size() != 32) return core::makeError("store.bad_key", "AES-256 key must be 32 bytes");
    KIOSK_ASSIGN_OR_RETURN(Bytes nonce, randomBytes(kNonce));
    Ctx ctx(EVP_CIPHER_CTX_new());
    Bytes out(1 + kNonce + plaintext.size() + kTag);
    out[0] = kBlobFormat;
    std::copy(nonce.begin(), nonce.end(), out.begin() + 1);
    int len = 0;
    bool ok = ctx && EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
              EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonce, nullptr) == 1 &&
              EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, key.data(), nonce.data()) == 1 &&
              EVP_EncryptUpdate(ctx.get(), nullptr, &len, reinterpret_cast<const uint8_t*>(aad.data()),
                                static_cast<int>(aad.size())) == 1;
    uint8_t* ct = out.data() + 1 + kNonce;
    if (ok && !plaintext.empty())
        ok = EVP_EncryptUpdate(ctx.get(), ct, &len, plaintext.data(), static_cast<int>(plaintext.size())) == 1;
    int fin = 0;
    ok = ok && EVP_EncryptFinal_ex(ctx.get(), ct + plaintext.size(), &fin) == 1 &&
         EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTag, ct + plaintext.size()) == 1;
    if (!ok) return core::makeError("store.crypto", "AES-256-GCM encryption failed");
    return out;
}

core::Result<Bytes> openBlob(const Bytes& key, const Bytes& blob, const std::string& aad) {
    if (key.size() != 32) return core::makeError("store.bad_key", "AES-256 key must be 32 bytes");
    if (blob.size() < 1 + kNonce + kTag || blob[0] != kBlobFormat)
        return core::makeError("store.decrypt_failed", "encrypted blob is truncated or of an unknown format");
    const std::size_t ctLen = blob.size() - 1 - kNonce - kTag;
    const uint8_t* nonce = blob.data() + 1;
    const uint8_t* ct = nonce + kNonce;
    Bytes tag(ct + ctLen, ct + ctLen + kTag);
    Bytes out(ctLen);
    Ctx ctx(EVP_CIPHER_CTX_new());
    int len = 0;
    bool ok = ctx && EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
              EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonce, nullptr) == 1 &&
              EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, key.data(), nonce) == 1 &&
              EVP_DecryptUpdate(ctx.get(), nullptr, &len, reinterpret_cast<const uint8_t*>(aad.data()),
                                static_cast<int>(aad.size())) == 1;
    if (ok && ctLen) ok = EVP_DecryptUpdate(ctx.get(), out.data(), &len, ct, static_cast<int>(ctLen)) == 1;
    ok = ok && EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTag, tag.data()) == 1;
    int fin = 0;
    ok = ok && EVP_DecryptFinal_ex(ctx.get(), out.data() + ctLen, &fin) == 1;
    if (!ok)
        return core::makeError("store.decrypt_failed",
                               "biometric data cannot be decrypted: wrong key file or tampered data");
    return out;
}

std::string sha256HexOf(const std::string& bytes) { return core::sha256Hex(bytes); }

Bytes hmacSha256(const Bytes& key, const std::string& text) {
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(text.data()),
              text.size(), mac, &len))
        return {};
    return Bytes(mac, mac + len);
}

std::string toHex(const Bytes& b) {
    static const char* hex = "0123456789abcdef";
    std::string out;
    out.reserve(b.size() * 2);
    for (uint8_t c : b) {
        out += hex[c >> 4];
        out += hex[c & 15];
    }
    return out;
}

Bytes fromHex(const std::string& hex) {
    auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        return -1;
    };
    if (hex.size() % 2) return {};
    Bytes out(hex.size() / 2);
    for (std::size_t i = 0; i < out.size(); ++i) {
        const int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) return {};
        out[i] = static_cast<uint8_t>(hi * 16 + lo);
    }
    return out;
}

std::string hmacSha256Hex(const Bytes& key, const std::string& text) { return toHex(hmacSha256(key, text)); }

namespace {
struct PkeyFree {
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct MdFree {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdFree>;
}  // namespace

core::Result<Bytes> ed25519PublicKey(const Bytes& seed) {
    Pkey k(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), seed.size()));
    Bytes pub(32);
    std::size_t len = pub.size();
    if (!k || EVP_PKEY_get_raw_public_key(k.get(), pub.data(), &len) != 1 || len != 32)
        return core::makeError("store.crypto", "Ed25519 key setup failed");
    return pub;
}

core::Result<Bytes> ed25519Sign(const Bytes& seed, const std::string& message) {
    Pkey k(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), seed.size()));
    MdCtx ctx(EVP_MD_CTX_new());
    Bytes sig(64);
    std::size_t len = sig.size();
    if (!k || !ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, k.get()) != 1 ||
        EVP_DigestSign(ctx.get(), sig.data(), &len, reinterpret_cast<const unsigned char*>(message.data()),
                       message.size()) != 1)
        return core::makeError("store.crypto", "Ed25519 signing failed");
    sig.resize(len);
    return sig;
}

bool ed25519Verify(const Bytes& publicKey, const std::string& message, const Bytes& signature) {
    if (publicKey.size() != 32 || signature.size() != 64) return false;
    Pkey k(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, publicKey.data(), publicKey.size()));
    MdCtx ctx(EVP_MD_CTX_new());
    return k && ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, k.get()) == 1 &&
           EVP_DigestVerify(ctx.get(), signature.data(), signature.size(),
                            reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
}

}  // namespace kiosk::store::detail
