#include "kiosk/sync/biometric_envelope.h"

#include <cmath>
#include <fstream>
#include <limits>
#include <iterator>
#include <memory>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "core/config.h"

namespace kiosk::sync {

using core::Json;
using core::makeError;
using core::Result;

namespace {

constexpr std::size_t kNonce = 12;
constexpr std::size_t kTag = 16;
constexpr const char* kAadPrefix = "echannel-biometrics-v1|";

struct CtxFree {
    void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using Ctx = std::unique_ptr<EVP_CIPHER_CTX, CtxFree>;

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int b64Value(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

// Erases the plaintext JSON text once it is no longer needed.
struct Wipe {
    std::string& s;
    ~Wipe() {
        if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
    }
};

}  // namespace

std::string base64Encode(const std::vector<uint8_t>& in) {
    std::string out;
    out.reserve((in.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 2 < in.size(); i += 3) {
        const uint32_t v = (uint32_t(in[i]) << 16) | (uint32_t(in[i + 1]) << 8) | in[i + 2];
        out += kAlphabet[(v >> 18) & 63];
        out += kAlphabet[(v >> 12) & 63];
        out += kAlphabet[(v >> 6) & 63];
        out += kAlphabet[v & 63];
    }
    if (i + 1 == in.size()) {
        const uint32_t v = uint32_t(in[i]) << 16;
        out += kAlphabet[(v >> 18) & 63];
        out += kAlphabet[(v >> 12) & 63];
        out += "==";
    } else if (i + 2 == in.size()) {
        const uint32_t v = (uint32_t(in[i]) << 16) | (uint32_t(in[i + 1]) << 8);
        out += kAlphabet[(v >> 18) & 63];
        out += kAlphabet[(v >> 12) & 63];
        out += kAlphabet[(v >> 6) & 63];
        out += '=';
    }
    return out;
}

Result<std::vector<uint8_t>> base64Decode(const std::string& text) {
    if (text.size() % 4 != 0) return makeError("sync.bad_base64", "base64 text length is not a multiple of 4");
    std::vector<uint8_t> out;
    out.reserve(text.size() / 4 * 3);
    for (std::size_t i = 0; i < text.size(); i += 4) {
        const bool last = i + 4 == text.size();
        int v[4];
        int pad = 0;
        for (int k = 0; k < 4; ++k) {
            const char c = text[i + k];
            if (c == '=' && last && k >= 2) {
                v[k] = 0;
                ++pad;
                continue;
            }
            if (pad) return makeError("sync.bad_base64", "base64 padding in the middle");
            v[k] = b64Value(c);
            if (v[k] < 0) return makeError("sync.bad_base64", "character outside the base64 alphabet");
        }
        const uint32_t w = (uint32_t(v[0]) << 18) | (uint32_t(v[1]) << 12) | (uint32_t(v[2]) << 6) | uint32_t(v[3]);
        out.push_back(static_cast<uint8_t>(w >> 16));
        if (pad < 2) out.push_back(static_cast<uint8_t>(w >> 8));
        if (pad < 1) out.push_back(static_cast<uint8_t>(w));
    }
    return out;
}

Result<std::vector<uint8_t>> loadTemplateKey(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return makeError("sync.bad_key", "cannot read the template key file " + path);
    std::vector<uint8_t> key((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (key.size() != kTemplateKeyBytes) {
        const std::size_t n = key.size();
        OPENSSL_cleanse(key.data(), key.size());
        return makeError("sync.bad_key", "template key file " + path + " must hold exactly 32 bytes (has " +
                                             std::to_string(n) + ")");
    }
    return key;
}

Result<std::string> sealBiometrics(const std::vector<uint8_t>& key, const std::string& reference,
                                   const EnrolmentBiometrics& bio) {
    if (key.size() != kTemplateKeyBytes) return makeError("sync.bad_key", "the template key must be 32 bytes");
    if (reference.empty()) return makeError("sync.bad_envelope", "an envelope needs the enrolment reference");
    Json faces = Json::array();
    for (const auto& d : bio.faces) {
        Json v = Json::array();
        for (float f : d) v.push_back(f);
        faces.push_back(std::move(v));
    }
    Json fingers = Json::array();
    for (const auto& f : bio.fingers) {
        if (f.finger.empty() || f.data.empty())
            return makeError("sync.bad_envelope", "finger template without position or data");
        fingers.push_back({{"finger", f.finger},
                           {"format_version", f.formatVersion},
                           {"libfprint_version", f.libfprintVersion},
                           {"data", base64Encode(f.data)}});
    }
    std::string plain = Json{{"faces", std::move(faces)}, {"fingers", std::move(fingers)}}.dump();
    Wipe wipe{plain};
    const std::string aad = kAadPrefix + reference;

    std::vector<uint8_t> out(kNonce + plain.size() + kTag);
    if (RAND_bytes(out.data(), static_cast<int>(kNonce)) != 1) return makeError("sync.crypto", "RAND_bytes failed");
    Ctx ctx(EVP_CIPHER_CTX_new());
    int len = 0;
    uint8_t* ct = out.data() + kNonce;
    bool ok = ctx && EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
              EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonce, nullptr) == 1 &&
              EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, key.data(), out.data()) == 1 &&
              EVP_EncryptUpdate(ctx.get(), nullptr, &len, reinterpret_cast<const uint8_t*>(aad.data()),
                                static_cast<int>(aad.size())) == 1 &&
              EVP_EncryptUpdate(ctx.get(), ct, &len, reinterpret_cast<const uint8_t*>(plain.data()),
                                static_cast<int>(plain.size())) == 1;
    int fin = 0;
    ok = ok && EVP_EncryptFinal_ex(ctx.get(), ct + plain.size(), &fin) == 1 &&
         EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTag, ct + plain.size()) == 1;
    if (!ok) return makeError("sync.crypto", "AES-256-GCM encryption failed");
    return base64Encode(out);
}

Result<EnrolmentBiometrics> openBiometrics(const std::vector<uint8_t>& key, const std::string& reference,
                                           const std::string& envelope) {
    if (key.size() != kTemplateKeyBytes) return makeError("sync.bad_key", "the template key must be 32 bytes");
    auto raw = base64Decode(envelope);
    if (!raw.ok()) return makeError("sync.bad_envelope", "biometrics envelope: " + raw.error().message);
    const std::vector<uint8_t>& blob = *raw;
    if (blob.size() < kNonce + kTag) return makeError("sync.bad_envelope", "biometrics envelope is too short");
    const std::size_t ctLen = blob.size() - kNonce - kTag;
    const uint8_t* nonce = blob.data();
    const uint8_t* ct = nonce + kNonce;
    std::vector<uint8_t> tag(ct + ctLen, ct + ctLen + kTag);
    std::string plain(ctLen, '\0');
    Wipe wipe{plain};
    const std::string aad = kAadPrefix + reference;
    Ctx ctx(EVP_CIPHER_CTX_new());
    int len = 0;
    bool ok = ctx && EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
              EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonce, nullptr) == 1 &&
              EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, key.data(), nonce) == 1 &&
              EVP_DecryptUpdate(ctx.get(), nullptr, &len, reinterpret_cast<const uint8_t*>(aad.data()),
                                static_cast<int>(aad.size())) == 1;
    if (ok && ctLen)
        ok = EVP_DecryptUpdate(ctx.get(), reinterpret_cast<uint8_t*>(plain.data()), &len, ct,
                               static_cast<int>(ctLen)) == 1;
    ok = ok && EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTag, tag.data()) == 1;
    int fin = 0;
    uint8_t finBuf[16];
    ok = ok && EVP_DecryptFinal_ex(ctx.get(), finBuf, &fin) == 1;
    if (!ok)
        return makeError("sync.envelope_open",
                         "biometrics envelope cannot be opened: wrong template key, tampered, or sealed for another record");

    return parseBiometricsPlaintext(plain);
}

Result<EnrolmentBiometrics> parseBiometricsPlaintext(const std::string& plain) {
    EnrolmentBiometrics out;
    try {
        const Json j = Json::parse(plain);
        if (!j.is_object() || !j.contains("faces") || !j.contains("fingers") || !j["faces"].is_array() ||
            !j["fingers"].is_array() || j.size() != 2)
            return makeError("sync.bad_envelope", "biometrics envelope: plaintext must be {faces: [...], fingers: [...]}");
        for (const auto& face : j["faces"]) {
            if (!face.is_array() || (face.size() != 128 && face.size() != 512))
                return makeError("sync.bad_envelope", "biometrics envelope: a face descriptor must have 128 or 512 numbers");
            store::FaceDescriptor d(face.size());
            for (std::size_t i = 0; i < face.size(); ++i) {
                if (!face[i].is_number()) return makeError("sync.bad_envelope", "biometrics envelope: non-number in a face descriptor");
                // A double outside float's range has no float value (converting it is undefined).
                const double v = face[i].get<double>();
                if (!(std::abs(v) <= std::numeric_limits<float>::max()))
                    return makeError("sync.bad_envelope", "biometrics envelope: a face descriptor value is out of float range");
                d[i] = static_cast<float>(v);
            }
            out.faces.push_back(d);
        }
        for (const auto& f : j["fingers"]) {
            if (!f.is_object() || !f.contains("finger") || !f["finger"].is_string() || !f.contains("format_version") ||
                !f["format_version"].is_number_integer() || !f.contains("libfprint_version") ||
                !f["libfprint_version"].is_string() || !f.contains("data") || !f["data"].is_string())
                return makeError("sync.bad_envelope",
                                 "biometrics envelope: a finger needs finger, format_version, libfprint_version, data");
            store::FingerTemplate t;
            t.finger = f["finger"].get<std::string>();
            t.formatVersion = f["format_version"].get<int>();
            t.libfprintVersion = f["libfprint_version"].get<std::string>();
            auto data = base64Decode(f["data"].get<std::string>());
            if (!data.ok() || data->empty())
                return makeError("sync.bad_envelope", "biometrics envelope: finger data is not base64");
            t.data = std::move(data).value();
            out.fingers.push_back(std::move(t));
        }
    } catch (const std::exception&) {
        return makeError("sync.bad_envelope", "biometrics envelope: plaintext is not JSON");
    }
    return out;
}

}  // namespace kiosk::sync
