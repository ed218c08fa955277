#pragma once
// Sample view models: what the screenshot tests, the goldens, `kioskctl ui render|demo`
// and bench_ui draw. Deterministic (no clock, no randomness).
#include <cstdint>

#include "ui/view_model.h"

namespace kiosk::ui {

// A 640x480 BGR "camera frame": a lit background with a face-like oval, face and guide boxes.
CameraPreview samplePreview(uint64_t sequence);
// The screen with typical content: guidance, fingerprint progress 2/5, a refusal reason,
// a 20 s timeout warning, lane id "07".
ViewModel sampleViewModel(Screen s, Language l);
// Officer overlay in the given mode with three scan-log rows and two alerts.
OfficerOverlay sampleOfficerOverlay(OfficerMode mode);

}  // namespace kiosk::ui
