#pragma once
// The binary's bridge between the sync agent's types and the lane's (kiosk::lane does not
// link kiosk::sync, so the two enums are mirrored here, in code only the binary includes).
#include "kiosk/lane/lane_commands.h"
#include "kiosk/lane/lane_services.h"
#include "kiosk/sync/sync_agent.h"

namespace kiosk::lane {

inline DataFreshness mirrorFreshness(sync::Freshness f) {
    switch (f) {
        case sync::Freshness::Fresh: return DataFreshness::Fresh;
        case sync::Freshness::Warning: return DataFreshness::Warning;
        case sync::Freshness::Stale: return DataFreshness::Stale;
    }
    return DataFreshness::Stale;
}

inline sync::CommandResult mirrorCommand(CommandOutcome o) {
    switch (o) {
        case CommandOutcome::Applied: return sync::CommandResult::Applied;
        case CommandOutcome::Refused: return sync::CommandResult::Refused;
        case CommandOutcome::Failed: return sync::CommandResult::Failed;
    }
    return sync::CommandResult::Failed;
}

}  // namespace kiosk::lane
