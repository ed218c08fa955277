#pragma once
// The officer overlay's actions on the lane: in/out of service through the state machine,
// door overrides only while the lane is out of service, alert acknowledgement; every
// action is written to the hash-chained audit log.
#include "core/clock.h"
#include "devices/gate.h"
#include "kiosk/lane/lane_services.h"
#include "kiosk/lane/lane_shell.h"
#include "kiosk/lane/ui_bridge.h"

namespace kiosk::lane {

OfficerHooks makeOfficerHooks(LaneServices& services, LaneShell& shell, devices::Gate* gate, core::Clock& clock);

}  // namespace kiosk::lane
