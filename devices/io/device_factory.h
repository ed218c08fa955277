#pragma once
// Builds the lane's devices from the "devices" section of the configuration, choosing a
// simulated or a real driver per device:
//   "camera":   {"backend": "sim"|"opencv", "source": "/dev/video0"|file|folder, "width", "height", "fps", "stale_ms"}
//   "qr":       {"backend": "sim"|"camera"|"serial"|"hid", "camera": {...own camera...}, "roi": [x,y,w,h],
//                "port", "baud" (serial), "device" (hid: evdev node of a keyboard-mode scanner)}
//               ("camera" without its own camera shares the main camera)
//   "document": {"backend": "sim"|"serial", "port": "/dev/ttyUSB0", "baud": 9600, "inter_line_ms": 500}
//   "gate":     {"backend": "sim"|"modbus", "host", "port", "unit_id", "map": {...}, "ack_timeout_ms", ...}
// A missing section means "sim". Face/fingerprint engines are created elsewhere.
// The registration machine's receipt printer comes from createPrinter() (docs/devices.md):
//   "printer":  {"backend": "sim"|"escpos"|"cups", "out_dir" (sim), "port"|"device", "baud" (escpos),
//                "queue" (cups), ...}
#include <memory>

#include "core/clock.h"
#include "core/config.h"
#include "core/result.h"
#include "devices/camera.h"
#include "devices/document_reader.h"
#include "devices/gate.h"
#include "devices/printer.h"
#include "devices/io/health_registry.h"
#include "devices/qr_scanner.h"
#include "devices/sim/sim_camera.h"
#include "devices/sim/sim_gate.h"
#include "devices/sim/sim_printer.h"
#include "devices/sim/sim_scanners.h"

namespace kiosk::devices::io {

struct DeviceSet {
    std::unique_ptr<Camera> camera;
    std::unique_ptr<Camera> qrCamera;  // a dedicated QR camera, when configured
    std::unique_ptr<QrScanner> qr;
    std::unique_ptr<DocumentReader> document;
    std::unique_ptr<Gate> gate;
    // Non-owning views of the simulated drivers (null for real ones), for scenario scripting.
    sim::SimCamera* simCamera = nullptr;
    sim::SimQrScanner* simQr = nullptr;
    sim::SimDocumentReader* simDocument = nullptr;
    sim::SimGate* simGate = nullptr;
    // Every device above, registered by name ("camera", "qr", "document", "gate").
    std::unique_ptr<HealthRegistry> health;

    DeviceSet() = default;
    DeviceSet(DeviceSet&&) = default;
    DeviceSet& operator=(DeviceSet&&) = default;
    ~DeviceSet();  // destroys the scanner before the camera it reads
};

core::Result<DeviceSet> createDevices(const core::ConfigView& devicesConfig, core::Clock& clock);

struct PrinterSet {
    std::unique_ptr<ReceiptPrinter> printer;
    sim::SimPrinter* simPrinter = nullptr;  // non-owning, null for real printers
};

// The receipt printer from devices.printer (devicesConfig is the "devices" section). A
// printer that cannot be opened gives a printer reporting Lost; config errors (unknown
// key, bad value) are returned.
core::Result<PrinterSet> createPrinter(const core::ConfigView& devicesConfig, core::Clock& clock);

}  // namespace kiosk::devices::io
