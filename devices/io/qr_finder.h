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
    // Estimated QR version from the finder distance in modules (three corners only; 0 when
    // unknown). Not used to pick a reader: zbar before zxing on version >= 7 regions lost
    // 13 codes in the 8 ms lane frames (the lane's own tokens are version 10); kept for
    // bench_qr and the next attempt at high versions.
    int version = 0;
};

// How three-corner groups compete for finder patterns. StrongestFirst (the lane: one code,
// a few candidates): the groups with the most finder evidence, the squarer of equals
// first. SmallestFirst (a sheet of codes): the tightest L first, since on a grid the
// corners of neighbouring codes form larger L's of the same strength that would otherwise
// take each code's finders.
enum class QrGrouping { StrongestFirst, SmallestFirst };

// Closed: a finder's outer dark ring must end in a light separator on both sides of every
// run (the standard). OneOpen: on one side the ring may run on into dark that is fused to
// it (a bar printed against the code, a dark surround, a light-on-dark code whose
// separators came out dark): how a rebuilt code (qr_grid.h) finds its corners.
enum class QrFinderEnds { Closed, OneOpen };

// Which side of the local threshold the code's dark modules are on.
enum class QrPolarity { DarkOnLight, LightOnDark };

// Three finder patterns in the L of one code: A at the right angle, B and C the other two
// (in no particular turning order), centres in pixels, and their mean module size.
struct QrFinderTriple {
    double ax = 0, ay = 0, bx = 0, by = 0, cx = 0, cy = 0;
    double module = 0;
};

// The finder search's local thresholds of one plane: a pixel is dark when it is below the
// mean of the 3x3 blocks of kBlock pixels around it; blocks with almost no contrast around
// them count as light (noise on a wall is not a pattern). Either polarity reads the same
// table, so a frame's searches (the crops' and both of the rebuilt pass's) build it once.
// Keeps a reference to the plane: the plane must outlive it.
class QrLocalThresholds {
public:
    static constexpr int kBlock = 8;
    explicit QrLocalThresholds(const LumPlane& plane);
    const LumPlane& plane() const { return p_; }
    int blocksWide() const { return bw_; }
    const std::vector<int>& table() const { return thr_; }  // per block; -1: never dark

private:
    const LumPlane& p_;
    int bw_, bh_;
    std::vector<int> thr_;
};

// At most maxCandidates regions, three-corner groups first, then two-corner ones.
// maxFinders: the strongest finder patterns kept for grouping (a sheet of 60 codes has 180;
// grouping costs about maxFinders^3 in the worst case, so the lane keeps 60).
std::vector<QrCandidate> findQrCandidates(const LumPlane& plane, int maxCandidates = 4, int maxFinders = 60,
                                          QrGrouping grouping = QrGrouping::StrongestFirst);
std::vector<QrCandidate> findQrCandidates(const QrLocalThresholds& thresholds, int maxCandidates = 4, int maxFinders = 60,
                                          QrGrouping grouping = QrGrouping::StrongestFirst);

// How square an L of three finder patterns must be: the shorter arm at least armRatio of
// the longer, |cos| of the angle between the arms at most maxCos. The default is what the
// crops accept (a code seen at an angle).
struct QrSquareness {
    double armRatio = 0.7;
    double maxCos = 0.35;
};

// After the groups that share no finder, up to extraShared more that do (strongest first).
struct QrFinderSharing {
    int extraShared = 0;
};

// The three-corner groups alone: at most maxTriples, strongest first, no finder in two;
// then the extra shared ones.
std::vector<QrFinderTriple> findQrFinderTriples(const LumPlane& plane, int maxTriples = 4, int maxFinders = 60,
                                                QrFinderEnds ends = QrFinderEnds::Closed,
                                                QrPolarity polarity = QrPolarity::DarkOnLight, QrSquareness squareness = {},
                                                QrFinderSharing sharing = {});
std::vector<QrFinderTriple> findQrFinderTriples(const QrLocalThresholds& thresholds, int maxTriples = 4, int maxFinders = 60,
                                                QrFinderEnds ends = QrFinderEnds::Closed,
                                                QrPolarity polarity = QrPolarity::DarkOnLight, QrSquareness squareness = {},
                                                QrFinderSharing sharing = {});

}  // namespace kiosk::devices::io
