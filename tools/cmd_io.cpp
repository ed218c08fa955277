// kioskctl io ... — bring-up helpers for the real devices of a lane.
#include <chrono>
#include <csignal>
#include <cstdio>
#include <exception>
#include <string>
#include <thread>

#include "core/clock.h"
#include "core/config.h"
#include "devices/io/device_factory.h"
#include "devices/io/image_file.h"
#include "devices/io/modbus_gate_emulator.h"
#include "devices/io/qr_decoder.h"
#include "tools/command.h"

namespace kiosk::tools {
namespace {

volatile std::sig_atomic_t gStop = 0;

int qrDecode(const Args& args) {
    const std::string path = option(args, "--image");
    if (path.empty()) {
        std::fprintf(stderr, "io qr-decode: --image FILE is required\n");
        return 2;
    }
    auto img = devices::io::loadImageFile(path);
    if (!img.ok()) {
        std::fprintf(stderr, "io qr-decode: %s\n", img.error().message.c_str());
        return 1;
    }
    auto t0 = std::chrono::steady_clock::now();
    auto texts = devices::io::decodeQr(*img);
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    if (!texts.ok()) {
        std::fprintf(stderr, "io qr-decode: %s: %s\n", texts.error().code.c_str(), texts.error().message.c_str());
        return 1;
    }
    if (texts->empty()) {
        std::printf("no QR code found (%.1f ms)\n", ms);
        return 1;
    }
    for (const auto& t : *texts) std::printf("%s\n", t.c_str());
    std::fprintf(stderr, "decoded in %.1f ms\n", ms);
    return 0;
}

int gateEmulator(const Args& args) {
    devices::io::GateModbusConfig map;
    devices::io::GateEmulatorOptions opt;
    try {
        opt.heartbeatTimeout = core::Millis(std::stoi(option(args, "--heartbeat-timeout-ms", "1500")));
    } catch (const std::exception&) {
        std::fprintf(stderr, "io gate-emulator: --heartbeat-timeout-ms must be a number\n");
        return 2;
    }
    if (flag(args, "--rtu")) opt.transport = devices::io::ModbusTransport::Rtu;
    auto emu = devices::io::ModbusGateEmulator::start(map, opt);
    if (!emu.ok()) {
        std::fprintf(stderr, "io gate-emulator: %s\n", emu.error().message.c_str());
        return 1;
    }
    if (opt.transport == devices::io::ModbusTransport::Rtu) {
        std::printf("gate controller emulator on Modbus RTU, serial line %s (default register map); Ctrl-C stops\n",
                    (*emu)->serialPath().c_str());
        std::printf("config: \"gate\": {\"backend\": \"modbus\", \"transport\": \"rtu\", \"serial_port\": \"%s\", "
                    "\"baud\": %d, \"parity\": \"%c\"}\n",
                    (*emu)->serialPath().c_str(), map.baud, map.parity);
    } else {
        std::printf("gate controller emulator listening on 127.0.0.1:%d (default register map); Ctrl-C stops\n", (*emu)->port());
        std::printf("config: \"gate\": {\"backend\": \"modbus\", \"host\": \"127.0.0.1\", \"port\": %d}\n", (*emu)->port());
    }
    std::fflush(stdout);
    std::signal(SIGINT, [](int) { gStop = 1; });
    std::signal(SIGTERM, [](int) { gStop = 1; });
    int seconds = 0;
    try {
        seconds = std::stoi(option(args, "--seconds", "0"));
    } catch (const std::exception&) {
        std::fprintf(stderr, "io gate-emulator: --seconds must be a number\n");
        return 2;
    }
    auto end = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    while (!gStop && (seconds == 0 || std::chrono::steady_clock::now() < end)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    std::printf("served %llu requests, heartbeat trips %d\n", static_cast<unsigned long long>((*emu)->requestsServed()),
                (*emu)->heartbeatTrips());
    return 0;
}

int health(const Args& args) {
    const std::string path = option(args, "--config");
    if (path.empty()) {
        std::fprintf(stderr, "io health: --config FILE is required (the kiosk configuration)\n");
        return 2;
    }
    auto json = core::loadJsonFile(path);
    if (!json.ok()) {
        std::fprintf(stderr, "io health: %s\n", json.error().message.c_str());
        return 1;
    }
    core::ConfigView root(*json);
    const std::string key = option(args, "--section", "devices");
    auto section = root.child(key);
    if (!section.ok()) {
        std::fprintf(stderr, "io health: %s\n", section.error().message.c_str());
        return 1;
    }
    core::SystemClock clock;
    auto set = devices::io::createDevices(*section, clock);
    if (!set.ok()) {
        std::fprintf(stderr, "io health: %s: %s\n", set.error().code.c_str(), set.error().message.c_str());
        return 1;
    }
    if (set->camera && !set->simCamera) (void)set->camera->grab(core::Millis(2000));
    if (set->gate && !set->simGate) (void)set->gate->status();
    set->health->refresh();
    std::printf("%s\n", set->health->toJson().dump(2).c_str());
    return set->health->laneReady() ? 0 : 1;
}

KIOSKCTL_COMMAND({"io", "qr-decode", "--image FILE", "decode the QR code(s) in an image file with the kiosk's decoder", qrDecode});
KIOSKCTL_COMMAND({"io", "gate-emulator", "[--rtu] [--seconds N] [--heartbeat-timeout-ms MS]",
                  "run the Modbus gate controller emulator: TCP on 127.0.0.1, or RTU on a pseudo-terminal (bring-up, demos)",
                  gateEmulator});
KIOSKCTL_COMMAND({"io", "health", "--config FILE [--section devices]",
                  "open the configured devices once and print their health (exit 1 when not ready)", health});

}  // namespace
}  // namespace kiosk::tools
