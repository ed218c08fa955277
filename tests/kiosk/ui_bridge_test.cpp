// The lane's UI bridge on an offscreen window (real SDL, software renderer): the language
// reset after each traveller and after a timeout, the live countdown, the blink prompt and
// the face box, the staff banner of a 25-day-old trust list, the start-up screen, and the
// officer PIN lockout through the real PIN pad.
#include "kiosk/lane/ui_bridge.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

#include "kiosk/lane/officer.h"
#include "kiosk/lane/scenario.h"
#include "kiosk/lane/startup.h"
#include "tests/kiosk/lane_doubles.h"
#include "tests/support/test_support.h"
#include "ui/app.h"
#include "ui/officer_pin.h"

namespace kiosk::lane {
namespace {

using namespace std::chrono_literals;

std::unique_ptr<UiBridge> offscreenBridge(const std::string& pinHash = "") {
    core::Json j = {{"display", "offscreen"}, {"width", 960}, {"height", 540}, {"voice", false}};
    if (!pinHash.empty()) j["officer_pin_hash"] = pinHash;
    auto b = UiBridge::create(core::ConfigView(j, "ui"), false, {}, "07");
    EXPECT_TRUE(b.ok()) << (b.ok() ? "" : b.error().message);
    if (!b.ok()) return nullptr;
    (*b)->setPacing(0);
    return std::move(*b);
}

// A clock the test moves.
struct TestClock {
    core::MonoTime t{};
    std::function<core::MonoTime()> fn() {
        return [this] { return t; };
    }
};

bool tap(UiBridge& b, const std::string& id) {
    for (const auto& t : b.app().tapTargets())
        if (t.id == id) {
            b.app().injectTap(t.box.x + t.box.w / 2, t.box.y + t.box.h / 2);
            b.tick();
            return true;
        }
    ADD_FAILURE() << "no tap target " << id;
    return false;
}

LaneState at(State s) {
    LaneState l;
    l.state = s;
    return l;
}

TEST(LaneUiBridge, LanguageResetsAfterEachTraveller) {
    auto b = offscreenBridge();
    ASSERT_TRUE(b);
    b->show(at(State::ReadCredential));
    ASSERT_TRUE(tap(*b, "lang.pt"));
    EXPECT_EQ(b->lastViewModel().language, ui::Language::Pt);
    for (State s : {State::VerifyCredential, State::CheckEligibility, State::Door1Open, State::AwaitEntry,
                    State::CaptureFace, State::CaptureFinger, State::Decide, State::Door2Open, State::AwaitExit}) {
        b->show(at(s));
        EXPECT_EQ(b->lastViewModel().language, ui::Language::Pt) << toString(s);
    }
    b->show(at(State::Idle));
    EXPECT_EQ(b->lastViewModel().language, ui::Language::ZhHant);
    b->show(at(State::ReadCredential));
    EXPECT_EQ(b->lastViewModel().language, ui::Language::ZhHant);
    // A refused traveller too.
    ASSERT_TRUE(tap(*b, "lang.en"));
    b->show(at(State::VerifyCredential));
    b->show(at(State::Refused));
    EXPECT_EQ(b->lastViewModel().language, ui::Language::En);
    b->show(at(State::ReadCredential));
    EXPECT_EQ(b->lastViewModel().language, ui::Language::ZhHant);
}

TEST(LaneUiBridge, LanguageResetsAfterATimeoutOnTheWelcomeScreen) {
    auto b = offscreenBridge();
    ASSERT_TRUE(b);
    TestClock c;
    b->setClock(c.fn());
    b->show(at(State::ReadCredential));
    ASSERT_TRUE(tap(*b, "lang.pt"));
    c.t += 29s;
    b->tick();
    EXPECT_EQ(b->lastViewModel().language, ui::Language::Pt);
    c.t += 2s;
    b->tick();
    EXPECT_EQ(b->lastViewModel().language, ui::Language::ZhHant);
    EXPECT_EQ(b->language(), ui::Language::ZhHant);
    // In the middle of a crossing the choice stays, however long a step takes.
    b->show(at(State::CaptureFinger));
    ASSERT_TRUE(tap(*b, "lang.en"));
    c.t += 120s;
    b->tick();
    EXPECT_EQ(b->lastViewModel().language, ui::Language::En);
}

TEST(LaneUiBridge, TimeoutWarningCountsDown) {
    auto b = offscreenBridge();
    ASSERT_TRUE(b);
    TestClock c;
    b->setClock(c.fn());
    LaneState s = at(State::AwaitExit);
    b->show(s);
    s.timeoutWarned = true;
    b->show(s);
    ASSERT_EQ(b->lastViewModel().screen, ui::Screen::TimeoutWarning);
    EXPECT_EQ(b->lastViewModel().timeoutSecondsLeft, 20);
    std::vector<int> seen;
    for (int i = 0; i < 25; ++i) {
        c.t += 1s;
        b->tick();
        seen.push_back(b->lastViewModel().timeoutSecondsLeft.value_or(-1));
    }
    EXPECT_EQ(seen[0], 19);
    EXPECT_EQ(seen[4], 15);
    EXPECT_EQ(seen[18], 1);
    EXPECT_EQ(seen[19], 0);
    EXPECT_EQ(seen[24], 0);
    // "Continue": the warning goes, the next one counts from 20 again.
    s.timeoutWarned = false;
    b->show(s);
    s.timeoutWarned = true;
    b->show(s);
    EXPECT_EQ(b->lastViewModel().timeoutSecondsLeft, 20);
}

TEST(LaneUiBridge, FaceScreenAsksForABlinkAndDrawsTheFaceBox) {
    auto b = offscreenBridge();
    ASSERT_TRUE(b);
    devices::Frame f;
    f.image.width = 64;
    f.image.height = 48;
    f.image.format = devices::PixelFormat::Gray8;
    f.image.pixels.assign(64 * 48, 128);
    f.sequence = 7;
    devices::FaceMatch m;
    m.faceBox = devices::FaceBox{10, 8, 20, 24};
    m.lastGuidance = devices::FaceGuidance::LookAtCamera;
    LaneState s = at(State::CaptureFace);
    b->showFace(s, f, m);
    const auto& vm = b->lastViewModel();
    EXPECT_EQ(vm.screen, ui::Screen::FaceCapture);
    EXPECT_EQ(vm.liveness, ui::LivenessPrompt::Blink);
    EXPECT_EQ(vm.step, ui::CrossingStep::Face);
    EXPECT_EQ(vm.attempt, 1);
    b->setLivenessPrompt(ui::LivenessPrompt::HeadTurn);
    s.faceAttempt = 1;
    b->showFace(s, f, m);
    EXPECT_EQ(b->lastViewModel().liveness, ui::LivenessPrompt::HeadTurn);
    EXPECT_EQ(b->lastViewModel().attempt, 2);
    EXPECT_EQ(b->lastViewModel().attempts, 3);
}

TEST(LaneUiBridge, StepIndicatorAndRetriesFollowTheLane) {
    EXPECT_EQ(viewModelFor(at(State::ReadCredential), ui::Language::En).step, ui::CrossingStep::Credential);
    EXPECT_EQ(viewModelFor(at(State::AwaitEntry), ui::Language::En).step, ui::CrossingStep::Enter);
    EXPECT_EQ(viewModelFor(at(State::CaptureFace), ui::Language::En).step, ui::CrossingStep::Face);
    EXPECT_EQ(viewModelFor(at(State::Decide), ui::Language::En).step, ui::CrossingStep::Fingerprint);
    EXPECT_EQ(viewModelFor(at(State::AwaitExit), ui::Language::En).step, ui::CrossingStep::Exit);
    EXPECT_EQ(viewModelFor(at(State::Refused), ui::Language::En).step, ui::CrossingStep::None);
    LaneState f = at(State::CaptureFinger);
    f.fingerAttempt = 1;
    auto vm = viewModelFor(f, ui::Language::En);
    EXPECT_EQ(vm.step, ui::CrossingStep::Fingerprint);
    EXPECT_EQ(vm.attempt, 2);
    EXPECT_EQ(vm.attempts, 3);
    EXPECT_EQ(vm.progressTotal, 0) << "the try counter is not a progress bar any more";
}

// A 25-day-old trust list: the staff banner says 5 days are left.
TEST(LaneUiBridge, StaffBannerForATwentyFiveDayOldTrustList) {
    static testing::ScriptedFaceEngine face;
    static testing::ScriptedFingerReader finger;
    ScenarioEnvironment env;
    env.face = &face;
    env.finger = &finger;
    env.workDir = kiosk::testing::tempDir("trust-banner");
    auto b = offscreenBridge();
    ASSERT_TRUE(b);
    for (int age : {25, 10}) {
        auto j = core::Json::parse(R"J({
          "start_time": "2026-11-22T08:30:00+08:00",
          "travellers": [{"name": "garbage", "qr_text": "HKMO1:%%%", "expect": {"outcome": "refused"}}]})J");
        j["trust_list_age_days"] = age;
        ScenarioOptions o;
        o.onStarted = [&](LaneServices& sv, LaneShell& sh, devices::Gate&, core::Clock& c) {
            b->setStaffNotices(makeStaffNotices(sv, sh, c));
        };
        o.onState = [&](const LaneState& s) { b->show(s); };
        auto run = runScenario(j, env, o);
        ASSERT_TRUE(run.ok()) << run.error().message;
        const auto& vm = b->lastViewModel();
        EXPECT_EQ(vm.screen, ui::Screen::Welcome);
        if (age == 25) {
            EXPECT_TRUE(vm.staffWarningTrustStale);
            EXPECT_EQ(vm.trustListDaysLeft, 5);
        } else {
            EXPECT_FALSE(vm.staffWarningTrustStale);
        }
        b->setStaffNotices(nullptr);
    }
}

TEST(LaneUiBridge, DeviceWarningsReachTheStaffBanner) {
    ui::ViewModel vm;
    StaffNotices n;
    n.devices = {"camera"};
    applyStaffNotices(vm, n);
    EXPECT_EQ(vm.staffDeviceWarnings, std::vector<std::string>{"camera"});
}

// The start-up screen is the first frame; the lane does not exist (so is not in service)
// until every engine has loaded.
TEST(LaneUiBridge, StartupScreenIsTheFirstFrameAndTheLaneWaitsForEveryEngine) {
    auto b = offscreenBridge();
    ASSERT_TRUE(b);
    std::promise<void> release;
    auto released = release.get_future().share();
    std::atomic<int> loaded{0};
    std::vector<ui::Screen> frames;
    std::thread watcher;
    std::vector<StartupTask> tasks = {
        {"startup.face_model", [&]() -> core::Status {
             ++loaded;
             return {};
         }},
        {"startup.finger_reader", [&, released]() -> core::Status {
             released.wait();
             ++loaded;
             return {};
         }},
    };
    // The loader's second task waits until the test has seen the start-up screen.
    std::thread releaser([&] {
        std::this_thread::sleep_for(200ms);
        release.set_value();
    });
    auto st = runStartup(std::move(tasks), b.get(), [&] {
        frames.push_back(b->lastViewModel().screen);
        return false;
    });
    releaser.join();
    ASSERT_TRUE(st.ok());
    EXPECT_EQ(loaded.load(), 2);
    ASSERT_FALSE(frames.empty());
    EXPECT_EQ(frames.front(), ui::Screen::Starting);
    for (auto f : frames) EXPECT_EQ(f, ui::Screen::Starting);
    const auto& vm = b->lastViewModel();
    EXPECT_EQ(vm.screen, ui::Screen::Starting);
    ASSERT_EQ(vm.startup.size(), 2u);
    EXPECT_TRUE(vm.startup[0].done && vm.startup[1].done);
    // A failing engine stops the start-up with its error; the lane never starts.
    auto bad = runStartup({{"startup.face_model", [] { return core::Status(core::makeError("face.model", "no model")); }}},
                          b.get(), nullptr);
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().code, "face.model");
}

// Defect 8 through the real PIN pad (the UI checks the PIN against its hash).
TEST(LaneUiBridge, Issue16_8_PinPadLocksAfterFiveWrongPins) {
    auto hash = ui::hashOfficerPin("2468", 1000);
    ASSERT_TRUE(hash.ok());
    auto b = offscreenBridge(*hash);
    ASSERT_TRUE(b);
    TestClock c;
    b->setClock(c.fn());
    std::vector<std::string> audit;
    OfficerHooks h;
    h.audit = [&](const std::string& a, const std::string&) { audit.push_back(a); };
    b->setOfficerHooks(h);
    b->show(at(State::ReadCredential));
    for (int i = 0; i < 3; ++i) b->app().injectTap(10, 10);  // the hidden corner
    b->tick();
    ASSERT_EQ(b->lastViewModel().officer.mode, ui::OfficerMode::PinEntry);
    auto enter = [&](const std::string& pin) {
        for (char d : pin) ASSERT_TRUE(tap(*b, std::string("pin.") + d));
        ASSERT_TRUE(tap(*b, "pin.ok"));
    };
    for (int i = 0; i < 5; ++i) enter("1111");
    EXPECT_EQ(b->lastViewModel().officer.lockedSeconds, 30);
    // Locked: no keys on the pad; the right PIN typed on a keyboard is not even checked.
    for (const auto& t : b->app().tapTargets()) EXPECT_NE(t.id, "pin.ok");
    EXPECT_EQ(b->lastViewModel().officer.mode, ui::OfficerMode::PinEntry);
    c.t += 31s;
    b->tick();
    EXPECT_EQ(b->lastViewModel().officer.lockedSeconds, 0);
    enter("2468");
    EXPECT_EQ(b->lastViewModel().officer.mode, ui::OfficerMode::Menu);
    EXPECT_EQ(std::count(audit.begin(), audit.end(), "officer.pin_locked"), 1);
    EXPECT_EQ(std::count(audit.begin(), audit.end(), "officer.pin_ok"), 1);
    // Defect 9 through the bridge: 60 s without a touch closes the menu.
    c.t += 61s;
    b->tick();
    EXPECT_EQ(b->lastViewModel().officer.mode, ui::OfficerMode::Closed);
}

}  // namespace
}  // namespace kiosk::lane
