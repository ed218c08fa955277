#pragma once
// The scenario inputs of the real binaries (kiosk, kioskctl): finger images go to the
// simulated sensor behind libfprint's virtual_image device, face images are read from
// files. Header-only on purpose: kiosk::scenario_support does not link libfprint or the
// image decoders; the binaries that include this link kiosk::devices_fingerprint and
// kiosk::devices_io.
#include <filesystem>
#include <vector>

#include "core/result.h"
#include "devices/fingerprint/finger_image_source.h"
#include "devices/io/image_file.h"

namespace kiosk::scenario {

// Fills presentFingers, clearFingers, loadImage (and fingerFault where `Env` has it) of a
// lane::ScenarioEnvironment or registration::RegistrationEnvironment. `sensor` may be
// null (no fingers can be presented) and must outlive `env`.
template <class Env>
void useSimulatedInputs(Env& env, devices::fingerprint::SimFingerSensor* sensor) {
    env.presentFingers = [sensor](const std::vector<std::filesystem::path>& files) -> core::Status {
        if (!sensor) return core::makeError("scenario.no_finger_reader", "no simulated sensor");
        for (auto& f : files) KIOSK_TRY(sensor->presentFile(f));
        return {};
    };
    env.clearFingers = [sensor] {
        if (sensor) sensor->clear();
    };
    if constexpr (requires { env.fingerFault; }) {
        env.fingerFault = [sensor](bool lost) {
            if (sensor) sensor->faults().lost = lost;
        };
    }
    env.loadImage = [](const std::filesystem::path& p) { return devices::io::loadImageFile(p); };
}

}  // namespace kiosk::scenario
