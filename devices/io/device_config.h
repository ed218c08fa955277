#pragma once
// Strict reading of the "devices" section (docs/devices.md): every key known for the
// chosen backend, every value valid, without opening anything. createDevices() and
// createPrinter() run the same checks for the sections they build; the kiosk runs this
// once at start-up over the whole section, whatever the mode uses of it.
#include <string>
#include <vector>

#include "core/config.h"
#include "core/result.h"

namespace kiosk::devices::io {

// The keys one device section may hold with the given backend (including "backend"),
// e.g. deviceKeys("gate", "modbus"); empty for an unknown device or backend.
std::vector<std::string> deviceKeys(const std::string& device, const std::string& backend);

// One device section ("camera", "qr", "document", "gate", "printer"): its backend, its
// keys (config.unknown_key with a "did you mean" hint) and its values.
core::Status checkDeviceSection(const core::ConfigView& section, const std::string& device);

// The "devices" section: only the devices in `devices` may appear; each is checked.
core::Status checkDevicesConfig(const core::ConfigView& devicesConfig, const std::vector<std::string>& devices);

}  // namespace kiosk::devices::io
