// The one file that includes zbar (0.23, C API; its C++ wrappers clash with zxing-cpp's
// headers). A scanner per thread, QR only, every line scanned (density 1).
#include <zbar.h>

#include <algorithm>
#include <memory>

#include "devices/io/zbar_qr.h"

namespace kiosk::devices::io {

namespace {

struct ScannerDeleter {
    void operator()(zbar::zbar_image_scanner_t* s) const { zbar::zbar_image_scanner_destroy(s); }
};
struct ImageDeleter {
    void operator()(zbar::zbar_image_t* i) const { zbar::zbar_image_destroy(i); }
};

using Scanner = std::unique_ptr<zbar::zbar_image_scanner_t, ScannerDeleter>;

// A fresh scanner per call: zbar's QR reader samples with its own random generator, seeded
// when the scanner is made, so a scanner kept across calls reads an image differently
// depending on the calls before it (bench_qr --pass-study saw zbar's reads change when an
// earlier pass changed). Making one costs far less than a scan.
Scanner newScanner() {
    Scanner s(zbar::zbar_image_scanner_create());
    if (s) {
        zbar::zbar_image_scanner_set_config(s.get(), zbar::ZBAR_NONE, zbar::ZBAR_CFG_ENABLE, 0);
        zbar::zbar_image_scanner_set_config(s.get(), zbar::ZBAR_QRCODE, zbar::ZBAR_CFG_ENABLE, 1);
    }
    return s;
}

}  // namespace

core::Result<std::vector<QrCode>> zbarQrCodes(const LumPlane& plane, int scale, int dx, int dy) {
    std::vector<QrCode> codes;
    if (plane.width < 21 || plane.height < 21) return codes;
    const Scanner owned = newScanner();
    zbar::zbar_image_scanner_t* scanner = owned.get();
    std::unique_ptr<zbar::zbar_image_t, ImageDeleter> image(zbar::zbar_image_create());
    if (!scanner || !image) return core::makeError("device.fault", "zbar: cannot create a scanner");
    zbar::zbar_image_set_format(image.get(), zbar_fourcc('Y', '8', '0', '0'));
    zbar::zbar_image_set_size(image.get(), static_cast<unsigned>(plane.width), static_cast<unsigned>(plane.height));
    // zbar only reads the data (no cleanup handler: the plane outlives the image).
    zbar::zbar_image_set_data(image.get(), plane.pixels.data(), plane.pixels.size(), nullptr);
    const int n = zbar::zbar_scan_image(scanner, image.get());
    if (n < 0) return core::makeError("device.fault", "zbar: scan failed");
    for (const zbar::zbar_symbol_t* s = zbar::zbar_image_first_symbol(image.get()); s; s = zbar::zbar_symbol_next(s)) {
        if (zbar::zbar_symbol_get_type(s) != zbar::ZBAR_QRCODE) continue;
        const unsigned points = zbar::zbar_symbol_get_loc_size(s);
        if (points == 0) continue;
        QrCode code;
        code.text.assign(zbar::zbar_symbol_get_data(s), zbar::zbar_symbol_get_data_length(s));
        auto at = [&](unsigned i) {
            return QrPoint{zbar::zbar_symbol_get_loc_x(s, i) * scale + dx, zbar::zbar_symbol_get_loc_y(s, i) * scale + dy};
        };
        if (points == 4) {
            for (unsigned i = 0; i < 4; ++i) code.corners[i] = at(i);
        } else {  // an outline: its bounding box
            int x0 = at(0).x, x1 = x0, y0 = at(0).y, y1 = y0;
            for (unsigned i = 1; i < points; ++i) {
                x0 = std::min(x0, at(i).x);
                x1 = std::max(x1, at(i).x);
                y0 = std::min(y0, at(i).y);
                y1 = std::max(y1, at(i).y);
            }
            code.corners = {QrPoint{x0, y0}, QrPoint{x1, y0}, QrPoint{x1, y1}, QrPoint{x0, y1}};
        }
        codes.push_back(std::move(code));
    }
    return codes;
}

}  // namespace kiosk::devices::io
