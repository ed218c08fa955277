// zbar, alone in its file (its C++ wrappers clash with other headers).
#include <zbar.h>

#include <memory>

#include "bench/qr/qr_peers.h"

namespace kiosk::bench::qr {

Peer zbarPeer() {
    Peer p;
    p.name = "zbar 0.23";
    p.does = "decodes; zbar_scan_image, QR only";
    auto scanner = std::shared_ptr<zbar::zbar_image_scanner_t>(zbar::zbar_image_scanner_create(), zbar::zbar_image_scanner_destroy);
    zbar::zbar_image_scanner_set_config(scanner.get(), zbar::ZBAR_NONE, zbar::ZBAR_CFG_ENABLE, 0);
    zbar::zbar_image_scanner_set_config(scanner.get(), zbar::ZBAR_QRCODE, zbar::ZBAR_CFG_ENABLE, 1);
    p.run = [scanner](const Input& in) {
        std::vector<Hit> hits;
        cv::Mat gray = in.gray.isContinuous() ? in.gray : in.gray.clone();
        zbar::zbar_image_t* zi = zbar::zbar_image_create();
        zbar::zbar_image_set_format(zi, zbar_fourcc('Y', '8', '0', '0'));
        zbar::zbar_image_set_size(zi, static_cast<unsigned>(gray.cols), static_cast<unsigned>(gray.rows));
        zbar::zbar_image_set_data(zi, gray.data, gray.total(), nullptr);
        if (zbar::zbar_scan_image(scanner.get(), zi) > 0) {
            for (const zbar::zbar_symbol_t* s = zbar::zbar_image_first_symbol(zi); s; s = zbar::zbar_symbol_next(s)) {
                Hit h;
                h.text.assign(zbar::zbar_symbol_get_data(s), zbar::zbar_symbol_get_data_length(s));
                for (unsigned i = 0; i < zbar::zbar_symbol_get_loc_size(s); ++i)
                    h.quad.emplace_back(static_cast<float>(zbar::zbar_symbol_get_loc_x(s, i)),
                                        static_cast<float>(zbar::zbar_symbol_get_loc_y(s, i)));
                hits.push_back(std::move(h));
            }
        }
        zbar::zbar_image_destroy(zi);
        return hits;
    };
    return p;
}

}  // namespace kiosk::bench::qr
