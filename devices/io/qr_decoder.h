#pragma once
// QR decoding on camera frames (zxing-cpp 1.4, all calls in zxing_adapter.cpp), and a
// devices::QrScanner that reads codes from a devices::Camera.
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "devices/camera.h"
#include "devices/image.h"
#include "devices/qr_scanner.h"

namespace kiosk::devices::io {

inline constexpr const char* kQrAmbiguous = "qr.ambiguous";  // two different codes in view

struct Roi {
    int x = 0, y = 0, width = 0, height = 0;  // width/height 0 = to the edge
};

enum class Ambiguity { Refuse, ReturnAll };

struct QrDecodeOptions {
    std::optional<Roi> roi;           // decode only inside this rectangle
    bool tryInverted = true;          // light-on-dark codes (phone screens in dark mode)
    bool tryRotate = true;            // 90/180/270 degrees (arbitrary angles are found anyway)
    bool tryHarder = true;            // second binarizer and downscale pyramid when needed
    Ambiguity ambiguity = Ambiguity::Refuse;  // Refuse: two different texts -> "qr.ambiguous"
};

// The distinct QR texts found in the image (empty when none). Gray8 images are decoded
// in place (no copy); Bgr8 are converted to luminance by zxing on the fly. Errors:
// "qr.ambiguous" (with Ambiguity::Refuse), "image.empty".
core::Result<std::vector<std::string>> decodeQr(const Image& image, const QrDecodeOptions& options = {});

struct CameraQrScannerOptions {
    QrDecodeOptions decode;
    std::string name = "qr";
    // The same text must be read in this many frames in a row before it is delivered
    // (1 = first read). A code that changes between frames restarts the count.
    int confirmFrames = 1;
};

// Grabs frames from a camera and decodes them until a code is seen or the time is up.
// Camera errors other than a timeout (errc::kLost, ...) are returned as they are.
class CameraQrScanner final : public QrScanner {
public:
    CameraQrScanner(Camera& camera, core::Clock& clock, CameraQrScannerOptions options = {});

    core::Result<std::optional<std::string>> waitForCode(core::Millis timeout) override;
    DeviceHealth health() const override;

private:
    Camera& camera_;
    core::Clock& clock_;
    CameraQrScannerOptions options_;
    mutable std::mutex mu_;
    DeviceHealth last_;
};

}  // namespace kiosk::devices::io
