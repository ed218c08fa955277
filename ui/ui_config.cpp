#include "ui/ui_config.h"

#include "ui/officer_pin.h"

namespace kiosk::ui {

core::Result<WindowOptions> windowOptionsFromConfig(const core::ConfigView& ui) {
    WindowOptions o;
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
    if (!o.officerPinHash.empty() && o.officerPinHash.rfind("pbkdf2-sha256$", 0) != 0)
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
    KIOSK_ASSIGN_OR_RETURN(int64_t face, ui.integerOr("font_face_index", o.fontFaceIndex, 0, 64));
    o.fontFaceIndex = static_cast<int>(face);
    KIOSK_ASSIGN_OR_RETURN(std::string assets, ui.stringOr("assets_dir", ""));
    o.assetsDir = assets;
    return o;
}

}  // namespace kiosk::ui
