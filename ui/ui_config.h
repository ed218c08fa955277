#pragma once
// WindowOptions from the kiosk configuration's "ui" object (every key optional):
//   "ui": {
//     "display": "fullscreen" | "windowed" | "offscreen",   (default fullscreen)
//     "width": 1920, "height": 1080,                         (windowed / offscreen size)
//     "officer_pin_hash": "pbkdf2-sha256$...",               (kioskctl ui hash-pin)
//     "voice": true,                    (spoken instructions, espeak-ng; each traveller starts
//                                        with voice on, the on-screen switch turns it off)
//     "voice_binary": "espeak-ng",
//     "sounds": true,                   (success / refusal / see-an-officer tones, SDL audio)
//     "font": "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
//     "font_bold": "...", "font_face_index": 3,
//     "assets_dir": ""                                       (default: the source tree's assets/)
//   }
// Errors name the key ("config.bad_value: ui.width: ..."); an unknown key is
// config.unknown_key with a "did you mean" hint; a font file that is not there is the
// font key's config.bad_value (never "no display").
#include <string>
#include <vector>

#include "core/config.h"
#include "core/result.h"
#include "ui/app.h"

namespace kiosk::ui {

// Every key windowOptionsFromConfig reads.
const std::vector<std::string>& uiConfigKeys();

// `ui` is the "ui" object (or an empty object when the configuration has none).
core::Result<WindowOptions> windowOptionsFromConfig(const core::ConfigView& ui);

}  // namespace kiosk::ui
