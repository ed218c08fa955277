// The officer overlay's hooks on a running lane: audited actions, door overrides refused
// on a lane in service, the scan log and the alerts with officer texts.
#include "kiosk/lane/officer.h"

#include <gtest/gtest.h>

#include "kiosk/lane/scenario.h"
#include "kiosk/store/store.h"
#include "tests/kiosk/lane_doubles.h"
#include "tests/support/test_support.h"

namespace kiosk::lane {
namespace {

TEST(Officer, ActionsAreAuditedAndDoorsStayWithTheLaneWhileInService) {
    static testing::ScriptedFaceEngine face;
    static testing::ScriptedFingerReader finger;
    ScenarioEnvironment env;
    env.face = &face;
    env.finger = &finger;
    env.workDir = kiosk::testing::tempDir("officer");
    auto j = core::Json::parse(R"J({
      "start_time": "2026-11-22T08:30:00+08:00",
      "enrolments": [{"reference": "A", "document": "K1234567(4)", "residency": "hk_permanent",
         "date_of_birth": "1985-03-04", "channel": "machine", "enrolled": "-40d", "document_expiry": "2031-03-04"}],
      "travellers": [
        {"name": "rogue", "qr": {"enrolment": "A", "rogue_key": true}, "expect": {"outcome": "refused"}},
        {"name": "rogue again", "qr": {"enrolment": "A", "rogue_key": true}, "expect": {"outcome": "refused"}}
      ]})J");
    LaneServices* services = nullptr;
    LaneShell* shell = nullptr;
    devices::Gate* gate = nullptr;
    core::Clock* clock = nullptr;
    ScenarioOptions o;
    o.onStarted = [&](LaneServices& s, LaneShell& sh, devices::Gate& g, core::Clock& c) {
        services = &s, shell = &sh, gate = &g, clock = &c;
    };
    int seen = 0;
    o.onTraveller = [&](const TravellerResult&) {
        if (++seen != 1) return;
        auto hooks = makeOfficerHooks(*services, *shell, gate, *clock);
        auto before = services->store().counts();
        ASSERT_TRUE(before.ok());
        hooks.audit("officer.pin_ok", "");
        hooks.act(ui::OfficerAction::OpenDoor2, "");  // lane in service: refused
        EXPECT_EQ(gate->status()->exit, devices::DoorState::Closed);
        hooks.act(ui::OfficerAction::AcknowledgeAlert, "1");  // the first alert: lane numbers from 1
        auto rows = hooks.scanLog();
        ASSERT_EQ(rows.size(), 1u);
        EXPECT_EQ(rows[0].reasonCode, "qr.bad_signature");
        EXPECT_EQ(rows[0].credential.find("HKMO1"), std::string::npos);
        auto alerts = hooks.alerts();
        ASSERT_FALSE(alerts.empty());
        EXPECT_TRUE(alerts.back().acknowledged);
        EXPECT_FALSE(alerts.back().message.empty());
        auto after = services->store().counts();
        EXPECT_EQ(after->audit - before->audit, 3);
        auto entries = services->store().auditEntries(0, 1000);
        ASSERT_TRUE(entries.ok());
        bool refusedDoor = false;
        for (auto& e : *entries) refusedDoor |= e.action == "officer.open_door2" && e.detail.find("refused") == 0;
        EXPECT_TRUE(refusedDoor);
        EXPECT_TRUE(services->store().verifyAuditChain().ok());
    };
    auto run = runScenario(j, env, o);
    ASSERT_TRUE(run.ok()) << run.error().message;
    EXPECT_EQ(seen, 2);
}

}  // namespace
}  // namespace kiosk::lane
