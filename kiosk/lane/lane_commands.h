#pragma once
// Officer commands from the clearance service (docs/api.md: out_of_service, in_service,
// release, emergency_open, ack_alert), carried out through the lane's state machine
// under the same rules as the officer overlay (officer.cpp). The answer says what the
// lane actually did: the runner waits briefly for the machine to reach the state the
// command asks for. Every command is audited with the officer id it came with.
//
// No sync types here: the binary maps sync::IncomingCommand / sync::CommandAnswer, so
// kiosk::lane does not link the sync library.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "core/clock.h"
#include "core/config.h"
#include "core/result.h"
#include "devices/gate.h"
#include "kiosk/lane/lane_machine.h"

namespace kiosk::lane {

class LaneServices;
class LaneShell;

// The rule for doors worked by hand (officer overlay, emergency_open): only on a stopped
// lane (out of service or in the emergency); otherwise the state machine owns them.
bool laneStopped(const LaneState& s);
enum class DoorMove { Open, Close };
// lane.in_service when the lane is not stopped; the gate's error when it failed.
core::Status moveDoorByHand(const LaneState& s, devices::Gate* gate, devices::Door door, DoorMove move);

// The heartbeat's lane fields: {lane, state, in_service, doors: {entry, exit}} (the sync
// agent adds its own); doors only once the shell has read the gate.
core::Json heartbeatFields(const std::string& laneId, const LaneState& s,
                           const std::optional<devices::GateStatus>& gate = std::nullopt);

enum class CommandOutcome { Applied, Refused, Failed };
const char* toString(CommandOutcome o);  // "applied", "refused", "failed"

struct LaneCommand {
    int64_t id = 0;
    std::string kind;                      // out_of_service, in_service, release, emergency_open, ack_alert
    core::Json args = core::Json::object();
    std::string issuedBy;                  // "officer:chan.tm": the audit log's actor
};

struct LaneCommandAnswer {
    CommandOutcome outcome = CommandOutcome::Refused;
    std::string detail;  // the state the lane is in, or why; no personal data
};

struct CommandTuning {
    // The shell may be inside a device step (a fingerprint read waits up to 8 s) when a
    // command arrives: it waits up to `taken` for the machine to step on the event, then
    // up to `settle` for the state the command asks for.
    core::Millis taken{15000};
    core::Millis settle{1000};
    core::Millis pollEvery{20};  // live: the shell runs on its own thread meanwhile
};

class LaneCommands {
public:
    // `letLaneRun`: one step of waiting for the machine. Empty: sleep `pollEvery` on the
    // clock (the shell runs on another thread). Single-threaded tests pass a shell turn.
    LaneCommands(LaneShell& shell, LaneServices& services, devices::Gate* gate, core::Clock& clock,
                 std::function<void()> letLaneRun = {}, CommandTuning tuning = {});

    // Thread-safe with respect to the shell (posts events, reads snapshots).
    LaneCommandAnswer execute(const LaneCommand& c);

private:
    LaneCommandAnswer outOfService();
    LaneCommandAnswer inService();
    LaneCommandAnswer release();
    LaneCommandAnswer emergencyOpen();
    LaneCommandAnswer ackAlert(const core::Json& args);
    // Until `done` holds for the lane's state or `budget` is over; the last state seen.
    bool waitFor(const std::function<bool(const LaneState&)>& done, core::Millis budget, LaneState& last);
    // Posts `e` and waits until the machine has stepped on it (false: it did not in time).
    bool postAndWait(Event e, LaneState& last);

    LaneShell& shell_;
    LaneServices& services_;
    devices::Gate* gate_;
    core::Clock& clock_;
    std::function<void()> letLaneRun_;
    CommandTuning tuning_;
};

}  // namespace kiosk::lane
