#pragma once
// The clearance service's records behind one interface, with two implementations:
// SQLite (sqlite_repository.cpp, one node, the default) and PostgreSQL
// (postgres_repository.cpp, libpqxx, several server processes over one database).
// Both run the same numbered schema migrations idea as the kiosk's store (a meta table
// holds the schema version; each step runs once, in a transaction).
//
// Rules kept here (the same as at the lane):
// - No clock reads: every time is a parameter (unix seconds, UTC), stamped by the server.
// - Nothing personal in clear: document numbers only as SHA-256 hashes and masked forms,
//   QR texts only as hashes, biometrics only as the sealed blob the devices made (the
//   server has no key for it).
// - Every call is one transaction.
// - Thread-safe: any number of threads may call any method at once.
// - Cursors (enrolments, watchlist) are handed out in commit order, so a device that
//   pulls "everything after cursor N" never skips a row committed later with a lower
//   number (PostgreSQL: writers of those tables serialise on a table lock).
//
// Error codes (Error::code):
//   repo.open_failed, repo.newer_schema, repo.migration_failed, repo.unavailable
//   (connection lost, database down: the caller answers 503 and the device retries),
//   repo.conflict (e.g. a command result for another device), repo.not_found,
//   repo.invalid, repo.sql (anything else; the message has the engine's text, never
//   row data).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"

namespace kiosk::server {

inline constexpr int64_t kRetentionSeconds = 31LL * 24 * 3600;

// One event a device sent: crossing, scan, alert, heartbeat, lane_state, ...
// Idempotency key: (deviceId, stream, seq). `stream` is the device store's random id,
// so a device whose store was rebuilt starts a new stream instead of colliding.
struct DeviceEvent {
    int64_t id = 0;            // assigned by the repository
    std::string deviceId;
    std::string stream;
    int64_t seq = 0;
    std::string kind;
    int64_t deviceTime = 0;    // the device's own clock, kept as data
    int64_t receivedAt = 0;    // the server's clock
    std::string payload;       // JSON object text, validated by the API
};

enum class AppendOutcome { Stored, Duplicate };

struct EnrolmentRecord {
    int64_t cursor = 0;            // assigned by the repository on every write
    std::string reference;         // unique
    std::string documentHash;      // 64 hex
    std::string documentMasked;
    std::string residency;         // "hk_permanent", ... (kiosk::store::toString(Residency))
    std::string dateOfBirth;       // YYYY-MM-DD
    std::string documentExpiry;    // YYYY-MM-DD
    std::string channel;           // "machine" / "office"
    int64_t enrolledAt = 0;
    bool active = true;
    std::string biometrics;        // base64 sealed envelope (devices only can open it)
    std::string sourceDevice;      // registration machine id or "import:<operator>"
    int64_t receivedAt = 0;
};

struct PutEnrolmentResult {
    EnrolmentRecord stored;                         // as stored (cursor set)
    std::optional<std::string> replacedReference;   // the earlier active one for the document
    bool duplicate = false;                         // the same (source, stream, seq) was stored before
};

struct WatchlistChange {
    int64_t cursor = 0;
    std::string documentHash;
    bool added = true;             // false: removed
    int64_t time = 0;
    std::string actor;
};

struct VersionedBlob {
    int64_t version = 0;           // 1, 2, ... per kind
    std::string data;              // trust list: base64 of the signed list; health rules: JSON text
    int64_t uploadedAt = 0;
    std::string actor;
};

enum class CommandState { Pending, Delivered, Applied, Refused, Failed, Expired };
const char* toString(CommandState s);  // "pending", "delivered", "applied", "refused", "failed", "expired"
std::optional<CommandState> parseCommandState(const std::string& s);

struct LaneCommand {
    int64_t id = 0;
    std::string deviceId;
    std::string kind;              // "out_of_service", "in_service", "release", "emergency_open", "ack_alert"
    std::string args;              // JSON object text
    std::string issuedBy;          // officer identity
    int64_t issuedAt = 0;
    CommandState state = CommandState::Pending;
    int64_t deliveredAt = 0;
    std::string detail;            // the lane's answer
    int64_t completedAt = 0;
};

struct DeviceInfo {
    std::string deviceId;
    std::string role;              // "lane", "registration"
    int64_t firstSeen = 0;
    int64_t lastSeen = 0;          // any request
    std::string lastHeartbeat;     // payload of the newest heartbeat event (JSON text), "" if none
    int64_t lastHeartbeatAt = 0;
};

struct AuditRow {
    int64_t id = 0;
    int64_t time = 0;
    std::string actor;             // officer / device id / "system"
    std::string action;            // "command.issue", "command.result", "enrolment.replace", ...
    std::string detail;            // no personal data
};

struct EventQuery {
    std::string deviceId;          // empty: all
    std::string kind;              // empty: all
    int64_t afterId = 0;
    int64_t fromReceived = 0;      // inclusive
    int64_t toReceived = INT64_MAX;
    int limit = 1000;              // oldest first
};

struct PurgeCounts {
    int64_t events = 0, commands = 0, audit = 0, inactiveEnrolments = 0, watchlistChanges = 0;
};

struct RepositoryCounts {
    int64_t events = 0, enrolments = 0, activeEnrolments = 0, commands = 0, audit = 0, devices = 0;
};

class Repository {
public:
    virtual ~Repository() = default;

    virtual std::string backend() const = 0;  // "sqlite" / "postgresql"
    virtual int schemaVersion() const = 0;

    // --- Device events (idempotent) -----------------------------------------------------
    // One transaction for the whole batch; the outcome per event in the same order.
    virtual core::Result<std::vector<AppendOutcome>> appendEvents(const std::vector<DeviceEvent>& events) = 0;
    virtual core::Result<std::vector<DeviceEvent>> events(const EventQuery& q) = 0;
    virtual core::Result<int64_t> countEvents(const std::string& deviceId, const std::string& kind) = 0;

    // --- Devices --------------------------------------------------------------------------
    // Upserts last_seen (and first_seen/role on first sight); heartbeats passed in
    // appendEvents also update lastHeartbeat.
    virtual core::Status touchDevice(const std::string& deviceId, const std::string& role, int64_t now) = 0;
    virtual core::Result<std::vector<DeviceInfo>> devices() = 0;

    // --- Enrolments -------------------------------------------------------------------------
    // Inserts `rec` as the active enrolment; an active one with the same document hash
    // becomes inactive (new cursor for it too) and an audit row "enrolment.replace" is
    // written. Idempotent by (sourceDevice, stream, seq) when seq > 0, and by reference:
    // the same reference again returns duplicate = true and changes nothing.
    virtual core::Result<PutEnrolmentResult> putEnrolment(const EnrolmentRecord& rec, const std::string& stream,
                                                          int64_t seq, const std::string& actor) = 0;
    // Rows with cursor > `cursor`, ordered by cursor (inactive ones too, so lanes drop them).
    virtual core::Result<std::vector<EnrolmentRecord>> enrolmentsSince(int64_t cursor, int limit) = 0;
    virtual core::Result<std::optional<EnrolmentRecord>> enrolmentByReference(const std::string& reference) = 0;
    virtual core::Result<int64_t> latestEnrolmentCursor() = 0;

    // --- Watchlist (document hashes) ----------------------------------------------------
    virtual core::Result<WatchlistChange> changeWatchlist(const std::string& documentHash, bool add, int64_t time,
                                                          const std::string& actor) = 0;
    virtual core::Result<std::vector<WatchlistChange>> watchlistSince(int64_t cursor, int limit) = 0;

    // --- Trust list, health rule sets (versioned blobs) ----------------------------------
    // kind: "trust_list" or "health_rules". put returns the new version.
    virtual core::Result<int64_t> putBlob(const std::string& kind, const std::string& data, int64_t time,
                                          const std::string& actor) = 0;
    virtual core::Result<std::optional<VersionedBlob>> latestBlob(const std::string& kind) = 0;

    // --- Commands to lanes ----------------------------------------------------------------
    virtual core::Result<LaneCommand> enqueueCommand(const LaneCommand& c) = 0;  // state Pending, audited
    // Pending and delivered (not yet answered) commands of the device, oldest first;
    // marks pending ones delivered at `now`.
    virtual core::Result<std::vector<LaneCommand>> takeCommands(const std::string& deviceId, int64_t now) = 0;
    // Devices that have at least one pending command (the long-poll wake-up source).
    virtual core::Result<std::vector<std::string>> devicesWithPendingCommands() = 0;
    // The lane's answer: state Applied / Refused / Failed. repo.not_found for an unknown id,
    // repo.conflict when the command belongs to another device; a repeat of the same
    // answer is accepted (idempotent). Audited.
    virtual core::Result<LaneCommand> completeCommand(int64_t id, const std::string& deviceId, CommandState result,
                                                      const std::string& detail, int64_t now) = 0;
    virtual core::Result<std::optional<LaneCommand>> command(int64_t id) = 0;

    // --- Audit ------------------------------------------------------------------------------
    virtual core::Result<int64_t> appendAudit(int64_t time, const std::string& actor, const std::string& action,
                                              const std::string& detail) = 0;
    virtual core::Result<std::vector<AuditRow>> audit(int64_t afterId, int limit) = 0;

    // --- Retention ------------------------------------------------------------------------
    // Erases events (by receivedAt), answered commands, audit rows, watchlist changes
    // superseded... older than the cutoff, and enrolments inactive since before it.
    virtual core::Result<PurgeCounts> purgeOlderThan(int64_t cutoff) = 0;
    virtual core::Result<RepositoryCounts> counts() = 0;
};

// "sqlite:PATH" or a file path -> SQLite; "postgresql://..." or "postgres://..." -> PostgreSQL.
core::Result<std::unique_ptr<Repository>> openRepository(const std::string& url);
core::Result<std::unique_ptr<Repository>> openSqliteRepository(const std::string& path);
core::Result<std::unique_ptr<Repository>> openPostgresRepository(const std::string& connectionUrl);

}  // namespace kiosk::server
