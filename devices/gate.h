#pragma once
#include "core/clock.h"
#include "core/result.h"
#include "devices/device.h"

namespace kiosk::devices {

enum class Door { Entry = 1, Exit = 2 };
enum class DoorState { Closed, Open, Moving, Jammed };

struct GateStatus {
    DoorState entry = DoorState::Closed;
    DoorState exit = DoorState::Closed;
    int occupancy = 0;          // people counted inside the lane
    bool exitPassage = false;   // someone passed the exit sensor since last read
    bool fireAlarm = false;
};

class Gate : public Device {
public:
    // Returns once the controller acknowledged the door reached the state; errc::kJam,
    // errc::kNoAck, errc::kLost otherwise.
    virtual core::Status openDoor(Door door) = 0;
    virtual core::Status closeDoor(Door door) = 0;
    virtual core::Result<GateStatus> status() = 0;
    // Waits up to timeout for the status to change (or returns the current one).
    virtual core::Result<GateStatus> waitForChange(core::Millis timeout) = 0;
};

}  // namespace kiosk::devices
