#pragma once
// Small helpers around the renderer's output, used by the screenshot tests and tools:
// reading a PNG, comparing two images within a tolerance, checking font coverage.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/result.h"

namespace kiosk::ui {

struct RgbImage {
    int width = 0;
    int height = 0;
    std::vector<uint8_t> pixels;  // RGB, tightly packed
};

core::Result<RgbImage> loadPng(const std::filesystem::path& path);

struct ImageDiff {
    bool sameSize = false;
    double meanAbsDiff = 0;         // per channel, 0..255
    double differingFraction = 0;   // pixels where any channel differs by > threshold
};
ImageDiff compareImages(const RgbImage& a, const RgbImage& b, int channelThreshold = 40);

// Code points of utf8 that the font face does not provide (TTF_GlyphIsProvided32);
// whitespace is not checked.
core::Result<std::vector<uint32_t>> missingGlyphs(const std::filesystem::path& fontPath, int faceIndex,
                                                  const std::string& utf8);

}  // namespace kiosk::ui
