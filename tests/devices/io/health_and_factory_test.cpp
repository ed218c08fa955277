#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "devices/io/device_factory.h"
#include "devices/io/health_registry.h"
#include "devices/io/modbus_gate_emulator.h"
#include "tests/support/test_support.h"

namespace kiosk::devices::io {
namespace {

class FakeDevice final : public Device {
public:
    DeviceHealth h{"x", DeviceState::Ready, ""};
    DeviceHealth health() const override { return h; }
};

TEST(HealthRegistry, PollsDevicesAndReportsChangesOnce) {
    core::FakeClock clock;
    HealthRegistry reg(clock);
    FakeDevice cam, gate;
    reg.add("camera", &cam);
    reg.add("gate", &gate);
    std::vector<std::string> changes;
    reg.onChange([&](const DeviceHealth& prev, const DeviceHealth& cur) {
        changes.push_back(cur.device + ":" + toString(prev.state) + "->" + toString(cur.state));
    });
    reg.refresh();
    EXPECT_TRUE(reg.laneReady());
    EXPECT_TRUE(changes.empty());
    gate.h = {"gate", DeviceState::Fault, "device.door_jam"};
    reg.refresh();
    reg.refresh();
    EXPECT_FALSE(reg.laneReady());
    ASSERT_EQ(changes.size(), 1u);
    EXPECT_EQ(changes[0], "gate:ready->fault");
    ASSERT_EQ(reg.problems().size(), 1u);
    EXPECT_EQ(reg.problems()[0], "gate: fault (device.door_jam)");
    clock.advance(core::Millis(1500));
    auto j = reg.toJson();
    EXPECT_FALSE(j["lane_ready"].get<bool>());
    bool sawGate = false;
    for (const auto& d : j["devices"]) {
        if (d["device"] == "gate") {
            sawGate = true;
            EXPECT_EQ(d["state"], "fault");
            EXPECT_EQ(d["since_ms"], 1500);
        }
    }
    EXPECT_TRUE(sawGate);
    gate.h = {"gate", DeviceState::Ready, ""};
    reg.refresh();
    EXPECT_TRUE(reg.laneReady());
    EXPECT_EQ(changes.back(), "gate:fault->ready");
}

TEST(HealthRegistry, PushedAndOptionalDevices) {
    core::FakeClock clock;
    HealthRegistry reg(clock);
    reg.report({"fingerprint", DeviceState::Lost, "unplugged"}, /*required=*/false);
    EXPECT_TRUE(reg.laneReady());
    EXPECT_EQ(reg.problems().size(), 1u);
    reg.report({"face_camera", DeviceState::Degraded, "dark"});
    EXPECT_FALSE(reg.laneReady());
}

TEST(DeviceFactory, EmptyConfigIsAllSimulated) {
    core::FakeClock clock;
    core::Json j = core::Json::object();
    auto set = createDevices(core::ConfigView(j, "devices"), clock);
    ASSERT_TRUE(set.ok()) << set.error().message;
    EXPECT_NE(set->simCamera, nullptr);
    EXPECT_NE(set->simQr, nullptr);
    EXPECT_NE(set->simDocument, nullptr);
    EXPECT_NE(set->simGate, nullptr);
    EXPECT_EQ(set->health->snapshot().size(), 4u);
    EXPECT_TRUE(set->health->laneReady());
}

TEST(DeviceFactory, RealBackends) {
    core::FakeClock clock;
    auto dir = testing::tempDir("factory");
    cv::Mat m(72, 128, CV_8UC3, cv::Scalar(1, 2, 3));
    cv::imwrite((dir / "a.png").string(), m);
    auto emu = ModbusGateEmulator::start(GateModbusConfig{});
    ASSERT_TRUE(emu.ok());
    core::Json j = {
        {"camera", {{"backend", "opencv"}, {"source", dir.string()}, {"width", 128}, {"height", 72}}},
        {"qr", {{"backend", "camera"}, {"roi", {0, 0, 64, 72}}}},
        {"document", {{"backend", "sim"}}},
        {"gate", {{"backend", "modbus"}, {"host", "127.0.0.1"}, {"port", (*emu)->port()}, {"heartbeat_ms", 50}}},
    };
    auto set = createDevices(core::ConfigView(j, "devices"), clock);
    ASSERT_TRUE(set.ok()) << set.error().message;
    EXPECT_EQ(set->simCamera, nullptr);
    EXPECT_EQ(set->simGate, nullptr);
    EXPECT_NE(set->simDocument, nullptr);
    auto frame = set->camera->grab(core::Millis(500));
    ASSERT_TRUE(frame.ok());
    EXPECT_EQ(frame->image.width, 128);
    ASSERT_TRUE(set->gate->openDoor(Door::Entry).ok());
    EXPECT_EQ((*emu)->doorState(Door::Entry), DoorState::Open);
    set->health->refresh();
    EXPECT_TRUE(set->health->laneReady()) << set->health->toJson().dump();
}

TEST(DeviceFactory, SerialBackendsThroughPty) {
    core::FakeClock clock;
    int master[2];
    std::string path[2];
    for (int i = 0; i < 2; ++i) {
        master[i] = posix_openpt(O_RDWR | O_NOCTTY);
        ASSERT_GE(master[i], 0);
        ASSERT_EQ(grantpt(master[i]), 0);
        ASSERT_EQ(unlockpt(master[i]), 0);
        path[i] = ptsname(master[i]);
    }
    core::Json j = {
        {"qr", {{"backend", "serial"}, {"port", path[0]}, {"baud", 115200}}},
        {"document", {{"backend", "serial"}, {"port", path[1]}, {"baud", 9600}, {"inter_line_ms", 200}}},
    };
    auto set = createDevices(core::ConfigView(j, "devices"), clock);
    ASSERT_TRUE(set.ok()) << set.error().message;
    EXPECT_EQ(set->simQr, nullptr);
    EXPECT_EQ(set->simDocument, nullptr);
    const std::string qr = "HKMO1:ABC123";
    ASSERT_EQ(::write(master[0], (qr + "\r\n").data(), qr.size() + 2), static_cast<ssize_t>(qr.size() + 2));
    auto code = set->qr->waitForCode(core::Millis(500));
    ASSERT_TRUE(code.ok()) << code.error().message;
    EXPECT_EQ(code->value_or(""), qr);
    const std::string mrz = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10\n";
    ASSERT_EQ(::write(master[1], mrz.data(), mrz.size()), static_cast<ssize_t>(mrz.size()));
    auto doc = set->document->waitForMrz(core::Millis(500));
    ASSERT_TRUE(doc.ok()) << doc.error().message;
    ASSERT_TRUE(doc->has_value());
    EXPECT_EQ((*doc)->size(), 2u);
    set->health->refresh();
    EXPECT_TRUE(set->health->laneReady());
    ::close(master[0]);
    ::close(master[1]);
}

TEST(DeviceFactory, UnreachableDevicesStartLostNotCrash) {
    core::FakeClock clock;
    core::Json j = {
        {"camera", {{"backend", "opencv"}, {"source", "/nonexistent/video.avi"}}},
        {"document", {{"backend", "serial"}, {"port", "/nonexistent/ttyUSB0"}}},
        {"gate", {{"backend", "modbus"}, {"host", "127.0.0.1"}, {"port", 1}, {"response_timeout_ms", 100}}},
    };
    auto set = createDevices(core::ConfigView(j, "devices"), clock);
    ASSERT_TRUE(set.ok()) << set.error().message;
    EXPECT_FALSE(set->health->laneReady());
    EXPECT_EQ(set->health->problems().size(), 3u);
    auto open = set->gate->openDoor(Door::Entry);
    ASSERT_FALSE(open.ok());
    EXPECT_EQ(open.error().code, errc::kLost);
    EXPECT_EQ(set->camera->grab(core::Millis(10)).error().code, errc::kLost);
}

TEST(DeviceFactory, ConfigErrorsNameTheKey) {
    core::FakeClock clock;
    core::Json j = {{"gate", {{"backend", "relay"}}}};
    auto set = createDevices(core::ConfigView(j, "devices"), clock);
    ASSERT_FALSE(set.ok());
    EXPECT_NE(set.error().message.find("devices.gate.backend"), std::string::npos) << set.error().message;
    core::Json roi = {{"qr", {{"backend", "camera"}, {"roi", {1, 2}}}}};
    auto r = createDevices(core::ConfigView(roi, "devices"), clock);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("devices.qr.roi"), std::string::npos) << r.error().message;
    core::Json baud = {{"document", {{"backend", "serial"}, {"port", "/dev/ttyUSB0"}, {"baud", 1000}}}};
    auto b = createDevices(core::ConfigView(baud, "devices"), clock);
    ASSERT_FALSE(b.ok());
    EXPECT_NE(b.error().message.find("devices.document.baud"), std::string::npos) << b.error().message;
}

}  // namespace
}  // namespace kiosk::devices::io
