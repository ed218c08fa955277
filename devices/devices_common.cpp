#include <cmath>

#include "devices/face.h"

namespace kiosk::devices {

double faceDistance(const FaceDescriptor& a, const FaceDescriptor& b) {
    double s = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const double d = double(a[i]) - double(b[i]);
        s += d * d;
    }
    return std::sqrt(s);
}

}  // namespace kiosk::devices
