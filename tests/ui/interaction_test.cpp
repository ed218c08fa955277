// Input → UiEvent: the screens report taps as events and never decide anything.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <thread>

#include "tests/support/test_support.h"
#include "tests/ui/ui_test_support.h"
#include "ui/app.h"
#include "ui/image_tools.h"
#include "ui/layout.h"
#include "ui/officer_pin.h"
#include "ui/strings.h"
#include "ui/voice.h"

namespace kiosk::ui {
namespace {

using testing::screenModel;

std::unique_ptr<App> makeApp(const std::string& pinHash = "", VoiceMode voice = VoiceMode::Off,
                             const std::string& voiceBinary = "espeak-ng", int w = 960, int h = 540) {
    WindowOptions o;
    o.mode = DisplayMode::Offscreen;
    o.width = w;
    o.height = h;
    o.voice = voice;
    o.voiceBinary = voiceBinary;
    o.officerPinHash = pinHash;
    o.assetsDir = testing::sourceDir() / "assets";
    auto r = App::create(o);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? std::move(r).value() : nullptr;
}

// Waits (up to 5 s) until the fake espeak's log has n lines.
void waitForLines(const std::filesystem::path& log, int n) {
    for (int i = 0; i < 500; ++i) {
        std::ifstream in(log);
        int count = 0;
        for (std::string line; std::getline(in, line);) ++count;
        if (count >= n) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

std::optional<TapTarget> target(const App& app, const std::string& id) {
    for (const auto& t : app.tapTargets())
        if (t.id == id) return t;
    return std::nullopt;
}

std::vector<UiEvent> tap(App& app, const std::string& id) {
    auto t = target(app, id);
    EXPECT_TRUE(t.has_value()) << "no tap target " << id;
    if (!t) return {};
    app.injectTap(t->box.x + t->box.w / 2, t->box.y + t->box.h / 2);
    return app.pollEvents();
}

TEST(UiInteraction, LanguageButtonsOnEveryScreen) {
    auto app = makeApp();
    ASSERT_TRUE(app);
    for (Screen s : allScreens()) {
        ASSERT_TRUE(app->render(screenModel(s, Language::ZhHant)).ok());
        for (Language l : {Language::ZhHant, Language::En, Language::Pt}) {
            auto ev = tap(*app, std::string("lang.") + languageTag(l));
            ASSERT_EQ(ev.size(), 1u) << screenName(s);
            EXPECT_EQ(ev[0].type, UiEventType::LanguageSelected);
            EXPECT_EQ(ev[0].language, l);
        }
        auto v = tap(*app, "voice");
        ASSERT_EQ(v.size(), 1u);
        EXPECT_EQ(v[0].type, UiEventType::VoiceToggled);
        // touch targets are large enough (>= 88 px at 1080p = 44 px at this half size)
        for (const auto& t : app->tapTargets()) EXPECT_GE(t.box.h, 44) << t.id;
    }
}

TEST(UiInteraction, TapTargetsNeverOverlapEachOtherOrTheOfficerCorner) {
    for (auto [w, h] : {std::pair{960, 540}, {1920, 1080}, {800, 1280}, {1080, 1920}, {1280, 800}}) {
        auto app = makeApp("", VoiceMode::Off, "espeak-ng", w, h);
        ASSERT_TRUE(app);
        double k = layout::layoutScale(w, h);
        for (Screen s : allScreens()) {
            for (Language l : {Language::ZhHant, Language::Pt}) {
                ASSERT_TRUE(app->render(screenModel(s, l)).ok());
                auto t = app->tapTargets();
                for (std::size_t i = 0; i < t.size(); ++i) {
                    const Box& a = t[i].box;
                    EXPECT_TRUE(a.x >= 0 && a.y >= 0 && a.x + a.w <= w && a.y + a.h <= h) << t[i].id << " off screen";
                    // the hidden officer corner is 200x120 reference px at the top left
                    EXPECT_FALSE(a.x < 200 * k && a.y < 120 * k) << t[i].id << " in the officer corner at " << w << "x" << h;
                    for (std::size_t j = i + 1; j < t.size(); ++j) {
                        const Box& b = t[j].box;
                        bool overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
                        EXPECT_FALSE(overlap) << t[i].id << " overlaps " << t[j].id << " at " << w << "x" << h;
                    }
                }
            }
        }
    }
}

TEST(UiInteraction, ContinueOnlyOnTheTimeoutWarning) {
    auto app = makeApp();
    ASSERT_TRUE(app);
    ASSERT_TRUE(app->render(screenModel(Screen::Welcome, Language::En)).ok());
    EXPECT_FALSE(target(*app, "continue").has_value());
    ASSERT_TRUE(app->render(screenModel(Screen::TimeoutWarning, Language::En)).ok());
    auto ev = tap(*app, "continue");
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(ev[0].type, UiEventType::ContinuePressed);
    // a timed step on another screen shows the countdown with its own Continue button
    auto face = screenModel(Screen::FaceCapture, Language::Pt);
    face.timeoutSecondsLeft = 25;
    ASSERT_TRUE(app->render(face).ok());
    auto ev2 = tap(*app, "continue");
    ASSERT_EQ(ev2.size(), 1u);
    EXPECT_EQ(ev2[0].type, UiEventType::ContinuePressed);
    auto emergency = screenModel(Screen::Emergency, Language::En);
    emergency.timeoutSecondsLeft = 25;  // nothing to continue in an emergency
    ASSERT_TRUE(app->render(emergency).ok());
    EXPECT_FALSE(target(*app, "continue").has_value());
    ASSERT_TRUE(app->render(screenModel(Screen::TimeoutWarning, Language::En)).ok());
    // a tap on empty background emits nothing
    app->injectTap(app->width() / 2, app->height() - 5);
    EXPECT_TRUE(app->pollEvents().empty());
}

TEST(UiInteraction, HiddenCornerGestureRequestsOfficer) {
    auto app = makeApp();
    ASSERT_TRUE(app);
    ASSERT_TRUE(app->render(screenModel(Screen::Welcome, Language::En)).ok());
    app->injectTap(10, 10);
    app->injectTap(12, 12);
    EXPECT_TRUE(app->pollEvents().empty());
    app->injectTap(11, 9);
    auto ev = app->pollEvents();
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(ev[0].type, UiEventType::OfficerRequested);
}

TEST(UiInteraction, OfficerPinIsCheckedAgainstTheConfiguredHash) {
    auto hash = hashOfficerPin("2468", 1000);
    ASSERT_TRUE(hash.ok());
    auto app = makeApp(*hash);
    ASSERT_TRUE(app);
    auto vm = screenModel(Screen::Welcome, Language::En);
    vm.officer.mode = OfficerMode::PinEntry;
    ASSERT_TRUE(app->render(vm).ok());
    EXPECT_FALSE(target(*app, "lang.en").has_value());  // the overlay covers the traveller screen
    for (const char* k : {"pin.2", "pin.4", "pin.6", "pin.9"}) EXPECT_TRUE(tap(*app, k).empty());
    auto wrong = tap(*app, "pin.ok");
    ASSERT_EQ(wrong.size(), 1u);
    EXPECT_EQ(wrong[0].type, UiEventType::OfficerPinEntered);
    EXPECT_FALSE(wrong[0].pinOk);
    for (const char* k : {"pin.2", "pin.4", "pin.6", "pin.9", "pin.clear", "pin.2", "pin.4", "pin.6", "pin.8"})
        EXPECT_TRUE(tap(*app, k).empty());
    auto right = tap(*app, "pin.ok");
    ASSERT_EQ(right.size(), 1u);
    EXPECT_TRUE(right[0].pinOk);
    auto cancel = tap(*app, "officer.cancel");
    ASSERT_EQ(cancel.size(), 1u);
    EXPECT_EQ(cancel[0].action, OfficerAction::CloseOverlay);

    auto noHash = makeApp("");
    ASSERT_TRUE(noHash->render(vm).ok());
    tap(*noHash, "pin.2");
    auto ev = tap(*noHash, "pin.ok");
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_FALSE(ev[0].pinOk);  // no PIN configured: nobody gets in
}

TEST(UiInteraction, EveryOfficerMenuActionIsAnEvent) {
    auto app = makeApp();
    ASSERT_TRUE(app);
    auto vm = screenModel(Screen::Welcome, Language::En);
    vm.officer = testing::sampleOfficer(OfficerMode::Menu);
    ASSERT_TRUE(app->render(vm).ok());
    std::vector<std::pair<std::string, OfficerAction>> expect = {
        {"officer.lane_out_of_service", OfficerAction::LaneOutOfService},
        {"officer.open_door1", OfficerAction::OpenDoor1},
        {"officer.close_door2", OfficerAction::CloseDoor2},
        {"officer.show_scan_log", OfficerAction::ShowScanLog},
        {"officer.show_alerts", OfficerAction::ShowAlerts},
        {"officer.close_overlay", OfficerAction::CloseOverlay}};
    for (const auto& [id, action] : expect) {
        auto ev = tap(*app, id);
        ASSERT_EQ(ev.size(), 1u) << id;
        EXPECT_EQ(ev[0].type, UiEventType::OfficerAction);
        EXPECT_EQ(ev[0].action, action) << id;
    }
    // the menu follows the lane's state: out of service -> offer "in service"; doors flip
    vm.officer.laneInService = false;
    vm.officer.door1Open = true;
    vm.officer.door2Open = false;
    ASSERT_TRUE(app->render(vm).ok());
    EXPECT_EQ(tap(*app, "officer.lane_in_service").at(0).action, OfficerAction::LaneInService);
    EXPECT_EQ(tap(*app, "officer.close_door1").at(0).action, OfficerAction::CloseDoor1);
    EXPECT_EQ(tap(*app, "officer.open_door2").at(0).action, OfficerAction::OpenDoor2);

    vm.officer.mode = OfficerMode::Alerts;
    ASSERT_TRUE(app->render(vm).ok());
    auto ack = tap(*app, "ack.a1");
    ASSERT_EQ(ack.size(), 1u);
    EXPECT_EQ(ack[0].action, OfficerAction::AcknowledgeAlert);
    EXPECT_EQ(ack[0].alertId, "a1");
    EXPECT_FALSE(target(*app, "ack.a0").has_value());  // already acknowledged
    EXPECT_EQ(tap(*app, "officer.back").at(0).action, OfficerAction::BackToMenu);

    vm.officer.mode = OfficerMode::ScanLog;
    ASSERT_TRUE(app->render(vm).ok());
    EXPECT_EQ(tap(*app, "officer.back").at(0).action, OfficerAction::BackToMenu);
    EXPECT_STREQ(officerActionName(OfficerAction::OpenDoor2), "open_door2");
}

TEST(UiInteraction, VoicePromptFollowsScreenAndLanguage) {
    auto dir = kiosk::testing::tempDir("ui_app_voice");
    auto script = dir / "fake-espeak";
    auto log = dir / "calls.txt";
    {
        std::ofstream f(script);
        f << "#!/bin/sh\necho \"$*\" >> " << log.string() << "\n";
    }
    std::filesystem::permissions(script, std::filesystem::perms::owner_all);
    auto app = makeApp("", VoiceMode::Espeak, script.string());
    ASSERT_TRUE(app);
    auto vm = screenModel(Screen::Proceed, Language::ZhHant);
    vm.voiceEnabled = false;
    ASSERT_TRUE(app->render(vm).ok());
    vm.voiceEnabled = true;
    ASSERT_TRUE(app->render(vm).ok());
    ASSERT_TRUE(app->render(vm).ok());  // same screen: spoken once
    waitForLines(log, 1);
    vm.language = Language::Pt;
    ASSERT_TRUE(app->render(vm).ok());
    waitForLines(log, 2);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // a third (wrong) call would show up
    app->pollEvents();
    std::ifstream in(log);
    std::vector<std::string> lines;
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_NE(lines[0].find("-v yue"), std::string::npos) << lines[0];
    EXPECT_NE(lines[0].find("請前行"), std::string::npos) << lines[0];
    EXPECT_NE(lines[1].find("-v pt"), std::string::npos) << lines[1];
    EXPECT_NE(lines[1].find("Pode avançar"), std::string::npos) << lines[1];
}

TEST(UiInteraction, EveryScreenIsSpokenInEveryLanguageAndTheCountdownOnce) {
    auto dir = kiosk::testing::tempDir("ui_all_voice");
    auto script = dir / "fake-espeak";
    auto log = dir / "calls.txt";
    {
        std::ofstream f(script);
        f << "#!/bin/sh\necho \"$*\" >> " << log.string() << "\n";
    }
    std::filesystem::permissions(script, std::filesystem::perms::owner_all);
    auto app = makeApp("", VoiceMode::Espeak, script.string());
    ASSERT_TRUE(app);
    auto table = StringTable::load(testing::sourceDir() / "assets" / "strings" / "strings.json");
    ASSERT_TRUE(table.ok());
    std::vector<std::string> expected;
    for (Language l : {Language::ZhHant, Language::En, Language::Pt}) {
        for (Screen s : allScreens()) {
            auto vm = screenModel(s, l);
            vm.voiceEnabled = true;
            ASSERT_TRUE(app->render(vm).ok());
            if (s == Screen::TimeoutWarning) {
                vm.timeoutSecondsLeft = 19;  // the countdown ticks: not spoken again
                ASSERT_TRUE(app->render(vm).ok());
            }
            // wait for this prompt's (fake) espeak to finish so the next does not stop it early
            waitForLines(log, static_cast<int>(expected.size()) + 1);
            expected.push_back(std::string("-v ") + espeakVoice(l) + " ") ;
            expected.back() += "|" + table->get(std::string(screenName(s)) + ".title", l);
        }
    }
    std::ifstream in(log);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    ASSERT_EQ(lines.size(), expected.size());
    for (std::size_t i = 0; i < lines.size(); ++i) {
        auto bar = expected[i].find('|');
        EXPECT_NE(lines[i].find(expected[i].substr(0, bar)), std::string::npos) << lines[i];
        EXPECT_NE(lines[i].find(expected[i].substr(bar + 1)), std::string::npos) << lines[i];
    }
}

TEST(UiInteraction, NoDisplayIsAClearError) {
    std::string saved[3];
    const char* names[3] = {"DISPLAY", "WAYLAND_DISPLAY", "SDL_VIDEODRIVER"};
    for (int i = 0; i < 3; ++i) {
        if (const char* v = std::getenv(names[i])) saved[i] = v;
        unsetenv(names[i]);
    }
    WindowOptions o;
    o.mode = DisplayMode::Fullscreen;
    o.voice = VoiceMode::Off;
    auto r = App::create(o);
    for (int i = 0; i < 3; ++i)
        if (!saved[i].empty()) setenv(names[i], saved[i].c_str(), 1);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, "ui.no_display");
    EXPECT_NE(r.error().message.find("--headless"), std::string::npos);
}

TEST(UiInteraction, BadAssetsAndFontsAreReported) {
    WindowOptions o;
    o.mode = DisplayMode::Offscreen;
    o.voice = VoiceMode::Off;
    o.assetsDir = "/nonexistent/assets";
    auto r = App::create(o);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, "ui.strings");
    o.assetsDir = testing::sourceDir() / "assets";
    o.fontPath = "/nonexistent/font.ttc";
    auto f = App::create(o);
    ASSERT_FALSE(f.ok());
    EXPECT_EQ(f.error().code, "ui.font");
}

TEST(UiInteraction, ScreenshotBeforeRenderFailsAndPreviewStreams) {
    auto app = makeApp();
    ASSERT_TRUE(app);
    auto dir = kiosk::testing::tempDir("ui_prev");
    EXPECT_FALSE(app->screenshot(dir / "none.png").ok());
    auto vm = screenModel(Screen::FaceCapture, Language::En);
    ASSERT_TRUE(app->render(vm).ok());
    ASSERT_TRUE(app->screenshot(dir / "a.png").ok());
    // a new frame (different content and sequence) changes the picture; a grey frame works too
    vm.preview = testing::syntheticPreview(2);
    for (std::size_t i = 0; i < vm.preview->pixels.size(); i += 3) vm.preview->pixels[i + 1] = 0;
    ASSERT_TRUE(app->render(vm).ok());
    ASSERT_TRUE(app->screenshot(dir / "b.png").ok());
    CameraPreview grey;
    grey.width = 320;
    grey.height = 240;
    grey.format = PreviewFormat::Gray8;
    grey.sequence = 3;
    grey.pixels.assign(320 * 240, 200);
    vm.preview = grey;
    ASSERT_TRUE(app->render(vm).ok());
    ASSERT_TRUE(app->screenshot(dir / "c.png").ok());
    auto a = loadPng(dir / "a.png"), b = loadPng(dir / "b.png"), c = loadPng(dir / "c.png");
    ASSERT_TRUE(a.ok() && b.ok() && c.ok());
    EXPECT_GT(compareImages(*a, *b).differingFraction, 0.05);
    EXPECT_GT(compareImages(*b, *c).differingFraction, 0.05);
    // the grey frame shows grey: sample the preview centre (left half of the screen)
    const uint8_t* p = &c->pixels[(270 * 960 + 240) * 3];
    EXPECT_EQ(p[0], 200);
    EXPECT_EQ(p[1], 200);
    EXPECT_EQ(p[2], 200);
}

}  // namespace
}  // namespace kiosk::ui
