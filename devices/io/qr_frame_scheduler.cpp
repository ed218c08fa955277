#include "devices/io/qr_frame_scheduler.h"

#include <algorithm>
#include <climits>

namespace kiosk::devices::io {

namespace {

// The codes' bounding box grown by half its size each way, clipped to the frame.
Roi regionAround(const std::vector<QrCode>& codes, const Image& frame) {
    int x0 = INT_MAX, y0 = INT_MAX, x1 = INT_MIN, y1 = INT_MIN;
    for (const auto& c : codes)
        for (const auto& p : c.corners) {
            x0 = std::min(x0, p.x);
            y0 = std::min(y0, p.y);
            x1 = std::max(x1, p.x);
            y1 = std::max(y1, p.y);
        }
    const int gw = std::max(16, (x1 - x0) / 2), gh = std::max(16, (y1 - y0) / 2);
    Roi r;
    r.x = std::clamp(x0 - gw, 0, frame.width - 1);
    r.y = std::clamp(y0 - gh, 0, frame.height - 1);
    r.width = std::clamp(x1 + gw, r.x + 1, frame.width) - r.x;
    r.height = std::clamp(y1 + gh, r.y + 1, frame.height) - r.y;
    return r;
}

// Adds the codes not already in `into` (same text with its centre inside one found before).
void mergeCodes(std::vector<QrCode>& into, std::vector<QrCode> more) {
    for (auto& c : more) {
        int cx = 0, cy = 0;
        for (const auto& p : c.corners) {
            cx += p.x / 4;
            cy += p.y / 4;
        }
        const bool known = std::any_of(into.begin(), into.end(), [&](const QrCode& k) {
            if (k.text != c.text) return false;
            int x0 = INT_MAX, y0 = INT_MAX, x1 = INT_MIN, y1 = INT_MIN;
            for (const auto& p : k.corners) {
                x0 = std::min(x0, p.x);
                y0 = std::min(y0, p.y);
                x1 = std::max(x1, p.x);
                y1 = std::max(y1, p.y);
            }
            return cx >= x0 && cx <= x1 && cy >= y0 && cy <= y1;
        });
        if (!known) into.push_back(std::move(c));
    }
}

}  // namespace

void QrFrameScheduler::reset() {
    reference_ = FrameSignature{};
    nextPass_ = 0;
    referenceRead_ = false;
    roi_.reset();
    roiAge_ = 0;
}

core::Result<QrFrameOutcome> QrFrameScheduler::process(const Image& frame, const QrDecodeOptions& decode) {
    if (frame.empty()) return core::makeError("image.empty", "no pixels to decode");
    QrFrameOutcome out;
    FrameSignature sig = frameSignature(frame);
    if (sig.contrast < options_.minContrast) {
        out.action = QrFrameAction::SkippedNoContrast;
        reference_ = FrameSignature{};  // whatever comes next is a change
        roi_.reset();
        return out;
    }
    const bool unchanged = signatureDistance(sig, reference_) < options_.unchangedBelow;
    if (unchanged && !referenceRead_ && nextPass_ >= kQrPassCount) {
        out.action = QrFrameAction::SkippedUnchanged;
        return out;
    }

    QrDecodeOptions o = decode;
    double spent = 0;
    // Carried-over region first (only when the caller has not fixed one of its own).
    if (roi_ && roiAge_ < options_.roiFrames && !decode.roi) {
        QrDecodeOptions ro = decode;
        ro.roi = roi_;
        ro.firstPass = 0;
        ro.budgetMs = options_.budgetMs > 0 ? options_.budgetMs / 2 : 0;
        QrDecodeReport rep;
        auto r = decodeQrCodes(frame, ro, &rep);
        spent += rep.spentMs;
        if (!r.ok() && r.error().code != "image.empty") return r.error();
        if (r.ok() && !r->empty()) {
            out.codes = std::move(*r);
            out.readInRoi = true;
        }
    }
    // Refuse (the lane): a read in the carried-over region ends the frame. ReturnAll (every
    // code wanted): the whole frame's passes go on with what is left of the budget, resumed
    // where the last unchanged frame stopped, so codes only a later pass reads are found
    // within the frames the scene is held.
    const bool all = decode.ambiguity == Ambiguity::ReturnAll;
    const double left = options_.budgetMs > 0 ? options_.budgetMs - spent : 1e9;
    if (out.codes.empty() || (all && left >= 1.0)) {
        const bool resume = unchanged && nextPass_ < kQrPassCount && (all || !referenceRead_);
        o.firstPass = resume ? nextPass_ : 0;
        out.resumedAt = o.firstPass;
        o.budgetMs = options_.budgetMs > 0 ? std::max(0.001, left) : 0;
        // After a read in the region, the rest of the frame only gets what still fits. So
        // does a resumed pass after the region spent part of the budget: the pass where
        // the last frame stopped can cost more than what is left (the stream's p95 went
        // over the budget that way); when it does not fit, the region is dropped and the
        // next frame gives that pass the whole budget.
        const bool regionSpent = spent > 0;
        o.firstPassAlwaysRuns = out.codes.empty() && !(regionSpent && o.firstPass > 0);
        QrDecodeReport rep;
        auto r = decodeQrCodes(frame, o, &rep);
        spent += rep.spentMs;
        if (!r.ok()) return r.error();
        mergeCodes(out.codes, std::move(*r));
        nextPass_ = rep.nextPass;
        out.budgetCut = rep.nextPass < kQrPassCount;
        out.framePasses = rep.passesRun;
        if (rep.passesRun == 0 && out.codes.empty()) roi_.reset();
    } else if (!all) {
        nextPass_ = kQrPassCount;
    }
    out.spentMs = spent;
    referenceRead_ = !out.codes.empty();
    reference_ = std::move(sig);
    if (!out.codes.empty()) {
        roi_ = regionAround(out.codes, frame);
        roiAge_ = 0;
    } else if (roi_) {
        ++roiAge_;
    }
    return out;
}

}  // namespace kiosk::devices::io
