#pragma once
#include <vector>

#include "bench/qr/qr_photo_set.h"

namespace kiosk::bench::qr {

// The lane frames as a camera stream: each scene held for several frames with fresh
// sensor noise, then a few codeless frames, through devices::io::QrFrameScheduler (the
// camera scanner's schedule) with the given budget. Prints per-frame time and actions.
void streamBench(const std::vector<LaneFrame>& frames, double budgetMs);

}  // namespace kiosk::bench::qr
