// Real SDL input events (touch, mouse, keyboard) through the event queue, offscreen.
#include <gtest/gtest.h>

#include <SDL.h>

#include "tests/ui/ui_test_support.h"
#include "ui/app.h"
#include "ui/officer_pin.h"

namespace kiosk::ui {
namespace {

std::unique_ptr<App> offscreenApp(const std::string& pinHash = "") {
    WindowOptions o;
    o.mode = DisplayMode::Offscreen;
    o.width = 960;
    o.height = 540;
    o.voice = VoiceMode::Off;
    o.officerPinHash = pinHash;
    o.assetsDir = testing::sourceDir() / "assets";
    auto r = App::create(o);
    EXPECT_TRUE(r.ok());
    return r.ok() ? std::move(r).value() : nullptr;
}

TapTarget find(const App& app, const std::string& id) {
    for (const auto& t : app.tapTargets())
        if (t.id == id) return t;
    ADD_FAILURE() << "no target " << id;
    return {};
}

void pushFinger(const App& app, int x, int y) {
    SDL_Event e{};
    e.type = SDL_FINGERDOWN;
    e.tfinger.x = (x + 0.5f) / app.width();
    e.tfinger.y = (y + 0.5f) / app.height();
    e.tfinger.pressure = 1.0f;
    ASSERT_EQ(SDL_PushEvent(&e), 1);
}

void pushMouse(int x, int y, Uint32 which) {
    SDL_Event e{};
    e.type = SDL_MOUSEBUTTONDOWN;
    e.button.button = SDL_BUTTON_LEFT;
    e.button.which = which;
    e.button.x = x;
    e.button.y = y;
    ASSERT_EQ(SDL_PushEvent(&e), 1);
}

void pushKey(SDL_Keycode k) {
    SDL_Event e{};
    e.type = SDL_KEYDOWN;
    e.key.keysym.sym = k;
    ASSERT_EQ(SDL_PushEvent(&e), 1);
}

TEST(UiTouch, FingerTouchSelectsLanguage) {
    auto app = offscreenApp();
    ASSERT_TRUE(app);
    ASSERT_TRUE(app->render(sampleViewModel(Screen::Welcome, Language::ZhHant)).ok());
    app->pollEvents();
    auto t = find(*app, "lang.pt");
    pushFinger(*app, t.box.x + t.box.w / 2, t.box.y + t.box.h / 2);
    auto ev = app->pollEvents();
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(ev[0].type, UiEventType::LanguageSelected);
    EXPECT_EQ(ev[0].language, Language::Pt);
}

TEST(UiTouch, MouseWorksButMouseSynthesizedFromTouchIsIgnored) {
    auto app = offscreenApp();
    ASSERT_TRUE(app);
    ASSERT_TRUE(app->render(sampleViewModel(Screen::TimeoutWarning, Language::En)).ok());
    app->pollEvents();
    auto t = find(*app, "continue");
    pushMouse(t.box.x + 5, t.box.y + 5, SDL_TOUCH_MOUSEID);  // a touch's mouse echo: not twice
    EXPECT_TRUE(app->pollEvents().empty());
    pushMouse(t.box.x + 5, t.box.y + 5, 0);
    auto ev = app->pollEvents();
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(ev[0].type, UiEventType::ContinuePressed);
}

TEST(UiTouch, KeyboardF12AndPinDigits) {
    auto hash = hashOfficerPin("1357", 1000);
    ASSERT_TRUE(hash.ok());
    auto app = offscreenApp(*hash);
    ASSERT_TRUE(app);
    auto vm = sampleViewModel(Screen::Welcome, Language::En);
    ASSERT_TRUE(app->render(vm).ok());
    app->pollEvents();
    pushKey(SDLK_F12);
    auto ev = app->pollEvents();
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(ev[0].type, UiEventType::OfficerRequested);
    vm.officer.mode = OfficerMode::PinEntry;
    ASSERT_TRUE(app->render(vm).ok());
    for (SDL_Keycode k : {SDLK_1, SDLK_3, SDLK_5, SDLK_7, SDLK_RETURN}) pushKey(k);
    ev = app->pollEvents();
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(ev[0].type, UiEventType::OfficerPinEntered);
    EXPECT_TRUE(ev[0].pinOk);
    // Escape does not quit a kiosk (only a windowed development run)
    pushKey(SDLK_ESCAPE);
    EXPECT_TRUE(app->pollEvents().empty());
}

}  // namespace
}  // namespace kiosk::ui
