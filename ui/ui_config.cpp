#include "ui/ui_config.h"

#include <unistd.h>

#include <filesystem>

#include "ui/officer_pin.h"

namespace kiosk::ui {

namespace {

// A font is part of the configuration: a missing or unreadable file is the key's error,
// not "no display" (issue 16: the lane used to fall back to headless on it).
core::Status readableFile(const core::ConfigView& ui, const std::string& key, const std::filesystem::path& p) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(p, ec))
        return ui.bad(key, "font file " + p.string() + " does not exist (install fonts-noto-cjk or name another file)");
    if (::access(p.c_str(), R_OK) != 0) return ui.bad(key, "font file " + p.string() + " is not readable");
    return {};
}

}  // namespace

const std::vector<std::string>& uiConfigKeys() {
    static const std::vector<std::string> keys = {"display",    "width", "height",    "officer_pin_hash",
                                                  "voice",      "voice_binary", "sounds", "font",
                                                  "font_bold",  "font_face_index", "assets_dir"};
    return keys;
}

core::Result<WindowOptions> windowOptionsFromConfig(const core::ConfigView& ui) {
    WindowOptions o;
    KIOSK_TRY(ui.onlyKeys(uiConfigKeys(), "docs/ui.md"));
    KIOSK_ASSIGN_OR_RETURN(std::string display,
                           ui.oneOf("display", {"fullscreen", "windowed", "offscreen"}, "fullscreen"));
    o.mode = display == "windowed" ? DisplayMode::Windowed
             : display == "offscreen" ? DisplayMode::Offscreen
                                      : DisplayMode::Fullscreen;
    KIOSK_ASSIGN_OR_RETURN(int64_t w, ui.integerOr("width", o.width, 320, 7680));
    KIOSK_ASSIGN_OR_RETURN(int64_t h, ui.integerOr("height", o.height, 240, 7680));
    o.width = static_cast<int>(w);
    o.height = static_cast<int>(h);
    KIOSK_ASSIGN_OR_RETURN(o.officerPinHash, ui.stringOr("officer_pin_hash", ""));
    if (!o.officerPinHash.empty() && !wellFormedOfficerPinHash(o.officerPinHash))
        return ui.bad("officer_pin_hash", "must be a hash made by `kioskctl ui hash-pin` (pbkdf2-sha256$...)");
    KIOSK_ASSIGN_OR_RETURN(bool voice, ui.booleanOr("voice", true));
    o.voice = voice ? VoiceMode::Espeak : VoiceMode::Off;
    KIOSK_ASSIGN_OR_RETURN(o.voiceBinary, ui.stringOr("voice_binary", o.voiceBinary));
    KIOSK_ASSIGN_OR_RETURN(bool sounds, ui.booleanOr("sounds", true));
    o.sounds = sounds ? SoundMode::Tones : SoundMode::Off;
    KIOSK_ASSIGN_OR_RETURN(std::string font, ui.stringOr("font", o.fontPath.string()));
    KIOSK_ASSIGN_OR_RETURN(std::string bold, ui.stringOr("font_bold", o.boldFontPath.string()));
    o.fontPath = font;
    o.boldFontPath = bold;
    KIOSK_TRY(readableFile(ui, "font", o.fontPath));
    KIOSK_TRY(readableFile(ui, "font_bold", o.boldFontPath));
    KIOSK_ASSIGN_OR_RETURN(int64_t face, ui.integerOr("font_face_index", o.fontFaceIndex, 0, 64));
    o.fontFaceIndex = static_cast<int>(face);
    KIOSK_ASSIGN_OR_RETURN(std::string assets, ui.stringOr("assets_dir", ""));
    o.assetsDir = assets;
    return o;
}

}  // namespace kiosk::ui
