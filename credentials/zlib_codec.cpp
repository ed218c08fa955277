#include "credentials/zlib_codec.h"

#include <zlib.h>

namespace kiosk::credentials {

std::string zlibCompress(std::string_view data, int level) {
    uLongf cap = compressBound(static_cast<uLong>(data.size()));
    std::string out(cap, '\0');
    if (compress2(reinterpret_cast<Bytef*>(out.data()), &cap, reinterpret_cast<const Bytef*>(data.data()),
                  static_cast<uLong>(data.size()), level) != Z_OK)
        return {};
    out.resize(cap);
    return out;
}

core::Result<std::string> zlibDecompress(std::string_view data, std::size_t maxOutput) {
    if (data.size() < 2) return core::makeError("qr.malformed", "zlib: input too short");
    z_stream zs{};
    if (inflateInit(&zs) != Z_OK) return core::makeError("qr.malformed", "zlib: init failed");
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    zs.avail_in = static_cast<uInt>(data.size());
    std::string out;
    char buf[4096];
    int rc = Z_OK;
    while (true) {
        zs.next_out = reinterpret_cast<Bytef*>(buf);
        zs.avail_out = sizeof buf;
        rc = inflate(&zs, Z_NO_FLUSH);
        const std::size_t produced = sizeof buf - zs.avail_out;
        if (out.size() + produced > maxOutput) {
            inflateEnd(&zs);
            return core::makeError("qr.too_large", "zlib: output over " + std::to_string(maxOutput) + " bytes");
        }
        out.append(buf, produced);
        if (rc == Z_STREAM_END) break;
        if (rc != Z_OK) {
            inflateEnd(&zs);
            return core::makeError("qr.malformed", "zlib: corrupt or truncated data");
        }
        if (zs.avail_in == 0 && produced == 0) {
            inflateEnd(&zs);
            return core::makeError("qr.malformed", "zlib: truncated data");
        }
    }
    const bool trailing = zs.avail_in != 0;
    inflateEnd(&zs);
    if (trailing) return core::makeError("qr.malformed", "zlib: trailing bytes after the stream");
    return out;
}

}  // namespace kiosk::credentials
