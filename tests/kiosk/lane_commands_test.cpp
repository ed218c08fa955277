// Officer commands from the clearance service, carried out by the lane's state machine:
// each kind applied where the overlay's rules allow it and refused elsewhere, the answer
// naming the state the lane reached, every command audited with the officer's id.
#include "kiosk/lane/lane_commands.h"

#include <gtest/gtest.h>

#include "tests/kiosk/lane_harness.h"

namespace kiosk::lane {
namespace {

using testing::LaneHarness;

const char* kOfficer = "officer:chan.tm";

struct Fixture {
    explicit Fixture(const std::string& tag)
        : h(tag), commands(*h.shell, *h.services, &h.gate, h.clock, [this] { h.shell->turn(); }) {}
    LaneCommandAnswer run(const std::string& kind, core::Json args = core::Json::object()) {
        return commands.execute(LaneCommand{++id, kind, std::move(args), kOfficer});
    }
    LaneHarness h;
    LaneCommands commands;
    int64_t id = 0;
};

// Audit rows of commands: (action, detail), oldest first.
std::vector<store::AuditEntry> commandAudit(store::Store& db) {
    std::vector<store::AuditEntry> out;
    auto all = db.auditEntries(0, 10000);
    if (!all.ok()) return out;
    for (auto& e : *all)
        if (e.action.rfind("command.", 0) == 0) out.push_back(e);
    return out;
}

TEST(LaneCommands, OutOfServiceAndBackThroughTheMachine) {
    Fixture f("cmd-oos");
    ASSERT_TRUE(f.h.runUntilState(State::ReadCredential));
    auto hb = heartbeatFields("LANE-T1", f.h.shell->snapshot());
    EXPECT_EQ(hb, (core::Json{{"lane", "LANE-T1"}, {"state", "ReadCredential"}, {"in_service", true}}));
    // With the gate as the shell last read it: both doors closed between travellers.
    ASSERT_TRUE(f.h.shell->gateSnapshot().has_value());
    EXPECT_EQ(heartbeatFields("LANE-T1", f.h.shell->snapshot(), f.h.shell->gateSnapshot())["doors"],
              (core::Json{{"entry", "closed"}, {"exit", "closed"}}));

    auto a = f.run("in_service");  // not stopped by an officer
    EXPECT_EQ(a.outcome, CommandOutcome::Refused);
    EXPECT_NE(a.detail.find("ReadCredential"), std::string::npos) << a.detail;

    a = f.run("out_of_service");
    EXPECT_EQ(a.outcome, CommandOutcome::Applied) << a.detail;
    EXPECT_NE(a.detail.find("OutOfService"), std::string::npos) << a.detail;
    EXPECT_EQ(f.h.shell->state().state, State::OutOfService);
    EXPECT_TRUE(f.h.shell->state().officerOutOfService);
    hb = heartbeatFields("LANE-T1", f.h.shell->snapshot());
    EXPECT_EQ(hb["state"], "OutOfService");
    EXPECT_EQ(hb["in_service"], false);
    // Repeated (the server re-delivers an unanswered command): still applied, nothing new.
    a = f.run("out_of_service");
    EXPECT_EQ(a.outcome, CommandOutcome::Applied);
    EXPECT_NE(a.detail.find("already"), std::string::npos);
    // The officer's hold keeps it stopped through its device rechecks.
    EXPECT_FALSE(f.h.runUntil([&] { return f.h.shell->state().state != State::OutOfService; }, core::Millis(30000)));

    a = f.run("in_service");
    EXPECT_EQ(a.outcome, CommandOutcome::Applied) << a.detail;
    EXPECT_EQ(a.detail.find("still"), std::string::npos) << a.detail;
    EXPECT_NE(f.h.shell->state().state, State::OutOfService);
    EXPECT_FALSE(f.h.shell->state().officerOutOfService);

    auto audit = commandAudit(*f.h.db);
    ASSERT_EQ(audit.size(), 4u);
    for (auto& e : audit) EXPECT_EQ(e.actor, kOfficer);
    EXPECT_EQ(audit[0].action, "command.in_service");
    EXPECT_EQ(audit[0].detail.rfind("command 1: refused", 0), 0u) << audit[0].detail;
    EXPECT_EQ(audit[1].action, "command.out_of_service");
    EXPECT_EQ(audit[1].detail.rfind("command 2: applied", 0), 0u) << audit[1].detail;
    EXPECT_EQ(audit[3].detail.rfind("command 4: applied", 0), 0u) << audit[3].detail;
    EXPECT_TRUE(f.h.db->verifyAuditChain().ok());
}

// The shell is inside a long device step (a fingerprint read) when the command comes:
// the answer waits for the machine instead of giving up after the settle time.
TEST(LaneCommands, ABusyShellIsWaitedFor) {
    LaneHarness h("cmd-busy");
    int busyPolls = 150;  // 3 s of lane time without a shell turn
    LaneCommands commands(*h.shell, *h.services, &h.gate, h.clock, [&] {
        if (busyPolls-- > 0) h.clock.advance(core::Millis(20));
        else h.shell->turn();
    });
    ASSERT_TRUE(h.runUntilState(State::ReadCredential));
    auto a = commands.execute(LaneCommand{1, "out_of_service", core::Json::object(), kOfficer});
    EXPECT_EQ(a.outcome, CommandOutcome::Applied) << a.detail;
    EXPECT_LT(busyPolls, 0);
    EXPECT_EQ(h.shell->state().state, State::OutOfService);
}

TEST(LaneCommands, InServiceDoesNotOverrideTheLanesOwnFault) {
    Fixture f("cmd-fault");
    ASSERT_TRUE(f.h.runUntilState(State::ReadCredential));
    f.h.qr.faults().lost = true;
    ASSERT_TRUE(f.h.runUntilState(State::OutOfService, core::Millis(10000)));
    auto a = f.run("in_service");
    EXPECT_EQ(a.outcome, CommandOutcome::Refused);
    EXPECT_NE(a.detail.find("OutOfService"), std::string::npos) << a.detail;
    // Officer hold on top of the fault; lifting it leaves the lane stopped by the fault.
    EXPECT_EQ(f.run("out_of_service").outcome, CommandOutcome::Applied);
    a = f.run("in_service");
    EXPECT_EQ(a.outcome, CommandOutcome::Applied);
    EXPECT_NE(a.detail.find("still OutOfService"), std::string::npos) << a.detail;
    f.h.qr.faults().lost = false;
    EXPECT_TRUE(f.h.runUntilState(State::ReadCredential, core::Millis(15000)));
}

TEST(LaneCommands, ReleaseOnlyAHeldTraveller) {
    Fixture f("cmd-release");
    f.h.enrol("A", "K1234567(4)");
    ASSERT_TRUE(f.h.runUntilState(State::ReadCredential));
    auto a = f.run("release");
    EXPECT_EQ(a.outcome, CommandOutcome::Refused);
    EXPECT_NE(a.detail.find("no traveller held"), std::string::npos);

    devices::sim::LaneBehaviour two;
    two.entrants = 2;  // tailgating: the lane holds both until an officer releases them
    f.h.gate.setBehaviour(two);
    f.h.qr.present(f.h.qrFor("A"), core::Millis(500));
    ASSERT_TRUE(f.h.runUntil([&] { return f.h.shell->state().holdForOfficer; }));
    a = f.run("release");
    EXPECT_EQ(a.outcome, CommandOutcome::Applied) << a.detail;
    EXPECT_FALSE(f.h.shell->state().holdForOfficer);
    EXPECT_EQ(f.h.gate.status()->entry, devices::DoorState::Open);
    auto audit = commandAudit(*f.h.db);
    ASSERT_EQ(audit.size(), 2u);
    EXPECT_EQ(audit[1].action, "command.release");
    EXPECT_EQ(audit[1].actor, kOfficer);
}

TEST(LaneCommands, EmergencyOpenOnlyOnAStoppedLane) {
    Fixture f("cmd-emergency");
    ASSERT_TRUE(f.h.runUntilState(State::ReadCredential));
    auto a = f.run("emergency_open");
    EXPECT_EQ(a.outcome, CommandOutcome::Refused);
    EXPECT_NE(a.detail.find("in service"), std::string::npos) << a.detail;
    EXPECT_EQ(f.h.gate.status()->entry, devices::DoorState::Closed);
    EXPECT_EQ(f.h.gate.status()->exit, devices::DoorState::Closed);

    // A lane stopped by a fault: the command holds it for the officer, then opens.
    f.h.qr.faults().lost = true;
    ASSERT_TRUE(f.h.runUntilState(State::OutOfService, core::Millis(10000)));
    a = f.run("emergency_open");
    EXPECT_EQ(a.outcome, CommandOutcome::Applied) << a.detail;
    EXPECT_TRUE(f.h.shell->state().officerOutOfService);
    EXPECT_EQ(f.h.gate.status()->entry, devices::DoorState::Open);
    EXPECT_EQ(f.h.gate.status()->exit, devices::DoorState::Open);
    // The fault clears, yet the doors stay open and the lane stopped until in_service.
    f.h.qr.faults().lost = false;
    EXPECT_FALSE(f.h.runUntil([&] { return f.h.shell->state().state != State::OutOfService; }, core::Millis(30000)));
    EXPECT_EQ(f.h.gate.status()->exit, devices::DoorState::Open);
    a = f.run("in_service");
    EXPECT_EQ(a.outcome, CommandOutcome::Applied) << a.detail;
    ASSERT_TRUE(f.h.runUntilState(State::ReadCredential));
    EXPECT_EQ(f.h.gate.status()->entry, devices::DoorState::Closed);
    EXPECT_EQ(f.h.gate.status()->exit, devices::DoorState::Closed);
}

TEST(LaneCommands, EmergencyOpenDuringAFireAlarmAndOtherCommandsRefused) {
    Fixture f("cmd-fire");
    ASSERT_TRUE(f.h.runUntilState(State::ReadCredential));
    f.h.gate.setFireAlarm(true);
    ASSERT_TRUE(f.h.runUntilState(State::Emergency));
    EXPECT_EQ(f.run("emergency_open").outcome, CommandOutcome::Applied);
    EXPECT_EQ(f.run("out_of_service").outcome, CommandOutcome::Refused);
    EXPECT_EQ(f.run("in_service").outcome, CommandOutcome::Refused);
    EXPECT_EQ(f.h.shell->state().state, State::Emergency);
}

TEST(LaneCommands, AckAlertByItsId) {
    Fixture f("cmd-ack");
    ASSERT_TRUE(f.h.cross("HKMO1:%%%"));  // refused: an alert for the officer
    const auto alerts = f.h.services->alerts();
    ASSERT_FALSE(alerts.empty());
    const int64_t id = alerts.back().id;
    ASSERT_GT(id, 0);
    auto a = f.run("ack_alert", {{"alert", std::to_string(id)}});
    EXPECT_EQ(a.outcome, CommandOutcome::Applied) << a.detail;
    EXPECT_TRUE(f.h.services->alerts().back().acknowledged);
    a = f.run("ack_alert", {{"alert", std::to_string(id)}});
    EXPECT_EQ(a.outcome, CommandOutcome::Applied);
    EXPECT_NE(a.detail.find("already"), std::string::npos);
    EXPECT_EQ(f.run("ack_alert", {{"alert", "999999"}}).outcome, CommandOutcome::Refused);
    EXPECT_EQ(f.run("ack_alert", {{"alert", "12abc"}}).outcome, CommandOutcome::Refused);
    EXPECT_EQ(f.run("ack_alert").outcome, CommandOutcome::Refused);
    EXPECT_EQ(f.run("open_sesame").outcome, CommandOutcome::Refused);
    auto audit = commandAudit(*f.h.db);
    ASSERT_EQ(audit.size(), 6u);
    EXPECT_EQ(audit.back().action, "command.open_sesame");
    for (auto& e : audit) EXPECT_EQ(e.actor, kOfficer);
}

TEST(LaneCommands, DoorsByHandOnlyOnAStoppedLane) {
    LaneState s;
    s.state = State::ReadCredential;
    auto r = moveDoorByHand(s, nullptr, devices::Door::Exit, DoorMove::Open);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, "lane.in_service");
    for (State st : {State::OutOfService, State::Emergency}) {
        s.state = st;
        EXPECT_TRUE(laneStopped(s));
    }
    for (State st : {State::Idle, State::Refused, State::AwaitExit, State::CaptureFace}) {
        s.state = st;
        EXPECT_FALSE(laneStopped(s));
    }
}

// The lane keeps only the newest alerts in memory (its memory stays flat over weeks of
// service); numbers are never reused, so an acknowledgement cannot hit a newer alert.
TEST(LaneCommands, KeptAlertsAreCappedAndAcknowledgedByNumber) {
    Fixture f("cmd-cap");
    const auto now = f.h.clock.wallNow();
    const std::size_t raised = kKeptAlerts + 25;
    for (std::size_t i = 0; i < raised; ++i) f.h.services->alertOfficer("lane.tailgating", now);
    auto kept = f.h.services->alerts();
    ASSERT_EQ(kept.size(), kKeptAlerts);
    EXPECT_EQ(f.h.services->alertCount(), raised);
    EXPECT_EQ(kept.front().seq, raised - kKeptAlerts + 1);
    EXPECT_EQ(kept.back().seq, raised);
    EXPECT_FALSE(f.h.services->acknowledgeAlert(1));  // dropped from memory, not acknowledged by mistake
    EXPECT_TRUE(f.h.services->acknowledgeAlert(kept.front().seq));
    kept = f.h.services->alerts();
    EXPECT_TRUE(kept.front().acknowledged);
    EXPECT_FALSE(kept.back().acknowledged);
    // Each one is still in the outbox for the clearance service.
    auto counts = f.h.services->store().counts();
    ASSERT_TRUE(counts.ok());
    EXPECT_GE(counts->outbox, static_cast<int64_t>(raised));
}

}  // namespace
}  // namespace kiosk::lane
