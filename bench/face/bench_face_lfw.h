#pragma once
#include <filesystem>
#include <functional>
#include <vector>

#include "devices/face.h"

namespace kiosk::bench::face {
// Detection alone (the recogniser is not run): rate, failures, median CPU.
int runLfwDetection(const std::filesystem::path& dir, devices::FaceEngineOptions options);
int runLfw(const std::filesystem::path& dir,
           const std::function<devices::FaceEngineOptions(devices::FaceRecogniser)>& optionsOf,
           const std::vector<int>& recognisers);  // 0 dlib_resnet, 1 onnx
}
