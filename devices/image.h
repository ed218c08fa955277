#pragma once
// A plain image value that crosses device interfaces (no cv::Mat, no SDL types).
#include <cstdint>
#include <vector>

#include "core/clock.h"

namespace kiosk::devices {

enum class PixelFormat { Gray8, Bgr8 };

struct Image {
    int width = 0;
    int height = 0;
    PixelFormat format = PixelFormat::Gray8;
    std::vector<uint8_t> pixels;  // tightly packed rows

    int channels() const { return format == PixelFormat::Gray8 ? 1 : 3; }
    bool empty() const { return width <= 0 || height <= 0 || pixels.empty(); }
    std::size_t stride() const { return static_cast<std::size_t>(width) * channels(); }
};

struct Frame {
    Image image;
    core::MonoTime capturedAt{};
    uint64_t sequence = 0;
};

}  // namespace kiosk::devices
