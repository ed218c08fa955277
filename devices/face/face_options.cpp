// The "face" section of the kiosk configuration -> FaceEngineOptions. Every key documented in
// docs/face.md "Configuration" is read here; an unknown key is an error that names it.
#include <filesystem>
#include <set>

#include "core/config.h"
#include "devices/face.h"

namespace kiosk::devices {
namespace {

// ConfigView::onlyKeys names the key and suggests the nearest known one.
core::Status checkKnown(const core::ConfigView& v, const std::vector<std::string>& known) {
    return v.onlyKeys(known, "docs/face.md");
}

}  // namespace

core::Result<FaceEngineOptions> faceEngineOptionsFromConfig(const core::ConfigView& c) {
    FaceEngineOptions o;
    KIOSK_TRY(checkKnown(c, {"recogniser", "recognition_model", "shape_predictor", "onnx", "match_threshold",
                             "template_rule", "detect_upsample", "detect_max_side", "detect_min_face_px", "detect_cascade",
                             "track", "max_frames", "time_budget_ms", "quality", "liveness"}));
    // Compared in place, not moved out of the Result: GCC 12 warns of a maybe-uninitialized
    // short string on the move (a false positive).
    const auto rec = c.oneOf("recogniser", {"dlib_resnet", "onnx"}, toString(kDefaultRecogniser));
    if (!rec.ok()) return rec.error();
    o.recogniser = *rec == "onnx" ? FaceRecogniser::Onnx : FaceRecogniser::DlibResnet;
    KIOSK_ASSIGN_OR_RETURN(o.shapePredictorPath, c.stringOr("shape_predictor", o.shapePredictorPath));
    KIOSK_ASSIGN_OR_RETURN(o.recognitionModelPath, c.stringOr("recognition_model", o.recognitionModelPath));
    if (c.has("onnx")) {
        KIOSK_ASSIGN_OR_RETURN(auto x, c.child("onnx"));
        KIOSK_TRY(checkKnown(x, {"model", "input_size", "colour_order", "mean", "scale", "flip_test"}));
        auto& X = o.onnx;
        KIOSK_ASSIGN_OR_RETURN(X.modelPath, x.stringOr("model", X.modelPath));
        KIOSK_ASSIGN_OR_RETURN(auto size, x.integerOr("input_size", X.inputSize, 32, 512));
        X.inputSize = static_cast<int>(size);
        KIOSK_ASSIGN_OR_RETURN(auto order, x.oneOf("colour_order", {"rgb", "bgr"}, X.colourOrder == ColourOrder::Bgr ? "bgr" : "rgb"));
        X.colourOrder = order == "bgr" ? ColourOrder::Bgr : ColourOrder::Rgb;
        KIOSK_ASSIGN_OR_RETURN(X.mean, x.numberOr("mean", X.mean, 0, 255));
        KIOSK_ASSIGN_OR_RETURN(X.scale, x.numberOr("scale", X.scale, 1e-4, 10));
        KIOSK_ASSIGN_OR_RETURN(X.flipTest, x.booleanOr("flip_test", X.flipTest));
    }
    // Distances differ per recogniser (Euclidean 0..~1.5, 1 - cosine 0..2): each has its own default.
    KIOSK_ASSIGN_OR_RETURN(o.matchThreshold, c.numberOr("match_threshold", defaultThreshold(o.recogniser), 0.05, 1.95));
    const auto rule = c.oneOf("template_rule", {"best", "mean"}, "best");
    if (!rule.ok()) return rule.error();
    o.templateRule = *rule == "mean" ? TemplateRule::Mean : TemplateRule::Best;
    KIOSK_ASSIGN_OR_RETURN(auto up, c.integerOr("detect_upsample", o.detectUpsample, 0, 2));
    o.detectUpsample = static_cast<int>(up);
    KIOSK_ASSIGN_OR_RETURN(auto side, c.integerOr("detect_max_side", o.detectMaxSide, 0, 4096));
    if (side != 0 && side < 160) return c.bad("detect_max_side", "must be 0 (off) or at least 160");
    o.detectMaxSide = static_cast<int>(side);
    KIOSK_ASSIGN_OR_RETURN(auto minFace, c.integerOr("detect_min_face_px", o.detectMinFacePx, 0, 1000));
    if (minFace != 0 && minFace < 40) return c.bad("detect_min_face_px", "must be 0 (no fine pass) or at least 40");
    o.detectMinFacePx = static_cast<int>(minFace);
    KIOSK_ASSIGN_OR_RETURN(o.detectCascade, c.stringOr("detect_cascade", o.detectCascade));
    KIOSK_ASSIGN_OR_RETURN(o.track, c.booleanOr("track", o.track));
    KIOSK_ASSIGN_OR_RETURN(auto mf, c.integerOr("max_frames", o.maxFrames, 1, 30));
    o.maxFrames = static_cast<int>(mf);
    KIOSK_ASSIGN_OR_RETURN(auto tb, c.integerOr("time_budget_ms", o.timeBudget.count(), 50, 30000));
    o.timeBudget = core::Millis(tb);
    if (c.has("quality")) {
        KIOSK_ASSIGN_OR_RETURN(auto q, c.child("quality"));
        KIOSK_TRY(checkKnown(q, {"min_eye_distance_px", "max_yaw", "max_roll_deg", "min_sharpness", "min_brightness",
                                 "max_brightness"}));
        auto& Q = o.quality;
        KIOSK_ASSIGN_OR_RETURN(Q.minEyeDistancePx, q.numberOr("min_eye_distance_px", Q.minEyeDistancePx, 10, 1000));
        KIOSK_ASSIGN_OR_RETURN(Q.maxYaw, q.numberOr("max_yaw", Q.maxYaw, 0.05, 1.0));
        KIOSK_ASSIGN_OR_RETURN(Q.maxRollDeg, q.numberOr("max_roll_deg", Q.maxRollDeg, 1, 90));
        KIOSK_ASSIGN_OR_RETURN(Q.minSharpness, q.numberOr("min_sharpness", Q.minSharpness, 0, 10000));
        KIOSK_ASSIGN_OR_RETURN(Q.minBrightness, q.numberOr("min_brightness", Q.minBrightness, 0, 255));
        KIOSK_ASSIGN_OR_RETURN(Q.maxBrightness, q.numberOr("max_brightness", Q.maxBrightness, 0, 255));
        if (Q.minBrightness >= Q.maxBrightness)
            return q.bad("min_brightness", "must be below quality.max_brightness");
    }
    if (c.has("liveness")) {
        KIOSK_ASSIGN_OR_RETURN(auto l, c.child("liveness"));
        KIOSK_TRY(checkKnown(l, {"challenge", "min_frames", "ear_open", "ear_closed_ratio", "min_head_turn",
                                 "min_frame_motion", "min_texture"}));
        auto& L = o.liveness;
        KIOSK_ASSIGN_OR_RETURN(auto ch, l.oneOf("challenge", {"blink", "head_turn", "blink_or_head_turn", "none"}, "blink"));
        L.challenge = ch == "blink"       ? LivenessChallenge::Blink
                      : ch == "head_turn" ? LivenessChallenge::HeadTurn
                      : ch == "none"      ? LivenessChallenge::None
                                          : LivenessChallenge::BlinkOrHeadTurn;
        KIOSK_ASSIGN_OR_RETURN(auto mf2, l.integerOr("min_frames", L.minFrames, 2, 60));
        L.minFrames = static_cast<int>(mf2);
        KIOSK_ASSIGN_OR_RETURN(L.earOpen, l.numberOr("ear_open", L.earOpen, 0.05, 0.6));
        KIOSK_ASSIGN_OR_RETURN(L.earClosedRatio, l.numberOr("ear_closed_ratio", L.earClosedRatio, 0.1, 0.95));
        KIOSK_ASSIGN_OR_RETURN(L.minHeadTurn, l.numberOr("min_head_turn", L.minHeadTurn, 0.05, 1.0));
        KIOSK_ASSIGN_OR_RETURN(L.minFrameMotion, l.numberOr("min_frame_motion", L.minFrameMotion, 0, 50));
        KIOSK_ASSIGN_OR_RETURN(L.minTexture, l.numberOr("min_texture", L.minTexture, 0, 10000));
    }
    return o;
}

core::Result<FaceEngineOptions> faceEngineOptionsFromKioskConfig(const core::ConfigView& root,
                                                                 const std::string& configDir,
                                                                 const std::string& modelsDir) {
    static const core::Json kEmpty = core::Json::object();
    core::ConfigView c(kEmpty, root.keyPath("face"));
    if (root.has("face")) {
        KIOSK_ASSIGN_OR_RETURN(c, root.child("face"));
    }
    KIOSK_ASSIGN_OR_RETURN(FaceEngineOptions o, faceEngineOptionsFromConfig(c));
    namespace fs = std::filesystem;
    auto resolve = [&](std::string& p, const char* file) {
        if (p.empty())
            p = (fs::path(modelsDir) / file).string();
        else if (fs::path(p).is_relative())
            p = (fs::path(configDir) / p).string();
    };
    resolve(o.recognitionModelPath, "dlib_face_recognition_resnet.dat");
    resolve(o.onnx.modelPath, kOnnxModelFile);
    if (!o.detectCascade.empty() && fs::path(o.detectCascade).is_relative())
        o.detectCascade = (fs::path(configDir) / o.detectCascade).string();
    if (c.has("shape_predictor")) {
        resolve(o.shapePredictorPath, "shape_predictor_68_face_landmarks.dat");
    } else {
        // setup links Debian's file (or the decompressed .bz2) here
        const fs::path linked = fs::path(modelsDir) / "shape_predictor_68_face_landmarks.dat";
        std::error_code ec;
        if (fs::exists(linked, ec)) o.shapePredictorPath = linked.string();
    }
    return o;
}

}  // namespace kiosk::devices
