#pragma once
// dlib's face recognition ResNet (anet_type of dlib's dnn_face_recognition_ex), behind a
// small non-template API so the heavy network definition is compiled in ONE translation
// unit (face_net.cpp). Internal to kiosk::devices_face.
#include <filesystem>
#include <memory>
#include <vector>

#include <dlib/matrix.h>
#include <dlib/pixel.h>

#include "core/result.h"
#include "devices/face.h"
#include "devices/face/face_model_convert.h"

namespace kiosk::devices::face {

using Chip = dlib::matrix<dlib::rgb_pixel>;  // 150x150 aligned face chip

class FaceNet {
public:
    ~FaceNet();
    FaceNet(FaceNet&&) noexcept;
    FaceNet& operator=(FaceNet&&) noexcept;

    // A converted model file (dlib serialisation of anet_type).
    static core::Result<FaceNet> load(const std::filesystem::path& path);
    // One 128-d descriptor per 150x150 chip.
    core::Result<std::vector<FaceDescriptor>> describe(const std::vector<Chip>& chips);

private:
    struct Impl;
    explicit FaceNet(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

// convertFaceModel (face_model_convert.h) is implemented in face_net.cpp too.

}  // namespace kiosk::devices::face
