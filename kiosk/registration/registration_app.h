#pragma once
// `kiosk --mode registration`: the registration machine headless on a scenario, wired to
// the real face engine, libfprint, the receipt printer of devices.printer (the simulated
// one writes PNGs) and, with a "sync" section, the clearance service. Compiled into the
// binary only (it links the adapters and libcurl; kiosk::registration does not).
#include <filesystem>
#include <memory>

#include "core/config.h"
#include "devices/face.h"
#include "devices/fingerprint.h"
#include "kiosk/registration/registration_services.h"
#include "kiosk/registration/registration_shell.h"

namespace kiosk::devices::fingerprint {
class FingerImageSource;
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
    // --live: the image source of a "virtual_image" fingerprint section (the simulated sensor).
    std::shared_ptr<devices::fingerprint::FingerImageSource> fingerSource;
    int repeat = 1;
    bool headless = true;                 // false: the registration screens in a window
    bool windowed = false;
    std::filesystem::path screenshots;    // one PNG per screen shown
};

// Exit code: 0 all residents as expected, 1 some differ or the run failed, 2 configuration.
int runRegistrationApp(const core::ConfigView& config, const RegistrationAppOptions& options);

// `kiosk --mode registration --live` (or "live": true): the machine on the configured
// devices (devices.document, devices.camera, "fingerprint", devices.printer) in real time,
// the store of "store", the sync agent of "sync", until SIGTERM/SIGINT or the window's quit.
// No scenario; no card slot sensor (the "take your card" prompt is trusted). Exit code 0 on
// a stop, 2 configuration, 3 a device or the store.
int runRegistrationLive(const core::ConfigView& config, const RegistrationAppOptions& options);

// Shared by both: the "registration" section and the "policy" of the configuration.
core::Status registrationSetupFromConfig(const core::ConfigView& config, RegistrationSettings& settings,
                                         RegistrationConfig& machine);
// The receipt texts of the configuration's "strings" (default ../strings/strings.json).
core::Result<ReceiptComposer> receiptComposerFromConfig(const core::ConfigView& config,
                                                        const std::filesystem::path& configDir);

}  // namespace kiosk::registration
