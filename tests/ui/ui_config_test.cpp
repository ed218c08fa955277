#include <gtest/gtest.h>

#include "core/config.h"
#include "ui/ui_config.h"

namespace kiosk::ui {
namespace {

core::Result<WindowOptions> fromText(const std::string& text) {
    auto j = core::parseJsonText(text, "test");
    EXPECT_TRUE(j.ok());
    static core::Json keep;
    keep = *j;
    return windowOptionsFromConfig(core::ConfigView(keep, "ui"));
}

TEST(UiConfig, DefaultsAreAFullscreenKioskWithVoice) {
    auto o = fromText("{}");
    ASSERT_TRUE(o.ok());
    EXPECT_EQ(o->mode, DisplayMode::Fullscreen);
    EXPECT_EQ(o->voice, VoiceMode::Espeak);
    EXPECT_EQ(o->fontFaceIndex, 3);
    EXPECT_TRUE(o->officerPinHash.empty());
}

TEST(UiConfig, ReadsEveryKey) {
    auto o = fromText(R"({"display": "windowed", "width": 1280, "height": 800, "voice": false,
                          "officer_pin_hash": "pbkdf2-sha256$1000$c2FsdHNhbHQ=$E196ZhRPzw+wA84EjzHwJO1cv/MFJdO6C/sxmUeTYqY=",
                          "font_face_index": 4, "assets_dir": "/opt/kiosk/assets"})");
    ASSERT_TRUE(o.ok()) << o.error().message;
    EXPECT_EQ(o->mode, DisplayMode::Windowed);
    EXPECT_EQ(o->width, 1280);
    EXPECT_EQ(o->height, 800);
    EXPECT_EQ(o->voice, VoiceMode::Off);
    EXPECT_EQ(o->fontFaceIndex, 4);
    EXPECT_EQ(o->assetsDir, "/opt/kiosk/assets");
}

TEST(UiConfig, ErrorsNameTheKey) {
    auto a = fromText(R"({"display": "projector"})");
    ASSERT_FALSE(a.ok());
    EXPECT_EQ(a.error().code, "config.bad_value");
    EXPECT_NE(a.error().message.find("ui.display"), std::string::npos);
    auto b = fromText(R"({"width": 10})");
    ASSERT_FALSE(b.ok());
    EXPECT_NE(b.error().message.find("ui.width"), std::string::npos);
    auto c = fromText(R"({"officer_pin_hash": "2468"})");
    ASSERT_FALSE(c.ok());
    EXPECT_NE(c.error().message.find("ui.officer_pin_hash"), std::string::npos);
    auto d = fromText(R"({"voice": "yes"})");
    ASSERT_FALSE(d.ok());
    EXPECT_NE(d.error().message.find("ui.voice"), std::string::npos);
}

}  // namespace
}  // namespace kiosk::ui
