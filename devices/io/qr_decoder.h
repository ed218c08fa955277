#pragma once
// QR decoding on camera frames (zxing-cpp 1.4, all calls in zxing_adapter.cpp). The
// devices::QrScanner that reads codes from a camera: camera_qr_scanner.h.
#include <array>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "devices/image.h"

namespace kiosk::devices::io {

inline constexpr const char* kQrAmbiguous = "qr.ambiguous";  // two different codes in view

struct Roi {
    int x = 0, y = 0, width = 0, height = 0;  // width/height 0 = to the edge
};

enum class Ambiguity { Refuse, ReturnAll };

// The decoding passes, in the order they are tried (see zxing_adapter.cpp: ranked by codes
// read per CPU ms on the BoofCV photographs in lane frames, bench_qr --pass-study).
// The budgeted scheduler stops before a pass it cannot afford and says where it stopped,
// so the next (unchanged) frame can resume there.
enum class QrPass : int {
    TryHarder = 0,     // zxing's tryHarder with its downscale pyramid (= one plain zxing-cpp call)
    Half,              // every second pixel of every second row (no copy)
    InvertedHalf,      // light-on-dark (dark-mode screens), half resolution
    HalfGlobal,        // half resolution, global-histogram binarizer
    FinderCrops,       // regions around our own finder-pattern groups, enlarged: zxing, then zbar
    Rebuilt,           // codes redrawn from their module grid (qr_grid.h): a dark bar or surround
                       // fused to a finder pattern, high versions on bent paper
    Contrast,          // locally equalised copy (CLAHE): glare, shadows, dim corners
    Zbar,              // zbar on a half-resolution copy: high versions, distorted paper
    Full,              // full resolution, local-average binarizer
    GlobalHistogram,   // full resolution, global-histogram binarizer (glare, uneven light)
    QuietZone,         // luminance copy inside a white border (codes cut at the edge)
    Sharpened,         // unsharp-masked copy (defocus)
    InvertedFull,      // light-on-dark, full resolution
    ZbarFull,          // zbar on the whole image at full resolution: only without a budget
                       // or with one that affords it whole (never the "first pass always runs")
};
inline constexpr int kQrPassCount = 14;
const char* qrPassName(QrPass pass);

struct QrDecodeOptions {
    std::optional<Roi> roi;           // decode only inside this rectangle
    bool tryInverted = true;          // light-on-dark codes (phone screens in dark mode)
    bool tryRotate = true;            // 90/180/270 degrees (arbitrary angles are found anyway)
    bool tryHarder = true;            // second binarizer, contrast, zbar, quiet zone, pyramid, sharpening
    Ambiguity ambiguity = Ambiguity::Refuse;  // Refuse: two different texts -> "qr.ambiguous"
    // CPU time for one call in milliseconds; 0 = no limit (every pass runs until one reads).
    // A pass is started only when its estimated cost (learned per pass, per megapixel, on
    // this thread) still fits; the first scheduled pass always runs.
    double budgetMs = 0;
    int firstPass = 0;  // resume a budget-cut frame at this pass (0..kQrPassCount)
    // false: even the first scheduled pass must fit the budget (a call that continues a
    // frame whose budget is partly spent already; it may then run no pass at all).
    bool firstPassAlwaysRuns = true;
    // Clock for the budget, in ms (default: this thread's CPU time). Tests inject one.
    std::function<double()> cpuClockMs;
};

struct QrPoint {
    int x = 0, y = 0;
};
// A decoded code with its corners in image coordinates (top-left, top-right,
// bottom-right, bottom-left as zxing reports them).
struct QrCode {
    std::string text;
    std::array<QrPoint, 4> corners{};
};

// What one call did (for the camera scanner's scheduling and the benchmark).
struct QrDecodeReport {
    int passesRun = 0;
    int nextPass = kQrPassCount;  // < kQrPassCount: the budget stopped the call before this pass
    int readByPass = -1;          // the pass that read the codes, -1 when none
    double spentMs = 0;           // on the budget's clock
};

// The distinct QR texts found in the image (empty when none). Gray8 images are decoded
// in place (no copy); Bgr8 are converted to luminance by zxing on the fly. Errors:
// "qr.ambiguous" (with Ambiguity::Refuse), "image.empty".
core::Result<std::vector<std::string>> decodeQr(const Image& image, const QrDecodeOptions& options = {});
// The same with positions: one entry per code (the same text in two places is two codes).
// With Ambiguity::ReturnAll every pass the budget allows runs and adds what it finds;
// with Refuse the first pass that reads ends the call.
core::Result<std::vector<QrCode>> decodeQrCodes(const Image& image, const QrDecodeOptions& options = {},
                                                QrDecodeReport* report = nullptr);

}  // namespace kiosk::devices::io
