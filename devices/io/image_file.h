#pragma once
// Reading and writing image files (PNG, JPEG, BMP, ...) as plain devices::Image values.
// Implemented with OpenCV imread/imwrite in opencv_adapter.cpp; no OpenCV type leaks here.
#include <filesystem>

#include "core/result.h"
#include "devices/image.h"

namespace kiosk::devices::io {

enum class ColorMode { Keep, Gray, Bgr };

// Loads an image file. ColorMode::Keep gives Gray8 for single-channel files and Bgr8
// otherwise (alpha dropped). Errors: "image.not_found", "image.unreadable".
core::Result<Image> loadImageFile(const std::filesystem::path& path, ColorMode mode = ColorMode::Keep);

// Writes an image; the format follows the extension (.png, .jpg, .bmp, .pgm, ...).
// Errors: "image.empty", "image.write_failed".
core::Status saveImageFile(const std::filesystem::path& path, const Image& image);

// Converts between Gray8 and Bgr8 (a copy; returns the input unchanged when already in format).
Image convertImage(const Image& image, PixelFormat format);

}  // namespace kiosk::devices::io
