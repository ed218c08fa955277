#pragma once
// Headless scenario runner: plays a scripted queue of travellers through the real lane
// (state machine, shell, credentials, policies, store) with simulated devices on a fake
// clock, and compares each outcome with the one the scenario expects.
// Format: docs/scenarios.md; example: assets/scenarios/demo.json.
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/result.h"
#include "devices/face.h"
#include "devices/fingerprint.h"
#include "devices/gate.h"
#include "devices/image.h"
#include "kiosk/lane/lane_machine.h"
#include "kiosk/store/store.h"

namespace kiosk::lane {

// What the runner cannot build itself (so kiosk::lane does not link dlib or libfprint).
struct ScenarioEnvironment {
    devices::FaceEngine* face = nullptr;
    devices::FingerprintReader* finger = nullptr;
    // Queues finger images on the simulated sensor behind `finger`.
    std::function<core::Status(const std::vector<std::filesystem::path>&)> presentFingers;
    std::function<void()> clearFingers;
    std::function<core::Result<devices::Image>(const std::filesystem::path&)> loadImage;
    std::filesystem::path demoDir;  // "@demo/x" in the scenario means demoDir / "x"
    std::filesystem::path baseDir;  // relative paths in the scenario
    std::filesystem::path workDir;  // store and key files of the run
    std::string laneId;             // replaces the scenario's lane_id when set (a synced lane's device id)
};

struct TravellerResult {
    std::string name;
    std::string expectedOutcome;
    std::string expectedReason;
    std::string outcome;
    std::vector<std::string> reasons;
    int64_t laneMs = 0;        // simulated lane time (what the traveller experiences)
    double machineMs = 0;      // real time the software spent on this traveller
    bool ok = false;
};

struct ScenarioRun {
    std::vector<TravellerResult> travellers;
    int64_t journalRows = 0;
    std::size_t alerts = 0;
    bool stopped = false;      // options.stop turned true: the run ended early (doors closed)
    bool doorsClosed = false;  // both doors closed as the gate reports them at the end
    bool allOk() const;
};

class LaneServices;
class LaneShell;

struct ScenarioOptions {
    // Once the lane is built: the officer overlay hooks onto the services and the shell.
    std::function<void(LaneServices&, LaneShell&, devices::Gate&, core::Clock&)> onStarted;
    int repeat = 1;                      // play the traveller queue this many times
    std::function<void(const TravellerResult&)> onTraveller;
    // false: results go to onTraveller only, ScenarioRun::travellers stays empty (long runs
    // such as bench_lane's, whose memory must be the lane's own).
    bool keepResults = true;
    std::function<void(const LaneState&)> onState;  // every state entry (UI, screenshots)
    // The last frame of each face attempt (camera preview on the screen).
    std::function<void(const LaneState&, const devices::Frame&, const devices::FaceMatch&)> onFace;
    // The clearance-service sync between travellers and after the last one (main wires a
    // SyncAgent round here when the configuration has a "sync" section).
    std::function<void()> beforeTraveller;
    std::function<void()> afterRun;
    // Checked between the lane's turns: true ends the run at once (SIGTERM, window closed);
    // both doors are closed and the store is closed before runScenario returns.
    std::function<bool()> stop;
    // While an officer holds the lane out of service (the overlay, with a screen), the next
    // traveller waits: called in real time until the lane is back; without it such a lane
    // ends the run with scenario.lane_not_ready (headless runs have no officer to wait for).
    std::function<void()> whileOfficerHolds;
};

core::Result<ScenarioRun> runScenario(const core::Json& scenario, ScenarioEnvironment& env,
                                      const ScenarioOptions& options = {});
core::Result<ScenarioRun> runScenarioFile(const std::filesystem::path& file, ScenarioEnvironment& env,
                                          const ScenarioOptions& options = {});

// One scenario enrolment entry (docs/scenarios.md) as a store row, biometrics made through
// the real face engine and fingerprint reader of `env` (kioskctl enrolment export uses it).
core::Result<store::EnrolmentRow> makeScenarioEnrolment(const core::ConfigView& entry, ScenarioEnvironment& env,
                                                        core::Clock& clock);

// "passed  elig.under_minimum_age  lane 5400 ms  machine 3.1 ms  ok"
std::string formatTravellerLine(std::size_t index, const TravellerResult& r);

}  // namespace kiosk::lane
