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

// Luminance of the rectangle (x, y, w, h) of the image (copied for Gray8); with step 2
// every second pixel of every second row (a half-resolution plane at a quarter the cost).
LumPlane luminanceOf(const Image& image, int x, int y, int w, int h, int step = 1);
LumPlane inverted(const LumPlane& in);
// Unsharp mask against a 5x5 box blur: brings back module edges lost to defocus.
LumPlane sharpened(const LumPlane& in);
// Contrast-limited adaptive histogram equalisation (CLAHE): each of tiles x tiles regions
// gets its own tone curve (histogram clipped at `clip` times the mean bin, so flat areas
// and sensor noise are not blown up), blended bilinearly between region centres. Pulls a
// code out of glare, shadow or a dim corner that one global or box-local threshold misses.
LumPlane equalizedLocally(const LumPlane& in, int tiles = 8, double clip = 2.0);
// The rectangle (x, y, w, h) of the plane (clamped to it).
LumPlane croppedPlane(const LumPlane& in, int x, int y, int w, int h);
// The plane enlarged `factor` times with bilinear interpolation: modules of 1.5-3 pixels
// become wide enough for zxing's binarizer and finder search.
LumPlane enlarged(const LumPlane& in, int factor);
// Every second pixel of every second row, as the mean of each 2x2 block.
LumPlane halved(const LumPlane& in);
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
