#pragma once
// face-api (TF.js) ResNet weights -> dlib model file (implemented in face_net.cpp, the one
// translation unit holding dlib's network definition). Checks tensor names, shapes and the
// byte count; writes atomically.
#include <filesystem>

#include "core/result.h"

namespace kiosk::devices::face {

core::Status convertFaceModel(const std::filesystem::path& manifest, const std::filesystem::path& weights,
                              const std::filesystem::path& out);

}  // namespace kiosk::devices::face
