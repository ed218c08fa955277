#include "devices/io/modbus_gate.h"

#include <gtest/gtest.h>

#include <thread>

#include "devices/io/modbus_gate_emulator.h"

namespace kiosk::devices::io {
namespace {

using namespace std::chrono_literals;

// A non-default register map, as an installer would configure it.
GateModbusConfig testMap() {
    GateModbusConfig m;
    m.unitId = 7;
    m.door1CommandCoil = 10;
    m.door2CommandCoil = 11;
    m.door1StateRegister = 100;
    m.door2StateRegister = 101;
    m.occupancyRegister = 102;
    m.passageCounterRegister = 110;
    m.fireAlarmInput = 5;
    m.heartbeatRegister = 200;
    m.ackTimeout = 1500ms;  // generous: the test machine is shared and loaded
    m.responseTimeout = 1000ms;
    m.heartbeatPeriod = 40ms;
    m.pollPeriod = 10ms;
    return m;
}

struct Lane {
    std::unique_ptr<ModbusGateEmulator> controller;
    std::unique_ptr<ModbusGate> gate;
};

Lane startLane(GateEmulatorOptions opt = {100ms, 1500ms}) {
    Lane lane;
    auto emu = ModbusGateEmulator::start(testMap(), opt);
    EXPECT_TRUE(emu.ok()) << (emu.ok() ? "" : emu.error().message);
    lane.controller = std::move(emu).value();
    auto cfg = lane.controller->clientConfig();
    auto gate = ModbusGate::connect(cfg);
    EXPECT_TRUE(gate.ok()) << (gate.ok() ? "" : gate.error().message);
    if (gate.ok()) lane.gate = std::move(gate).value();
    return lane;
}

template <typename Pred>
bool eventually(Pred p, std::chrono::milliseconds within = 4000ms) {
    const auto end = std::chrono::steady_clock::now() + within;
    while (std::chrono::steady_clock::now() < end) {
        if (p()) return true;
        std::this_thread::sleep_for(10ms);
    }
    return p();
}

TEST(ModbusGate, OpenCloseRoundTrip) {
    Lane lane = startLane();
    ASSERT_TRUE(lane.gate);
    EXPECT_NE(lane.controller->port(), 502);
    ASSERT_TRUE(lane.gate->openDoor(Door::Entry).ok());
    EXPECT_EQ(lane.controller->doorState(Door::Entry), DoorState::Open);
    auto st = lane.gate->status();
    ASSERT_TRUE(st.ok());
    EXPECT_EQ(st->entry, DoorState::Open);
    EXPECT_EQ(st->exit, DoorState::Closed);
    ASSERT_TRUE(lane.gate->closeDoor(Door::Entry).ok());
    ASSERT_TRUE(lane.gate->openDoor(Door::Exit).ok());
    EXPECT_EQ(lane.controller->doorState(Door::Exit), DoorState::Open);
    EXPECT_EQ(lane.controller->doorState(Door::Entry), DoorState::Closed);
    ASSERT_TRUE(lane.gate->closeDoor(Door::Exit).ok());
    EXPECT_EQ(lane.gate->health().state, DeviceState::Ready);
    EXPECT_TRUE(eventually([&] { return lane.gate->heartbeatsWritten() >= 2; }));
    EXPECT_FALSE(lane.controller->heartbeatTripped());
}

TEST(ModbusGate, OccupancyAndPassageAreReportedAsChanges) {
    Lane lane = startLane();
    ASSERT_TRUE(lane.gate);
    ASSERT_TRUE(lane.gate->status().ok());
    lane.controller->setOccupancy(2);
    auto st = lane.gate->waitForChange(1000ms);
    ASSERT_TRUE(st.ok());
    EXPECT_EQ(st->occupancy, 2);
    EXPECT_FALSE(st->exitPassage);
    lane.controller->personPassesExit();
    auto st2 = lane.gate->waitForChange(1000ms);
    ASSERT_TRUE(st2.ok());
    EXPECT_TRUE(st2->exitPassage);
    EXPECT_EQ(st2->occupancy, 1);
    auto st3 = lane.gate->status();
    ASSERT_TRUE(st3.ok());
    EXPECT_FALSE(st3->exitPassage);  // "since the last read"
    auto same = lane.gate->waitForChange(60ms);  // nothing happens: returns the current status
    ASSERT_TRUE(same.ok());
    EXPECT_EQ(same->occupancy, 1);
}

TEST(ModbusGate, JamIsFaultAndDoorsClose) {
    Lane lane = startLane();
    ASSERT_TRUE(lane.gate);
    ASSERT_TRUE(lane.gate->openDoor(Door::Exit).ok());
    lane.controller->jamDoor(Door::Entry, true);
    auto r = lane.gate->openDoor(Door::Entry);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, errc::kJam);
    EXPECT_EQ(lane.gate->health().state, DeviceState::Fault);
    // Fail closed: the other door is commanded closed, and no door opens until reset.
    EXPECT_TRUE(eventually([&] { return lane.controller->doorState(Door::Exit) == DoorState::Closed; }));
    auto again = lane.gate->openDoor(Door::Exit);
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code, errc::kFault);
    EXPECT_EQ(lane.controller->doorState(Door::Exit), DoorState::Closed);
    // Still jammed: reset fails; cleared: reset succeeds.
    EXPECT_FALSE(lane.gate->resetFault().ok());
    lane.controller->jamDoor(Door::Entry, false);
    auto reset = lane.gate->resetFault();
    ASSERT_TRUE(reset.ok()) << reset.error().message;
    EXPECT_EQ(lane.gate->health().state, DeviceState::Ready);
    EXPECT_TRUE(lane.gate->openDoor(Door::Entry).ok());
}

TEST(ModbusGate, MissingAcknowledgementIsNoAck) {
    Lane lane = startLane();
    ASSERT_TRUE(lane.gate);
    lane.controller->ignoreCommands(true);
    auto r = lane.gate->openDoor(Door::Entry);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, errc::kNoAck);
    EXPECT_EQ(lane.gate->health().state, DeviceState::Fault);
    EXPECT_EQ(lane.controller->doorState(Door::Entry), DoorState::Closed);
}

TEST(ModbusGate, ConnectionLostIsLostThenRecovers) {
    Lane lane = startLane();
    ASSERT_TRUE(lane.gate);
    lane.controller->refuseConnections(true);
    EXPECT_TRUE(eventually([&] { return lane.gate->health().state == DeviceState::Lost; }));
    auto st = lane.gate->status();
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code, errc::kLost);
    auto open = lane.gate->openDoor(Door::Entry);
    ASSERT_FALSE(open.ok());
    EXPECT_EQ(open.error().code, errc::kLost);
    EXPECT_EQ(lane.controller->doorState(Door::Entry), DoorState::Closed);
    // The controller comes back: the driver reconnects by itself and the lane works again.
    lane.controller->refuseConnections(false);
    EXPECT_TRUE(eventually([&] { return lane.gate->health().state == DeviceState::Ready; }));
    EXPECT_TRUE(lane.gate->openDoor(Door::Entry).ok());
}

TEST(ModbusGate, HeartbeatStopsControllerClosesDoors) {
    Lane lane = startLane({100ms, 700ms});
    ASSERT_TRUE(lane.gate);
    ASSERT_TRUE(lane.gate->openDoor(Door::Entry).ok());
    ASSERT_TRUE(lane.gate->openDoor(Door::Exit).ok());
    std::this_thread::sleep_for(900ms);  // the heartbeat keeps the doors as commanded
    EXPECT_EQ(lane.controller->doorState(Door::Entry), DoorState::Open);
    EXPECT_FALSE(lane.controller->heartbeatTripped());
    lane.gate->pauseHeartbeat(true);  // the kiosk stops (hung, crashed, cable cut)
    EXPECT_TRUE(eventually([&] { return lane.controller->heartbeatTripped(); }));
    EXPECT_TRUE(eventually([&] {
        return lane.controller->doorState(Door::Entry) == DoorState::Closed &&
               lane.controller->doorState(Door::Exit) == DoorState::Closed;
    }));
    auto st = lane.gate->status();
    ASSERT_TRUE(st.ok());
    EXPECT_EQ(st->entry, DoorState::Closed);
    EXPECT_EQ(st->exit, DoorState::Closed);
    EXPECT_EQ(lane.controller->heartbeatTrips(), 1);
}

TEST(ModbusGate, FireAlarmIsReported) {
    Lane lane = startLane();
    ASSERT_TRUE(lane.gate);
    lane.controller->setFireAlarm(true);
    auto st = lane.gate->waitForChange(1000ms);
    ASSERT_TRUE(st.ok());
    EXPECT_TRUE(st->fireAlarm);
    EXPECT_EQ(lane.gate->health().state, DeviceState::Degraded);
    lane.controller->setFireAlarm(false);
    auto st2 = lane.gate->waitForChange(1000ms);
    ASSERT_TRUE(st2.ok());
    EXPECT_FALSE(st2->fireAlarm);
    EXPECT_EQ(lane.gate->health().state, DeviceState::Ready);
}

TEST(ModbusGate, UnreachableControllerIsLost) {
    GateModbusConfig cfg = testMap();
    {
        auto emu = ModbusGateEmulator::start(cfg);
        ASSERT_TRUE(emu.ok());
        cfg.port = (*emu)->port();
    }  // stopped: nothing listens on that port now
    auto gate = ModbusGate::connect(cfg);
    ASSERT_FALSE(gate.ok());
    EXPECT_EQ(gate.error().code, errc::kLost);
}

TEST(ModbusGate, ConfigMapFromJson) {
    core::Json j = core::Json::parse(R"({"host": "10.0.0.5", "port": 1502, "unit_id": 3, "ack_timeout_ms": 2500,
        "map": {"door1_command_coil": 4, "door2_command_coil": 5, "door1_state_register": 20,
                "door2_state_register": 21, "occupancy_register": 22, "passage_counter_register": 23,
                "fire_alarm_input": 9, "heartbeat_register": 40}})");
    auto c = GateModbusConfig::fromConfig(core::ConfigView(j, "devices.gate"));
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->host, "10.0.0.5");
    EXPECT_EQ(c->port, 1502);
    EXPECT_EQ(c->door2CommandCoil, 5);
    EXPECT_EQ(c->heartbeatRegister, 40);
    EXPECT_EQ(c->ackTimeout, 2500ms);
    core::Json bad = {{"map", {{"door1_command_coil", 4}, {"door2_command_coil", 4}}}};
    auto b = GateModbusConfig::fromConfig(core::ConfigView(bad, "devices.gate"));
    ASSERT_FALSE(b.ok());
    EXPECT_NE(b.error().message.find("devices.gate.map.door2_command_coil"), std::string::npos);
}

}  // namespace
}  // namespace kiosk::devices::io

namespace kiosk::devices::io {
namespace {

// Modbus RTU (an RS-485 gate controller) through a pseudo-terminal pair.
TEST(ModbusGateRtu, RoundTripHeartbeatAndSilentController) {
    GateModbusConfig map = testMap();
    map.baud = 115200;
    GateEmulatorOptions opt{std::chrono::milliseconds(100), std::chrono::milliseconds(1500), ModbusTransport::Rtu};
    auto emu = ModbusGateEmulator::start(map, opt);
    ASSERT_TRUE(emu.ok()) << emu.error().message;
    auto cfg = (*emu)->clientConfig();
    EXPECT_EQ(cfg.transport, ModbusTransport::Rtu);
    EXPECT_EQ(cfg.serialPort.rfind("/dev/pts/", 0), 0u);
    auto gate = ModbusGate::connect(cfg);
    ASSERT_TRUE(gate.ok()) << gate.error().message;
    ASSERT_TRUE((*gate)->openDoor(Door::Entry).ok());
    EXPECT_EQ((*emu)->doorState(Door::Entry), DoorState::Open);
    ASSERT_TRUE((*gate)->closeDoor(Door::Entry).ok());
    (*emu)->setOccupancy(1);
    auto st = (*gate)->waitForChange(std::chrono::milliseconds(1000));
    ASSERT_TRUE(st.ok());
    EXPECT_EQ(st->occupancy, 1);
    EXPECT_TRUE(eventually([&] { return (*gate)->heartbeatsWritten() >= 2; }));
    // The controller stops answering on the bus: lost.
    (*emu)->refuseConnections(true);
    auto lost = (*gate)->status();
    ASSERT_FALSE(lost.ok());
    EXPECT_EQ(lost.error().code, errc::kLost);
    EXPECT_EQ((*gate)->health().state, DeviceState::Lost);
    (*emu)->refuseConnections(false);
    EXPECT_TRUE(eventually([&] { return (*gate)->health().state == DeviceState::Ready; }));
}

TEST(ModbusGateRtu, ConfigKeys) {
    core::Json j = {{"transport", "rtu"}, {"serial_port", "/dev/ttyUSB1"}, {"baud", 9600}, {"parity", "N"}, {"stop_bits", 2}};
    auto c = GateModbusConfig::fromConfig(core::ConfigView(j, "devices.gate"));
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->transport, ModbusTransport::Rtu);
    EXPECT_EQ(c->serialPort, "/dev/ttyUSB1");
    EXPECT_EQ(c->parity, 'N');
    EXPECT_EQ(c->stopBits, 2);
    core::Json missing = {{"transport", "rtu"}};
    auto m = GateModbusConfig::fromConfig(core::ConfigView(missing, "devices.gate"));
    ASSERT_FALSE(m.ok());
    EXPECT_NE(m.error().message.find("devices.gate.serial_port"), std::string::npos);
}

}  // namespace
}  // namespace kiosk::devices::io
