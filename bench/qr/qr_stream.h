#pragma once
#include <string>
#include <vector>

#include "bench/qr/qr_photo_set.h"

namespace kiosk::bench::qr {

// The lane frames as a camera stream: each scene held for several frames with fresh
// sensor noise, then a few codeless frames, through devices::io::QrFrameScheduler (the
// camera scanner's schedule) with the given budget. Prints per-frame time and actions,
// and the codes read in any frame of their scene per category (categories[i] is frame i's).
void streamBench(const std::vector<LaneFrame>& frames, const std::vector<std::string>& categories, double budgetMs);

}  // namespace kiosk::bench::qr
