#include <cmath>
#include <limits>

#include "devices/face.h"

namespace kiosk::devices {

double faceDistance(const FaceDescriptor& a, const FaceDescriptor& b) {
    if (a.size() != b.size() || a.empty()) return std::numeric_limits<double>::infinity();
    double s = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const double d = double(a[i]) - double(b[i]);
        s += d * d;
    }
    return std::sqrt(s);
}

double faceCosineDistance(const FaceDescriptor& a, const FaceDescriptor& b) {
    if (a.size() != b.size() || a.empty()) return std::numeric_limits<double>::infinity();
    double ab = 0, aa = 0, bb = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        ab += double(a[i]) * b[i];
        aa += double(a[i]) * a[i];
        bb += double(b[i]) * b[i];
    }
    if (aa <= 0 || bb <= 0) return 1.0;
    return 1.0 - ab / std::sqrt(aa * bb);
}

}  // namespace kiosk::devices
