#pragma once
// Shared by the printer tests: the registration receipt as the machine composes it from
// assets/strings/strings.json, and an ESC/POS decoder that plays the printer.
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/clock.h"
#include "devices/image.h"
#include "devices/io/receipt_render.h"
#include "devices/printer.h"
#include "tests/support/test_support.h"
#include "ui/strings.h"

namespace kiosk::testing::printer {

// The fixed receipt of the goldens: reference, issued 2026-11-22 15:05 HKT, usable from
// 18:05 HKT, in the language given (plus English).
inline const ui::StringTable& strings() {
    // A pointer to the Result's own table, not a move out of it: GCC 12 warns of freeing a
    // non-heap object on the move (a false positive).
    static const auto loaded = ui::StringTable::load(sourceDir() / "assets/strings/strings.json");
    if (!loaded.ok()) throw std::runtime_error(loaded.error().message);
    return *loaded;
}

inline ui::Language uiLanguage(const std::string& tag) {
    return tag == "zh-Hant" ? ui::Language::ZhHant : tag == "pt" ? ui::Language::Pt : ui::Language::En;
}

inline devices::io::ReceiptText stringTableText() {
    return [](const std::string& key, const std::string& lang) { return strings().get(key, uiLanguage(lang)); };
}

inline core::WallTime utc(const std::string& iso) {
    core::WallTime t{};
    if (!core::parseIsoTime(iso, t)) throw std::runtime_error("bad time " + iso);
    return t;
}

inline devices::Receipt sampleReceipt(const std::string& language) {
    devices::io::RegistrationReceiptInput in;
    in.reference = "RG-7Q4M-91XD-K2";
    in.language = language;
    in.issuedAt = utc("2026-11-22T07:05:00Z");
    in.usableFrom = utc("2026-11-22T10:05:00Z");
    return devices::io::composeRegistrationReceipt(in, stringTableText());
}

// An ESC/POS printer's command parser, as far as the driver uses the language: ESC @,
// GS v 0, ESC d, GS V, DLE EOT n, GS r n. Fed bytes as they arrive; raster bands are
// stacked into one image. Anything else is a decode error (the test fails on it).
class EscPosDecoder {
public:
    // Answers for the queries; return -1 for "no answer".
    std::function<int(int n)> onDleEot = [](int) { return 0x12; };
    std::function<int(int n)> onGsR = [](int) { return 0x00; };
    std::function<void(uint8_t)> reply = [](uint8_t) {};
    // Rows of raster the paper roll still has; < 0 endless. When it runs out, later
    // raster rows are dropped and GS r is not answered (the printer stops).
    int rowsLeft = -1;

    void feed(const uint8_t* data, std::size_t n);
    void feed(const std::string& bytes) { feed(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()); }

    int width = 0;  // dots
    std::vector<uint8_t> bits;  // packed rows as received
    int rows = 0;
    int initCount = 0, cutCount = 0, feedLines = 0, dleEotCount = 0, gsRCount = 0;
    std::string error;  // first decode error

    devices::Image image() const { return devices::io::unpackRaster(bits, width, rows); }
    bool outOfPaper() const { return rowsLeft == 0; }

private:
    std::vector<uint8_t> buf_;
    bool parseOne();  // false when more bytes are needed
    void fail(const std::string& e) {
        if (error.empty()) error = e;
    }
};

inline void EscPosDecoder::feed(const uint8_t* data, std::size_t n) {
    buf_.insert(buf_.end(), data, data + n);
    while (!buf_.empty() && error.empty() && parseOne()) {
    }
}

inline bool EscPosDecoder::parseOne() {
    auto need = [&](std::size_t k) { return buf_.size() >= k; };
    auto consume = [&](std::size_t k) { buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(k)); };
    const uint8_t c = buf_[0];
    if (c == 0x1B) {  // ESC
        if (!need(2)) return false;
        if (buf_[1] == 0x40) {
            ++initCount;
            consume(2);
            return true;
        }
        if (buf_[1] == 0x64) {
            if (!need(3)) return false;
            feedLines += buf_[2];
            consume(3);
            return true;
        }
        fail("unknown ESC command " + std::to_string(buf_[1]));
        return false;
    }
    if (c == 0x10) {  // DLE EOT n: real-time status
        if (!need(3)) return false;
        if (buf_[1] != 0x04 || buf_[2] < 1 || buf_[2] > 4) {
            fail("bad DLE sequence");
            return false;
        }
        ++dleEotCount;
        const int a = onDleEot(buf_[2]);
        consume(3);
        if (a >= 0) reply(static_cast<uint8_t>(a));
        return true;
    }
    if (c == 0x1D) {  // GS
        if (!need(2)) return false;
        if (buf_[1] == 0x56) {  // GS V m [n]
            if (!need(3)) return false;
            const uint8_t m = buf_[2];
            const std::size_t len = (m == 65 || m == 66 || m == 97 || m == 98 || m == 103 || m == 104) ? 4 : 3;
            if (!need(len)) return false;
            ++cutCount;
            consume(len);
            return true;
        }
        if (buf_[1] == 0x72) {  // GS r n
            if (!need(3)) return false;
            ++gsRCount;
            const int n = buf_[2];
            consume(3);
            if (rowsLeft != 0) {
                const int a = onGsR(n);
                if (a >= 0) reply(static_cast<uint8_t>(a));
            }
            return true;
        }
        if (buf_[1] == 0x76) {  // GS v 0 m xL xH yL yH d1...dk
            if (!need(8)) return false;
            if (buf_[2] != 0x30 || buf_[3] > 3) {
                fail("bad GS v 0 header");
                return false;
            }
            const int x = buf_[4] | (buf_[5] << 8);
            const int y = buf_[6] | (buf_[7] << 8);
            const std::size_t k = std::size_t(x) * y;
            if (!need(8 + k)) return false;
            if (width == 0) width = x * 8;
            if (x * 8 != width) {
                fail("raster bands of different widths");
                return false;
            }
            for (int r = 0; r < y; ++r) {
                if (rowsLeft == 0) break;  // no paper: the head prints on nothing
                bits.insert(bits.end(), buf_.begin() + 8 + std::ptrdiff_t(r) * x, buf_.begin() + 8 + std::ptrdiff_t(r + 1) * x);
                ++rows;
                if (rowsLeft > 0) --rowsLeft;
            }
            consume(8 + k);
            return true;
        }
        fail("unknown GS command " + std::to_string(buf_[1]));
        return false;
    }
    fail("unexpected byte " + std::to_string(c));
    return false;
}

}  // namespace kiosk::testing::printer
