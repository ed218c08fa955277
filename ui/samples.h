#pragma once
// Sample view models: what the screenshot tests, the goldens, `kioskctl ui render|demo`
// and bench_ui draw. Deterministic (no clock, no randomness).
#include <cstdint>
#include <vector>

#include "ui/view_model.h"

namespace kiosk::ui {

// A 640x480 BGR "camera frame": a lit background with a face-like oval, face and guide boxes.
CameraPreview samplePreview(uint64_t sequence);
// The screen with typical content: guidance, fingerprint progress 2/5, a refusal reason,
// a 20 s timeout warning, lane id "07".
ViewModel sampleViewModel(Screen s, Language l);
// A registration screen with typical content: under-18 refusal with three offices, the
// terms not yet read, finger 1 of 2 at press 3 of 5 with "press firmly", the face with
// "look straight", a receipt being printed, a 20 s timeout warning.
ViewModel sampleRegistrationViewModel(RegistrationScreen s, Language l);
// Offices as a configuration would list them (names and addresses bilingual).
std::vector<EnrolmentOfficeRow> sampleOffices();
// Officer overlay in the given mode with three scan-log rows and two alerts.
OfficerOverlay sampleOfficerOverlay(OfficerMode mode);

}  // namespace kiosk::ui
