// The sync envelope's biometrics (kiosk/sync/biometric_envelope.cpp): the plaintext parser
// (face descriptors of 128 or 512 numbers, finger templates) and openBiometrics never crash
// on arbitrary input; what parses seals and opens back to the same biometrics. Input: the
// plaintext JSON, also tried as a whole envelope (base64, AES-256-GCM) under a fixed key.
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "kiosk/sync/biometric_envelope.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    namespace sy = kiosk::sync;
    const std::vector<uint8_t> key(sy::kTemplateKeyBytes, 0x5a);
    const std::string text(reinterpret_cast<const char*>(data), size);

    auto opened = sy::openBiometrics(key, "ref-1", text);
    if (opened.ok()) std::abort();  // nobody but the key holder can make an envelope that opens
    const std::string& code = opened.error().code;
    if (code != "sync.bad_envelope" && code != "sync.envelope_open") std::abort();

    auto parsed = sy::parseBiometricsPlaintext(text);
    if (!parsed.ok()) {
        if (parsed.error().code != "sync.bad_envelope") std::abort();
        return 0;
    }
    for (const auto& f : parsed->faces)
        if (f.size() != 128 && f.size() != 512) std::abort();
    auto sealed = sy::sealBiometrics(key, "ref-1", *parsed);
    if (!sealed.ok()) {
        if (sealed.error().code != "sync.bad_envelope") std::abort();
        return 0;
    }
    auto back = sy::openBiometrics(key, "ref-1", *sealed);
    if (!back.ok() || back->faces.size() != parsed->faces.size() || back->fingers.size() != parsed->fingers.size())
        std::abort();
    for (std::size_t i = 0; i < parsed->faces.size(); ++i)
        if (back->faces[i] != parsed->faces[i]) std::abort();
    for (std::size_t i = 0; i < parsed->fingers.size(); ++i)
        if (back->fingers[i].data != parsed->fingers[i].data || back->fingers[i].finger != parsed->fingers[i].finger)
            std::abort();
    if (sy::openBiometrics(key, "ref-2", *sealed).ok()) std::abort();  // bound to its record
    return 0;
}
