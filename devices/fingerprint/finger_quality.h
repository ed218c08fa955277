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

// What the gate sees in one capture. Each has its own instruction (guidanceFor).
enum class FingerCondition {
    Good,
    Empty,      // no image at all                         -> PlaceFinger
    Faint,      // blank or too little contrast            -> PressHarder
    Partial,    // small contact area, centred             -> PressHarder
    OffCentre,  // the contact area lies towards an edge   -> Centre
    Dry,        // broken, light ridges (low coherence, little ink) -> Moisten
    Wet,        // merged, dark ridges (low coherence, mostly dark) -> CleanSensor
    Smudged,    // texture without ridge structure (dirt, latent print) -> CleanSensor
};
const char* toString(FingerCondition c);
FingerGuidance guidanceFor(FingerCondition c);
// Verify refuses these before matching (no finger ridges to score); the others are scored
// and only guide the next attempt.
bool refusedBeforeMatching(FingerCondition c);

struct ImageQuality {
    FingerCondition condition = FingerCondition::Good;
    FingerGuidance guidance = FingerGuidance::Ok;  // guidanceFor(condition)
    double foreground = 0;     // share of blocks with ridge texture (0..1)
    double contrast = 0;       // p99 - p1 grey levels inside the foreground
    double coherence = 0;      // mean orientation coherence of foreground blocks (0..1); noise is low
    double darkShare = 0;      // share of foreground pixels darker than the mid grey of its p1..p99 range
    double offset = 0;         // foreground centroid from the image centre, in half-widths (0 centre .. 1 edge)
    std::string detail;        // why refused (for logs, no personal data)
};

struct QualityThresholds {
    double minForeground = 0.25;  // less than a quarter of the window has ridges: press harder
    double minContrast = 24;      // grey levels (after nothing): below is blank/faint
    double minCoherence = 0.35;   // ridges are locally parallel; speckle noise, dry breaks and wet blots are not
    double maxOffset = 0.45;      // centroid further out than this: centre the finger
    double dryDarkShare = 0.40;   // low coherence and less ink than this: dry finger
    double wetDarkShare = 0.62;   // low coherence and more ink than this: wet finger
};

ImageQuality assessImage(const Image& gray, const QualityThresholds& t = {});

// Resample to 500 ppi (area/cubic). ppi <= 0 or == 500 returns the input.
Image resampleTo500(const Image& gray, int ppi);
Image enhance(const Image& gray, Enhancement e);
// Converts Bgr8 to Gray8 (Gray8 passes through).
Image toGray(const Image& image);

}  // namespace kiosk::devices::fingerprint
