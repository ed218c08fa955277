#pragma once
#include "core/result.h"
#include "devices/device.h"
#include "devices/image.h"

namespace kiosk::devices {

class Camera : public Device {
public:
    // The next fresh frame; errc::kTimeout when none within the timeout, errc::kLost when
    // the device is gone (including a stale stream that keeps "succeeding").
    virtual core::Result<Frame> grab(core::Millis timeout) = 0;
};

}  // namespace kiosk::devices
