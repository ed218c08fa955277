#pragma once
// The supervision console's records (docs/console.md), beside the Repository and over the
// same database: officers, sessions, login failures per address, alert acknowledgements,
// health-authority exports, and the audit hash chain.
//
// Implementations: sqlite_console_repository.cpp (its own connection to the same file;
// SQLite's write lock serialises it with the Repository's) and
// postgres_console_repository.cpp (its own small pool). Open it after the Repository, which
// runs the schema migrations; a database at another schema version is refused.
//
// Rules as in repository.h: no clock reads (times are parameters), one transaction per
// call, thread-safe, secrets only as hashes (session ids, export codes: SHA-256; passwords:
// the Argon2id encoded string the API made), error codes repo.*.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"
#include "server/repository.h"

namespace kiosk::server {

struct Officer {
    std::string name;
    std::string role;            // "officer", "supervisor", "admin"
    std::string passwordHash;    // "$argon2id$..." (never leaves the server)
    bool disabled = false;
    int64_t failedLogins = 0;    // consecutive
    int64_t lockedUntil = 0;
    int64_t createdAt = 0;
    int64_t passwordChangedAt = 0;
};

struct Session {
    std::string idHash;          // SHA-256 hex of the cookie value
    std::string officer;
    std::string role;            // the officer's role at login
    std::string csrf;
    int64_t createdAt = 0;
    int64_t lastSeen = 0;
    int64_t expiresAt = 0;       // absolute
    std::string remoteAddress;
};

// Failed logins from one remote address within a window.
struct AddressFailures {
    std::string address;
    int64_t failures = 0;
    int64_t windowStart = 0;
    int64_t lockedUntil = 0;
};

struct AlertAck {
    int64_t eventId = 0;         // the alert's event row
    std::string officer;
    int64_t ackedAt = 0;
    int64_t commandId = 0;       // the ack_alert command queued to the lane
};

// An alert event and its acknowledgement (if any).
struct AlertView {
    int64_t id = 0;              // event id
    std::string deviceId;
    int64_t seq = 0;
    int64_t deviceTime = 0;
    int64_t receivedAt = 0;
    std::string payload;         // JSON text
    std::optional<AlertAck> ack;
};

struct ExportRequest {
    int64_t id = 0;
    std::vector<std::string> lanes;
    int64_t from = 0, to = 0;
    std::string purpose;
    std::string requestedBy;     // officer name
    int64_t requestedAt = 0;
    std::string state;           // "pending", "code_issued", "downloaded", "void"
    std::string codeHash;        // SHA-256 hex of the normalised code, "" until issued
    std::string codeIssuedBy;
    int64_t codeExpiresAt = 0;
    int64_t failedCodes = 0;
    int64_t downloadedAt = 0;
};

// One lane's figures for the wall.
struct LaneSummary {
    std::string deviceId;
    int64_t lastSeen = 0;
    std::string lastHeartbeat;   // JSON text, "" if none
    int64_t lastHeartbeatAt = 0;
    std::string lastLaneState;   // payload of the newest lane_state event, "" if none
    int64_t lastLaneStateAt = 0;
    std::string lastCrossing;    // payload of the newest crossing, "" if none
    int64_t lastCrossingAt = 0;
    int64_t crossingsSince = 0;
    int64_t openAlerts = 0;
};

// Crossings received in [from, to], counted in the database (GET stats).
struct CrossingStats {
    struct Hour {
        int64_t slot = 0;        // (received_at - from) / 3600
        int64_t crossings = 0, passed = 0, refused = 0;
    };
    std::vector<Hour> hours;     // only slots with crossings, ascending
    std::vector<std::pair<std::string, int64_t>> refusalsByReason;  // by reason code
    std::optional<int64_t> p50LaneMs;  // nearest rank over passed crossings' lane_ms
};

struct ChainedAuditRow {
    int64_t id = 0;
    int64_t time = 0;
    std::string actor, action, detail, subject;
    std::string prevHash, hash;
};

struct AuditVerification {
    bool ok = true;
    int64_t rows = 0;
    int64_t firstBadId = 0;      // 0 when ok
    std::string problem;         // "", "hash", "link", "head"
};

class ConsoleRepository {
public:
    virtual ~ConsoleRepository() = default;

    // --- Officers ---------------------------------------------------------------------
    // repo.conflict when the name exists.
    virtual core::Status createOfficer(const Officer& o) = 0;
    virtual core::Result<std::optional<Officer>> officer(const std::string& name) = 0;
    virtual core::Result<std::vector<Officer>> officers() = 0;
    // Each of these ends the officer's sessions; repo.not_found for an unknown name.
    virtual core::Status setOfficerDisabled(const std::string& name, bool disabled) = 0;
    virtual core::Status setOfficerPassword(const std::string& name, const std::string& passwordHash,
                                            int64_t now) = 0;
    virtual core::Status setOfficerRole(const std::string& name, const std::string& role) = 0;

    // --- Login failures ---------------------------------------------------------------
    // Stores the officer's counter and lock (after a failure or a success).
    virtual core::Status setOfficerLock(const std::string& name, int64_t failedLogins, int64_t lockedUntil) = 0;
    virtual core::Result<AddressFailures> addressFailures(const std::string& address) = 0;
    virtual core::Status setAddressFailures(const AddressFailures& a) = 0;

    // --- Sessions ---------------------------------------------------------------------
    virtual core::Status createSession(const Session& s) = 0;
    virtual core::Result<std::optional<Session>> session(const std::string& idHash) = 0;
    virtual core::Status touchSession(const std::string& idHash, int64_t now) = 0;
    virtual core::Status deleteSession(const std::string& idHash) = 0;
    // Sessions whose idle or absolute limit passed.
    virtual core::Result<int64_t> purgeSessions(int64_t now, int64_t idleTimeoutS) = 0;

    // --- Lanes and alerts ---------------------------------------------------------------
    // Every device with role "lane": crossings received at or after `since`, open alerts.
    virtual core::Result<std::vector<LaneSummary>> laneSummaries(int64_t since) = 0;
    // Events of one device and kind received at or after `fromReceived`, newest first,
    // with id < beforeId (0: no bound).
    virtual core::Result<std::vector<DeviceEvent>> laneEvents(const std::string& deviceId,
                                                                     const std::string& kind, int64_t fromReceived,
                                                                     int64_t beforeId, int limit) = 0;
    // Crossings of the lanes received in [from, to], oldest first, id > afterId.
    virtual core::Result<std::vector<DeviceEvent>> crossings(const std::vector<std::string>& lanes,
                                                                    int64_t from, int64_t to, int64_t afterId,
                                                                    int limit) = 0;
    virtual core::Result<CrossingStats> crossingStats(int64_t from, int64_t to) = 0;
    // Alert events newest first with id < beforeId (0: no bound); openOnly: no ack yet.
    virtual core::Result<std::vector<AlertView>> alerts(bool openOnly, int64_t beforeId, int limit) = 0;
    virtual core::Result<std::optional<AlertView>> alert(int64_t eventId) = 0;
    // Records the ack. When the alert was acknowledged before, returns that ack and
    // `duplicate` = true without writing. The command id is filled in by setAckCommand.
    virtual core::Result<std::pair<AlertAck, bool>> acknowledgeAlert(int64_t eventId, const std::string& officer,
                                                                     int64_t now) = 0;
    virtual core::Status setAckCommand(int64_t eventId, int64_t commandId) = 0;

    // --- Health-authority exports -------------------------------------------------------
    virtual core::Result<ExportRequest> createExport(const ExportRequest& e) = 0;  // id assigned
    virtual core::Result<std::optional<ExportRequest>> exportRequest(int64_t id) = 0;
    virtual core::Result<std::vector<ExportRequest>> exportRequests(const std::string& requestedBy) = 0;  // "": all
    // Writes state, code hash, issuer, expiry, failed codes, downloaded-at of `e`.
    virtual core::Status updateExport(const ExportRequest& e) = 0;
    // Marks the export downloaded only if it is still `code_issued` with `codeHash`
    // (single use under concurrency): false when another call won.
    virtual core::Result<bool> consumeExport(int64_t id, const std::string& codeHash, int64_t now) = 0;

    // --- Audit chain ----------------------------------------------------------------------
    // Appends a chained row; `subject` is what the row is about (a lane id, an officer
    // name) for the lane page's audit trail.
    virtual core::Result<int64_t> appendAudit(int64_t time, const std::string& actor, const std::string& action,
                                              const std::string& detail, const std::string& subject) = 0;
    virtual core::Result<std::vector<ChainedAuditRow>> auditRows(int64_t afterId, int limit) = 0;
    // Rows whose subject or actor is `subject`, newest first.
    virtual core::Result<std::vector<ChainedAuditRow>> auditAbout(const std::string& subject, int limit) = 0;
    virtual core::Result<AuditVerification> verifyAudit() = 0;
};

// The same URL as openRepository ("sqlite:PATH", a path, "postgresql://...").
core::Result<std::unique_ptr<ConsoleRepository>> openConsoleRepository(const std::string& url);
core::Result<std::unique_ptr<ConsoleRepository>> openSqliteConsoleRepository(const std::string& path);
core::Result<std::unique_ptr<ConsoleRepository>> openPostgresConsoleRepository(const std::string& url);

}  // namespace kiosk::server
