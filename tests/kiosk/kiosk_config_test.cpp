// Issue 16, defect 4: a bad ui.* value or a missing font was reported as "no display" and
// the lane ran headless, in --live mode with a display too. Now a configuration error is
// reported as one, naming the key, before anything starts; and no display stops a live
// machine (only a demo plays on headless, saying so).
#ifdef KIOSK_HAS_CONFIG_CHECK
#include <gtest/gtest.h>

#include "core/config.h"
#include "kiosk/kiosk_config.h"
#include "tests/support/test_support.h"

namespace kiosk::testing {
namespace {

core::Status checkLane(const core::Json& j) {
    return checkKioskConfig(core::ConfigView(j), KioskRole::Lane, tempDir("kiosk-config"));
}

TEST(KioskConfigUi, ABadOfficerPinHashIsAConfigErrorNamingTheKey) {
    for (const char* hash : {"abc", "pbkdf2-sha256$abc", "pbkdf2-sha256$100000$c2FsdA==$short",
                             "pbkdf2-sha256$10$c2FsdA==$E196ZhRPzw+wA84EjzHwJO1cv/MFJdO6C/sxmUeTYqY="}) {
        core::Json j = {{"mode", "live"}, {"ui", {{"officer_pin_hash", hash}}}};
        auto st = checkLane(j);
        ASSERT_FALSE(st.ok()) << hash;
        EXPECT_EQ(st.error().code, "config.bad_value") << hash;
        EXPECT_EQ(st.error().message.rfind("ui.officer_pin_hash: ", 0), 0u) << st.error().message;
    }
    core::Json good = {{"ui", {{"officer_pin_hash",
                                "pbkdf2-sha256$1000$c2FsdHNhbHQ=$E196ZhRPzw+wA84EjzHwJO1cv/MFJdO6C/sxmUeTYqY="}}}};
    auto ok = checkLane(good);
    EXPECT_TRUE(ok.ok()) << ok.error().message;
}

TEST(KioskConfigUi, AMissingFontIsAConfigErrorNamingTheKey) {
    core::Json j = {{"mode", "live"}, {"ui", {{"font", "/nonexistent/NotoSansCJK-Regular.ttc"}}}};
    auto st = checkLane(j);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code, "config.bad_value");
    EXPECT_EQ(st.error().message.rfind("ui.font: ", 0), 0u) << st.error().message;
    core::Json bold = {{"ui", {{"font_bold", "/nonexistent/bold.ttc"}}}};
    auto b = checkLane(bold);
    ASSERT_FALSE(b.ok());
    EXPECT_EQ(b.error().message.rfind("ui.font_bold: ", 0), 0u) << b.error().message;
}

TEST(KioskConfigUi, NoDisplayStopsALiveMachineAndOnlyADemoPlaysHeadless) {
    const core::Error noDisplay{"ui.no_display", "cannot open the display"};
    const core::Error badValue{"config.bad_value", "ui.width: 10 is outside [320, 7680]"};
    const core::Error font{"ui.font", "cannot open font /x.ttc face 3"};
    EXPECT_EQ(uiFailure(noDisplay, /*live=*/true), UiFailure::Stop);
    EXPECT_EQ(uiFailure(noDisplay, /*live=*/false), UiFailure::PlayHeadless);
    for (bool live : {true, false}) {
        EXPECT_EQ(uiFailure(badValue, live), UiFailure::Stop);
        EXPECT_EQ(uiFailure(font, live), UiFailure::Stop);
        EXPECT_EQ(uiFailureMessage(badValue, live).find("headless"), std::string::npos) << uiFailureMessage(badValue, live);
    }
    EXPECT_NE(uiFailureMessage(noDisplay, true).find("never runs headless"), std::string::npos);
    EXPECT_NE(uiFailureMessage(noDisplay, false).find("plays headless"), std::string::npos);
}

TEST(KioskConfigRoles, EachRoleReadsItsOwnKeys) {
    // "live" is the registration machine's; a lane file with it is refused, not ignored.
    auto lane = checkLane(core::Json{{"live", true}});
    ASSERT_FALSE(lane.ok());
    EXPECT_EQ(lane.error().code, "config.unknown_key");
    auto reg = checkKioskConfig(core::ConfigView(core::Json{{"lane_id", "A"}}), KioskRole::Registration,
                                tempDir("kiosk-config"));
    ASSERT_FALSE(reg.ok());
    EXPECT_EQ(reg.error().message.rfind("lane_id: unknown key", 0), 0u) << reg.error().message;
    // The shipped files are accepted as they are.
    for (const auto& [file, role] : std::vector<std::pair<std::string, KioskRole>>{
             {"kiosk.json", KioskRole::Lane},
             {"registration.json", KioskRole::Registration},
             {"registration-live.json", KioskRole::Registration}}) {
        auto j = core::loadJsonFile(sourceDir() / "assets/config" / file);
        ASSERT_TRUE(j.ok()) << j.error().message;
        auto st = checkKioskConfig(core::ConfigView(*j), role, sourceDir() / "assets/config");
        EXPECT_TRUE(st.ok()) << file << ": " << st.error().message;
    }
}

TEST(KioskConfigValues, ABadValueAnywhereNamesTheKey) {
    const std::vector<std::pair<core::Json, std::string>> cases = {
        {{{"store", {{"path", 5}}}}, "store.path: "},
        {{{"store", {{"key_file", ""}}}}, "store.key_file: "},
        {{{"trust", {{"file", false}}}}, "trust.file: "},
        {{{"lane_id", ""}}, "lane_id: "},
        {{{"mode", "lve"}}, "mode: "},
        {{{"devices", {{"gate", {{"backend", "modbus"}, {"port", 70000}}}}}}, "devices.gate.port: "},
        {{{"devices", {{"camera", {{"backend", "opencv"}, {"fps", 0}}}}}}, "devices.camera.fps: "},
        {{{"policy", {{"minimum_age", {{{"from", "2026-01-19"}, {"years", 200}}}}}}}, "policy.minimum_age[0].years: "},
        {{{"ui", {{"width", 10}}}}, "ui.width: "},
        {{{"face", {{"match_threshold", 5.0}}}}, "face.match_threshold: "},
    };
    for (const auto& [j, prefix] : cases) {
        auto st = checkLane(j);
        ASSERT_FALSE(st.ok()) << j.dump();
        EXPECT_EQ(st.error().message.rfind(prefix, 0), 0u) << j.dump() << " -> " << st.error().message;
    }
}

}  // namespace
}  // namespace kiosk::testing
#endif
