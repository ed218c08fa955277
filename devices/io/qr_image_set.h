#pragma once
// A measurement set of QR "photographs": each text is rendered as a QR code with
// libqrencode, shown on a simulated phone screen (light or dark mode) and photographed
// at 1280x720 with perspective, blur, glare, noise, moire, low light, small size and
// rotation. Used by `kioskctl qrset generate`, bench_qr and the tests.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/result.h"
#include "devices/image.h"

namespace kiosk::devices::io {

struct QrShotParams {
    double codeFraction = 0.35;  // code side / frame height
    double rotationDeg = 0;
    double perspective = 0;      // 0 .. 0.25 of the code side
    double blurSigma = 0;
    double noiseSigma = 0;
    double glare = 0;            // 0 .. 1
    double moire = 0;            // 0 .. 1
    double brightness = 1;       // < 1 low light
    bool darkMode = false;       // light modules on a dark screen
    double centerX = 0.5, centerY = 0.5;  // of the code, in frame fractions
};

// Renders text as a QR code (ECC level M) photographed as described; BGR 1280x720 by default.
core::Result<Image> renderQrShot(const std::string& text, const QrShotParams& params, int width = 1280,
                                 int height = 720, uint64_t seed = 1);

// The module grid of text as a QR code (ECC level M), row by row, true = dark: for tests
// that draw a code's modules themselves.
core::Result<std::vector<std::vector<bool>>> qrModuleGrid(const std::string& text);

// Renders several codes side by side in one frame (for the ambiguity tests).
core::Result<Image> renderQrShots(const std::vector<std::string>& texts, int width = 1280, int height = 720);

// A token-like text: "HKMO1:" + Base45 characters, the length of a signed crossing token.
std::string tokenLikeText(uint64_t seed, std::size_t base45Length = 180);

struct QrSetEntry {
    std::string file;          // relative to the set folder
    std::string text;          // expected decode
    std::string condition;     // "clean", "blur", "dark_mode", ...
};

// Writes count frames (JPEG, quality 92) and manifest.jsonl ({"file","text","condition"}
// per line) into dir. texts: one per frame (cycled); empty = token-like texts.
core::Result<std::vector<QrSetEntry>> generateQrSet(const std::filesystem::path& dir, int count, uint64_t seed,
                                                    const std::vector<std::string>& texts = {});
core::Result<std::vector<QrSetEntry>> loadQrSetManifest(const std::filesystem::path& dir);

}  // namespace kiosk::devices::io
