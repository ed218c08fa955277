#pragma once
#include <string>
#include <vector>

#include "bench/qr/qr_photo_set.h"

namespace kiosk::bench::qr {

// bench_qr --pass-study FILE: every decoder pass alone on every lane frame (and codeless
// frame): the codes it reads and its CPU time, one CSV line per frame and pass. The data
// behind the pass order and the budget (chosen on the whole set, not per category).
// native: the photographs at their own size instead (no codeless frames).
int passStudy(const std::vector<Photo>& set, const std::string& csvPath, bool native);

}  // namespace kiosk::bench::qr
