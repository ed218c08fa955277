// The scripted lane with a screen: an officer takes it out of service from the overlay and
// back (the demo survives it: the queue waits), and a stop request (SIGTERM, window
// closed) ends the run between two turns with both doors closed.
#include <gtest/gtest.h>

#include "kiosk/lane/lane_shell.h"
#include "kiosk/lane/scenario.h"
#include "tests/kiosk/lane_doubles.h"
#include "tests/support/test_support.h"

namespace kiosk::lane {
namespace {

core::Json threeTravellers() {
    return core::Json::parse(R"J({
      "start_time": "2026-11-22T08:30:00+08:00",
      "travellers": [
        {"name": "one", "qr_text": "HKMO1:%%%", "expect": {"outcome": "refused"}},
        {"name": "two", "qr_text": "HKMO1:%%%", "expect": {"outcome": "refused"}},
        {"name": "three", "qr_text": "HKMO1:%%%", "expect": {"outcome": "refused"}}
      ]})J");
}

ScenarioEnvironment env(const std::string& tag) {
    static testing::ScriptedFaceEngine face;
    static testing::ScriptedFingerReader finger;
    ScenarioEnvironment e;
    e.face = &face;
    e.finger = &finger;
    e.workDir = kiosk::testing::tempDir(tag);
    return e;
}

// Today's demo ended with scenario.lane_not_ready and a black screen.
TEST(ScenarioHold, OutOfServiceFromTheOverlayAndBackTheQueueWaits) {
    auto e = env("scenario-hold");
    LaneShell* shell = nullptr;
    ScenarioOptions o;
    o.onStarted = [&](LaneServices&, LaneShell& sh, devices::Gate&, core::Clock&) { shell = &sh; };
    int done = 0, held = 0;
    std::vector<std::string> states;
    o.onTraveller = [&](const TravellerResult&) {
        if (++done == 1) shell->post(ev::OfficerSetInService{false});
    };
    o.onState = [&](const LaneState& s) { states.push_back(toString(s.state)); };
    o.whileOfficerHolds = [&] {
        // The officer puts the lane back after a while (the overlay's "in service").
        if (++held == 5) shell->post(ev::OfficerSetInService{true});
    };
    auto run = runScenario(threeTravellers(), e, o);
    ASSERT_TRUE(run.ok()) << run.error().message;
    EXPECT_EQ(run->travellers.size(), 3u);
    EXPECT_TRUE(run->allOk());
    EXPECT_GE(held, 5);
    EXPECT_NE(std::find(states.begin(), states.end(), "OutOfService"), states.end());
    EXPECT_TRUE(run->doorsClosed);
}

// Headless (no officer to wait for) the old rule stands: the run ends with an error.
TEST(ScenarioHold, HeadlessOutOfServiceStillEndsTheRun) {
    auto e = env("scenario-hold-headless");
    LaneShell* shell = nullptr;
    ScenarioOptions o;
    o.onStarted = [&](LaneServices&, LaneShell& sh, devices::Gate&, core::Clock&) { shell = &sh; };
    o.onTraveller = [&](const TravellerResult&) { shell->post(ev::OfficerSetInService{false}); };
    auto run = runScenario(threeTravellers(), e, o);
    EXPECT_FALSE(run.ok());
}

TEST(ScenarioHold, StopEndsTheRunWithTheDoorsClosed) {
    auto e = env("scenario-stop");
    ScenarioOptions o;
    bool stop = false;
    o.onTraveller = [&](const TravellerResult&) { stop = true; };
    o.stop = [&] { return stop; };
    auto run = runScenario(threeTravellers(), e, o);
    ASSERT_TRUE(run.ok()) << run.error().message;
    EXPECT_TRUE(run->stopped);
    EXPECT_TRUE(run->doorsClosed);
    EXPECT_EQ(run->travellers.size(), 1u);
    EXPECT_EQ(run->journalRows, 1);
}

}  // namespace
}  // namespace kiosk::lane
