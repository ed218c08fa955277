#include "kiosk/kiosk_config.h"

#include "devices/face.h"
#include "devices/fingerprint/libfprint_reader.h"
#include "devices/io/device_config.h"
#include "kiosk/lane/hc1_trust.h"
#include "kiosk/registration/registration_services.h"
#include "kiosk/sync/sync_agent.h"
#include "policies/policy_config.h"
#include "ui/ui_config.h"

namespace kiosk {

namespace fs = std::filesystem;

namespace {

template <typename T>
core::Status check(const core::Result<T>& r) {
    if (!r.ok()) return r.error();
    return {};
}

const core::Json& emptyObject() {
    static const core::Json e = core::Json::object();
    return e;
}

// An optional section: absent is an empty object under its own name.
core::Result<core::ConfigView> section(const core::ConfigView& root, const std::string& key) {
    if (!root.has(key)) return core::ConfigView(emptyObject(), root.keyPath(key));
    return root.child(key);
}

core::Status existingFile(const core::ConfigView& v, const std::string& key, const fs::path& configDir) {
    KIOSK_ASSIGN_OR_RETURN(std::string s, v.string(key));
    if (s.empty()) return v.bad(key, "must name a file");
    const fs::path p = fs::path(s).is_absolute() ? fs::path(s) : configDir / s;
    std::error_code ec;
    if (!fs::is_regular_file(p, ec)) return v.bad(key, "file " + p.string() + " does not exist");
    return {};
}

core::Status nonEmptyString(const core::ConfigView& v, const std::string& key) {
    if (!v.has(key)) return {};
    KIOSK_ASSIGN_OR_RETURN(std::string s, v.string(key));
    if (s.empty()) return v.bad(key, "must not be empty");
    return {};
}

core::Status checkFace(const core::ConfigView& root) {
    if (!root.has("face")) return {};
    KIOSK_ASSIGN_OR_RETURN(auto face, root.child("face"));
    KIOSK_TRY(face.onlyKeys(faceKeys(), "docs/face.md"));
    // The engine's own reader: every key's value checked the way the kiosk will read it.
    return check(devices::faceEngineOptionsFromConfig(face));
}

}  // namespace

const std::vector<std::string>& topLevelKeys(KioskRole role) {
    static const std::vector<std::string> lane = {"mode", "lane_id", "scenario", "face", "fingerprint", "devices",
                                                  "store", "trust", "policy", "sync", "ui"};
    static const std::vector<std::string> registration = {"mode", "live", "scenario", "strings", "face",
                                                          "fingerprint", "devices", "store", "registration",
                                                          "policy", "sync", "ui"};
    return role == KioskRole::Lane ? lane : registration;
}

const std::vector<std::string>& storeKeys() {
    static const std::vector<std::string> k = {"path", "key_file"};
    return k;
}

const std::vector<std::string>& trustKeys() {
    static const std::vector<std::string> k = {"file", "signer_public_key", "hc1_signers", "hc1_signing_cas",
                                               "hc1_signer_trust"};
    return k;
}

// docs/face.md "Configuration", read by devices::faceEngineOptionsFromConfig.
const std::vector<std::string>& faceKeys() {
    static const std::vector<std::string> k = {"recogniser", "recognition_model", "shape_predictor", "onnx",
                                               "match_threshold", "template_rule", "detect_upsample",
                                               "detect_max_side", "detect_min_face_px", "track", "max_frames",
                                               "time_budget_ms", "quality", "liveness"};
    return k;
}

core::Status checkKioskConfig(const core::ConfigView& root, KioskRole role, const fs::path& configDir) {
    const bool lane = role == KioskRole::Lane;
    KIOSK_TRY(root.onlyKeys(topLevelKeys(role), "docs/configuration.md"));
    KIOSK_TRY(check(root.oneOf("mode", {"demo", "live", "registration"}, "demo")));
    KIOSK_TRY(check(root.stringOr("scenario", "")));
    std::string deviceId;
    if (lane) {
        KIOSK_TRY(nonEmptyString(root, "lane_id"));
        KIOSK_ASSIGN_OR_RETURN(deviceId, root.stringOr("lane_id", "LANE-01"));
    } else {
        KIOSK_TRY(check(root.booleanOr("live", false)));
        if (root.has("strings")) KIOSK_TRY(existingFile(root, "strings", configDir));
    }
    KIOSK_TRY(checkFace(root));

    if (root.has("fingerprint")) {
        KIOSK_ASSIGN_OR_RETURN(auto fp, root.child("fingerprint"));
        KIOSK_TRY(check(devices::fingerprint::readerOptionsFromConfig(fp)));
    }

    KIOSK_ASSIGN_OR_RETURN(auto devicesCfg, section(root, "devices"));
    KIOSK_TRY(devices::io::checkDevicesConfig(
        devicesCfg, lane ? std::vector<std::string>{"camera", "qr", "document", "gate"}
                         : std::vector<std::string>{"camera", "document", "printer"}));

    KIOSK_ASSIGN_OR_RETURN(auto store, section(root, "store"));
    KIOSK_TRY(store.onlyKeys(storeKeys(), "docs/configuration.md"));
    KIOSK_TRY(nonEmptyString(store, "path"));
    KIOSK_TRY(nonEmptyString(store, "key_file"));

    if (lane) {
        KIOSK_ASSIGN_OR_RETURN(auto trust, section(root, "trust"));
        KIOSK_TRY(trust.onlyKeys(trustKeys(), "docs/configuration.md"));
        KIOSK_TRY(nonEmptyString(trust, "file"));
        KIOSK_TRY(nonEmptyString(trust, "signer_public_key"));
        KIOSK_TRY(check(lane::hc1SignersFromConfig(trust, configDir)));
    }

    KIOSK_TRY(check(policies::loadPolicyConfigFromRoot(root.json())));

    if (!lane) {
        registration::RegistrationSettings settings;
        registration::RegistrationConfig machine;
        KIOSK_ASSIGN_OR_RETURN(auto reg, section(root, "registration"));
        KIOSK_TRY(registration::registrationSettingsFromConfig(reg, settings, machine));
        deviceId = settings.deviceId;
    }

    if (root.has("sync")) {
        KIOSK_ASSIGN_OR_RETURN(auto sync, root.child("sync"));
        KIOSK_TRY(check(sync::syncOptionsFromConfig(sync, deviceId, configDir.string())));
    }

    KIOSK_ASSIGN_OR_RETURN(auto ui, section(root, "ui"));
    return check(ui::windowOptionsFromConfig(ui));
}

UiFailure uiFailure(const core::Error& e, bool live) {
    if (e.code == "ui.no_display" && !live) return UiFailure::PlayHeadless;
    return UiFailure::Stop;
}

std::string uiFailureMessage(const core::Error& e, bool live) {
    std::string out = "kiosk: " + e.code + ": " + e.message + "\n";
    if (e.code != "ui.no_display")
        return out + "kiosk: the screen could not be opened (a configuration or installation error); nothing was started\n";
    if (live)
        return out + "kiosk: --live needs its screen: a live machine never runs headless unless told to (--headless); "
                     "on a kiosk, start it inside the X session\n";
    return out + "kiosk: no display here, so the demo plays headless (use --headless to skip this message; on a kiosk, "
                 "start it inside the X session)\n";
}

}  // namespace kiosk
