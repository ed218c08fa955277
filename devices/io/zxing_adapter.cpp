// The one file that includes zxing-cpp (1.4) in kiosk::devices_io. Its exceptions are
// caught here. The passes (QrPass), in the order chosen on the whole BoofCV set and the
// generated lane frames (bench_qr --pass-study): cheap first, then the strongest:
//   Half            every second pixel of every second row (ImageView::subsampled(2): no
//                   copy) — most codes held at a normal distance are read here in ~1 ms;
//   InvertedHalf    light-on-dark codes (dark-mode phone screens), early so that a
//                   dark-mode phone is read within the first frame's budget;
//   TryHarder       zxing's own try-harder search with its downscale pyramid: reads the
//                   most codes of any single pass (small, perspective, rotated);
//   GlobalHistogram zxing's other binarizer: one threshold, survives glare and screens;
//   QuietZone       a copy inside a white border: codes cut by the picture's edge or
//                   printed without a quiet zone;
//   Full            full resolution in place, local-average binarizer;
//   Sharpened       an unsharp-masked copy (defocus);
//   HalfGlobal, InvertedFull  the remaining combinations, last.
// With a budget, a pass starts only when its estimated cost fits what is left; the
// estimate is learned per pass (ms per megapixel, moving average) on the calling thread.
#define ZX_USE_UTF8 1
#include <ZXing/DecodeHints.h>
#include <ZXing/ImageView.h>
#include <ZXing/ReadBarcode.h>
#include <time.h>

#include <algorithm>
#include <array>
#include <exception>

#include "devices/io/qr_decoder.h"
#include "devices/io/qr_image_ops.h"

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
constexpr std::array<double, kQrPassCount> kInitialMsPerMpx = {1.0, 1.6, 4.3, 2.6, 4.0, 3.0, 11.0, 0.8, 2.7};
thread_local std::array<double, kQrPassCount> tMsPerMpx = kInitialMsPerMpx;

struct Found {
    std::vector<QrCode> codes;
    // A code already found by an earlier pass (same text, centre inside its corners' box)
    // is not added again; the same text elsewhere in the picture is another code.
    void add(const ZXing::Result& r, int scale, int dx, int dy) {
        if (!r.isValid()) return;
        QrCode code;
        code.text = r.text();
        const auto& q = r.position();
        int cx = 0, cy = 0;
        for (int i = 0; i < 4; ++i) {
            code.corners[i] = QrPoint{q[i].x * scale + dx, q[i].y * scale + dy};
            cx += code.corners[i].x;
            cy += code.corners[i].y;
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
    if ((p == QrPass::HalfGlobal || p == QrPass::GlobalHistogram || p == QrPass::QuietZone || p == QrPass::TryHarder || p == QrPass::Sharpened) &&
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
        auto invertedLum = [&]() -> const LumPlane& {
            if (inv.pixels.empty()) inv = inverted(luminance());
            return inv;
        };
        auto lumView = [](const LumPlane& p) { return ZXing::ImageView(p.pixels.data(), p.width, p.height, ZXing::ImageFormat::Lum); };
        auto read = [&](const ZXing::ImageView& v, const ZXing::DecodeHints& hh, int scale, int dx, int dy) {
            for (const auto& r : ZXing::ReadBarcodes(v, hh)) found.add(r, scale, dx, dy);
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
            if (options.budgetMs > 0 && !first) {
                const double estimate = tMsPerMpx[pass] * mpx;
                if ((before - start) + estimate > options.budgetMs) break;
            }
            first = false;
            switch (p) {
                case QrPass::Half: read(view.subsampled(2), hints, 2, x, y); break;
                case QrPass::HalfGlobal: {
                    ZXing::DecodeHints gh = hints;
                    gh.setBinarizer(ZXing::Binarizer::GlobalHistogram);
                    read(view.subsampled(2), gh, 2, x, y);
                    break;
                }
                case QrPass::Full: read(view, hints, 1, x, y); break;
                case QrPass::GlobalHistogram: {
                    ZXing::DecodeHints gh = hints;
                    gh.setBinarizer(ZXing::Binarizer::GlobalHistogram);
                    read(view, gh, 1, x, y);
                    break;
                }
                case QrPass::QuietZone: {
                    const int border = std::max(16, std::min(w, h) / 8);
                    const LumPlane padded = withQuietZone(luminance(), border);
                    read(lumView(padded), hints, 1, x - border, y - border);
                    break;
                }
                case QrPass::InvertedHalf: read(lumView(invertedLum()).subsampled(2), hints, 2, x, y); break;
                case QrPass::InvertedFull: read(lumView(invertedLum()), hints, 1, x, y); break;
                case QrPass::TryHarder: {
                    ZXing::DecodeHints hard = hints;
                    hard.setTryHarder(true).setTryDownscale(true);
                    read(view, hard, 1, x, y);
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
            if (mpx > 0.01 && !options.cpuClockMs) tMsPerMpx[pass] = 0.8 * tMsPerMpx[pass] + 0.2 * (cost / mpx);
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
