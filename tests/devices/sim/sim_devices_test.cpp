// The simulated drivers behave like devices: they take simulated time, and each fault
// switch makes them fail the way hardware does.
#include <gtest/gtest.h>

#include "devices/sim/sim_camera.h"
#include "devices/sim/sim_gate.h"
#include "devices/sim/sim_scanners.h"

namespace kiosk::devices::sim {
namespace {

using core::Millis;

TEST(SimQrScanner, PresentsAfterItsDelayAndTakesSimulatedTime) {
    core::FakeClock clock;
    SimQrScanner qr(clock);
    qr.present("HKMO1:ABC", Millis(700));
    const auto t0 = clock.monoNow();
    auto first = qr.waitForCode(Millis(500));
    ASSERT_TRUE(first.ok());
    EXPECT_FALSE(first->has_value());  // not shown yet
    auto second = qr.waitForCode(Millis(500));
    ASSERT_TRUE(second.ok());
    ASSERT_TRUE(second->has_value());
    EXPECT_EQ(**second, "HKMO1:ABC");
    EXPECT_EQ(clock.monoNow() - t0, Millis(700));
}

TEST(SimQrScanner, FaultSwitches) {
    core::FakeClock clock;
    SimQrScanner qr(clock);
    qr.present("X");
    qr.faults().noInput = true;
    EXPECT_FALSE(qr.waitForCode(Millis(100))->has_value());
    qr.faults().noInput = false;
    qr.faults().timeout = true;
    auto t = qr.waitForCode(Millis(100));
    ASSERT_FALSE(t.ok());
    EXPECT_EQ(t.error().code, errc::kTimeout);
    EXPECT_EQ(qr.health().state, DeviceState::Fault);
    qr.faults().timeout = false;
    qr.faults().lost = true;
    EXPECT_EQ(qr.waitForCode(Millis(100)).error().code, errc::kLost);
    EXPECT_EQ(qr.health().state, DeviceState::Lost);
    qr.faults().lost = false;
    EXPECT_EQ(**qr.waitForCode(Millis(100)), "X");  // nothing was lost while unplugged
}

TEST(SimDocumentReader, DeliversMrzLines) {
    core::FakeClock clock;
    SimDocumentReader doc(clock);
    doc.insert({"L1", "L2"}, Millis(100));
    auto r = doc.waitForMrz(Millis(500));
    ASSERT_TRUE(r.ok() && r->has_value());
    EXPECT_EQ((*r)->size(), 2u);
    doc.faults().lost = true;
    EXPECT_EQ(doc.waitForMrz(Millis(10)).error().code, errc::kLost);
}

TEST(SimGate, OnePersonWalksInAndOut) {
    core::FakeClock clock;
    SimGate gate(clock);
    ASSERT_TRUE(gate.openDoor(Door::Entry).ok());
    EXPECT_EQ(gate.status()->entry, DoorState::Open);
    EXPECT_EQ(gate.status()->occupancy, 0);
    auto s = gate.waitForChange(Millis(5000));
    EXPECT_EQ(s->occupancy, 1);
    ASSERT_TRUE(gate.closeDoor(Door::Entry).ok());
    ASSERT_TRUE(gate.openDoor(Door::Exit).ok());
    s = gate.waitForChange(Millis(5000));
    EXPECT_EQ(s->occupancy, 0);
    EXPECT_TRUE(s->exitPassage);
    EXPECT_FALSE(gate.status()->exitPassage);  // an edge, reported once
}

TEST(SimGate, TailgatingJamNoAckLostAndFireAlarm) {
    core::FakeClock clock;
    SimGate gate(clock);
    LaneBehaviour two;
    two.entrants = 2;
    gate.setBehaviour(two);
    ASSERT_TRUE(gate.openDoor(Door::Entry).ok());
    EXPECT_EQ(gate.waitForChange(Millis(5000))->occupancy, 2);

    gate.jamDoor(Door::Exit);
    auto j = gate.openDoor(Door::Exit);
    ASSERT_FALSE(j.ok());
    EXPECT_EQ(j.error().code, errc::kJam);
    EXPECT_EQ(gate.health().state, DeviceState::Fault);
    gate.jamDoor(std::nullopt);
    EXPECT_EQ(gate.doorState(Door::Exit), DoorState::Closed);
    EXPECT_EQ(gate.health().state, DeviceState::Ready);

    gate.faults().timeout = true;
    EXPECT_EQ(gate.closeDoor(Door::Entry).error().code, errc::kNoAck);
    gate.faults().timeout = false;
    gate.faults().lost = true;
    EXPECT_EQ(gate.status().error().code, errc::kLost);
    gate.faults().lost = false;

    gate.setFireAlarm(true);
    EXPECT_TRUE(gate.status()->fireAlarm);
}

TEST(SimCamera, PlaysFramesInOrderThenHoldsTheLast) {
    core::FakeClock clock;
    SimCamera cam(clock, 10);
    Image a{1, 1, PixelFormat::Gray8, {1}}, b{1, 1, PixelFormat::Gray8, {2}};
    cam.play({a, b});
    EXPECT_EQ(cam.grab(Millis(500))->image.pixels[0], 1);
    EXPECT_EQ(cam.grab(Millis(500))->image.pixels[0], 2);
    auto f = cam.grab(Millis(500));
    EXPECT_EQ(f->image.pixels[0], 2);
    EXPECT_EQ(f->sequence, 3u);
    cam.faults().lost = true;
    EXPECT_EQ(cam.grab(Millis(500)).error().code, errc::kLost);
    cam.faults().lost = false;
    cam.play({});
    EXPECT_EQ(cam.grab(Millis(500)).error().code, errc::kTimeout);
}

}  // namespace
}  // namespace kiosk::devices::sim
