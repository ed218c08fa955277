#pragma once
// The lane on its configured devices (real or simulated per device), in real time, until
// stopped. No scenario: travellers are whoever walks up.
#include <atomic>
#include <filesystem>

#include "core/config.h"
#include "devices/face.h"
#include "devices/fingerprint.h"

namespace kiosk::lane {

class UiBridge;

struct LiveOptions {
    std::filesystem::path configDir;  // relative paths in the configuration
    devices::FaceEngine* face = nullptr;
    devices::FingerprintReader* finger = nullptr;
    UiBridge* ui = nullptr;           // null: headless
    const std::atomic<bool>* stop = nullptr;
};

// Keys: "lane_id", "devices" (devices/io/device_factory.h), "store": {"path", "key_file"},
// "trust": {"file", "signer_public_key"}, "policy" (docs/policies.md), "sync" (docs/sync.md:
// the clearance service; absent: no server). Returns the exit code.
int runLive(const core::ConfigView& config, const LiveOptions& options);

}  // namespace kiosk::lane
