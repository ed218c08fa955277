#pragma once
#include <filesystem>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "devices/face.h"
#include "devices/face/dlib_face_engine.h"

namespace kiosk::bench::face {
// Detection alone (the recogniser is not run): rate, failures, median CPU.
int runLfwDetection(const std::filesystem::path& dir, devices::FaceEngineOptions options);
int runLfw(const std::filesystem::path& dir,
           const std::function<devices::FaceEngineOptions(devices::FaceRecogniser)>& optionsOf,
           const std::vector<int>& recognisers);  // 0 dlib_resnet, 1 onnx
// The ONNX recogniser's preprocessing variants on the same landmarks (bench_face_align.cpp).
int runLfwAlign(const std::filesystem::path& dir, devices::FaceEngineOptions options, int step);
// Score normalisation against a cohort (bench_face_norm.cpp); ONNX descriptors cached in `cache`.
int runLfwNorm(const std::filesystem::path& lfwDir, const std::filesystem::path& facesDir,
               const std::filesystem::path& cache, const devices::FaceEngineOptions& options);
// One folder per identity under `root`, each with its files, both sorted; empty when
// `root` is not a folder.
std::vector<std::pair<std::string, std::vector<std::filesystem::path>>> identitiesOf(
    const std::filesystem::path& root);
// The East-Asian identities of ../shared/data/faces/lfw (the list in bench_face_lfw.cpp).
bool isEastAsian(const std::string& identity);
// Whether the chosen face is LFW's labelled one: its eye midpoint within a quarter of the
// photo's shorter side from the centre (bench_face_lfw.cpp says why).
bool isCentreFace(const devices::face::FrameDetail& x, const devices::Image& img);
// Pose, exposure and the lane's quality verdict of the centre face of each file (diagnosis).
int runPose(const std::vector<std::filesystem::path>& files, devices::FaceEngineOptions options);
}
