// Enrolment from images, verify and scoring: every bozorth score the lane decides on.
#include <algorithm>
#include <chrono>

#include "devices/fingerprint/libfprint_impl.h"

namespace kiosk::devices::fingerprint {

namespace {
core::Result<std::vector<uint8_t>> enrolOnce(LibfprintReader::Impl& implRef, const std::vector<Image>& ready,
                                             const FingerprintReader::Progress& progress, core::Millis timeout) {
    auto* impl = &implRef;
    std::size_t next = 0;
    auto provider = [&](int) -> core::Result<Image> {
        if (next >= ready.size()) return core::makeError("finger.quality", "not enough usable enrolment images");
        return ready[next++];
    };
    for (int round = 0;; ++round) {
        next = 0;
        std::lock_guard opLock(Runtime::get().opMutex());
        impl->cancelled = false;
        {
            std::lock_guard lock(impl->mu);
            impl->onProgress = [&](int stage) {
                if (progress) progress(stage, 5);
            };
        }
        auto r = impl->runOp(true, nullptr, provider, timeout);
        {
            std::lock_guard lock(impl->mu);
            impl->onProgress = nullptr;
        }
        if (!r.ok()) return r.error();
        LibfprintReader::Impl::OpResult op = r.value();
        if (op.error) {
            const bool deviceError = op.error->domain == FP_DEVICE_ERROR;
            const std::string msg = gerrorText(op.error);
            g_error_free(op.error);
            if (op.print) g_object_unref(op.print);
            if (op.scanned) g_object_unref(op.scanned);
            if (deviceError && round < impl->opt.recoverRetries) {
                KIOSK_TRY(impl->recover(msg));
                continue;
            }
            return core::makeError(errc::kFault, "enrolment failed: " + msg);
        }
        if (op.scanned) g_object_unref(op.scanned);
        guchar* data = nullptr;
        gsize len = 0;
        GError* err = nullptr;
        bool ok = fp_print_serialize(op.print, &data, &len, &err);
        g_object_unref(op.print);
        if (!ok) {
            const std::string msg = gerrorText(err);
            g_clear_error(&err);
            return core::makeError(errc::kFault, "cannot serialise the print: " + msg);
        }
        std::vector<uint8_t> out(data, data + len);
        g_free(data);
        return out;
    }
}
}  // namespace

namespace {

// The minutiae libfprint found in a probe: its scanned print, serialised and read back
// (libfprint has no public accessor for a print's minutiae). Empty when unavailable.
Minutiae scannedMinutiae(FpPrint* scanned) {
    if (!scanned) return {};
    guchar* data = nullptr;
    gsize len = 0;
    if (!fp_print_serialize(scanned, &data, &len, nullptr)) return {};
    std::vector<uint8_t> blob(data, data + len);
    g_free(data);
    auto sets = printMinutiae(blob);
    if (!sets.ok() || sets->empty()) return {};
    return std::move(sets->front());
}

struct GalleryPrints {
    std::vector<FpPrint*> prints;
    ~GalleryPrints() {
        for (auto* p : prints) g_object_unref(p);
    }
};

// Every impression of every blob as its own FpPrint, in order; owner[i] = blob index.
core::Status loadImpressions(const std::vector<std::vector<uint8_t>>& blobs, GalleryPrints& out,
                             std::vector<int>& owner) {
    for (std::size_t b = 0; b < blobs.size(); ++b) {
        KIOSK_ASSIGN_OR_RETURN(auto parts, splitPrint(blobs[b]));
        for (const auto& part : parts) {
            GError* err = nullptr;
            FpPrint* p = fp_print_deserialize(part.data(), part.size(), &err);
            if (!p) {
                const std::string msg = gerrorText(err);
                g_clear_error(&err);
                return core::makeError(errc::kBadInput, "an enrolled print cannot be read: " + msg);
            }
            out.prints.push_back(p);
            owner.push_back(static_cast<int>(b));
        }
    }
    return {};
}

}  // namespace

core::Result<LibfprintReader::Impl::GalleryScores> LibfprintReader::Impl::scoreGallery(
    const std::vector<FpPrint*>& gallery, const Image& img, int stopAt, core::Millis timeout) {
    // libfprint's identify scores the gallery in order and stops at the first print whose
    // bozorth score reaches its fixed 40; with one impression per gallery print, each
    // scored print logs exactly one score, and after a match we go on from the next one.
    GalleryScores out;
    out.scores.assign(gallery.size(), 0);
    std::size_t from = 0;
    int round = 0;
    while (from < gallery.size()) {
        GPtrArray* arr = g_ptr_array_new();
        for (std::size_t i = from; i < gallery.size(); ++i) g_ptr_array_add(arr, gallery[i]);
        std::lock_guard opLock(Runtime::get().opMutex());
        cancelled = false;
        Runtime::get().resetScores();
        auto r = runIdentify(arr, [&](int) -> core::Result<Image> { return img; }, timeout);
        g_ptr_array_unref(arr);
        if (!r.ok()) return r.error();
        OpResult op = r.value();
        {
            std::lock_guard lock(statMu);
            ++stats.verifies;
        }
        if (op.error) {
            const bool retry = op.error->domain == FP_DEVICE_RETRY;
            const std::string msg = gerrorText(op.error);
            g_error_free(op.error);
            if (op.print) g_object_unref(op.print);
            if (op.scanned) g_object_unref(op.scanned);
            if (retry) {  // too few minutiae in the probe: libfprint cannot score it
                out.tooFewMinutiae = true;
                return out;
            }
            if (round++ < opt.recoverRetries) {
                KIOSK_TRY(recover(msg));
                continue;
            }
            return core::makeError(errc::kFault, "matching failed: " + msg);
        }
        if (op.print) g_object_unref(op.print);
        if (out.probe.empty()) out.probe = scannedMinutiae(op.scanned);
        if (op.scanned) g_object_unref(op.scanned);
        const auto scores = Runtime::get().scores();
        for (std::size_t k = 0; k < scores.size() && from + k < gallery.size(); ++k) {
            out.scores[from + k] = scores[k];
            out.best = std::max(out.best, scores[k]);
        }
        if (!op.match || scores.empty()) break;
        if (out.best >= stopAt) break;
        from += scores.size();
    }
    return out;
}

core::Result<std::vector<std::vector<int>>> LibfprintReader::impressionScores(
    const std::vector<std::vector<uint8_t>>& prints, const FingerImage& probe, Enhancement e, core::Millis timeout,
    Minutiae* probeMinutiae) {
    if (impl_->opt.backend != Backend::VirtualImage)
        return core::makeError(errc::kFault, "scoring needs the virtual_image backend");
    GalleryPrints gallery;
    std::vector<int> owner;
    KIOSK_TRY(loadImpressions(prints, gallery, owner));
    std::vector<std::vector<int>> out(prints.size());
    const Image img = enhance(resampleTo500(toGray(probe.image), probe.ppi), e);
    KIOSK_ASSIGN_OR_RETURN(auto g, impl_->scoreGallery(gallery.prints, img, std::numeric_limits<int>::max(), timeout));
    for (std::size_t i = 0; i < owner.size(); ++i) out[static_cast<std::size_t>(owner[i])].push_back(g.scores[i]);
    if (probeMinutiae) *probeMinutiae = std::move(g.probe);
    return out;
}

core::Result<FingerEnrolment> LibfprintReader::enrolPrepared(std::vector<Image> chosen, const Progress& progress,
                                                             core::Millis timeout) {
    // libfprint's image enrolment has 5 stages; with 3-4 usable captures they are
    // repeated (enroll() re-captures first; this matters for fixed image sets).
    const std::size_t n = chosen.size();
    for (std::size_t i = 0; chosen.size() < 5; ++i) chosen.push_back(chosen[i % n]);
    std::vector<Enhancement> variants{impl_->opt.enrolEnhancement};
    for (auto e : impl_->opt.extraEnrolVariants)
        if (e != impl_->opt.enrolEnhancement) variants.push_back(e);
    std::vector<std::vector<uint8_t>> prints;
    for (std::size_t v = 0; v < variants.size(); ++v) {
        std::vector<Image> ready;
        for (const auto& img : chosen) ready.push_back(enhance(img, variants[v]));
        KIOSK_ASSIGN_OR_RETURN(auto blob, enrolOnce(*impl_, ready, v == 0 ? progress : Progress{}, timeout));
        prints.push_back(std::move(blob));
    }
    FingerEnrolment out;
    if (prints.size() == 1) {
        out.print = std::move(prints.front());
    } else {
        KIOSK_ASSIGN_OR_RETURN(out.print, mergePrints(prints));
    }
    std::lock_guard lock(impl_->statMu);
    ++impl_->stats.enrolments;
    return out;
}

std::vector<std::size_t> chooseEnrolCaptures(const std::vector<Assessment>& a, std::size_t want) {
    // Gate-approved captures first (in capture order); then, instead of refusing a finger
    // libfprint can use, the refused ones libfprint can still score, most minutiae first.
    std::vector<std::size_t> ok, usable;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (a[i].guidance == FingerGuidance::Ok)
            ok.push_back(i);
        else if (!refusedBeforeMatching(a[i].image.condition) && a[i].minutiae >= kNbisMinMinutiae)
            usable.push_back(i);  // a finger's ridges (dry, wet, partial, off-centre, few minutiae)
    }
    std::stable_sort(usable.begin(), usable.end(),
                     [&](std::size_t x, std::size_t y) { return a[x].minutiae > a[y].minutiae; });
    std::vector<std::size_t> out;
    for (auto i : ok)
        if (out.size() < want) out.push_back(i);
    for (auto i : usable)
        if (out.size() < want) out.push_back(i);
    return out;
}

core::Result<FingerEnrolment> LibfprintReader::enrollImages(const std::vector<FingerImage>& images,
                                                            const Progress& progress, core::Millis timeout) {
    if (impl_->opt.backend != Backend::VirtualImage)
        return core::makeError(errc::kFault, "image enrolment needs the virtual_image backend");
    std::vector<Assessment> assessed;
    for (const auto& fi : images) {
        KIOSK_ASSIGN_OR_RETURN(Assessment a, assess(fi, impl_->opt.enrolEnhancement));
        if (a.guidance != FingerGuidance::Ok) {
            std::lock_guard lock(impl_->statMu);
            ++impl_->stats.qualityRefusals;
            impl_->lastEnrolGuidance = a.guidance;
        }
        assessed.push_back(a);
    }
    const auto pick = chooseEnrolCaptures(assessed, 5);
    if (pick.size() < 3)
        return core::makeError("finger.quality", "fewer than 3 enrolment captures libfprint can use");
    std::vector<Image> chosen;
    for (auto i : pick) chosen.push_back(resampleTo500(toGray(images[i].image), images[i].ppi));
    return enrolPrepared(std::move(chosen), progress, timeout);
}

core::Result<FingerVerify> LibfprintReader::verifyImage(const std::vector<uint8_t>& print, const FingerImage& probe,
                                                        core::Millis timeout) {
    if (impl_->opt.backend != Backend::VirtualImage)
        return core::makeError(errc::kFault, "image verify needs the virtual_image backend");
    FingerVerify out;
    const Image gray = resampleTo500(toGray(probe.image), probe.ppi);
    // The gate guides. It refuses before matching only captures without a finger's ridges
    // (empty, blank/faint, smudge or dirt); a dry, wet, partial or off-centre finger is
    // scored, so a finger libfprint can match is not turned away by image statistics.
    ImageQuality q;
    if (impl_->opt.gate == QualityGate::On) q = assessImage(gray, impl_->opt.quality);
    if (gray.empty() || refusedBeforeMatching(q.condition)) {
        std::lock_guard lock(impl_->statMu);
        ++impl_->stats.qualityRefusals;
        out.guidance = gray.empty() ? FingerGuidance::PlaceFinger : q.guidance;
        return out;
    }
    GalleryPrints gallery;
    std::vector<int> owner;
    KIOSK_TRY(loadImpressions({print}, gallery, owner));
    const auto& variants = impl_->opt.verifyVariants.empty() ? std::vector<Enhancement>{Enhancement::Stretch}
                                                             : impl_->opt.verifyVariants;
    const int threshold = impl_->opt.matchThreshold;
    const bool fuse = impl_->opt.matcher == Matcher::Bozorth3Mcc;
    std::vector<MccTemplate> enrolled;  // MCC of the print's impressions, built when first needed
    bool scored = false;
    for (Enhancement e : variants) {
        KIOSK_ASSIGN_OR_RETURN(auto g, impl_->scoreGallery(gallery.prints, enhance(gray, e), threshold, timeout));
        scored = scored || !g.tooFewMinutiae;
        int score = g.best;
        // bozorth3 alone already decides a match; the MCC term can only add to it.
        if (fuse && !g.tooFewMinutiae && !isMatch(score, threshold)) {
            if (enrolled.empty()) {
                KIOSK_ASSIGN_OR_RETURN(auto sets, printMinutiae(print));
                for (const auto& set : sets) enrolled.push_back(MccTemplate::build(set));
            }
            score = fusedScore(g.best, bestMccSimilarity(MccTemplate::build(g.probe), enrolled), impl_->opt.mccWeight);
        }
        out.score = std::max(out.score, score);
        if (isMatch(out.score, threshold)) {
            out.match = true;
            return out;
        }
    }
    out.guidance = q.guidance;
    if (!scored && out.guidance == FingerGuidance::Ok) out.guidance = FingerGuidance::PressHarder;
    if (out.guidance != FingerGuidance::Ok) {
        std::lock_guard lock(impl_->statMu);
        ++impl_->stats.qualityRefusals;
    }
    return out;
}

}  // namespace kiosk::devices::fingerprint
