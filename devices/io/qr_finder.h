#pragma once
// Where QR codes probably are, before any decoder agrees: the finder patterns (the three
// corner squares, dark-light-dark-light-dark runs in the ratio 1:1:3:1:1 across and down)
// found on one locally thresholded copy of the frame, grouped into the L of three corners
// of one code (or two corners when the third is lost in glare). The decoder's FinderCrops
// pass then reads each region on its own, enlarged when its modules are small, with zxing
// and with zbar: a region is a few percent of the frame, so both fit in the budget where a
// whole enlarged frame or a full-resolution zbar scan would not. No library here.
#include <vector>

#include "devices/io/qr_image_ops.h"

namespace kiosk::devices::io {

struct QrCandidate {
    int x = 0, y = 0, width = 0, height = 0;  // in the plane, with a quiet zone around the code
    double module = 0;                         // estimated module size in pixels
    int corners = 0;                           // finder patterns behind it (3, or 2)
};

// At most maxCandidates regions, three-corner groups first, larger finder evidence first.
std::vector<QrCandidate> findQrCandidates(const LumPlane& plane, int maxCandidates = 4);

}  // namespace kiosk::devices::io
