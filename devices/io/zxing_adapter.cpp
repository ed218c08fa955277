// The one file that includes zxing-cpp (1.4) in kiosk::devices_io. Its exceptions are
// caught here. The passes (QrPass), in order:
//   TryHarder       zxing's own try-harder search with its downscale pyramid: the same call
//                   as one plain zxing-cpp ReadBarcodes with its default hints. First, and
//                   so always run, so that on every frame the kiosk reads at least what
//                   zxing-cpp alone reads (~4 ms per 720p frame); with Half first, a frame
//                   whose cheap passes were slow lost it to the budget (bench_qr, issue 18);
// then the rest in the order chosen by codes read per CPU ms on the BoofCV photographs in
// 1280x720 lane frames (bench_qr --pass-study: every pass alone on every frame; greedy,
// each next pass is the one that adds the most codes per ms to what the passes before it
// read), dark-mode screens kept early for the lane:
//   Half            every second pixel of every second row (ImageView::subsampled(2): no
//                   copy);
//   InvertedHalf    light-on-dark codes (dark-mode phone screens), early so that a
//                   dark-mode phone is read within the first frame's budget;
//   HalfGlobal      half resolution with zxing's other binarizer (one threshold): screens,
//                   glare;
//   FinderCrops     the regions where our own finder-pattern search (qr_finder.h) sees the
//                   corners of a code, each read alone: enlarged 2-3x when its modules are
//                   under 3.5 pixels (zxing), then zbar at full resolution on the region —
//                   small and high-version codes at a fraction of a whole-frame pass;
//   Rebuilt         the codes whose finder patterns have something dark fused to them (a
//                   bar against the code, a dark surround without quiet zone, dark
//                   separators of a light-on-dark code), which no decoder's finder search
//                   accepts, and high versions on bent paper: our search with one end of a
//                   finder open finds the corners, the grid is mapped through the alignment
//                   patterns, sampled and redrawn clean (qr_grid.h) and zxing reads it in
//                   pure mode; its error correction still decides; both polarities;
//   Contrast        a locally equalised copy (CLAHE, qr_image_ops.h) read with tryHarder:
//                   glare, shadows, dim corners;
//   Zbar            zbar (zbar_adapter.cpp) on a half-resolution copy: curved paper and
//                   high versions, which zxing-cpp 1.4 samples with one perspective only;
//   Full, GlobalHistogram, QuietZone (a copy inside a white border: codes cut by the
//                   picture's edge), Sharpened (unsharp mask: defocus), InvertedFull: last,
//                   they add little once the others ran (kept for the generated frames).
//   ZbarFull        zbar on the whole image at full resolution (~20 ms per 720p frame): only
//                   without a budget or with one that affords it whole (a sheet of codes, a
//                   registration scan); never a budgeted frame's guaranteed first pass.
// With a budget, a pass starts only when its estimated cost fits what is left; the
// estimate is learned per pass (ms per megapixel, moving average) on the calling thread.
#define ZX_USE_UTF8 1
#include <ZXing/DecodeHints.h>
#include <ZXing/ImageView.h>
#include <ZXing/ReadBarcode.h>
#include <time.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <exception>
#include <optional>

#include "devices/io/qr_decoder.h"
#include "devices/io/qr_finder.h"
#include "devices/io/qr_grid.h"
#include "devices/io/qr_image_ops.h"
#include "devices/io/zbar_qr.h"

namespace kiosk::devices::io {

const char* qrPassName(QrPass pass) {
    switch (pass) {
        case QrPass::Half: return "half";
        case QrPass::InvertedHalf: return "inverted_half";
        case QrPass::TryHarder: return "try_harder";
        case QrPass::GlobalHistogram: return "global_histogram";
        case QrPass::QuietZone: return "quiet_zone";
        case QrPass::Full: return "full";
        case QrPass::Sharpened: return "sharpened";
        case QrPass::HalfGlobal: return "half_global";
        case QrPass::InvertedFull: return "inverted_full";
        case QrPass::Contrast: return "contrast";
        case QrPass::Zbar: return "zbar";
        case QrPass::FinderCrops: return "finder_crops";
        case QrPass::Rebuilt: return "rebuilt";
        case QrPass::ZbarFull: return "zbar_full";
    }
    return "?";
}

namespace {

double threadCpuMs() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
}

// Starting estimates in ms per megapixel on one core of the development machine (p95 of
// each pass alone on the 1280x720 lane frames, bench_qr --pass-study); the moving average
// takes over after a few frames.
constexpr std::array<double, kQrPassCount> kInitialMsPerMpx = {3.6, 1.0, 0.8, 0.7, 1.5, 6.0, 4.9, 5.0, 2.5, 2.3, 3.5, 9.8, 2.7, 19.0};
// FinderCrops is admitted on the cost of its search alone (about 1.3 ms per 720p frame);
// it then reads only the regions whose own estimate still fits.
constexpr double kFinderSearchMsPerMpx = 1.5;
// One table per image size (under 0.6 Mpx, under 1.5 Mpx — the 720p camera —, larger):
// per-megapixel costs differ with size (zxing's pyramid, finder candidates), and a thread
// that also decodes 12 MP photographs must not price a 720p frame by them.
thread_local std::array<std::array<double, kQrPassCount>, 3> tMsPerMpx = {kInitialMsPerMpx, kInitialMsPerMpx, kInitialMsPerMpx};

struct Found {
    std::vector<QrCode> codes;
    // A code already found by an earlier pass (same text, centre inside its corners' box)
    // is not added again; the same text elsewhere in the picture is another code.
    void add(const ZXing::Result& r, double scale, int dx, int dy) {
        if (!r.isValid()) return;
        QrCode code;
        code.text = r.text();
        const auto& q = r.position();
        for (int i = 0; i < 4; ++i)
            code.corners[i] = QrPoint{static_cast<int>(std::lround(q[i].x * scale)) + dx, static_cast<int>(std::lround(q[i].y * scale)) + dy};
        addCode(std::move(code));
    }
    void addCode(QrCode code) {
        int cx = 0, cy = 0;
        for (const auto& p : code.corners) {
            cx += p.x;
            cy += p.y;
        }
        cx /= 4;
        cy /= 4;
        for (const auto& c : codes) {
            if (c.text != code.text) continue;
            int x0 = c.corners[0].x, x1 = x0, y0 = c.corners[0].y, y1 = y0;
            for (const auto& p : c.corners) {
                x0 = std::min(x0, p.x);
                x1 = std::max(x1, p.x);
                y0 = std::min(y0, p.y);
                y1 = std::max(y1, p.y);
            }
            if (cx >= x0 && cx <= x1 && cy >= y0 && cy <= y1) return;
        }
        codes.push_back(std::move(code));
    }
};

ZXing::DecodeHints baseHints(const QrDecodeOptions& o) {
    ZXing::DecodeHints h;
    h.setFormats(ZXing::BarcodeFormat::QRCode);
    h.setTryRotate(o.tryRotate);
    h.setTryHarder(false);
    h.setTryDownscale(false);
    h.setBinarizer(ZXing::Binarizer::LocalAverage);
    h.setMaxNumberOfSymbols(o.ambiguity == Ambiguity::Refuse ? 2 : 255);
    return h;
}

bool passEnabled(QrPass p, const QrDecodeOptions& o, bool pyramid) {
    switch (p) {
        case QrPass::Half:
        case QrPass::HalfGlobal:
        case QrPass::InvertedHalf:
            if (!pyramid) return false;
            break;
        default: break;
    }
    if ((p == QrPass::InvertedHalf || p == QrPass::InvertedFull) && !o.tryInverted) return false;
    // Below 400 pixels the Zbar pass already reads at full resolution.
    if (p == QrPass::ZbarFull && !pyramid) return false;
    if ((p == QrPass::HalfGlobal || p == QrPass::ZbarFull || p == QrPass::GlobalHistogram || p == QrPass::QuietZone || p == QrPass::TryHarder || p == QrPass::Sharpened ||
         p == QrPass::Contrast || p == QrPass::Zbar || p == QrPass::Rebuilt) &&
        !o.tryHarder)
        return false;
    return true;
}

}  // namespace

core::Result<std::vector<QrCode>> decodeQrCodes(const Image& image, const QrDecodeOptions& options,
                                                QrDecodeReport* report) {
    if (image.empty() || image.pixels.size() < image.stride() * static_cast<std::size_t>(image.height)) {
        return core::makeError("image.empty", "no pixels to decode");
    }
    int x = 0, y = 0, w = image.width, h = image.height;
    if (options.roi) {
        const Roi& r = *options.roi;
        x = std::clamp(r.x, 0, image.width);
        y = std::clamp(r.y, 0, image.height);
        w = r.width > 0 ? std::min(r.width, image.width - x) : image.width - x;
        h = r.height > 0 ? std::min(r.height, image.height - y) : image.height - y;
        if (w < 21 || h < 21) return core::makeError("image.empty", "region of interest is outside the image or too small");
    }
    QrDecodeReport rep;
    const auto clock = options.cpuClockMs ? options.cpuClockMs : std::function<double()>(threadCpuMs);
    const double start = clock();
    const double mpx = static_cast<double>(w) * h / 1e6;
    auto& msPerMpx = tMsPerMpx[mpx < 0.6 ? 0 : mpx < 1.5 ? 1 : 2];
    Found found;
    try {
        const auto fmt = image.format == PixelFormat::Gray8 ? ZXing::ImageFormat::Lum : ZXing::ImageFormat::BGR;
        ZXing::ImageView view(image.pixels.data(), image.width, image.height, fmt, static_cast<int>(image.stride()));
        if (options.roi) view = view.cropped(x, y, w, h);
        const bool pyramid = std::min(w, h) >= 400;
        const ZXing::DecodeHints hints = baseHints(options);

        LumPlane lum, inv;  // filled on demand
        auto luminance = [&]() -> const LumPlane& {
            if (lum.pixels.empty()) lum = luminanceOf(image, x, y, w, h);
            return lum;
        };
        // The finder search's thresholds of the full luminance plane: one table for the
        // crops' search and both of the rebuilt pass's (they differ only in polarity).
        std::optional<QrLocalThresholds> finderThresholds;
        auto thresholds = [&]() -> const QrLocalThresholds& {
            if (!finderThresholds) finderThresholds.emplace(luminance());
            return *finderThresholds;
        };
        auto invertedLum = [&]() -> const LumPlane& {
            if (inv.pixels.empty()) inv = inverted(luminance());
            return inv;
        };
        auto lumView = [](const LumPlane& p) { return ZXing::ImageView(p.pixels.data(), p.width, p.height, ZXing::ImageFormat::Lum); };
        // Full-resolution passes read one luminance copy of a colour frame: zxing would
        // otherwise convert BGR again in every pass. The half-resolution passes convert a
        // quarter of the pixels themselves.
        auto fullView = [&]() { return image.format == PixelFormat::Gray8 ? view : lumView(luminance()); };
        auto read = [&](const ZXing::ImageView& v, const ZXing::DecodeHints& hh, double scale, int dx, int dy) {
            std::size_t n = 0;
            for (const auto& r : ZXing::ReadBarcodes(v, hh)) {
                if (r.isValid()) ++n;
                found.add(r, scale, dx, dy);
            }
            return n;
        };

        bool first = true;
        int pass = std::clamp(options.firstPass, 0, kQrPassCount);
        // Refuse (the lane): stop at the first pass that reads. ReturnAll (several codes
        // wanted, e.g. the benchmark's multi-code photographs): every pass the budget
        // allows, merging what each finds.
        const bool all = options.ambiguity == Ambiguity::ReturnAll;
        for (; pass < kQrPassCount && (all || found.codes.empty()); ++pass) {
            const auto p = static_cast<QrPass>(pass);
            if (!passEnabled(p, options, pyramid)) continue;
            const double before = clock();
            // zbar over every line of the whole image (~20 ms per 720p frame) runs only when the
            // budget affords it whole: never as a frame's guaranteed first pass.
            if (p == QrPass::ZbarFull && options.budgetMs > 0 && (before - start) + msPerMpx[pass] * mpx > options.budgetMs) continue;
            if (options.budgetMs > 0 && (!first || !options.firstPassAlwaysRuns)) {
                const double estimate = (p == QrPass::FinderCrops ? kFinderSearchMsPerMpx : msPerMpx[pass]) * mpx;
                if ((before - start) + estimate > options.budgetMs) break;
            }
            const bool firstOfCall = first && options.firstPassAlwaysRuns;  // always runs (FinderCrops: its first region too)
            first = false;
            switch (p) {
                case QrPass::Half: read(view.subsampled(2), hints, 2, x, y); break;
                case QrPass::HalfGlobal: {
                    ZXing::DecodeHints gh = hints;
                    gh.setBinarizer(ZXing::Binarizer::GlobalHistogram);
                    read(view.subsampled(2), gh, 2, x, y);
                    break;
                }
                case QrPass::Full: read(fullView(), hints, 1, x, y); break;
                case QrPass::GlobalHistogram: {
                    ZXing::DecodeHints gh = hints;
                    gh.setBinarizer(ZXing::Binarizer::GlobalHistogram);
                    read(fullView(), gh, 1, x, y);
                    break;
                }
                case QrPass::QuietZone: {
                    const int border = std::max(16, std::min(w, h) / 8);
                    const LumPlane padded = withQuietZone(luminance(), border);
                    read(lumView(padded), hints, 1, x - border, y - border);
                    break;
                }
                case QrPass::InvertedHalf: {
                    const LumPlane half = inverted(luminanceOf(image, x, y, w, h, 2));
                    read(lumView(half), hints, 2, x, y);
                    break;
                }
                case QrPass::InvertedFull: read(lumView(invertedLum()), hints, 1, x, y); break;
                case QrPass::TryHarder: {
                    ZXing::DecodeHints hard = hints;
                    hard.setTryHarder(true).setTryDownscale(true);
                    read(fullView(), hard, 1, x, y);
                    break;
                }
                case QrPass::Contrast: {
                    const LumPlane eq = equalizedLocally(luminance());
                    ZXing::DecodeHints hard = hints;
                    hard.setTryHarder(true);
                    read(lumView(eq), hard, 1, x, y);
                    break;
                }
                case QrPass::FinderCrops: {
                    ZXing::DecodeHints hard = hints;
                    hard.setTryHarder(true);
                    bool firstCrop = true;
                    // Without a budget and with every code wanted (a sheet of codes, a
                    // registration scan) many regions; the lane keeps its 4 strongest.
                    const bool many = all && options.budgetMs <= 0;
                    for (const auto& c : findQrCandidates(thresholds(), many ? 64 : 4, many ? 240 : 60, many ? QrGrouping::SmallestFirst : QrGrouping::StrongestFirst)) {
                        // A region almost half the picture is the whole-frame
                        // passes' business.
                        if (static_cast<double>(c.width) * c.height > 0.4 * w * h) continue;
                        const int factor = c.module < 1.8 ? 3 : c.module < 3.5 ? 2 : 1;
                        // Each region costs about as much as its pixels: zxing on the enlarged
                        // copy ~4 ms/Mpx, zbar on the region ~20 ms/Mpx (only when zxing
                        // fails). Each read runs only if its estimate still fits the budget.
                        const double cropMpx = static_cast<double>(c.width) * c.height / 1e6;
                        auto fits = [&](double estimate) {
                            return options.budgetMs <= 0 || (firstOfCall && firstCrop) || clock() - start + estimate <= options.budgetMs;
                        };
                        if (!fits(cropMpx * 4.0 * factor * factor)) continue;
                        const LumPlane crop = croppedPlane(luminance(), c.x, c.y, c.width, c.height);
                        std::size_t n = 0;
                        if (factor > 1) {
                            const LumPlane big = enlarged(crop, factor);
                            n = read(lumView(big), hard, 1.0 / factor, x + c.x, y + c.y);
                        } else {
                            n = read(lumView(crop), hard, 1, x + c.x, y + c.y);
                        }
                        const bool zbarFits = fits(cropMpx * 20.0);
                        firstCrop = false;
                        if (n > 0 || !zbarFits) continue;
                        auto codes = zbarQrCodes(crop, 1, x + c.x, y + c.y);
                        if (!codes.ok()) return codes.error();
                        for (auto& code : *codes) found.addCode(std::move(code));
                    }
                    break;
                }
                case QrPass::Rebuilt: {
                    ZXing::DecodeHints pure = hints;
                    pure.setIsPure(true).setTryRotate(false).setMaxNumberOfSymbols(1);
                    for (const auto polarity : {QrPolarity::DarkOnLight, QrPolarity::LightOnDark}) {
                        if (polarity == QrPolarity::LightOnDark && !options.tryInverted) continue;
                        // Each polarity is about half the pass (its own finder search): the
                        // second runs only if it still fits the budget.
                        if (polarity == QrPolarity::LightOnDark && options.budgetMs > 0 && !firstOfCall &&
                            clock() - start + 0.5 * msPerMpx[pass] * mpx > options.budgetMs)
                            continue;
                        // The L's that share a finder with a stronger one only without a
                        // budget: in the lane's they pushed the stream's p95 per frame from
                        // 8.7-9.1 to 10.0-10.1 ms (bench_qr --stream-only, alone).
                        rebuildQrCodes(thresholds(), polarity, 2, options.budgetMs > 0 ? 0 : 2, [&](const RebuiltQr& rebuilt) {
                            bool read = false;
                            for (const auto& r : ZXing::ReadBarcodes(lumView(rebuilt.plane), pure)) {
                                if (!r.isValid()) continue;
                                QrCode code;
                                code.text = r.text();
                                for (std::size_t i = 0; i < 4; ++i)
                                    code.corners[i] = QrPoint{static_cast<int>(std::lround(rebuilt.corners[i][0])) + x,
                                                              static_cast<int>(std::lround(rebuilt.corners[i][1])) + y};
                                found.addCode(std::move(code));
                                read = true;
                            }
                            if (read) return RebuildStep::NextTriple;
                            // A high-version candidate costs about a millisecond: none starts
                            // once the budget is spent (the call's first pass excepted).
                            if (options.budgetMs > 0 && !firstOfCall && clock() - start > options.budgetMs) return RebuildStep::Stop;
                            return RebuildStep::Next;
                        });
                    }
                    break;
                }
                case QrPass::ZbarFull: {
                    auto codes = zbarQrCodes(luminance(), 1, x, y);
                    if (!codes.ok()) return codes.error();
                    for (auto& c : *codes) found.addCode(std::move(c));
                    break;
                }
                case QrPass::Zbar: {
                    // Half resolution on frames (a quarter of the pixels: zbar scans every
                    // line at ~18 ms per megapixel), full resolution on small images.
                    auto codes = pyramid ? zbarQrCodes(halved(luminance()), 2, x, y) : zbarQrCodes(luminance(), 1, x, y);
                    if (!codes.ok()) return codes.error();
                    for (auto& c : *codes) found.addCode(std::move(c));
                    break;
                }
                case QrPass::Sharpened: {
                    const LumPlane sharp = sharpened(luminance());
                    read(lumView(sharp), hints, 1, x, y);
                    break;
                }
            }
            const double cost = clock() - before;
            ++rep.passesRun;
            // One odd frame (a sheet of 60 codes, a 12 MP photo) must not make a pass look
            // unaffordable for the frames after it: each sample moves the estimate by at most
            // a factor of two before averaging.
            if (mpx > 0.01 && !options.cpuClockMs) {
                const double sample = std::clamp(cost / mpx, 0.5 * msPerMpx[pass], 2.0 * msPerMpx[pass]);
                msPerMpx[pass] = 0.8 * msPerMpx[pass] + 0.2 * sample;
            }
            if (!found.codes.empty() && rep.readByPass < 0) rep.readByPass = pass;
        }
        rep.nextPass = found.codes.empty() || all ? pass : kQrPassCount;
    } catch (const std::exception& e) {
        return core::makeError("device.fault", std::string("QR decoder failed: ") + e.what());
    }
    rep.spentMs = clock() - start;
    if (report) *report = rep;
    if (options.ambiguity == Ambiguity::Refuse &&
        std::any_of(found.codes.begin(), found.codes.end(), [&](const QrCode& c) { return c.text != found.codes.front().text; })) {
        return core::makeError(kQrAmbiguous, "two different QR codes in view");
    }
    return std::move(found.codes);
}

core::Result<std::vector<std::string>> decodeQr(const Image& image, const QrDecodeOptions& options) {
    KIOSK_ASSIGN_OR_RETURN(auto codes, decodeQrCodes(image, options));
    std::vector<std::string> texts;
    texts.reserve(codes.size());
    for (auto& c : codes)
        if (std::find(texts.begin(), texts.end(), c.text) == texts.end()) texts.push_back(std::move(c.text));
    return texts;
}

}  // namespace kiosk::devices::io
