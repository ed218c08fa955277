#pragma once
// Where the images of an image-sensor fingerprint reader come from: a real sensor SDK
// or the simulated sensor below, which plays image files (or in-memory images) in order.
// The libfprint adapter (libfprint_reader.h) feeds them to libfprint's virtual_image
// device, so the simulated reader runs the real libfprint path.
#include <deque>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "devices/device.h"
#include "devices/image.h"
#include "devices/sim/sim_faults.h"

namespace kiosk::devices::fingerprint {

// One capture: 8-bit grey, dark ridges on a light background, at `ppi` (resampled to
// 500 ppi before libfprint sees it).
struct FingerImage {
    Image image;
    int ppi = 500;
};

class FingerImageSource {
public:
    virtual ~FingerImageSource() = default;
    // The next finger image. nullopt: nobody put a finger down within the timeout.
    // Errors: errc::kLost (sensor gone), errc::kTimeout (sensor did not answer).
    virtual core::Result<std::optional<FingerImage>> capture(core::Millis timeout) = 0;
    virtual void cancel() {}
    virtual DeviceHealth health() const = 0;
};

// Simulated sensor: a scripted queue of impressions. Fault switches: `lost` (every call
// fails with kLost), `timeout` (waits out the deadline, then kTimeout), `noInput` (no
// finger: waits out the deadline, then nullopt). An empty queue also means no finger.
// Waits on real time (libfprint runs in real time anyway), capped by the timeout.
class SimFingerSensor final : public FingerImageSource {
public:
    SimFingerSensor() = default;
    sim::FaultSwitches& faults() { return faults_; }

    void present(Image image, int ppi = 500);
    // PNG/any OpenCV-readable file, converted to 8-bit grey. Error if unreadable.
    core::Status presentFile(const std::filesystem::path& file, int ppi = 500);
    void clear();
    std::size_t pending() const;
    // Number of images handed out so far.
    std::size_t captured() const;

    core::Result<std::optional<FingerImage>> capture(core::Millis timeout) override;
    void cancel() override;
    DeviceHealth health() const override;

private:
    sim::FaultSwitches faults_;
    mutable std::mutex mu_;
    std::deque<FingerImage> queue_;
    std::size_t captured_ = 0;
    std::atomic<bool> cancelled_{false};
};

// Reads an image file as 8-bit grey (OpenCV). Error code device.bad_input.
core::Result<Image> loadGrayImage(const std::filesystem::path& file);
// Writes an 8-bit grey image as PNG.
core::Status saveGrayPng(const Image& image, const std::filesystem::path& file);

}  // namespace kiosk::devices::fingerprint
