// The one file that includes OpenCV in kiosk::devices_io: image files and the camera.
// OpenCV exceptions are caught here and turned into core::Error.
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include <algorithm>
#include <cstring>
#include <system_error>

#include "devices/io/image_file.h"

namespace kiosk::devices::io {

namespace {

cv::Mat viewOf(const Image& img) {
    // A header over the Image's pixels (no copy); the Image must outlive the Mat.
    return cv::Mat(img.height, img.width, img.format == PixelFormat::Gray8 ? CV_8UC1 : CV_8UC3,
                   const_cast<uint8_t*>(img.pixels.data()), img.stride());
}

Image fromMat(const cv::Mat& m) {
    cv::Mat src = m;
    if (src.depth() != CV_8U) src.convertTo(src, CV_8U);
    if (src.channels() == 4) cv::cvtColor(src, src, cv::COLOR_BGRA2BGR);
    if (src.channels() == 2) cv::extractChannel(src, src, 0);
    Image out;
    out.width = src.cols;
    out.height = src.rows;
    out.format = src.channels() == 1 ? PixelFormat::Gray8 : PixelFormat::Bgr8;
    out.pixels.resize(out.stride() * static_cast<std::size_t>(out.height));
    for (int y = 0; y < src.rows; ++y) {
        std::memcpy(out.pixels.data() + out.stride() * y, src.ptr(y), out.stride());
    }
    return out;
}

}  // namespace

core::Result<Image> loadImageFile(const std::filesystem::path& path, ColorMode mode) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) {
        return core::makeError("image.not_found", "no image file at " + path.string());
    }
    try {
        int flags = mode == ColorMode::Gray  ? cv::IMREAD_GRAYSCALE
                    : mode == ColorMode::Bgr ? cv::IMREAD_COLOR
                                             : cv::IMREAD_ANYCOLOR;
        cv::Mat m = cv::imread(path.string(), flags);
        if (m.empty()) return core::makeError("image.unreadable", "cannot decode image " + path.string());
        return fromMat(m);
    } catch (const cv::Exception& e) {
        return core::makeError("image.unreadable", path.string() + ": " + e.what());
    }
}

core::Status saveImageFile(const std::filesystem::path& path, const Image& image) {
    if (image.empty() || image.pixels.size() < image.stride() * static_cast<std::size_t>(image.height)) {
        return core::makeError("image.empty", "refusing to write an empty image to " + path.string());
    }
    try {
        if (!cv::imwrite(path.string(), viewOf(image))) {
            return core::makeError("image.write_failed", "cannot write " + path.string());
        }
    } catch (const cv::Exception& e) {
        return core::makeError("image.write_failed", path.string() + ": " + e.what());
    }
    return {};
}

Image convertImage(const Image& image, PixelFormat format) {
    if (image.format == format || image.empty()) return image;
    cv::Mat out;
    cv::cvtColor(viewOf(image), out, format == PixelFormat::Gray8 ? cv::COLOR_BGR2GRAY : cv::COLOR_GRAY2BGR);
    return fromMat(out);
}

}  // namespace kiosk::devices::io
