#pragma once
// The officer overlay's actions on the lane: in/out of service through the state machine,
// door overrides only while the lane is out of service, alert acknowledgement; every
// action is written to the hash-chained audit log.
#include "core/clock.h"
#include "core/config.h"
#include "devices/gate.h"
#include "kiosk/lane/lane_services.h"
#include "kiosk/lane/lane_shell.h"
#include "kiosk/lane/ui_bridge.h"

namespace kiosk::lane {

OfficerHooks makeOfficerHooks(LaneServices& services, LaneShell& shell, devices::Gate* gate, core::Clock& clock);

// The staff banners' sources: enrolment freshness, the trust list's warning window, the
// devices' health. Called on the lane's thread (UiBridge::tick, show).
// ui.officer_pin_hash is set: a live lane with a screen refuses to start without it
// (ui.officer_pin_missing); without a hash no officer could open the overlay.
core::Status requireOfficerPin(const core::ConfigView& config);

std::function<StaffNotices()> makeStaffNotices(LaneServices& services, LaneShell& shell, core::Clock& clock);

}  // namespace kiosk::lane
