#pragma once
// `kiosk --mode registration`: the registration machine headless on a scenario, wired to
// the real face engine, libfprint, the receipt printer of devices.printer (the simulated
// one writes PNGs) and, with a "sync" section, the clearance service. Compiled into the
// binary only (it links the adapters and libcurl; kiosk::registration does not).
#include <filesystem>

#include "core/config.h"
#include "devices/face.h"
#include "devices/fingerprint.h"

namespace kiosk::devices::fingerprint {
class SimFingerSensor;
}

namespace kiosk::registration {

struct RegistrationAppOptions {
    std::filesystem::path configDir;
    std::filesystem::path buildDir;   // build/: demo data
    std::filesystem::path scenario;   // --scenario (else the config's "scenario")
    devices::FaceEngine* face = nullptr;
    devices::FingerprintReader* finger = nullptr;
    devices::fingerprint::SimFingerSensor* sensor = nullptr;
    int repeat = 1;
    bool headless = true;                 // false: the registration screens in a window
    bool windowed = false;
    std::filesystem::path screenshots;    // one PNG per screen shown
};

// Exit code: 0 all residents as expected, 1 some differ or the run failed, 2 configuration.
int runRegistrationApp(const core::ConfigView& config, const RegistrationAppOptions& options);

}  // namespace kiosk::registration
