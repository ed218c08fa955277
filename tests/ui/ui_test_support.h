#pragma once
// Shared view models for the ui tests (screenshot goldens, interaction tests).
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "ui/samples.h"
#include "ui/view_model.h"

namespace kiosk::ui::testing {

// The source tree (assets/, tests/ui/golden/): KIOSK_SOURCE_DIR, else the compiled-in path.
inline std::filesystem::path sourceDir() {
    const char* env = std::getenv("KIOSK_SOURCE_DIR");
    return env && *env ? std::filesystem::path(env) : std::filesystem::path(KIOSK_UI_TEST_SOURCE_DIR);
}
inline std::filesystem::path buildDir() {
    const char* env = std::getenv("KIOSK_BUILD_DIR");
    return env && *env ? std::filesystem::path(env) : std::filesystem::path(KIOSK_UI_TEST_BUILD_DIR);
}

inline CameraPreview syntheticPreview(uint64_t sequence = 1) { return samplePreview(sequence); }
inline ViewModel screenModel(Screen s, Language l) { return sampleViewModel(s, l); }
inline OfficerOverlay sampleOfficer(OfficerMode mode) { return sampleOfficerOverlay(mode); }

}  // namespace kiosk::ui::testing
