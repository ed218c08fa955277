// The registration screens: taps become the right events (and only where the machine
// allows them), the terms scroll to their end, every screen is spoken in every language,
// and the accessibility rules of the lane hold (touch targets, type sizes, contrast).
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <thread>

#include "tests/support/test_support.h"
#include "tests/ui/ui_test_support.h"
#include "ui/app.h"
#include "ui/image_tools.h"
#include "ui/layout.h"
#include "ui/palette.h"
#include "ui/samples.h"
#include "ui/strings.h"
#include "ui/voice.h"

namespace kiosk::ui {
namespace {

constexpr Language kLanguages[] = {Language::ZhHant, Language::En, Language::Pt};

std::unique_ptr<App> makeRegistrationApp(int w = 960, int h = 540, VoiceMode voice = VoiceMode::Off,
                             const std::string& voiceBinary = "espeak-ng") {
    WindowOptions o;
    o.mode = DisplayMode::Offscreen;
    o.width = w;
    o.height = h;
    o.voice = voice;
    o.voiceBinary = voiceBinary;
    o.assetsDir = testing::sourceDir() / "assets";
    auto r = App::create(o);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? std::move(r).value() : nullptr;
}

std::set<std::string> ids(const App& app) {
    std::set<std::string> out;
    for (const auto& t : app.tapTargets()) out.insert(t.id);
    return out;
}

std::vector<UiEvent> tapRegistration(App& app, const std::string& id) {
    for (const auto& t : app.tapTargets())
        if (t.id == id) {
            app.injectTap(t.box.x + t.box.w / 2, t.box.y + t.box.h / 2);
            return app.pollEvents();
        }
    ADD_FAILURE() << "no tapRegistration target " << id;
    return {};
}

RegistrationAction actionOf(const std::vector<UiEvent>& ev) {
    for (const auto& e : ev)
        if (e.type == UiEventType::Registration) return e.registrationAction;
    return RegistrationAction::None;
}

ViewModel model(RegistrationScreen s, Language l = Language::En) { return sampleRegistrationViewModel(s, l); }

TEST(RegistrationScreens, ButtonsPerScreenAndTheirEvents) {
    auto app = makeRegistrationApp();
    ASSERT_TRUE(app);
    struct Expect {
        RegistrationScreen screen;
        std::vector<std::pair<std::string, RegistrationAction>> buttons;
    };
    const std::vector<Expect> table = {
        {RegistrationScreen::InsertCard, {{"reg.cancel", RegistrationAction::Cancel}}},
        {RegistrationScreen::Checking, {}},
        {RegistrationScreen::Refused, {{"reg.done", RegistrationAction::Done}}},
        {RegistrationScreen::Terms, {{"reg.decline", RegistrationAction::Decline}}},  // Accept not yet enabled
        {RegistrationScreen::TakeCard, {}},
        {RegistrationScreen::Finger, {{"reg.cancel", RegistrationAction::Cancel}}},
        {RegistrationScreen::Face, {{"reg.cancel", RegistrationAction::Cancel}}},
        {RegistrationScreen::Confirm, {{"reg.cancel", RegistrationAction::Cancel}, {"reg.confirm", RegistrationAction::Confirm}}},
        {RegistrationScreen::Committing, {}},
        {RegistrationScreen::Receipt, {{"reg.done", RegistrationAction::Done}}},  // no reprint while printing
        {RegistrationScreen::OutOfService, {}},
        {RegistrationScreen::Cancelled, {}},
    };
    for (const auto& x : table) {
        ASSERT_TRUE(app->render(model(x.screen)).ok());
        auto have = ids(*app);
        std::set<std::string> regButtons;
        for (const auto& id : have)
            if (id.rfind("reg.", 0) == 0 && id.rfind("reg.terms.", 0) != 0) regButtons.insert(id);
        std::set<std::string> want;
        for (const auto& [id, a] : x.buttons) want.insert(id);
        EXPECT_EQ(regButtons, want) << registrationScreenName(x.screen);
        for (const auto& [id, a] : x.buttons)
            EXPECT_EQ(actionOf(tapRegistration(*app, id)), a) << registrationScreenName(x.screen) << " " << id;
    }
    // Accept once the machine has seen the end; Reprint once the printer failed
    auto terms = model(RegistrationScreen::Terms);
    terms.registration->termsAcceptEnabled = true;
    ASSERT_TRUE(app->render(terms).ok());
    EXPECT_EQ(actionOf(tapRegistration(*app, "reg.accept")), RegistrationAction::Accept);
    auto receipt = model(RegistrationScreen::Receipt);
    receipt.registration->printer = ReceiptPrinter::OutOfPaper;
    receipt.registration->reprintOffered = true;
    ASSERT_TRUE(app->render(receipt).ok());
    EXPECT_EQ(actionOf(tapRegistration(*app, "reg.reprint")), RegistrationAction::Reprint);
    // the timeout warning: Continue, like the lane's
    ASSERT_TRUE(app->render(model(RegistrationScreen::TimeoutWarning)).ok());
    auto c = tapRegistration(*app, "continue");
    ASSERT_EQ(c.size(), 1u);
    EXPECT_EQ(c[0].type, UiEventType::ContinuePressed);
}

TEST(RegistrationScreens, LanguageChoiceHasLargeButtonsOnlyInTheBody) {
    auto app = makeRegistrationApp(1920, 1080);
    ASSERT_TRUE(app);
    ASSERT_TRUE(app->render(model(RegistrationScreen::ChooseLanguage, Language::ZhHant)).ok());
    int count = 0;
    for (const auto& t : app->tapTargets())
        if (t.id.rfind("lang.", 0) == 0) {
            ++count;
            EXPECT_GE(t.box.h, 200) << t.id;  // large: the first thing a resident touches
            EXPECT_GT(t.box.y, 300) << t.id;  // in the body, not the top bar
        }
    EXPECT_EQ(count, 3);
    for (Language l : kLanguages) {
        auto ev = tapRegistration(*app, std::string("lang.") + languageTag(l));
        ASSERT_EQ(ev.size(), 1u);
        EXPECT_EQ(ev[0].type, UiEventType::LanguageSelected);
        EXPECT_EQ(ev[0].language, l);
    }
}

TEST(RegistrationScreens, TermsScrollToTheEndAndReportItOnce) {
    auto app = makeRegistrationApp();
    ASSERT_TRUE(app);
    auto vm = model(RegistrationScreen::Terms, Language::Pt);
    ASSERT_TRUE(app->render(vm).ok());
    EXPECT_EQ(actionOf(app->pollEvents()), RegistrationAction::None) << "the terms do not fit: not read yet";
    auto dir = kiosk::testing::tempDir("reg_terms");
    ASSERT_TRUE(app->screenshot(dir / "top.png").ok());
    int reported = 0, pages = 0;
    for (; pages < 30 && reported == 0; ++pages) {
        auto ev = tapRegistration(*app, "reg.terms.down");
        EXPECT_EQ(actionOf(ev), RegistrationAction::None);  // the arrow itself is no machine event
        ASSERT_TRUE(app->render(vm).ok());
        for (const auto& e : app->pollEvents()) reported += e.registrationAction == RegistrationAction::TermsReadToEnd;
    }
    EXPECT_EQ(reported, 1);
    EXPECT_GE(pages, 2) << "more than one page of terms at 960x540";
    // more scrolling, up and down again: not reported a second time on the same screen
    tapRegistration(*app, "reg.terms.up");
    ASSERT_TRUE(app->render(vm).ok());
    tapRegistration(*app, "reg.terms.down");
    ASSERT_TRUE(app->render(vm).ok());
    EXPECT_EQ(actionOf(app->pollEvents()), RegistrationAction::None);
    // the frame really moved
    ASSERT_TRUE(app->screenshot(dir / "end.png").ok());
    auto a = loadPng(dir / "top.png"), b = loadPng(dir / "end.png");
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_GT(compareImages(*a, *b).differingFraction, 0.01);
    // a new terms screen (after another screen) starts at the top again
    ASSERT_TRUE(app->render(model(RegistrationScreen::Checking)).ok());
    ASSERT_TRUE(app->render(vm).ok());
    EXPECT_EQ(actionOf(app->pollEvents()), RegistrationAction::None);
}

TEST(RegistrationScreens, TouchTargetsAreLargeAndApartOnEverySize) {
    for (auto [w, h] : {std::pair{960, 540}, {1920, 1080}, {1280, 800}, {1080, 1920}}) {
        auto app = makeRegistrationApp(w, h);
        ASSERT_TRUE(app);
        double k = layout::layoutScale(w, h);
        for (RegistrationScreen s : allRegistrationScreens())
            for (Language l : {Language::ZhHant, Language::Pt}) {
                auto vm = model(s, l);
                if (s == RegistrationScreen::Receipt) vm.registration->reprintOffered = true;
                if (s == RegistrationScreen::Terms) vm.registration->termsAcceptEnabled = true;
                ASSERT_TRUE(app->render(vm).ok());
                auto t = app->tapTargets();
                for (std::size_t i = 0; i < t.size(); ++i) {
                    const Box& a = t[i].box;
                    std::string where = std::string(registrationScreenName(s)) + " " + t[i].id + " at " +
                                        std::to_string(w) + "x" + std::to_string(h);
                    EXPECT_GE(a.h, layout::kMinTouchPx * k - 1) << where;
                    EXPECT_TRUE(a.x >= 0 && a.y >= 0 && a.x + a.w <= w && a.y + a.h <= h) << where << " off screen";
                    EXPECT_FALSE(a.x < 200 * k && a.y < 120 * k) << where << " in the officer corner";
                    for (std::size_t j = i + 1; j < t.size(); ++j) {
                        const Box& b = t[j].box;
                        bool overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
                        EXPECT_FALSE(overlap) << where << " overlaps " << t[j].id;
                    }
                }
            }
    }
}

// The hands diagram fills the finger to place, on the right hand (palms down: left hand
// drawn on the left).
TEST(RegistrationScreens, TheFingerToPlaceIsFilledOnItsHand) {
    auto app = makeRegistrationApp();
    ASSERT_TRUE(app);
    auto dir = kiosk::testing::tempDir("reg_hands");
    auto accentIn = [&](const std::string& finger, int x0, int x1) {
        auto vm = model(RegistrationScreen::Finger);
        vm.registration->fingerName = finger;
        EXPECT_TRUE(app->render(vm).ok());
        auto file = dir / (finger + ".png");
        EXPECT_TRUE(app->screenshot(file).ok());
        auto img = loadPng(file);
        EXPECT_TRUE(img.ok());
        int n = 0;
        for (int y = 110; y < 320; ++y)  // below the step indicator, above the hand labels
            for (int x = x0; x < x1; ++x) {
                const uint8_t* p = &img->pixels[(std::size_t(y) * img->width + x) * 3];
                n += p[0] == palette::kAccent.r && p[1] == palette::kAccent.g && p[2] == palette::kAccent.b;
            }
        return n;
    };
    // at 960x540 the left hand spans x 40..200, the right hand 200..384
    EXPECT_GT(accentIn("left_index", 40, 200), 300);
    EXPECT_EQ(accentIn("left_index", 200, 384), 0);
    EXPECT_GT(accentIn("right_thumb", 200, 384), 300);
    EXPECT_EQ(accentIn("right_thumb", 40, 200), 0);
    EXPECT_GT(accentIn("right_little", 200, 384), accentIn("right_thumb", 200, 384) / 2);
}

TEST(RegistrationAccessibility, TypeSizesAtFullHd) {
    double k = layout::layoutScale(1920, 1080);
    for (int px : {layout::kTermsPx, layout::kStepPx, layout::kOfficeNamePx, layout::kOfficeDetailPx,
                   layout::kReceiptLabelPx, layout::kBodyPx * layout::kMinFitPercent / 100})
        EXPECT_GE(px * k, 40.0) << px;
    EXPECT_GE(layout::kTitlePx * layout::kMinFitPercent / 100, layout::kBodyPx);
}

// Measured on the rendered frames: the screen's background is one of the palette's, and
// the text drawn on it reaches 7:1 against it (the lightest or darkest pixel, whichever
// the screen's text is: antialiasing only lowers contrast, so the core of the glyphs
// must reach it).
TEST(RegistrationAccessibility, RenderedTextContrastOnEveryScreen) {
    auto app = makeRegistrationApp(1920, 1080);
    ASSERT_TRUE(app);
    auto dir = kiosk::testing::tempDir("reg_contrast");
    const Rgb backgrounds[] = {palette::kBackground, palette::kOfficerBg, palette::kProceedBg, palette::kServiceBg,
                               palette::kWarningBg};
    for (RegistrationScreen s : allRegistrationScreens()) {
        for (bool alarm : {false, true}) {
            if (alarm && s != RegistrationScreen::TakeCard) continue;
            auto vm = model(s, Language::Pt);
            vm.registration->cardAlarm = alarm;
            vm.preview.reset();  // the camera frame is not text
            ASSERT_TRUE(app->render(vm).ok());
            auto file = dir / (std::string(registrationScreenName(s)) + (alarm ? "_alarm" : "") + ".png");
            ASSERT_TRUE(app->screenshot(file).ok());
            auto img = loadPng(file);
            ASSERT_TRUE(img.ok());
            auto at = [&](int x, int y) {
                const uint8_t* p = &img->pixels[(std::size_t(y) * img->width + x) * 3];
                return Rgb{p[0], p[1], p[2]};
            };
            // the bottom-left corner is background on every screen (buttons keep an 80 px margin)
            Rgb bg = at(2, img->height - 3);
            bool known = false;
            for (Rgb b : backgrounds) known = known || (b.r == bg.r && b.g == bg.g && b.b == bg.b);
            EXPECT_TRUE(known) << registrationScreenName(s) << ": background " << int(bg.r) << "," << int(bg.g) << ","
                               << int(bg.b);
            // the title band (below the top bar and step indicator) holds the screen's own text
            double best = 1.0;
            for (int y = 200; y < 520; y += 2)
                for (int x = 0; x < img->width; x += 2) best = std::max(best, contrastRatio(at(x, y), bg));
            EXPECT_GE(best, 7.0) << registrationScreenName(s) << (alarm ? " (alarm)" : "");
        }
    }
}

// Waits (up to 5 s) until the fake espeak's log has n lines.
void waitForRegistrationLines(const std::filesystem::path& log, std::size_t n) {
    for (int i = 0; i < 500; ++i) {
        std::ifstream in(log);
        std::size_t count = 0;
        for (std::string line; std::getline(in, line);) ++count;
        if (count >= n) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

TEST(RegistrationVoice, EveryScreenIsSpokenInItsLanguageAndTheCountdownOnce) {
    auto dir = kiosk::testing::tempDir("reg_voice");
    auto script = dir / "fake-espeak";
    auto log = dir / "calls.txt";
    {
        std::ofstream f(script);
        f << "#!/bin/sh\necho \"$*\" >> " << log.string() << "\n";
    }
    std::filesystem::permissions(script, std::filesystem::perms::owner_all);
    auto app = makeRegistrationApp(960, 540, VoiceMode::Espeak, script.string());
    ASSERT_TRUE(app);
    auto table = StringTable::load(testing::sourceDir() / "assets" / "strings" / "strings.json");
    ASSERT_TRUE(table.ok());
    std::vector<std::pair<Language, std::string>> expected;  // voice, a text the prompt must hold
    for (Language l : kLanguages) {
        for (RegistrationScreen s : allRegistrationScreens()) {
            auto vm = model(s, l);
            vm.voiceEnabled = true;
            ASSERT_TRUE(app->render(vm).ok());
            if (s == RegistrationScreen::TimeoutWarning) {
                vm.timeoutSecondsLeft = 19;  // the countdown ticks: not spoken again
                ASSERT_TRUE(app->render(vm).ok());
            }
            std::string must;
            switch (s) {
                case RegistrationScreen::Refused: must = table->get("reg.refusal.under_18.next", l); break;
                case RegistrationScreen::Finger: must = table->get("reg.finger.press_firmly", l); break;
                case RegistrationScreen::Receipt: must = "R7F3K92QD"; break;
                case RegistrationScreen::TimeoutWarning: must = table->get("timeout.title", l); break;
                case RegistrationScreen::Terms: must = table->get("reg.terms.p6", l); break;
                default: must = table->get(std::string("reg.") + registrationScreenName(s) + ".title", l); break;
            }
            expected.emplace_back(l, must);
            waitForRegistrationLines(log, expected.size());  // this prompt's espeak is done before the next
        }
    }
    std::ifstream in(log);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    ASSERT_EQ(lines.size(), expected.size());
    for (std::size_t i = 0; i < lines.size(); ++i) {
        EXPECT_NE(lines[i].find(std::string("-v ") + espeakVoice(expected[i].first) + " "), std::string::npos) << lines[i];
        EXPECT_NE(lines[i].find(expected[i].second), std::string::npos) << lines[i] << "\n  missing: " << expected[i].second;
        EXPECT_EQ(lines[i].find("reg."), std::string::npos) << "a string key spoken: " << lines[i];
    }
}

TEST(RegistrationStrings, EveryScreenAndStepInThreeLanguagesWithYouPolite) {
    auto t = StringTable::load(testing::sourceDir() / "assets" / "strings" / "strings.json");
    ASSERT_TRUE(t.ok());
    for (RegistrationScreen s : allRegistrationScreens()) {
        if (s == RegistrationScreen::TimeoutWarning) continue;  // the lane's timeout.* strings
        std::string base = std::string("reg.") + registrationScreenName(s);
        EXPECT_TRUE(t->has(base + ".title")) << base;
    }
    for (RegistrationStep st : allRegistrationSteps())
        EXPECT_TRUE(t->has(std::string("reg.step.") + registrationStepName(st))) << registrationStepName(st);
    for (int i = 1; i <= 6; ++i) EXPECT_TRUE(t->has("reg.terms.p" + std::to_string(i)));
    // the polite 您 throughout the registration texts, never 你
    for (const auto& k : t->keys()) {
        if (k.rfind("reg.", 0) != 0) continue;
        const auto& zh = t->get(k, Language::ZhHant);
        EXPECT_EQ(zh.find("你"), std::string::npos) << k << ": " << zh;
        EXPECT_NE(t->get(k, Language::En), t->get(k, Language::Pt)) << k << " not translated";
    }
}

}  // namespace
}  // namespace kiosk::ui
