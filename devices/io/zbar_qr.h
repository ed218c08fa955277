#pragma once
// zbar 0.23 as one of the QR decoder's passes (zbar_adapter.cpp is the one file that
// includes zbar). zbar samples the code through every alignment pattern, so it reads
// high-version codes on curved or slightly distorted paper that zxing-cpp 1.4 (one
// perspective transform from three finders and one alignment pattern) gives up on.
#include <vector>

#include "core/result.h"
#include "devices/io/qr_decoder.h"
#include "devices/io/qr_image_ops.h"

namespace kiosk::devices::io {

// The QR codes zbar finds in the plane; corners are scaled by `scale` and moved by
// (dx, dy) into frame coordinates. Error "device.fault" when zbar fails.
core::Result<std::vector<QrCode>> zbarQrCodes(const LumPlane& plane, int scale, int dx, int dy);

}  // namespace kiosk::devices::io
