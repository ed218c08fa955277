#pragma once
// Per-frame scheduling of the QR decoder inside a CPU budget (the camera scanner's
// brain, kept free of threads and cameras so the benchmark and tests drive it directly):
//   1. a frame without contrast (lens covered, lights off, blank wall) is not decoded;
//   2. a frame that has not changed since the last decoded one is not decoded again when
//      that decode ran every pass and read nothing; when the budget cut that decode short,
//      this frame resumes at the pass where it stopped;
//   3. where a code was read in a recent frame, that region (grown by half its size each
//      way) is decoded first: a small region is cheap at full resolution;
//   4. then the whole frame, passes in their order, until a pass reads or the budget is
//      spent (decodeQrCodes with QrDecodeOptions::budgetMs). With Ambiguity::ReturnAll
//      (every code wanted) the whole-frame passes also run after a read in the region,
//      with what is left of the budget, resuming where the last unchanged frame stopped.
#include <optional>
#include <vector>

#include "core/result.h"
#include "devices/image.h"
#include "devices/io/qr_decoder.h"
#include "devices/io/qr_image_ops.h"

namespace kiosk::devices::io {

struct QrScheduleOptions {
    double budgetMs = 8;          // CPU ms per frame for the decoder (0 = no limit)
    int minContrast = 24;         // 1st-99th percentile luminance spread below this: skip
    double unchangedBelow = 2.0;  // mean absolute change of the 40x24 cell means (0..255)
    int roiFrames = 15;           // frames a read code's region is tried first
};

enum class QrFrameAction { Decoded, SkippedUnchanged, SkippedNoContrast };

struct QrFrameOutcome {
    QrFrameAction action = QrFrameAction::Decoded;
    std::vector<QrCode> codes;
    bool readInRoi = false;  // the carried-over region read the code(s)
    bool budgetCut = false;  // the budget stopped the passes before all had run
    int resumedAt = 0;       // first full-frame pass (> 0: resumed an unchanged frame)
    double spentMs = 0;      // decoder time on the budget's clock
    int framePasses = 0;     // full-frame passes run (0 after a region miss: the resumed pass
                             // did not fit what was left; the next frame runs it without the region)
};

class QrFrameScheduler {
public:
    explicit QrFrameScheduler(QrScheduleOptions options = {}) : options_(options) {}

    // Decodes one frame under the schedule; `decode` carries the caller's options (roi,
    // ambiguity, inverted...); its budgetMs and firstPass are set here. Errors are
    // decodeQrCodes' ("qr.ambiguous", "image.empty").
    core::Result<QrFrameOutcome> process(const Image& frame, const QrDecodeOptions& decode);
    // Forget the carried-over state (a new transaction at the lane).
    void reset();

private:
    QrScheduleOptions options_;
    FrameSignature reference_;   // the last decoded frame
    int nextPass_ = 0;           // where that decode stopped (kQrPassCount = all ran)
    bool referenceRead_ = false;
    std::optional<Roi> roi_;
    int roiAge_ = 0;
};

}  // namespace kiosk::devices::io
