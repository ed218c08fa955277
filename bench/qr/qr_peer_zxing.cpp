// zxing-cpp called once with its default hints: the baseline the kiosk decoder builds on.
#define ZX_USE_UTF8 1
#include <ZXing/DecodeHints.h>
#include <ZXing/ImageView.h>
#include <ZXing/ReadBarcode.h>

#include "bench/qr/qr_peers.h"

namespace kiosk::bench::qr {

Peer zxingPlainPeer() {
    Peer p;
    p.name = "zxing-cpp 1.4, one plain call";
    p.does = "decodes; ReadBarcodes with the library's default hints (QR only)";
    p.run = [](const Input& in) {
        std::vector<Hit> hits;
        ZXing::DecodeHints hints;
        hints.setFormats(ZXing::BarcodeFormat::QRCode);
        ZXing::ImageView view(in.gray.data, in.gray.cols, in.gray.rows, ZXing::ImageFormat::Lum, static_cast<int>(in.gray.step));
        for (const auto& r : ZXing::ReadBarcodes(view, hints)) {
            if (!r.isValid()) continue;
            Hit h;
            h.text = r.text();
            for (int i = 0; i < 4; ++i) h.quad.emplace_back(static_cast<float>(r.position()[i].x), static_cast<float>(r.position()[i].y));
            hits.push_back(std::move(h));
        }
        return hits;
    };
    return p;
}

}  // namespace kiosk::bench::qr
