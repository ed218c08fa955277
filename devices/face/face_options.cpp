// The "face" section of the kiosk configuration -> FaceEngineOptions.
#include "core/config.h"
#include "devices/face.h"

namespace kiosk::devices {

core::Result<FaceEngineOptions> faceEngineOptionsFromConfig(const core::ConfigView& c) {
    FaceEngineOptions o;
    KIOSK_ASSIGN_OR_RETURN(o.shapePredictorPath, c.stringOr("shape_predictor", o.shapePredictorPath));
    KIOSK_ASSIGN_OR_RETURN(o.recognitionModelPath, c.stringOr("recognition_model", o.recognitionModelPath));
    KIOSK_ASSIGN_OR_RETURN(o.matchThreshold, c.numberOr("match_threshold", o.matchThreshold, 0.2, 0.8));
    KIOSK_ASSIGN_OR_RETURN(auto up, c.integerOr("detect_upsample", o.detectUpsample, 0, 2));
    o.detectUpsample = static_cast<int>(up);
    KIOSK_ASSIGN_OR_RETURN(auto side, c.integerOr("detect_max_side", o.detectMaxSide, 0, 4096));
    if (side != 0 && side < 160) return c.bad("detect_max_side", "must be 0 (off) or at least 160");
    o.detectMaxSide = static_cast<int>(side);
    KIOSK_ASSIGN_OR_RETURN(auto mf, c.integerOr("max_frames", o.maxFrames, 1, 30));
    o.maxFrames = static_cast<int>(mf);
    KIOSK_ASSIGN_OR_RETURN(auto tb, c.integerOr("time_budget_ms", o.timeBudget.count(), 50, 30000));
    o.timeBudget = core::Millis(tb);
    if (c.has("quality")) {
        KIOSK_ASSIGN_OR_RETURN(auto q, c.child("quality"));
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

}  // namespace kiosk::devices
