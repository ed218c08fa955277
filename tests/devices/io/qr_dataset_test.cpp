// The EU DCC test vectors in ../shared/data (credentials/dcc): their QR images decode to
// the expected "HC1:" text, and the same texts survive being photographed on a phone.
#include <gtest/gtest.h>

#include <fstream>

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "devices/io/qr_decoder.h"
#include "devices/io/qr_image_set.h"
#include "tests/support/test_support.h"

namespace kiosk::devices::io {
namespace {

std::vector<uint8_t> base64Decode(const std::string& in) {
    static const std::string chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::vector<uint8_t> out;
    uint32_t acc = 0;
    int bits = 0;
    for (char c : in) {
        auto p = chars.find(c);
        if (p == std::string::npos) continue;  // '=', whitespace
        acc = (acc << 6) | static_cast<uint32_t>(p);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<uint8_t>((acc >> bits) & 0xFF));
        }
    }
    return out;
}

Image fromMat(const cv::Mat& m) {
    Image img;
    img.width = m.cols;
    img.height = m.rows;
    img.format = PixelFormat::Gray8;
    img.pixels.assign(m.data, m.data + m.total());
    return img;
}

std::vector<nlohmann::json> dccVectors(const std::filesystem::path& data) {
    std::vector<nlohmann::json> out;
    const auto root = data / "credentials" / "dcc";
    if (!std::filesystem::exists(root)) return out;
    for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
        if (e.path().extension() != ".json") continue;
        std::ifstream in(e.path());
        auto j = nlohmann::json::parse(in, nullptr, false);
        if (!j.is_discarded() && j.is_object()) {
            j["_file"] = std::filesystem::relative(e.path(), root).string();
            out.push_back(std::move(j));
        }
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a["_file"] < b["_file"]; });
    return out;
}

TEST(QrDataset, DccTestVectorImagesDecodeToPrefix) {
    KIOSK_REQUIRE_SHARED_DATA(data);
    int checked = 0, decoded = 0;
    for (const auto& j : dccVectors(data)) {
        if (!j.contains("2DCODE") || !j["2DCODE"].is_string() || !j.contains("PREFIX") || !j["PREFIX"].is_string()) continue;
        // Only a case that states the flag is checked: a missing flag means "not tested".
        const nlohmann::json expected = j.value("EXPECTEDRESULTS", nlohmann::json::object());
        if (!expected.is_object() || !expected.contains("EXPECTEDPICTUREDECODE") || !expected["EXPECTEDPICTUREDECODE"].is_boolean())
            continue;
        const bool expectDecode = expected["EXPECTEDPICTUREDECODE"].get<bool>();
        auto png = base64Decode(j["2DCODE"].get<std::string>());
        cv::Mat m = png.empty() ? cv::Mat() : cv::imdecode(png, cv::IMREAD_GRAYSCALE);
        if (m.empty()) {
            EXPECT_FALSE(expectDecode) << j["_file"] << ": 2DCODE is not an image";
            ++checked;
            continue;
        }
        // The vectors are tight 1-3 px/module images; add the quiet zone a screen would show.
        cv::Mat padded;
        cv::copyMakeBorder(m, padded, 16, 16, 16, 16, cv::BORDER_CONSTANT, cv::Scalar(255));
        auto r = decodeQr(fromMat(padded));
        ASSERT_TRUE(r.ok()) << j["_file"] << ": " << r.error().code;
        const std::string prefix = j["PREFIX"].get<std::string>();
        const bool match = r->size() == 1 && r->front() == prefix;
        ++checked;
        if (expectDecode) {
            EXPECT_TRUE(match) << j["_file"] << " did not decode to its PREFIX";
            decoded += match;
        } else {
            EXPECT_FALSE(match) << j["_file"] << " is a negative vector";
        }
    }
    EXPECT_GE(checked, 20) << "expected the DCC vectors with 2DCODE images";
    std::printf("DCC vector images: %d checked, %d positive decoded\n", checked, decoded);
}

TEST(QrDataset, DccTextsSurviveThePhotograph) {
    KIOSK_REQUIRE_SHARED_DATA(data);
    int tried = 0;
    uint64_t seed = 1;
    for (const auto& j : dccVectors(data)) {
        if (!j.contains("PREFIX") || !j["PREFIX"].is_string()) continue;
        const std::string text = j["PREFIX"].get<std::string>();
        if (text.rfind("HC1:", 0) != 0 || text.size() > 1200) continue;
        QrShotParams p;
        p.codeFraction = 0.75;  // a DCC is a large code (version ~20): held close to the camera
        p.rotationDeg = static_cast<double>((seed * 37) % 30) - 15;
        p.perspective = 0.03;
        p.noiseSigma = 4;
        p.darkMode = seed % 4 == 0;
        auto img = renderQrShot(text, p, 1280, 720, seed++);
        ASSERT_TRUE(img.ok()) << j["_file"];
        auto r = decodeQr(*img);
        ASSERT_TRUE(r.ok()) << j["_file"];
        EXPECT_EQ(r->size(), 1u) << j["_file"];
        if (!r->empty()) {
            EXPECT_EQ(r->front(), text) << j["_file"];
        }
        if (++tried == 24) break;
    }
    EXPECT_GE(tried, 10);
}

}  // namespace
}  // namespace kiosk::devices::io
