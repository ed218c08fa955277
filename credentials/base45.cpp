#include "credentials/base45.h"

#include <array>

namespace kiosk::credentials {
namespace {
constexpr std::string_view kAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

constexpr std::array<int8_t, 256> makeTable() {
    std::array<int8_t, 256> t{};
    for (auto& v : t) v = -1;
    for (std::size_t i = 0; i < kAlphabet.size(); ++i) t[static_cast<unsigned char>(kAlphabet[i])] = static_cast<int8_t>(i);
    return t;
}
constexpr auto kTable = makeTable();

core::Error bad(const std::string& why) { return core::makeError("qr.malformed", "base45: " + why); }
}  // namespace

std::string base45Encode(std::string_view bytes) {
    std::string out;
    out.reserve(bytes.size() / 2 * 3 + 3);
    std::size_t i = 0;
    for (; i + 1 < bytes.size(); i += 2) {
        unsigned n = static_cast<unsigned char>(bytes[i]) * 256u + static_cast<unsigned char>(bytes[i + 1]);
        out.push_back(kAlphabet[n % 45]);
        n /= 45;
        out.push_back(kAlphabet[n % 45]);
        out.push_back(kAlphabet[n / 45]);
    }
    if (i < bytes.size()) {
        unsigned n = static_cast<unsigned char>(bytes[i]);
        out.push_back(kAlphabet[n % 45]);
        out.push_back(kAlphabet[n / 45]);
    }
    return out;
}

core::Result<std::string> base45Decode(std::string_view text) {
    if (text.size() % 3 == 1) return bad("length leaves a dangling character");
    std::string out;
    out.reserve(text.size() / 3 * 2 + 1);
    std::size_t i = 0;
    auto digit = [&](std::size_t k, int& d) {
        d = kTable[static_cast<unsigned char>(text[k])];
        return d >= 0;
    };
    for (; i + 2 < text.size(); i += 3) {
        int c, d, e;
        if (!digit(i, c) || !digit(i + 1, d) || !digit(i + 2, e))
            return bad("character outside the alphabet at " + std::to_string(i));
        const unsigned n = static_cast<unsigned>(c) + static_cast<unsigned>(d) * 45u + static_cast<unsigned>(e) * 2025u;
        if (n > 0xFFFF) return bad("group value over 65535 at " + std::to_string(i));
        out.push_back(static_cast<char>(n >> 8));
        out.push_back(static_cast<char>(n & 0xFF));
    }
    if (i < text.size()) {
        int c, d;
        if (!digit(i, c) || !digit(i + 1, d)) return bad("character outside the alphabet at " + std::to_string(i));
        const unsigned n = static_cast<unsigned>(c) + static_cast<unsigned>(d) * 45u;
        if (n > 0xFF) return bad("final pair value over 255");
        out.push_back(static_cast<char>(n));
    }
    return out;
}

}  // namespace kiosk::credentials
