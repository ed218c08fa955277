// The BoofCV QR photographs in ../shared/data/qr/boofcv (the lane's own cases: codes on
// screens, nominal, close), scored as the study does: a labelled code is read when a
// decoded result's centre lies inside its corner polygon; a result in no polygon is a
// false positive. Rates for every category and every peer: bench_qr.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "devices/io/qr_decoder.h"
#include "tests/support/test_support.h"

namespace kiosk::devices::io {
namespace {

namespace fs = std::filesystem;

std::vector<std::vector<cv::Point2f>> labels(const fs::path& txt) {
    std::ifstream in(txt);
    std::vector<float> nums;
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#' || line.rfind("SETS", 0) == 0) continue;
        std::istringstream ls(line);
        float v = 0;
        while (ls >> v) nums.push_back(v);
    }
    std::vector<std::vector<cv::Point2f>> out;
    for (std::size_t i = 0; i + 7 < nums.size(); i += 8) {
        std::vector<cv::Point2f> poly;
        for (int k = 0; k < 4; ++k) poly.emplace_back(nums[i + 2 * k], nums[i + 2 * k + 1]);
        out.push_back(std::move(poly));
    }
    return out;
}

Image photoFromMat(const cv::Mat& bgr) {
    Image img;
    img.width = bgr.cols;
    img.height = bgr.rows;
    img.format = PixelFormat::Bgr8;
    img.pixels.assign(bgr.data, bgr.data + bgr.total() * 3);
    return img;
}

TEST(QrPhotoDataset, ScreensNominalAndCloseCodesAreReadWithoutFalsePositives) {
    KIOSK_REQUIRE_SHARED_DATA(data);
    const fs::path root = data / "qr" / "boofcv";
    if (!fs::exists(root)) GTEST_SKIP() << root << " is absent";
    for (const std::string category : {"monitor", "nominal", "close"}) {
        int labelled = 0, read = 0, falsePositives = 0;
        for (const auto& e : fs::directory_iterator(root / category)) {
            const auto ext = e.path().extension();
            if (ext != ".jpg" && ext != ".png") continue;
            auto txt = e.path();
            txt.replace_extension(".txt");
            const auto polys = labels(txt);
            // The labels are in the stored pixel order: EXIF orientation is not applied.
            cv::Mat bgr = cv::imread(e.path().string(), cv::IMREAD_COLOR | cv::IMREAD_IGNORE_ORIENTATION);
            ASSERT_FALSE(bgr.empty()) << e.path();
            QrDecodeOptions o;
            o.ambiguity = Ambiguity::ReturnAll;
            auto codes = decodeQrCodes(photoFromMat(bgr), o);
            ASSERT_TRUE(codes.ok()) << e.path() << ": " << codes.error().message;
            std::vector<char> hit(polys.size(), 0);
            for (const auto& c : *codes) {
                cv::Point2f centre(0, 0);
                for (const auto& p : c.corners) centre += cv::Point2f(static_cast<float>(p.x), static_cast<float>(p.y)) * 0.25f;
                bool inside = false;
                for (std::size_t i = 0; i < polys.size(); ++i) {
                    if (cv::pointPolygonTest(polys[i], centre, false) >= 0) {
                        hit[i] = 1;
                        inside = true;
                    }
                }
                if (!inside) ++falsePositives;
            }
            labelled += static_cast<int>(polys.size());
            for (char h : hit) read += h;
        }
        ASSERT_GT(labelled, 0) << category;
        EXPECT_EQ(falsePositives, 0) << category;
        // A floor well under the measured rate (docs/benchmarks.md), to catch a regression.
        EXPECT_GE(read * 10, labelled * 9) << category << ": " << read << "/" << labelled;
    }
}

}  // namespace
}  // namespace kiosk::devices::io
