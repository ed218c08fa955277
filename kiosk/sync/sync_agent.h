#pragma once
// The device side of the sync with the clearance service (docs/api.md, docs/sync.md).
// Runs on its own threads and never blocks the lane's loop: the lane talks to it only
// through the store (the outbox) and the callbacks below.
//
// - push: the outbox in batches (POST /v1/device/events; registration machines'
//   "enrolment" items to POST /v1/device/enrolments), acknowledged rows deleted;
//   idempotent by (lane id, store stream id, outbox seq).
// - pull by cursor: enrolment deltas into the store, watchlist changes, the trust list
//   (handed to onTrustList, which verifies it), health rule sets (onHealthRules).
// - commands: long poll; each command goes to onCommand (the lane's state machine
//   decides), the answer is posted back.
// - retries with exponential backoff and full jitter; all waits through core::Clock so a
//   FakeClock test runs hours in milliseconds.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/config.h"
#include "core/result.h"

namespace kiosk::store {
class Store;
}

namespace kiosk::sync {

struct SyncOptions {
    std::string serverUrl;            // "https://127.0.0.1:8443"
    std::string deviceId;             // must equal the certificate's CN
    std::string role = "lane";        // "lane" / "registration"
    std::string certFile, keyFile;    // client certificate (PEM) and its key
    std::string caFile;               // the project CA that signed the server's certificate
    std::string templateKeyFile;      // 32-byte fleet key that opens enrolment biometrics
    core::Millis pushInterval{1000};
    core::Millis pullInterval{5000};
    core::Millis heartbeatInterval{5000};
    core::Millis requestTimeout{5000};
    core::Millis connectTimeout{2000};
    core::Millis onDemandBudget{300};  // fetchEnrolment's total budget
    core::Millis backoffMin{500};
    core::Millis backoffMax{30000};
    core::Millis commandWait{20000};   // long-poll wait asked of the server
    int batchSize = 200;
    int64_t enrolmentWarnAgeS = 3600;    // staff see a warning past this age
    int64_t enrolmentMaxAgeS = 86400;    // the lane goes out of service past this age
    uint64_t backoffSeed = 0;            // jitter RNG seed; 0: from the random device (tests set one)
};

// Reads the "sync" section of the kiosk configuration (every key: docs/sync.md).
// Relative paths are resolved against `baseDir`.
core::Result<SyncOptions> syncOptionsFromConfig(const core::ConfigView& section, const std::string& deviceId,
                                                const std::string& baseDir);

enum class CommandResult { Applied, Refused, Failed };

struct IncomingCommand {
    int64_t id = 0;
    std::string kind;     // out_of_service, in_service, release, emergency_open, ack_alert
    core::Json args;      // object
    std::string issuedBy;
    int64_t issuedAt = 0;
};

struct CommandAnswer {
    CommandResult result = CommandResult::Refused;
    std::string detail;   // why it was refused/failed; no personal data
};

// How fresh the lane's enrolment data is.
enum class Freshness { Fresh, Warning, Stale };

struct SyncStatus {
    int64_t lastEnrolmentSync = 0;   // unix s of the last complete enrolment pull (0: never)
    int64_t enrolmentCursor = 0;
    int64_t outboxDepth = 0;
    int64_t trustListVersion = 0;
    int64_t healthRulesVersion = 0;
    bool serverReachable = false;
    int consecutiveFailures = 0;
    int64_t pushedEvents = 0, duplicateAcks = 0;  // since start
    int64_t rejectedEvents = 0;      // outbox rows the server refused (parked), since start
    int64_t skippedEnrolments = 0;   // pulled records that could not be read or opened, since start
};

class SyncAgent {
public:
    // Checks the files (certificate, key, CA, template key) and the store; starts nothing.
    static core::Result<std::unique_ptr<SyncAgent>> create(SyncOptions options, store::Store& store,
                                                           core::Clock& clock);
    virtual ~SyncAgent() = default;

    // Callbacks, set before start(). onCommand is called on the agent's command thread.
    virtual void onCommand(std::function<CommandAnswer(const IncomingCommand&)> f) = 0;
    // The signed trust list as received; return an error to refuse it (bad signature...).
    virtual void onTrustList(std::function<core::Status(const std::vector<uint8_t>& signedList)> f) = 0;
    // The "health_code" array of docs/policies.md.
    virtual void onHealthRules(std::function<core::Status(const core::Json& healthCode)> f) = 0;
    // Fields of the periodic heartbeat event (lane, state, in_service, ...); the agent
    // adds enrolment_cursor, enrolment_age_s, outbox_depth, trust_list_version.
    virtual void heartbeatSource(std::function<core::Json()> f) = 0;

    virtual void start() = 0;   // background threads
    virtual void stop() = 0;    // joins them (within requestTimeout)

    // One round on the caller's thread: push everything pending, pull every delta, take
    // and answer pending commands (no long wait). Tests and the fake-clock runs use it.
    virtual core::Status syncOnce() = 0;

    // The lane, with a traveller waiting: one enrolment by reference, stored on success.
    // Returns true when it is now in the store, false when the server has none; an error
    // when the server could not answer within the budget.
    virtual core::Result<bool> fetchEnrolment(const std::string& reference) = 0;

    virtual Freshness freshness(int64_t nowUnix) const = 0;
    virtual SyncStatus status() const = 0;
};

}  // namespace kiosk::sync
