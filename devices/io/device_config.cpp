#include "devices/io/device_config.h"

#include <algorithm>

#include "devices/io/cups_printer.h"
#include "devices/io/escpos_printer.h"
#include "devices/io/hid_qr_scanner.h"
#include "devices/io/modbus_gate.h"
#include "devices/io/opencv_camera.h"
#include "devices/io/receipt_render.h"
#include "devices/io/serial_port.h"

namespace kiosk::devices::io {

namespace {

using Keys = std::vector<std::string>;

template <typename T>
core::Status check(const core::Result<T>& r) {
    if (!r.ok()) return r.error();
    return {};
}

Keys plus(Keys a, const Keys& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

// CameraConfig::fromConfig (a camera of its own: devices.camera, devices.qr.camera).
const Keys kCameraKeys = {"source", "width", "height", "fps", "stale_ms", "format", "loop", "name"};
const Keys kSerialKeys = {"port", "baud"};
const Keys kModbusTimingKeys = {"unit_id", "ack_timeout_ms", "response_timeout_ms", "heartbeat_ms", "poll_ms", "map"};
const Keys kGateMapKeys = {"door1_command_coil",  "door2_command_coil",       "door1_state_register",
                           "door2_state_register", "occupancy_register",      "passage_counter_register",
                           "fire_alarm_input",     "heartbeat_register"};
const Keys kRenderKeys = {"width_dots", "font", "font_bold", "font_face_index"};

std::vector<std::string> backendsOf(const std::string& device) {
    if (device == "camera") return {"sim", "opencv"};
    if (device == "qr") return {"sim", "camera", "serial", "hid"};
    if (device == "document") return {"sim", "serial"};
    if (device == "gate") return {"sim", "modbus"};
    if (device == "printer") return {"sim", "escpos", "cups"};
    return {};
}

std::string backendName(const std::string& device, const std::string& backend) {
    return "the " + backend + " " + device + " (docs/devices.md)";
}

}  // namespace

std::vector<std::string> deviceKeys(const std::string& device, const std::string& backend) {
    const auto backends = backendsOf(device);
    if (std::find(backends.begin(), backends.end(), backend) == backends.end()) return {};
    if (device == "camera") return backend == "sim" ? Keys{"backend", "fps"} : plus({"backend"}, kCameraKeys);
    if (device == "qr") {
        if (backend == "camera") return {"backend", "camera", "roi", "confirm_frames", "try_inverted", "budget_ms"};
        if (backend == "serial") return plus({"backend"}, kSerialKeys);
        if (backend == "hid") return {"backend", "device", "grab", "inter_key_ms"};
        return {"backend"};
    }
    if (device == "document")
        return backend == "serial" ? plus(plus({"backend"}, kSerialKeys), {"inter_line_ms"}) : Keys{"backend"};
    if (device == "gate") {
        if (backend == "sim") return {"backend"};
        // Both transports: createDevices picks by "transport"; checkDeviceSection narrows.
        return plus({"backend", "transport", "host", "port", "serial_port", "baud", "parity", "stop_bits"},
                    kModbusTimingKeys);
    }
    if (device == "printer") {
        if (backend == "sim") return plus({"backend", "out_dir", "print_ms"}, kRenderKeys);
        if (backend == "escpos")
            return plus({"backend", "port", "device", "baud", "flow_control", "status_query", "status_timeout_ms",
                         "print_timeout_ms", "feed_lines"},
                        kRenderKeys);
        return plus({"backend", "queue", "media", "dpi", "print_timeout_ms"}, kRenderKeys);
    }
    return {};
}

core::Status checkDeviceSection(const core::ConfigView& cfg, const std::string& device) {
    if (!cfg.json().is_object()) return core::makeError("config.bad_value", cfg.path() + ": must be an object");
    KIOSK_ASSIGN_OR_RETURN(std::string backend, cfg.oneOf("backend", backendsOf(device), "sim"));
    Keys keys = deviceKeys(device, backend);
    if (device == "gate" && backend == "modbus") {
        KIOSK_ASSIGN_OR_RETURN(std::string transport, cfg.oneOf("transport", {"tcp", "rtu"}, "tcp"));
        keys = transport == "rtu"
                   ? plus({"backend", "transport", "serial_port", "baud", "parity", "stop_bits"}, kModbusTimingKeys)
                   : plus({"backend", "transport", "host", "port"}, kModbusTimingKeys);
    }
    KIOSK_TRY(cfg.onlyKeys(keys, backendName(device, backend)));
    if (device == "camera") {
        if (backend == "sim") return check(cfg.integerOr("fps", 15, 1, 120));
        return check(CameraConfig::fromConfig(cfg));
    }
    if (device == "qr") {
        if (backend == "camera") {
            if (cfg.has("camera")) {
                KIOSK_ASSIGN_OR_RETURN(auto cam, cfg.child("camera"));
                KIOSK_TRY(cam.onlyKeys(kCameraKeys, "docs/devices.md"));
                KIOSK_TRY(check(CameraConfig::fromConfig(cam)));
            }
            if (cfg.has("roi")) {
                const auto& r = cfg.json()["roi"];
                if (!r.is_array() || r.size() != 4 || !std::all_of(r.begin(), r.end(), [](const core::Json& v) {
                        return v.is_number_integer() && v.get<int64_t>() >= 0 && v.get<int64_t>() <= 16384;
                    }))
                    return cfg.bad("roi", "must be [x, y, width, height] in pixels");
            }
            KIOSK_TRY(check(cfg.integerOr("confirm_frames", 1, 1, 10)));
            KIOSK_TRY(check(cfg.integerOr("budget_ms", 8, 0, 1000)));
            return check(cfg.booleanOr("try_inverted", true));
        }
        if (backend == "serial") return check(SerialConfig::fromConfig(cfg));
        if (backend == "hid") return check(HidScannerConfig::fromConfig(cfg));
        return {};
    }
    if (device == "document") {
        if (backend == "sim") return {};
        KIOSK_TRY(check(SerialConfig::fromConfig(cfg)));
        return check(cfg.integerOr("inter_line_ms", 500, 20, 10000));
    }
    if (device == "gate") {
        if (backend == "sim") return {};
        if (cfg.has("map")) {
            KIOSK_ASSIGN_OR_RETURN(auto map, cfg.child("map"));
            KIOSK_TRY(map.onlyKeys(kGateMapKeys, "docs/devices.md"));
        }
        return check(GateModbusConfig::fromConfig(cfg));
    }
    if (device == "printer") {
        KIOSK_TRY(check(ReceiptRenderOptions::fromConfig(cfg)));
        if (backend == "sim") {
            KIOSK_TRY(check(cfg.stringOr("out_dir", "")));
            return check(cfg.integerOr("print_ms", 1500, 0, 60000));
        }
        if (backend == "escpos") return check(EscPosConfig::fromConfig(cfg));
        return check(CupsConfig::fromConfig(cfg));
    }
    return core::makeError("config.unknown_key", cfg.path() + ": unknown device");
}

core::Status checkDevicesConfig(const core::ConfigView& devicesConfig, const std::vector<std::string>& devices) {
    KIOSK_TRY(devicesConfig.onlyKeys(devices, "docs/devices.md"));
    for (const auto& d : devices) {
        if (!devicesConfig.has(d)) continue;
        KIOSK_ASSIGN_OR_RETURN(auto section, devicesConfig.child(d));
        KIOSK_TRY(checkDeviceSection(section, d));
    }
    return {};
}

}  // namespace kiosk::devices::io
