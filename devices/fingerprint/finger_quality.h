#pragma once
// Image side of the fingerprint quality gate (no libfprint here): resampling to 500 ppi,
// contrast stretch / enhancement, and refusing blank or noise images with guidance.
// The minutiae count part of the gate needs libfprint's NBIS and lives in the adapter
// (LibfprintReader::assess).
#include <string>
#include <vector>

#include "devices/fingerprint.h"
#include "devices/image.h"

namespace kiosk::devices::fingerprint {

// Image processing variants applied before libfprint sees an image.
enum class Enhancement {
    None,        // as captured
    Stretch,     // percentile contrast stretch (1 %..99 %)
    Clahe,       // stretch + CLAHE (local contrast)
    Gabor,       // stretch + orientation/frequency-tuned Gabor filtering
};
const char* toString(Enhancement e);

struct ImageQuality {
    FingerGuidance guidance = FingerGuidance::Ok;  // Ok, PlaceFinger (blank), PressHarder (faint), CleanSensor (noise)
    double foreground = 0;     // share of blocks with ridge texture (0..1)
    double contrast = 0;       // p99 - p1 grey levels inside the foreground
    double coherence = 0;      // mean orientation coherence of foreground blocks (0..1); noise is low
    std::string detail;        // why refused (for logs, no personal data)
};

struct QualityThresholds {
    double minForeground = 0.25;  // less than a quarter of the window has ridges: press harder
    double minContrast = 24;      // grey levels (after nothing): below is blank/faint
    double minCoherence = 0.35;   // ridges are locally parallel; speckle noise is not
};

ImageQuality assessImage(const Image& gray, const QualityThresholds& t = {});

// Resample to 500 ppi (area/cubic). ppi <= 0 or == 500 returns the input.
Image resampleTo500(const Image& gray, int ppi);
Image enhance(const Image& gray, Enhancement e);
// Converts Bgr8 to Gray8 (Gray8 passes through).
Image toGray(const Image& image);

}  // namespace kiosk::devices::fingerprint
