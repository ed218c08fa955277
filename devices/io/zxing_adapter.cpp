// The one file that includes zxing-cpp (1.4) in kiosk::devices_io. Its exceptions are
// caught here. Strategy per frame, cheapest first, stopping at the first pass that finds
// a code: (1) local-average binarizer at full resolution; (2) "try harder" with the
// downscale pyramid and the global-histogram binarizer; (3) the inverted image (dark-mode
// phone screens) — the only pass that copies pixels.
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

        ZXing::DecodeHints hints = baseHints(options);
        texts = readTexts(view, hints);
        if (texts.empty() && options.tryHarder) {
            hints.setTryHarder(true).setTryDownscale(true);
            texts = readTexts(view, hints);
            if (texts.empty()) {
                hints.setBinarizer(ZXing::Binarizer::GlobalHistogram);
                texts = readTexts(view, hints);
            }
        }
        if (texts.empty() && options.tryInverted) {
            // Inverted luminance of the region, in one pass over the pixels.
            std::vector<uint8_t> inv(static_cast<std::size_t>(w) * h);
            const int ch = image.channels();
            for (int row = 0; row < h; ++row) {
                const uint8_t* src = image.pixels.data() + (y + row) * image.stride() + static_cast<std::size_t>(x) * ch;
                uint8_t* dst = inv.data() + static_cast<std::size_t>(row) * w;
                if (ch == 1) {
                    for (int c = 0; c < w; ++c) dst[c] = static_cast<uint8_t>(255 - src[c]);
                } else {
                    for (int c = 0; c < w; ++c, src += 3) {
                        dst[c] = static_cast<uint8_t>(255 - ZXing::RGBToLum(src[2], src[1], src[0]));
                    }
                }
            }
            ZXing::ImageView iview(inv.data(), w, h, ZXing::ImageFormat::Lum);
            ZXing::DecodeHints ih = baseHints(options);
            texts = readTexts(iview, ih);
            if (texts.empty() && options.tryHarder) {
                ih.setTryHarder(true).setTryDownscale(true);
                texts = readTexts(iview, ih);
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
