// The one file that includes zxing-cpp (1.4) in kiosk::devices_io. Its exceptions are
// caught here. Passes per frame, cheapest first, stopping at the first that finds a code:
//   1. every second pixel of every second row (ImageView::subsampled(2): no copy) —
//      most phone codes held at a normal distance are read here in about 1 ms;
//   2. full resolution, in place (Gray8 as is; Bgr8 converted to luminance by zxing on
//      the fly) — small and blurred codes;
//   3. inverted luminance, half then full resolution (dark-mode phone screens) — the
//      only passes that copy pixels;
//   4. with tryHarder: the global-histogram binarizer, zxing's own "try harder" with
//      its downscale pyramid, and a sharpened copy (defocus blur).
#define ZX_USE_UTF8 1
#include <ZXing/DecodeHints.h>
#include <ZXing/ImageView.h>
#include <ZXing/ReadBarcode.h>

#include <algorithm>
#include <exception>

#include "devices/io/qr_decoder.h"

namespace kiosk::devices::io {

namespace {

std::vector<std::string> readTexts(const ZXing::ImageView& view, const ZXing::DecodeHints& hints) {
    std::vector<std::string> texts;
    for (const auto& r : ZXing::ReadBarcodes(view, hints)) {
        if (!r.isValid()) continue;
        std::string t = r.text();
        if (std::find(texts.begin(), texts.end(), t) == texts.end()) texts.push_back(std::move(t));
    }
    return texts;
}

ZXing::DecodeHints baseHints(const QrDecodeOptions& o) {
    ZXing::DecodeHints h;
    h.setFormats(ZXing::BarcodeFormat::QRCode);
    h.setTryRotate(o.tryRotate);
    h.setTryHarder(false);
    h.setTryDownscale(false);
    h.setBinarizer(ZXing::Binarizer::LocalAverage);
    h.setMaxNumberOfSymbols(o.ambiguity == Ambiguity::Refuse ? 2 : 8);
    return h;
}

}  // namespace

core::Result<std::vector<std::string>> decodeQr(const Image& image, const QrDecodeOptions& options) {
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
    std::vector<std::string> texts;
    try {
        const auto fmt = image.format == PixelFormat::Gray8 ? ZXing::ImageFormat::Lum : ZXing::ImageFormat::BGR;
        ZXing::ImageView view(image.pixels.data(), image.width, image.height, fmt, static_cast<int>(image.stride()));
        if (options.roi) view = view.cropped(x, y, w, h);
        const bool pyramid = std::min(w, h) >= 400;

        ZXing::DecodeHints hints = baseHints(options);
        if (pyramid) texts = readTexts(view.subsampled(2), hints);
        if (texts.empty()) texts = readTexts(view, hints);

        std::vector<uint8_t> lum;  // luminance of the region, filled on demand
        auto luminance = [&]() -> const std::vector<uint8_t>& {
            if (!lum.empty()) return lum;
            lum.resize(static_cast<std::size_t>(w) * h);
            const int ch = image.channels();
            for (int row = 0; row < h; ++row) {
                const uint8_t* src = image.pixels.data() + (y + row) * image.stride() + static_cast<std::size_t>(x) * ch;
                uint8_t* dst = lum.data() + static_cast<std::size_t>(row) * w;
                if (ch == 1) {
                    std::copy(src, src + w, dst);
                } else {
                    for (int c = 0; c < w; ++c, src += 3) dst[c] = ZXing::RGBToLum(src[2], src[1], src[0]);
                }
            }
            return lum;
        };

        if (texts.empty() && options.tryInverted) {
            const auto& l = luminance();
            std::vector<uint8_t> inv(l.size());
            for (std::size_t i = 0; i < l.size(); ++i) inv[i] = static_cast<uint8_t>(255 - l[i]);
            ZXing::ImageView iview(inv.data(), w, h, ZXing::ImageFormat::Lum);
            if (pyramid) texts = readTexts(iview.subsampled(2), hints);
            if (texts.empty()) texts = readTexts(iview, hints);
        }
        if (texts.empty() && options.tryHarder) {
            ZXing::DecodeHints gh = baseHints(options);
            gh.setBinarizer(ZXing::Binarizer::GlobalHistogram);
            texts = readTexts(view, gh);
            if (texts.empty()) {
                ZXing::DecodeHints hard = baseHints(options);
                hard.setTryHarder(true).setTryDownscale(true);
                texts = readTexts(view, hard);
            }
            if (texts.empty()) {
                // Unsharp mask against a 5x5 box blur (separable running sums): defocus.
                const auto& l = luminance();
                std::vector<uint16_t> tmp(l.size());
                std::vector<uint8_t> sharp(l.size());
                for (int row = 0; row < h; ++row) {
                    const uint8_t* s = l.data() + static_cast<std::size_t>(row) * w;
                    uint16_t* t = tmp.data() + static_cast<std::size_t>(row) * w;
                    for (int c = 0; c < w; ++c) {
                        int sum = 0;
                        for (int k = -2; k <= 2; ++k) sum += s[std::clamp(c + k, 0, w - 1)];
                        t[c] = static_cast<uint16_t>(sum);
                    }
                }
                for (int row = 0; row < h; ++row) {
                    for (int c = 0; c < w; ++c) {
                        int sum = 0;
                        for (int k = -2; k <= 2; ++k) sum += tmp[static_cast<std::size_t>(std::clamp(row + k, 0, h - 1)) * w + c];
                        const int v = l[static_cast<std::size_t>(row) * w + c];
                        sharp[static_cast<std::size_t>(row) * w + c] = static_cast<uint8_t>(std::clamp(v + 2 * (v - sum / 25), 0, 255));
                    }
                }
                texts = readTexts(ZXing::ImageView(sharp.data(), w, h, ZXing::ImageFormat::Lum), hints);
            }
        }
    } catch (const std::exception& e) {
        return core::makeError("device.fault", std::string("QR decoder failed: ") + e.what());
    }
    if (options.ambiguity == Ambiguity::Refuse && texts.size() > 1) {
        return core::makeError(kQrAmbiguous, "two different QR codes in view");
    }
    return texts;
}

}  // namespace kiosk::devices::io
