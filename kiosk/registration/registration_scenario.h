#pragma once
// Headless registration scenario: plays a scripted queue of residents through the real
// registration machine (state machine, shell, policies, store, sealed outbox) with
// simulated devices on a fake clock — real dlib and libfprint when main passes them —
// and compares each outcome with the one the scenario expects.
// Format: docs/registration.md; example: assets/scenarios/registration.json.
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/config.h"
#include "core/result.h"
#include "devices/face.h"
#include "devices/fingerprint.h"
#include "devices/image.h"
#include "devices/printer.h"
#include "kiosk/registration/registration_services.h"
#include "kiosk/registration/registration_shell.h"

namespace kiosk::registration {

// A receipt printer made on the run's clock, with its fault switch.
struct ScenarioPrinter {
    std::unique_ptr<devices::ReceiptPrinter> printer;
    // "out_of_paper", "cover_open", "lost"; "clear" loads paper and clears every fault.
    std::function<void(const std::string& kind)> fault;
};

// What the runner cannot build itself (so kiosk::registration links neither dlib,
// libfprint, the receipt renderer nor libcurl).
struct RegistrationEnvironment {
    devices::FaceEngine* face = nullptr;
    devices::FingerprintReader* finger = nullptr;
    std::function<core::Status(const std::vector<std::filesystem::path>&)> presentFingers;
    std::function<void()> clearFingers;
    std::function<void(bool lost)> fingerFault;  // the sensor behind `finger` is gone / back
    std::function<core::Result<devices::Image>(const std::filesystem::path&)> loadImage;
    std::function<core::Result<ScenarioPrinter>(core::Clock&)> makePrinter;  // null: a printer that always prints
    ReceiptComposer composer;  // null: plainReceipt
    SealForWire seal;          // the outbox "enrolment" row (null: no outbox row)
    std::filesystem::path demoDir, baseDir, workDir;
    RegistrationSettings settings;  // from the configuration; the scenario may override the policy
    RegistrationConfig machine;
};

struct ResidentResult {
    std::string name;
    std::string expectedOutcome, expectedReason;
    std::string outcome;
    std::vector<std::string> reasons;
    std::string reference;     // enrolled: the enrolment reference
    int64_t usableFrom = 0;    // enrolled: Unix s
    bool printed = false;      // a receipt came out
    int64_t sessionMs = 0;     // simulated time the resident spent at the machine
    double machineMs = 0;      // real time the software spent
    bool ok = false;
};

struct RegistrationRun {
    std::vector<ResidentResult> residents;
    int64_t enrolments = 0, outbox = 0;
    std::size_t alerts = 0;
    bool allOk() const;
};

struct RegistrationScenarioOptions {
    std::function<void(RegistrationServices&, RegistrationShell&, core::Clock&)> onStarted;
    std::function<void(const ResidentResult&)> onResident;
    std::function<void(const RegistrationState&)> onState;  // every state entry (UI)
    std::function<void(const devices::Frame&)> onFace;       // the last frame of each face attempt
    std::function<void()> beforeResident;  // e.g. a sync round
    std::function<void()> afterRun;
    int repeat = 1;
};

core::Result<RegistrationRun> runRegistrationScenario(const core::Json& scenario, RegistrationEnvironment& env,
                                                      const RegistrationScenarioOptions& options = {});
core::Result<RegistrationRun> runRegistrationScenarioFile(const std::filesystem::path& file,
                                                          RegistrationEnvironment& env,
                                                          const RegistrationScenarioOptions& options = {});

// "#1   adult, Chinese   enrolled  -  ref R-7Q2M9K4XPA  usable 2026-11-22T03:30:12Z  session 41200 ms  machine 812.3 ms  ok"
std::string formatResidentLine(std::size_t index, const ResidentResult& r);

}  // namespace kiosk::registration
