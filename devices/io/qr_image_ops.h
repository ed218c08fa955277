#pragma once
// Pixel work for the QR decoder's extra passes and the camera scanner's frame triage
// (no zxing here: zxing_adapter.cpp is the one file that includes it).
#include <cstdint>
#include <vector>

#include "devices/image.h"

namespace kiosk::devices::io {

// An 8-bit luminance plane.
struct LumPlane {
    int width = 0, height = 0;
    std::vector<uint8_t> pixels;
};

// Luminance of the rectangle (x, y, w, h) of the image (copied for Gray8).
LumPlane luminanceOf(const Image& image, int x, int y, int w, int h);
LumPlane inverted(const LumPlane& in);
// Unsharp mask against a 5x5 box blur: brings back module edges lost to defocus.
LumPlane sharpened(const LumPlane& in);
// The plane inside a border of `border` pixels of the plane's bright level: a quiet zone
// for codes cut at the edge of the picture or printed without one.
LumPlane withQuietZone(const LumPlane& in, int border);

// A coarse summary of a frame (mean luminance of 40x24 cells) to tell whether anything
// changed since the previous frame and whether there is any contrast to decode.
struct FrameSignature {
    int cols = 0, rows = 0;
    std::vector<uint8_t> cells;
    int contrast = 0;  // spread of the cell means plus the strongest fine-detail step seen
};
FrameSignature frameSignature(const Image& image);
// Mean absolute difference of the cells (255 when the two are not comparable).
double signatureDistance(const FrameSignature& a, const FrameSignature& b);

}  // namespace kiosk::devices::io
