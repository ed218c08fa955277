// The officer overlay's session (issue 16, defects 8, 9, 11): lockout with backoff after
// five wrong PINs, audited; closing after 60 s without a touch; the menu shows what the
// lane really did with an action. Time is driven by the test.
#include "kiosk/lane/officer_session.h"

#include <gtest/gtest.h>

#include "kiosk/lane/officer.h"
#include "kiosk/lane/scenario.h"
#include "kiosk/store/store.h"
#include "tests/kiosk/lane_doubles.h"
#include "tests/support/test_support.h"
#include "ui/officer_pin.h"

namespace kiosk::lane {
namespace {

using namespace std::chrono_literals;

struct Audited {
    std::vector<std::pair<std::string, std::string>> rows;
    OfficerHooks hooks() {
        OfficerHooks h;
        h.audit = [this](const std::string& a, const std::string& n) { rows.push_back({a, n}); };
        h.act = [this](ui::OfficerAction a, const std::string&) {
            rows.push_back({std::string("officer.") + ui::officerActionName(a), ""});
            return ui::OfficerResult::Done;
        };
        return h;
    }
    int count(const std::string& action) const {
        int n = 0;
        for (auto& r : rows) n += r.first == action;
        return n;
    }
};

ui::UiEvent pin(bool ok) {
    ui::UiEvent e;
    e.type = ui::UiEventType::OfficerPinEntered;
    e.pinOk = ok;
    return e;
}
ui::UiEvent request() {
    ui::UiEvent e;
    e.type = ui::UiEventType::OfficerRequested;
    return e;
}
ui::UiEvent action(ui::OfficerAction a) {
    ui::UiEvent e;
    e.type = ui::UiEventType::OfficerAction;
    e.action = a;
    return e;
}

// Defect 8: "10 wrong PINs, then the right one, is accepted" on today's code.
TEST(OfficerSession, Issue16_8_TenWrongPinsThenTheRightOneIsLockedOutAndAudited) {
    Audited log;
    auto hooks = log.hooks();
    OfficerSession s(&hooks);
    core::MonoTime t{};
    ASSERT_TRUE(s.handle(request(), t));
    for (int i = 0; i < 10; ++i) s.handle(pin(false), t += 1s);
    s.handle(pin(true), t += 1s);
    EXPECT_EQ(s.overlay(t).mode, ui::OfficerMode::PinEntry) << "the right PIN must not open a locked pad";
    EXPECT_GT(s.overlay(t).lockedSeconds, 0);
    EXPECT_EQ(log.count("officer.pin_rejected"), 4);
    EXPECT_EQ(log.count("officer.pin_locked"), 1);
    EXPECT_EQ(log.count("officer.pin_while_locked"), 6);
    EXPECT_EQ(log.count("officer.pin_ok"), 0);
    // Closing and reopening the overlay does not lift the lockout.
    s.handle(action(ui::OfficerAction::CloseOverlay), t += 1s);
    s.handle(request(), t += 1s);
    s.handle(pin(true), t += 1s);
    EXPECT_EQ(s.overlay(t).mode, ui::OfficerMode::PinEntry);
    // After the 30 s lockout the right PIN opens the menu; one more wrong PIN before it
    // locks again for twice as long.
    t += 31s;
    EXPECT_EQ(s.overlay(t).lockedSeconds, 0);
    s.handle(pin(false), t += 1s);
    EXPECT_EQ(log.count("officer.pin_locked"), 2);
    EXPECT_EQ(s.overlay(t).lockedSeconds, 60);
    t += 61s;
    s.handle(pin(true), t);
    EXPECT_EQ(s.overlay(t).mode, ui::OfficerMode::Menu);
    EXPECT_EQ(log.count("officer.pin_ok"), 1);
    // A right PIN resets the count: four wrong ones do not lock.
    s.handle(action(ui::OfficerAction::CloseOverlay), t += 1s);
    s.handle(request(), t);
    for (int i = 0; i < 4; ++i) s.handle(pin(false), t += 1s);
    EXPECT_EQ(s.overlay(t).lockedSeconds, 0);
    EXPECT_EQ(log.count("officer.pin_locked"), 2);
}

TEST(OfficerSession, LockoutBackoffIsCappedAtFifteenMinutes) {
    Audited log;
    auto hooks = log.hooks();
    OfficerSession s(&hooks);
    core::MonoTime t{};
    s.handle(request(), t);
    for (int i = 0; i < 5; ++i) s.handle(pin(false), t += 1s);
    for (int round = 0; round < 8; ++round) {
        t += std::chrono::seconds(s.overlay(t).lockedSeconds) + 1s;
        s.handle(request(), t);  // the idle close may have shut it
        s.handle(pin(false), t);
    }
    EXPECT_EQ(s.overlay(t).lockedSeconds, 15 * 60);
}

// Defect 9: "the menu never closes by itself".
TEST(OfficerSession, Issue16_9_OverlayClosesAfterSixtySecondsWithoutATouch) {
    Audited log;
    auto hooks = log.hooks();
    OfficerSession s(&hooks);
    core::MonoTime t{};
    s.handle(request(), t);
    s.handle(pin(true), t += 2s);
    ASSERT_EQ(s.overlay(t).mode, ui::OfficerMode::Menu);
    EXPECT_EQ(s.overlay(t).idleSecondsLeft, 60);
    s.handle(action(ui::OfficerAction::ShowScanLog), t += 50s);  // a touch restarts the 60 s
    s.tick(t += 59s);
    EXPECT_TRUE(s.open());
    EXPECT_EQ(s.overlay(t).idleSecondsLeft, 1);
    EXPECT_TRUE(s.tick(t += 1s));
    EXPECT_FALSE(s.open());
    EXPECT_EQ(log.count("officer.overlay_idle_closed"), 1);
    // The PIN pad alone closes too.
    s.handle(request(), t);
    s.tick(t += 60s);
    EXPECT_FALSE(s.open());
}

// Defect 11 on the real lane: "Open door 1" on a lane in service is refused, and the
// label still says "open door 1"; out of service, the door opens and the label follows
// the gate.
TEST(OfficerSession, Issue16_11_ButtonsShowWhatReallyHappened) {
    static testing::ScriptedFaceEngine face;
    static testing::ScriptedFingerReader finger;
    ScenarioEnvironment env;
    env.face = &face;
    env.finger = &finger;
    env.workDir = kiosk::testing::tempDir("officer-session");
    auto j = core::Json::parse(R"J({
      "start_time": "2026-11-22T08:30:00+08:00",
      "travellers": [
        {"name": "garbage", "qr_text": "HKMO1:%%%", "expect": {"outcome": "refused"}},
        {"name": "garbage again", "qr_text": "HKMO1:%%%", "expect": {"outcome": "refused"}}
      ]})J");
    LaneServices* services = nullptr;
    LaneShell* shell = nullptr;
    devices::Gate* gate = nullptr;
    core::Clock* clock = nullptr;
    ScenarioOptions o;
    o.onStarted = [&](LaneServices& sv, LaneShell& sh, devices::Gate& g, core::Clock& c) {
        services = &sv, shell = &sh, gate = &g, clock = &c;
    };
    int seen = 0;
    o.onTraveller = [&](const TravellerResult&) {
        if (++seen != 1) return;
        auto hooks = makeOfficerHooks(*services, *shell, gate, *clock);
        OfficerSession s(&hooks);
        core::MonoTime t{};
        s.handle(request(), t);
        s.handle(pin(true), t);
        s.handle(action(ui::OfficerAction::OpenDoor1), t);
        auto ov = s.overlay(t);
        EXPECT_EQ(ov.lastAction, ui::OfficerAction::OpenDoor1);
        EXPECT_EQ(ov.lastResult, ui::OfficerResult::RefusedInService);
        EXPECT_FALSE(ov.door1Open) << "the label must stay \"open door 1\"";
        EXPECT_EQ(gate->status()->entry, devices::DoorState::Closed);
        // Out of service (the machine takes the event at its next turn), then the door opens.
        s.handle(action(ui::OfficerAction::LaneOutOfService), t);
        for (int i = 0; i < 50 && shell->state().state != State::OutOfService; ++i) shell->turn();
        ASSERT_EQ(shell->state().state, State::OutOfService);
        s.handle(action(ui::OfficerAction::OpenDoor1), t);
        ov = s.overlay(t);
        EXPECT_EQ(ov.lastResult, ui::OfficerResult::Done);
        EXPECT_TRUE(ov.door1Open);
        s.handle(action(ui::OfficerAction::CloseDoor1), t);
        EXPECT_FALSE(s.overlay(t).door1Open);
        s.handle(action(ui::OfficerAction::LaneInService), t);
        for (int i = 0; i < 50 && shell->state().state == State::OutOfService; ++i) shell->turn();
    };
    auto run = runScenario(j, env, o);
    ASSERT_TRUE(run.ok()) << run.error().message;
    EXPECT_EQ(seen, 2);
}

// Defect 10: the demo configuration has a PIN hash (docs/ui.md: demo PIN 2468), and a live
// lane with a screen refuses to start without one.
TEST(OfficerSession, Issue16_10_LiveNeedsAPinHashAndTheDemoHasOne) {
    auto demo = core::loadJsonFile(kiosk::testing::sourceDir() / "assets/config/kiosk.json");
    ASSERT_TRUE(demo.ok());
    core::ConfigView cfg(*demo);
    EXPECT_TRUE(requireOfficerPin(cfg).ok());
    auto hash = (*demo)["ui"]["officer_pin_hash"].get<std::string>();
    EXPECT_TRUE(ui::verifyOfficerPin("2468", hash));
    EXPECT_FALSE(ui::verifyOfficerPin("1234", hash));

    auto bare = core::Json::parse(R"({"lane_id": "L1", "ui": {"display": "offscreen"}})");
    auto st = requireOfficerPin(core::ConfigView(bare));
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code, "ui.officer_pin_missing");
    EXPECT_NE(st.error().message.find("ui.officer_pin_hash"), std::string::npos);
    auto none = core::Json::parse(R"({"lane_id": "L1"})");
    EXPECT_FALSE(requireOfficerPin(core::ConfigView(none)).ok());
}

}  // namespace
}  // namespace kiosk::lane
