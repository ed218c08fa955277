#pragma once
// Synthetic fingerprints for tests and the demo (no FVC images in the repo): a smooth
// orientation field with a core and a delta, ridges grown from noise by iterated
// orientation-tuned Gabor filtering (which creates real ridge endings and bifurcations),
// and impressions that differ by rotation, translation, elastic distortion, pressure
// (ridge thickness, partial contact) and sensor noise. Deterministic for a given seed.
#include <cstdint>
#include <vector>

#include "devices/image.h"

namespace kiosk::devices::fingerprint {

struct SynthOptions {
    int width = 300;               // output size (500 ppi)
    int height = 300;
    double ridgePeriod = 9.0;      // pixels between ridges (~9 at 500 ppi)
    int gaborIterations = 5;       // more: cleaner ridges, slower
    double maxRotationDeg = 12;
    double maxShift = 18;          // pixels
    double distortion = 4;         // pixels of elastic displacement
    double noise = 10;             // grey-level sigma of sensor noise
};

class FingerSynth {
public:
    explicit FingerSynth(uint64_t seed, SynthOptions options = {});
    // The master ridge pattern of finger `finger` (8-bit grey, dark ridges).
    Image master(int finger) const;
    // Impression `k` (0-based) of finger `finger`: a distinct, repeatable capture.
    Image impression(int finger, int k) const;
    // Shortcut: impressions 0..count-1.
    std::vector<Image> impressions(int finger, int count) const;

    const SynthOptions& options() const { return options_; }

private:
    uint64_t seed_;
    SynthOptions options_;
};

// A blank sensor (light, flat grey with faint noise) and pure noise, for quality tests.
Image synthBlank(int width, int height, uint64_t seed);
Image synthNoise(int width, int height, uint64_t seed);

}  // namespace kiosk::devices::fingerprint
