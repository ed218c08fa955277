#include "devices/io/device_factory.h"

#include "core/log.h"
#include "devices/io/device_config.h"
#include "devices/io/hid_qr_scanner.h"
#include "devices/io/modbus_gate.h"
#include "devices/io/opencv_camera.h"
#include "devices/io/camera_qr_scanner.h"
#include "devices/io/serial_scanners.h"

namespace kiosk::devices::io {

namespace {

// A configured device that could not be opened at start-up: the lane starts, reports the
// device Lost (out of service) and every call fails with errc::kLost. Fail-closed.
DeviceHealth lostHealth(const std::string& name, const core::Error& e) {
    return DeviceHealth{name, DeviceState::Lost, e.code + ": " + e.message};
}

class UnavailableCamera final : public Camera {
public:
    UnavailableCamera(std::string name, core::Error e) : h_(lostHealth(name, e)), e_(std::move(e)) {}
    core::Result<Frame> grab(core::Millis) override { return core::makeError(errc::kLost, e_.message); }
    DeviceHealth health() const override { return h_; }

private:
    DeviceHealth h_;
    core::Error e_;
};

class UnavailableQrScanner final : public QrScanner {
public:
    UnavailableQrScanner(std::string name, core::Error e) : h_(lostHealth(name, e)), e_(std::move(e)) {}
    core::Result<std::optional<std::string>> waitForCode(core::Millis) override {
        return core::makeError(errc::kLost, e_.message);
    }
    DeviceHealth health() const override { return h_; }

private:
    DeviceHealth h_;
    core::Error e_;
};

class UnavailableDocumentReader final : public DocumentReader {
public:
    UnavailableDocumentReader(std::string name, core::Error e) : h_(lostHealth(name, e)), e_(std::move(e)) {}
    core::Result<std::optional<std::vector<std::string>>> waitForMrz(core::Millis) override {
        return core::makeError(errc::kLost, e_.message);
    }
    DeviceHealth health() const override { return h_; }

private:
    DeviceHealth h_;
    core::Error e_;
};

class UnavailableGate final : public Gate {
public:
    UnavailableGate(std::string name, core::Error e) : h_(lostHealth(name, e)), e_(std::move(e)) {}
    core::Status openDoor(Door) override { return core::makeError(errc::kLost, e_.message); }
    core::Status closeDoor(Door) override { return core::makeError(errc::kLost, e_.message); }
    core::Result<GateStatus> status() override { return core::makeError(errc::kLost, e_.message); }
    core::Result<GateStatus> waitForChange(core::Millis) override { return core::makeError(errc::kLost, e_.message); }
    DeviceHealth health() const override { return h_; }

private:
    DeviceHealth h_;
    core::Error e_;
};

bool isConfigError(const core::Error& e) { return e.code.rfind("config.", 0) == 0; }

void logUnavailable(const std::string& name, const core::Error& e) {
    core::logError("device.unavailable", {{"device", name}, {"code", e.code}, {"detail", e.message}});
}

// The section of one device, or an empty object (-> "sim") when absent.
core::Result<core::ConfigView> section(const core::ConfigView& cfg, const std::string& key) {
    static const core::Json kEmpty = core::Json::object();
    if (!cfg.has(key)) return core::ConfigView(kEmpty, cfg.keyPath(key));
    return cfg.child(key);
}

core::Result<std::unique_ptr<Camera>> makeOpenCvCamera(const core::ConfigView& cfg, core::Clock& clock,
                                                       const std::string& name) {
    KIOSK_ASSIGN_OR_RETURN(CameraConfig cc, CameraConfig::fromConfig(cfg));
    if (!cfg.has("name")) cc.name = name;
    auto cam = OpenCvCamera::open(cc, clock);
    if (!cam.ok()) {
        logUnavailable(name, cam.error());
        return std::unique_ptr<Camera>(new UnavailableCamera(name, cam.error()));
    }
    return std::unique_ptr<Camera>(std::move(cam).value());
}

}  // namespace

DeviceSet::~DeviceSet() {
    health.reset();
    qr.reset();  // reads qrCamera or camera
    qrCamera.reset();
}

core::Result<DeviceSet> createDevices(const core::ConfigView& devicesConfig, core::Clock& clock) {
    // A misspelt device ("gatee") would silently be a simulated one: refused by name.
    KIOSK_TRY(devicesConfig.onlyKeys({"camera", "qr", "document", "gate", "printer"}, "docs/devices.md"));
    DeviceSet set;
    set.health = std::make_unique<HealthRegistry>(clock);

    // Camera.
    {
        KIOSK_ASSIGN_OR_RETURN(auto cfg, section(devicesConfig, "camera"));
        KIOSK_TRY(checkDeviceSection(cfg, "camera"));  // every key known for its backend
        KIOSK_ASSIGN_OR_RETURN(auto backend, cfg.oneOf("backend", {"sim", "opencv"}, "sim"));
        if (backend == "sim") {
            KIOSK_ASSIGN_OR_RETURN(auto fps, cfg.integerOr("fps", 15, 1, 120));
            auto cam = std::make_unique<sim::SimCamera>(clock, static_cast<int>(fps));
            set.simCamera = cam.get();
            set.camera = std::move(cam);
        } else {
            KIOSK_ASSIGN_OR_RETURN(set.camera, makeOpenCvCamera(cfg, clock, "camera"));
        }
        set.health->add("camera", set.camera.get());
    }

    // QR scanner.
    {
        KIOSK_ASSIGN_OR_RETURN(auto cfg, section(devicesConfig, "qr"));
        KIOSK_TRY(checkDeviceSection(cfg, "qr"));  // every key known for its backend
        KIOSK_ASSIGN_OR_RETURN(auto backend, cfg.oneOf("backend", {"sim", "camera", "serial", "hid"}, "sim"));
        if (backend == "sim") {
            auto qr = std::make_unique<sim::SimQrScanner>(clock);
            set.simQr = qr.get();
            set.qr = std::move(qr);
        } else if (backend == "camera") {
            CameraQrScannerOptions opt;
            Camera* cam = set.camera.get();
            if (cfg.has("camera")) {
                KIOSK_ASSIGN_OR_RETURN(auto camCfg, cfg.child("camera"));
                KIOSK_ASSIGN_OR_RETURN(set.qrCamera, makeOpenCvCamera(camCfg, clock, "qr_camera"));
                cam = set.qrCamera.get();
                set.health->add("qr_camera", cam);
            }
            if (cfg.has("roi")) {
                const auto& r = cfg.json()["roi"];
                if (!r.is_array() || r.size() != 4 || !std::all_of(r.begin(), r.end(), [](const core::Json& v) {
                        return v.is_number_integer() && v.get<int64_t>() >= 0 && v.get<int64_t>() <= 16384;
                    })) {
                    return cfg.bad("roi", "must be [x, y, width, height] in pixels");
                }
                opt.decode.roi = Roi{r[0].get<int>(), r[1].get<int>(), r[2].get<int>(), r[3].get<int>()};
            }
            KIOSK_ASSIGN_OR_RETURN(auto confirm, cfg.integerOr("confirm_frames", 1, 1, 10));
            opt.confirmFrames = static_cast<int>(confirm);
            KIOSK_ASSIGN_OR_RETURN(opt.decode.tryInverted, cfg.booleanOr("try_inverted", true));
            KIOSK_ASSIGN_OR_RETURN(auto budget, cfg.integerOr("budget_ms", 8, 0, 1000));
            opt.schedule.budgetMs = static_cast<double>(budget);
            set.qr = std::make_unique<CameraQrScanner>(*cam, clock, opt);
        } else if (backend == "hid") {
            KIOSK_ASSIGN_OR_RETURN(auto hc, HidScannerConfig::fromConfig(cfg));
            auto hid = HidQrScanner::open(hc, "qr");
            if (hid.ok()) {
                set.qr = std::move(hid).value();
            } else {
                logUnavailable("qr", hid.error());
                set.qr = std::make_unique<UnavailableQrScanner>("qr", hid.error());
            }
        } else {
            KIOSK_ASSIGN_OR_RETURN(auto sc, SerialConfig::fromConfig(cfg));
            auto port = SerialPort::open(sc);
            if (port.ok()) {
                set.qr = std::make_unique<SerialQrScanner>(std::move(port).value(), "qr");
            } else if (isConfigError(port.error())) {
                return port.error();
            } else {
                logUnavailable("qr", port.error());
                set.qr = std::make_unique<UnavailableQrScanner>("qr", port.error());
            }
        }
        set.health->add("qr", set.qr.get());
    }

    // Document reader.
    {
        KIOSK_ASSIGN_OR_RETURN(auto cfg, section(devicesConfig, "document"));
        KIOSK_TRY(checkDeviceSection(cfg, "document"));  // every key known for its backend
        KIOSK_ASSIGN_OR_RETURN(auto backend, cfg.oneOf("backend", {"sim", "serial"}, "sim"));
        if (backend == "sim") {
            auto doc = std::make_unique<sim::SimDocumentReader>(clock);
            set.simDocument = doc.get();
            set.document = std::move(doc);
        } else {
            KIOSK_ASSIGN_OR_RETURN(auto sc, SerialConfig::fromConfig(cfg));
            KIOSK_ASSIGN_OR_RETURN(auto gap, cfg.integerOr("inter_line_ms", 500, 20, 10000));
            auto port = SerialPort::open(sc);
            if (port.ok()) {
                set.document = std::make_unique<SerialDocumentReader>(std::move(port).value(), core::Millis(gap), "document");
            } else if (isConfigError(port.error())) {
                return port.error();
            } else {
                logUnavailable("document", port.error());
                set.document = std::make_unique<UnavailableDocumentReader>("document", port.error());
            }
        }
        set.health->add("document", set.document.get());
    }

    // Gate.
    {
        KIOSK_ASSIGN_OR_RETURN(auto cfg, section(devicesConfig, "gate"));
        KIOSK_TRY(checkDeviceSection(cfg, "gate"));  // every key known for its backend
        KIOSK_ASSIGN_OR_RETURN(auto backend, cfg.oneOf("backend", {"sim", "modbus"}, "sim"));
        if (backend == "sim") {
            auto gate = std::make_unique<sim::SimGate>(clock);
            set.simGate = gate.get();
            set.gate = std::move(gate);
        } else {
            KIOSK_ASSIGN_OR_RETURN(auto gc, GateModbusConfig::fromConfig(cfg));
            auto gate = ModbusGate::connect(gc);
            if (gate.ok()) {
                set.gate = std::move(gate).value();
            } else {
                logUnavailable("gate", gate.error());
                set.gate = std::make_unique<UnavailableGate>("gate", gate.error());
            }
        }
        set.health->add("gate", set.gate.get());
    }
    set.health->refresh();
    return set;
}

}  // namespace kiosk::devices::io
