// kioskctl face ...: convert the face model, build the demo face set, check an image,
// compare two images.
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "devices/face.h"
#include "devices/face/dlib_face_engine.h"
#include "devices/face/face_tools.h"
#include "tools/command.h"

namespace kiosk::tools {
namespace {

namespace fs = std::filesystem;
namespace face = devices::face;

int fail(const core::Error& e) {
    std::cerr << "error: " << e.code << ": " << e.message << "\n";
    return 1;
}

devices::FaceEngineOptions engineOptions(const Args& args) {
    devices::FaceEngineOptions o;
    const char* b = std::getenv("KIOSK_BUILD_DIR");
    const std::string models = std::string(b ? b : "build") + "/models/";
    if (option(args, "--recogniser", devices::toString(o.recogniser)) == std::string("dlib_resnet"))
        o.recogniser = devices::FaceRecogniser::DlibResnet;
    else
        o.recogniser = devices::FaceRecogniser::Onnx;
    o.matchThreshold = devices::defaultThreshold(o.recogniser);
    o.recognitionModelPath = option(args, "--model", models + "dlib_face_recognition_resnet.dat");
    o.onnx.modelPath = option(args, "--onnx-model", models + devices::kOnnxModelFile);
    o.shapePredictorPath = option(args, "--shape-predictor", o.shapePredictorPath);
    o.detectUpsample = std::atoi(option(args, "--upsample", "0").c_str());
    o.track = false;  // unrelated images
    return o;
}

KIOSKCTL_COMMAND({"face", "convert-model", "--manifest M.json --weights W.bin --out model.dat",
                  "convert the face-api ResNet weights into a dlib model file",
                  [](const Args& args) -> int {
                      const std::string manifest = option(args, "--manifest"), weights = option(args, "--weights"),
                                        out = option(args, "--out");
                      if (manifest.empty() || weights.empty() || out.empty()) {
                          std::cerr << "usage: kioskctl face convert-model --manifest M.json --weights W.bin --out model.dat\n";
                          return 2;
                      }
                      auto st = face::convertFaceModel(manifest, weights, out);
                      if (!st.ok()) return fail(st.error());
                      std::cout << "wrote " << out << " (" << fs::file_size(out) << " bytes)\n";
                      return 0;
                  }});

KIOSKCTL_COMMAND({"face", "demo-set", "--samples DIR --out DIR [--people N] [--model M.dat] [--shape-predictor P]",
                  "write demo faces (enrol/probe/still per person) from face-api's demo/sample*.jpg",
                  [](const Args& args) -> int {
                      face::DemoSetOptions o;
                      o.samplesDir = option(args, "--samples");
                      o.outDir = option(args, "--out");
                      o.shapePredictorPath = option(args, "--shape-predictor", o.shapePredictorPath);
                      o.recognitionModelPath = option(args, "--model", "");
                      o.people = std::atoi(option(args, "--people", "6").c_str());
                      if (o.samplesDir.empty() || o.outDir.empty() || o.people <= 0) {
                          std::cerr << "usage: kioskctl face demo-set --samples DIR --out DIR [--people N]\n";
                          return 2;
                      }
                      auto r = face::writeFaceDemoSet(o);
                      if (!r.ok()) return fail(r.error());
                      for (const auto& l : r->lines) std::cout << l << "\n";
                      std::cout << "wrote " << r->people << " people to " << o.outDir.string() << "\n";
                      return 0;
                  }});

KIOSKCTL_COMMAND({"face", "check", "IMAGE [--recogniser dlib_resnet|onnx] [--model M] [--onnx-model M] [--shape-predictor P] [--upsample N]",
                  "capture quality and descriptor of one image",
                  [](const Args& args) -> int {
                      if (args.empty()) {
                          std::cerr << "usage: kioskctl face check IMAGE [--model M]\n";
                          return 2;
                      }
                      auto eng = face::DlibFaceEngine::create(engineOptions(args));
                      if (!eng.ok()) return fail(eng.error());
                      auto img = face::loadImageFile(args[0]);
                      if (!img.ok()) return fail(img.error());
                      face::StageTimes t;
                      auto d = (*eng)->process(*img, face::DescriptorPolicy::Always, &t);
                      if (!d.ok()) return fail(d.error());
                      std::printf("faces=%d guidance=%s eye_distance=%.1f yaw=%.2f roll=%.1f brightness=%.0f sharpness=%.0f\n",
                                  d->analysis.faceCount, devices::toString(d->analysis.guidance), d->pose.eyeDistance,
                                  d->pose.yaw, d->pose.rollDeg, d->brightness, d->sharpness);
                      std::printf("ms: detect=%.1f landmarks=%.1f chip=%.1f descriptor=%.1f total=%.1f\n", t.detect,
                                  t.landmarks, t.chip, t.descriptor, t.total);
                      return 0;
                  }});

KIOSKCTL_COMMAND({"face", "compare", "IMAGE_A IMAGE_B [--recogniser dlib_resnet|onnx] [--model M] [--onnx-model M] [--shape-predictor P] [--upsample N]",
                  "Euclidean distance between the faces of two images",
                  [](const Args& args) -> int {
                      if (args.size() < 2) {
                          std::cerr << "usage: kioskctl face compare A B [--model M]\n";
                          return 2;
                      }
                      auto eng = face::DlibFaceEngine::create(engineOptions(args));
                      if (!eng.ok()) return fail(eng.error());
                      devices::FaceDescriptor ds[2];
                      for (int i = 0; i < 2; ++i) {
                          auto img = face::loadImageFile(args[static_cast<std::size_t>(i)]);
                          if (!img.ok()) return fail(img.error());
                          auto d = (*eng)->process(*img, face::DescriptorPolicy::Always);
                          if (!d.ok()) return fail(d.error());
                          if (!d->analysis.hasDescriptor) {
                              std::cerr << "no face in " << args[static_cast<std::size_t>(i)] << "\n";
                              return 1;
                          }
                          ds[i] = d->analysis.descriptor;
                      }
                      std::printf("distance=%.4f (%s)\n", (*eng)->distance(ds[0], ds[1]),
                                  devices::toString((*eng)->options().recogniser));
                      return 0;
                  }});

}  // namespace
}  // namespace kiosk::tools
