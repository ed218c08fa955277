// Image files through OpenCV (its exceptions are caught here).
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "devices/face/face_tools.h"

namespace kiosk::devices::face {

core::Result<Image> loadImageFile(const std::filesystem::path& path) {
    try {
        cv::Mat m = cv::imread(path.string(), cv::IMREAD_UNCHANGED);
        if (m.empty()) return core::Error{"device.bad_input", "cannot read image " + path.string()};
        if (m.depth() != CV_8U) m.convertTo(m, CV_8U, m.depth() == CV_16U ? 1.0 / 257 : 1.0);
        Image img;
        if (m.channels() == 1) {
            img.format = PixelFormat::Gray8;
        } else {
            if (m.channels() == 4) cv::cvtColor(m, m, cv::COLOR_BGRA2BGR);
            img.format = PixelFormat::Bgr8;
        }
        if (!m.isContinuous()) m = m.clone();
        img.width = m.cols;
        img.height = m.rows;
        img.pixels.assign(m.datastart, m.dataend);
        return img;
    } catch (const cv::Exception& e) {
        return core::Error{"device.bad_input", "cannot read image " + path.string() + ": " + e.what()};
    }
}

core::Status saveImageFile(const std::filesystem::path& path, const Image& image) {
    if (image.empty()) return core::Error{"device.bad_input", "empty image"};
    try {
        cv::Mat m(image.height, image.width, image.format == PixelFormat::Gray8 ? CV_8UC1 : CV_8UC3,
                  const_cast<uint8_t*>(image.pixels.data()), image.stride());
        if (!path.parent_path().empty()) std::filesystem::create_directories(path.parent_path());
        if (!cv::imwrite(path.string(), m)) return core::Error{"device.fault", "cannot write " + path.string()};
        return {};
    } catch (const std::exception& e) {
        return core::Error{"device.fault", "cannot write " + path.string() + ": " + e.what()};
    }
}

}  // namespace kiosk::devices::face
