#pragma once
// A QR code redrawn from its module grid. For the codes no decoder's own finder search
// accepts because something dark is fused to a finder pattern (a bar printed against the
// code, no quiet zone on a dark surround, a light-on-dark code whose separators came out
// dark), and for high-version codes on paper that bends, which zxing-cpp 1.4 samples
// through one perspective only. Our finder search (qr_finder.h, ends OneOpen) finds the
// three corners; the size comes from the code's version block (version 7 and up) or from
// the finder distance; the grid is mapped through the alignment patterns (the bottom-right
// one for a homography; from version 7 every one, each cell between four of them on its
// own, as zbar does), sampled, thresholded (Otsu over the module samples), the function
// patterns the standard fixes (finders, separators, timing, alignment, the dark module)
// redrawn as they must be, and the code rendered clean (2 pixels per module, a 2-module
// quiet zone) for a decoder in pure mode. The decoder's error correction still decides:
// nothing here invents data modules. No library here.
#include <array>
#include <functional>
#include <vector>

#include "devices/io/qr_finder.h"
#include "devices/io/qr_image_ops.h"

namespace kiosk::devices::io {

struct RebuiltQr {
    LumPlane plane;  // the redrawn code
    int modules = 0;  // modules per side (17 + 4 * version)
    // The code's corners in the source plane (top-left, top-right, bottom-right,
    // bottom-left of the code as read), x then y.
    std::array<std::array<double, 2>, 4> corners{};
};

// What to do after a candidate: the next candidate, the next triple (this one was read), or
// stop (the budget is spent).
enum class RebuildStep { Next, NextTriple, Stop };

// Candidate redrawings of the codes in the plane, one at a time to `read`: for each corner
// triple found, the sizes nearest to the finder distance (the estimate first, then one
// version either way). At most maxTriples triples per polarity that share no finder, then
// up to extraShared that do (an L of a finder-like pattern inside a code and two of the
// code's finders can outscore the code's own; each costs a millisecond or more).
// The finder search reads `thresholds` (built on the plane once per frame, shared with the
// crops' search and the other polarity).
void rebuildQrCodes(const QrLocalThresholds& thresholds, QrPolarity polarity, int maxTriples, int extraShared,
                    const std::function<RebuildStep(const RebuiltQr&)>& read);
// All of them at once, with 2 extra shared triples (tests).
std::vector<RebuiltQr> rebuildQrCodes(const LumPlane& plane, QrPolarity polarity, int maxTriples = 2);

// The version a code of version 7 or more writes next to its top-right and bottom-left
// finder patterns (18 bits, BCH(18,6), ISO/IEC 18004 7.10; up to 3 wrong bits corrected),
// read with the triple's module size (the finder patterns' own, corrected for any turn), or
// 0 when neither block is readable (versions 1-6 have none).
int readQrVersionBlock(const LumPlane& plane, const QrFinderTriple& triple, QrPolarity polarity);

// Pixels per module and quiet-zone modules of a redrawn code.
inline constexpr int kRebuiltModulePx = 2;
inline constexpr int kRebuiltQuietModules = 2;

}  // namespace kiosk::devices::io
