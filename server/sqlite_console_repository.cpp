// The console's records on SQLite (console_repository.h): its own connection to the
// Repository's file. SQLite's write lock (BEGIN IMMEDIATE, busy timeout) serialises it with
// the Repository's connection, which also keeps the audit chain in order.
#include <mutex>

#include "server/console_repository.h"
#include "server/repo_audit_chain.h"
#include "server/repo_common.h"
#include "server/repo_console_common.h"
#include "server/repo_migrations.h"
#include "server/repo_sqlite_db.h"
#include "server/repo_sqlite_rows.h"

namespace kiosk::server {

namespace {

using core::Result;
using core::Status;
using detail::SqliteDb;
using detail::SqliteStatement;
using detail::collectRows;

constexpr const char* kOfficerColumns =
    "name, role, password_hash, disabled, failed_logins, locked_until, created_at, password_changed_at";
constexpr const char* kSessionColumns =
    "id_hash, officer, role, csrf, created_at, last_seen, expires_at, remote_address";
constexpr const char* kExportColumns =
    "id, lanes, from_time, to_time, purpose, requested_by, requested_at, state, code_hash, code_issued_by, "
    "code_expires_at, failed_codes, downloaded_at";
constexpr const char* kAuditColumns = "id, time, actor, action, detail, subject, prev_hash, hash";
constexpr const char* kEventColumns = "id, device_id, stream, seq, kind, device_time, received_at, payload";


Officer readOfficer(const SqliteStatement& st) {
    return Officer{st.colText(0), st.colText(1), st.colText(2), st.colInt(3) != 0,
                   st.colInt(4), st.colInt(5), st.colInt(6), st.colInt(7)};
}

Session readSession(const SqliteStatement& st) {
    return Session{st.colText(0), st.colText(1), st.colText(2), st.colText(3),
                   st.colInt(4), st.colInt(5), st.colInt(6), st.colText(7)};
}

ExportRequest readExport(const SqliteStatement& st) {
    ExportRequest e;
    e.id = st.colInt(0);
    e.lanes = detail::splitLanes(st.colText(1));
    e.from = st.colInt(2);
    e.to = st.colInt(3);
    e.purpose = st.colText(4);
    e.requestedBy = st.colText(5);
    e.requestedAt = st.colInt(6);
    e.state = st.colText(7);
    e.codeHash = st.colText(8);
    e.codeIssuedBy = st.colText(9);
    e.codeExpiresAt = st.colInt(10);
    e.failedCodes = st.colInt(11);
    e.downloadedAt = st.colInt(12);
    return e;
}

ChainedAuditRow readAudit(const SqliteStatement& st) {
    return ChainedAuditRow{st.colInt(0), st.colInt(1), st.colText(2), st.colText(3),
                           st.colText(4), st.colText(5), st.colText(6), st.colText(7)};
}


AlertView readAlert(const SqliteStatement& st) {
    AlertView a;
    a.id = st.colInt(0);
    a.deviceId = st.colText(1);
    a.seq = st.colInt(2);
    a.deviceTime = st.colInt(3);
    a.receivedAt = st.colInt(4);
    a.payload = st.colText(5);
    if (!st.colNull(6)) a.ack = AlertAck{a.id, st.colText(6), st.colInt(7), st.colInt(8)};
    return a;
}

constexpr const char* kAlertSelect =
    "SELECT e.id, e.device_id, e.seq, e.device_time, e.received_at, e.payload, a.officer, a.acked_at, "
    "a.command_id FROM events e LEFT JOIN alert_acks a ON a.event_id = e.id ";

class SqliteConsoleRepository final : public ConsoleRepository {
public:
    explicit SqliteConsoleRepository(std::unique_ptr<SqliteDb> db) : db_(std::move(db)) {}

    Status checkSchema() {
        return transaction(Tx::Read, [&]() -> Status {
            KIOSK_ASSIGN_OR_RETURN(SqliteStatement st, db_->prepare("SELECT value FROM meta WHERE key = ?"));
            st.bind(1, std::string(detail::kSchemaVersionKey));
            KIOSK_ASSIGN_OR_RETURN(bool row, st.step());
            if (!row || st.colText(0) != std::to_string(detail::latestSchemaVersion()))
                return core::makeError("repo.open_failed",
                                       "the database is not at this server's schema version; open the Repository "
                                       "first (it migrates)");
            return {};
        });
    }

    Status createOfficer(const Officer& o) override {
        KIOSK_TRY(detail::checkText("name", o.name, true));
        KIOSK_TRY(detail::checkText("password_hash", o.passwordHash, true));
        return transaction(Tx::Write, [&]() -> Status {
            KIOSK_ASSIGN_OR_RETURN(auto existing, officerRow(o.name));
            if (existing) return core::makeError("repo.conflict", "officer exists");
            KIOSK_ASSIGN_OR_RETURN(SqliteStatement st,
                                   db_->prepare(std::string("INSERT INTO officers(") + kOfficerColumns +
                                                ") VALUES(?, ?, ?, ?, ?, ?, ?, ?)"));
            st.bind(1, o.name).bind(2, o.role).bind(3, o.passwordHash).bind(4, int64_t{o.disabled ? 1 : 0});
            st.bind(5, o.failedLogins).bind(6, o.lockedUntil).bind(7, o.createdAt).bind(8, o.passwordChangedAt);
            return st.run();
        });
    }

    Result<std::optional<Officer>> officer(const std::string& name) override {
        return transaction(Tx::Read, [&]() { return officerRow(name); });
    }

    Result<std::vector<Officer>> officers() override {
        return transaction(Tx::Read, [&]() -> Result<std::vector<Officer>> {
            KIOSK_ASSIGN_OR_RETURN(SqliteStatement st, db_->prepare(std::string("SELECT ") + kOfficerColumns +
                                                                    " FROM officers ORDER BY name"));
            return collectRows(st, readOfficer);
        });
    }

    Status setOfficerDisabled(const std::string& name, bool disabled) override {
        return updateOfficer("UPDATE officers SET disabled = ?2 WHERE name = ?1", name,
                             [&](SqliteStatement& st) { st.bind(2, int64_t{disabled ? 1 : 0}); });
    }
    Status setOfficerPassword(const std::string& name, const std::string& hash, int64_t now) override {
        KIOSK_TRY(detail::checkText("password_hash", hash, true));
        return updateOfficer(
            "UPDATE officers SET password_hash = ?2, password_changed_at = ?3, failed_logins = 0, "
            "locked_until = 0 WHERE name = ?1",
            name, [&](SqliteStatement& st) { st.bind(2, hash).bind(3, now); });
    }
    Status setOfficerRole(const std::string& name, const std::string& role) override {
        return updateOfficer("UPDATE officers SET role = ?2 WHERE name = ?1", name,
                             [&](SqliteStatement& st) { st.bind(2, role); });
    }

    Status setOfficerLock(const std::string& name, int64_t failed, int64_t lockedUntil) override {
        return transaction(Tx::Write, [&]() -> Status {
            KIOSK_ASSIGN_OR_RETURN(SqliteStatement st,
                                   db_->prepare("UPDATE officers SET failed_logins = ?, locked_until = ? WHERE name = ?"));
            st.bind(1, failed).bind(2, lockedUntil).bind(3, name);
            KIOSK_TRY(st.run());
            if (db_->changes() == 0) return core::makeError("repo.not_found", "no such officer");
            return {};
        });
    }

    Result<AddressFailures> addressFailures(const std::string& address) override {
        return transaction(Tx::Read, [&]() -> Result<AddressFailures> {
            KIOSK_ASSIGN_OR_RETURN(SqliteStatement st,
                                   db_->prepare("SELECT failures, window_start, locked_until FROM login_addresses "
                                                "WHERE address = ?"));
            st.bind(1, address);
            KIOSK_ASSIGN_OR_RETURN(bool row, st.step());
            AddressFailures a;
            a.address = address;
            if (row) {
                a.failures = st.colInt(0);
                a.windowStart = st.colInt(1);
                a.lockedUntil = st.colInt(2);
            }
            return a;
        });
    }

    Status setAddressFailures(const AddressFailures& a) override {
        KIOSK_TRY(detail::checkText("address", a.address, false));
        return transaction(Tx::Write, [&]() -> Status {
            KIOSK_ASSIGN_OR_RETURN(
                SqliteStatement st,
                db_->prepare("INSERT INTO login_addresses(address, failures, window_start, locked_until) "
                             "VALUES(?, ?, ?, ?) ON CONFLICT(address) DO UPDATE SET failures = excluded.failures, "
                             "window_start = excluded.window_start, locked_until = excluded.locked_until"));
            st.bind(1, a.address).bind(2, a.failures).bind(3, a.windowStart).bind(4, a.lockedUntil);
            return st.run();
        });
    }

    Status createSession(const Session& s) override {
        KIOSK_TRY(detail::checkText("remote_address", s.remoteAddress, false));
        return transaction(Tx::Write, [&]() -> Status {
            KIOSK_ASSIGN_OR_RETURN(SqliteStatement st,
                                   db_->prepare(std::string("INSERT INTO console_sessions(") + kSessionColumns +
                                                ") VALUES(?, ?, ?, ?, ?, ?, ?, ?)"));
            st.bind(1, s.idHash).bind(2, s.officer).bind(3, s.role).bind(4, s.csrf).bind(5, s.createdAt);
            st.bind(6, s.lastSeen).bind(7, s.expiresAt).bind(8, s.remoteAddress);
            return st.run();
        });
    }

    Result<std::optional<Session>> session(const std::string& idHash) override {
        return transaction(Tx::Read, [&]() -> Result<std::optional<Session>> {
            KIOSK_ASSIGN_OR_RETURN(SqliteStatement st, db_->prepare(std::string("SELECT ") + kSessionColumns +
                                                                    " FROM console_sessions WHERE id_hash = ?"));
            st.bind(1, idHash);
            KIOSK_ASSIGN_OR_RETURN(bool row, st.step());
            if (!row) return std::optional<Session>();
            return std::optional<Session>(readSession(st));
        });
    }

    Status touchSession(const std::string& idHash, int64_t now) override {
        return exec1("UPDATE console_sessions SET last_seen = max(last_seen, ?2) WHERE id_hash = ?1", idHash, now);
    }
    Status deleteSession(const std::string& idHash) override {
        return exec1("DELETE FROM console_sessions WHERE id_hash = ?1", idHash, 0);
    }

    Result<int64_t> purgeSessions(int64_t now, int64_t idleTimeoutS) override {
        return transaction(Tx::Write, [&]() -> Result<int64_t> {
            KIOSK_ASSIGN_OR_RETURN(SqliteStatement st,
                                   db_->prepare("DELETE FROM console_sessions WHERE expires_at <= ?1 OR "
                                                "last_seen + ?2 <= ?1"));
            st.bind(1, now).bind(2, idleTimeoutS);
            KIOSK_TRY(st.run());
            return db_->changes();
        });
    }

    Result<std::vector<LaneSummary>> laneSummaries(int64_t since) override {
        return transaction(Tx::Read, [&]() -> Result<std::vector<LaneSummary>> {
            // The id bound keeps the count on the (device_id, kind, id) index: ids grow
            // with the server's receive time.
            KIOSK_ASSIGN_OR_RETURN(
                SqliteStatement st,
                db_->prepare(
                    "WITH first AS (SELECT coalesce(min(id), 9223372036854775807) AS id FROM events "
                    "WHERE received_at >= ?1) "
                    "SELECT d.device_id, d.last_seen, d.last_heartbeat, d.last_heartbeat_at, "
                    "(SELECT payload FROM events WHERE device_id = d.device_id AND kind = 'lane_state' "
                    " ORDER BY id DESC LIMIT 1), "
                    "(SELECT received_at FROM events WHERE device_id = d.device_id AND kind = 'lane_state' "
                    " ORDER BY id DESC LIMIT 1), "
                    "(SELECT payload FROM events WHERE device_id = d.device_id AND kind = 'crossing' "
                    " ORDER BY id DESC LIMIT 1), "
                    "(SELECT received_at FROM events WHERE device_id = d.device_id AND kind = 'crossing' "
                    " ORDER BY id DESC LIMIT 1), "
                    "(SELECT count(*) FROM events, first WHERE device_id = d.device_id AND kind = 'crossing' "
                    " AND events.id >= first.id AND received_at >= ?1), "
                    "(SELECT count(*) FROM events e WHERE e.device_id = d.device_id AND e.kind = 'alert' "
                    " AND NOT EXISTS (SELECT 1 FROM alert_acks a WHERE a.event_id = e.id)) "
                    "FROM devices d WHERE d.role = 'lane' ORDER BY d.device_id"));
            st.bind(1, since);
            return collectRows(st, [](const SqliteStatement& s) {
                return LaneSummary{s.colText(0), s.colInt(1), s.colText(2), s.colInt(3), s.colText(4),
                                   s.colInt(5), s.colText(6), s.colInt(7), s.colInt(8), s.colInt(9)};
            });
        });
    }

    Result<std::vector<DeviceEvent>> laneEvents(const std::string& deviceId, const std::string& kind,
                                                int64_t fromReceived, int64_t beforeId, int limit) override {
        KIOSK_TRY(detail::checkLimit(limit));
        return transaction(Tx::Read, [&]() -> Result<std::vector<DeviceEvent>> {
            KIOSK_ASSIGN_OR_RETURN(SqliteStatement st,
                                   db_->prepare(std::string("SELECT ") + kEventColumns +
                                                " FROM events WHERE device_id = ?1 AND kind = ?2 AND "
                                                "received_at >= ?3 AND (?4 = 0 OR id < ?4) ORDER BY id DESC LIMIT ?5"));
            st.bind(1, deviceId).bind(2, kind).bind(3, fromReceived).bind(4, beforeId).bind(5, int64_t{limit});
            return collectRows(st, detail::readEventRow);
        });
    }

    Result<std::vector<DeviceEvent>> crossings(const std::vector<std::string>& lanes, int64_t from, int64_t to,
                                               int64_t afterId, int limit) override {
        KIOSK_TRY(detail::checkLimit(limit));
        const std::string joined = detail::joinLanes(lanes);
        return transaction(Tx::Read, [&]() -> Result<std::vector<DeviceEvent>> {
            KIOSK_ASSIGN_OR_RETURN(SqliteStatement st,
                                   db_->prepare(std::string("SELECT ") + kEventColumns +
                                                " FROM events WHERE kind = 'crossing' AND received_at >= ?2 AND "
                                                "received_at <= ?3 AND id > ?4 AND "
                                                "instr(',' || ?1 || ',', ',' || device_id || ',') > 0 "
                                                "ORDER BY id LIMIT ?5"));
            st.bind(1, joined).bind(2, from).bind(3, to).bind(4, afterId).bind(5, int64_t{limit});
            return collectRows(st, detail::readEventRow);
        });
    }

    Result<CrossingStats> crossingStats(int64_t from, int64_t to) override {
        return transaction(Tx::Read, [&]() -> Result<CrossingStats> {
            CrossingStats out;
            constexpr const char* kWindow =
                " FROM events e WHERE e.kind = 'crossing' AND e.received_at >= ?1 AND e.received_at <= ?2";
            KIOSK_ASSIGN_OR_RETURN(
                SqliteStatement hours,
                db_->prepare(std::string("SELECT (e.received_at - ?1) / 3600 AS slot, count(*), "
                                         "sum(json_extract(e.payload, '$.outcome') = 'passed'), "
                                         "sum(json_extract(e.payload, '$.outcome') = 'refused')") +
                             kWindow + " GROUP BY slot ORDER BY slot"));
            hours.bind(1, from).bind(2, to);
            KIOSK_ASSIGN_OR_RETURN(out.hours, collectRows(hours, [](const SqliteStatement& st) {
                return CrossingStats::Hour{st.colInt(0), st.colInt(1), st.colInt(2), st.colInt(3)};
            }));
            KIOSK_ASSIGN_OR_RETURN(
                SqliteStatement reasons,
                db_->prepare(std::string("SELECT r.value, count(*)") +
                             " FROM events e, json_each(e.payload, '$.reasons') r WHERE e.kind = 'crossing' AND "
                             "e.received_at >= ?1 AND e.received_at <= ?2 AND "
                             "json_extract(e.payload, '$.outcome') = 'refused' GROUP BY r.value ORDER BY r.value"));
            reasons.bind(1, from).bind(2, to);
            KIOSK_ASSIGN_OR_RETURN(out.refusalsByReason, collectRows(reasons, [](const SqliteStatement& st) {
                return std::make_pair(st.colText(0), st.colInt(1));
            }));
            const std::string passed = std::string(kWindow) +
                                       " AND json_extract(e.payload, '$.outcome') = 'passed' AND "
                                       "json_type(e.payload, '$.lane_ms') = 'integer'";
            KIOSK_ASSIGN_OR_RETURN(SqliteStatement count, db_->prepare("SELECT count(*)" + passed));
            count.bind(1, from).bind(2, to);
            KIOSK_ASSIGN_OR_RETURN(bool row, count.step());
            const int64_t n = row ? count.colInt(0) : 0;
            if (n > 0) {
                KIOSK_ASSIGN_OR_RETURN(SqliteStatement median,
                                       db_->prepare("SELECT json_extract(e.payload, '$.lane_ms') AS ms" + passed +
                                                    " ORDER BY ms LIMIT 1 OFFSET ?3"));
                median.bind(1, from).bind(2, to).bind(3, (n + 1) / 2 - 1);
                KIOSK_ASSIGN_OR_RETURN(bool got, median.step());
                if (got) out.p50LaneMs = median.colInt(0);
            }
            return out;
        });
    }

    Result<std::vector<AlertView>> alerts(bool openOnly, int64_t beforeId, int limit) override {
        KIOSK_TRY(detail::checkLimit(limit));
        return transaction(Tx::Read, [&]() -> Result<std::vector<AlertView>> {
            KIOSK_ASSIGN_OR_RETURN(SqliteStatement st,
                                   db_->prepare(std::string(kAlertSelect) +
                                                "WHERE e.kind = 'alert' AND (?1 = 0 OR e.id < ?1) AND "
                                                "(?2 = 0 OR a.event_id IS NULL) ORDER BY e.id DESC LIMIT ?3"));
            st.bind(1, beforeId).bind(2, int64_t{openOnly ? 1 : 0}).bind(3, int64_t{limit});
            return collectRows(st, readAlert);
        });
    }

    Result<std::optional<AlertView>> alert(int64_t eventId) override {
        return transaction(Tx::Read, [&]() { return alertRow(eventId); });
    }

    Result<std::pair<AlertAck, bool>> acknowledgeAlert(int64_t eventId, const std::string& officer,
                                                       int64_t now) override {
        return transaction(Tx::Write, [&]() -> Result<std::pair<AlertAck, bool>> {
            KIOSK_ASSIGN_OR_RETURN(auto a, alertRow(eventId));
            if (!a) return core::makeError("repo.not_found", "no such alert");
            if (a->ack) return std::make_pair(*a->ack, true);
            KIOSK_ASSIGN_OR_RETURN(SqliteStatement st,
                                   db_->prepare("INSERT INTO alert_acks(event_id, officer, acked_at) VALUES(?, ?, ?)"));
            st.bind(1, eventId).bind(2, officer).bind(3, now);
            KIOSK_TRY(st.run());
            return std::make_pair(AlertAck{eventId, officer, now, 0}, false);
        });
    }

    Status setAckCommand(int64_t eventId, int64_t commandId) override {
        return transaction(Tx::Write, [&]() -> Status {
            KIOSK_ASSIGN_OR_RETURN(SqliteStatement st,
                                   db_->prepare("UPDATE alert_acks SET command_id = ? WHERE event_id = ?"));
            st.bind(1, commandId).bind(2, eventId);
            return st.run();
        });
    }

    Result<ExportRequest> createExport(const ExportRequest& e) override {
        KIOSK_TRY(detail::checkText("purpose", e.purpose, true));
        return transaction(Tx::Write, [&]() -> Result<ExportRequest> {
            KIOSK_ASSIGN_OR_RETURN(SqliteStatement st,
                                   db_->prepare("INSERT INTO exports(lanes, from_time, to_time, purpose, requested_by, "
                                                "requested_at, state) VALUES(?, ?, ?, ?, ?, ?, 'pending')"));
            st.bind(1, detail::joinLanes(e.lanes)).bind(2, e.from).bind(3, e.to).bind(4, e.purpose);
            st.bind(5, e.requestedBy).bind(6, e.requestedAt);
            KIOSK_TRY(st.run());
            ExportRequest out = e;
            out.id = db_->lastInsertRowId();
            out.state = "pending";
            return out;
        });
    }

    Result<std::optional<ExportRequest>> exportRequest(int64_t id) override {
        return transaction(Tx::Read, [&]() -> Result<std::optional<ExportRequest>> {
            KIOSK_ASSIGN_OR_RETURN(SqliteStatement st, db_->prepare(std::string("SELECT ") + kExportColumns +
                                                                    " FROM exports WHERE id = ?"));
            st.bind(1, id);
            KIOSK_ASSIGN_OR_RETURN(bool row, st.step());
            if (!row) return std::optional<ExportRequest>();
            return std::optional<ExportRequest>(readExport(st));
        });
    }

    Result<std::vector<ExportRequest>> exportRequests(const std::string& requestedBy) override {
        return transaction(Tx::Read, [&]() -> Result<std::vector<ExportRequest>> {
            KIOSK_ASSIGN_OR_RETURN(SqliteStatement st,
                                   db_->prepare(std::string("SELECT ") + kExportColumns +
                                                " FROM exports WHERE ?1 = '' OR requested_by = ?1 ORDER BY id DESC "
                                                "LIMIT 1000"));
            st.bind(1, requestedBy);
            return collectRows(st, readExport);
        });
    }

    Status updateExport(const ExportRequest& e) override {
        return transaction(Tx::Write, [&]() -> Status {
            KIOSK_ASSIGN_OR_RETURN(SqliteStatement st,
                                   db_->prepare("UPDATE exports SET state = ?, code_hash = ?, code_issued_by = ?, "
                                                "code_expires_at = ?, failed_codes = ?, downloaded_at = ? WHERE id = ?"));
            st.bind(1, e.state).bind(2, e.codeHash).bind(3, e.codeIssuedBy).bind(4, e.codeExpiresAt);
            st.bind(5, e.failedCodes).bind(6, e.downloadedAt).bind(7, e.id);
            KIOSK_TRY(st.run());
            if (db_->changes() == 0) return core::makeError("repo.not_found", "no such export");
            return {};
        });
    }

    Result<bool> consumeExport(int64_t id, const std::string& codeHash, int64_t now) override {
        return transaction(Tx::Write, [&]() -> Result<bool> {
            KIOSK_ASSIGN_OR_RETURN(SqliteStatement st,
                                   db_->prepare("UPDATE exports SET state = 'downloaded', downloaded_at = ? WHERE id = ? "
                                                "AND state = 'code_issued' AND code_hash = ?"));
            st.bind(1, now).bind(2, id).bind(3, codeHash);
            KIOSK_TRY(st.run());
            return db_->changes() == 1;
        });
    }

    Result<int64_t> appendAudit(int64_t time, const std::string& actor, const std::string& action,
                                const std::string& detailText, const std::string& subject) override {
        KIOSK_TRY(detail::checkText("actor", actor, false));
        KIOSK_TRY(detail::checkText("action", action, true));
        KIOSK_TRY(detail::checkText("detail", detailText, false));
        KIOSK_TRY(detail::checkText("subject", subject, false));
        return transaction(Tx::Write, [&]() {
            return detail::sqliteAppendAudit(*db_, time, actor, action, detailText, subject);
        });
    }

    Result<std::vector<ChainedAuditRow>> auditRows(int64_t afterId, int limit) override {
        KIOSK_TRY(detail::checkLimit(limit));
        return transaction(Tx::Read, [&]() -> Result<std::vector<ChainedAuditRow>> {
            KIOSK_ASSIGN_OR_RETURN(SqliteStatement st, db_->prepare(std::string("SELECT ") + kAuditColumns +
                                                                    " FROM audit WHERE id > ? ORDER BY id LIMIT ?"));
            st.bind(1, afterId).bind(2, int64_t{limit});
            return collectRows(st, readAudit);
        });
    }

    Result<std::vector<ChainedAuditRow>> auditAbout(const std::string& subject, int limit) override {
        KIOSK_TRY(detail::checkLimit(limit));
        return transaction(Tx::Read, [&]() -> Result<std::vector<ChainedAuditRow>> {
            KIOSK_ASSIGN_OR_RETURN(SqliteStatement st,
                                   db_->prepare(std::string("SELECT ") + kAuditColumns +
                                                " FROM audit WHERE subject = ?1 OR actor = ?1 ORDER BY id DESC LIMIT ?2"));
            st.bind(1, subject).bind(2, int64_t{limit});
            return collectRows(st, readAudit);
        });
    }

    Result<AuditVerification> verifyAudit() override {
        return transaction(Tx::Read, [&]() { return detail::sqliteVerifyAudit(*db_); });
    }

private:
    using Tx = detail::SqliteTx;

    // One transaction under the mutex (repo_sqlite_rows.h).
    template <typename F>
    auto transaction(Tx kind, F&& f) -> decltype(f()) {
        std::lock_guard<std::mutex> lock(mu_);
        return detail::sqliteTransaction(*db_, kind, std::forward<F>(f));
    }

    Result<std::optional<Officer>> officerRow(const std::string& name) {
        KIOSK_ASSIGN_OR_RETURN(SqliteStatement st, db_->prepare(std::string("SELECT ") + kOfficerColumns +
                                                                " FROM officers WHERE name = ?"));
        st.bind(1, name);
        KIOSK_ASSIGN_OR_RETURN(bool row, st.step());
        if (!row) return std::optional<Officer>();
        return std::optional<Officer>(readOfficer(st));
    }

    Result<std::optional<AlertView>> alertRow(int64_t eventId) {
        KIOSK_ASSIGN_OR_RETURN(SqliteStatement st,
                               db_->prepare(std::string(kAlertSelect) + "WHERE e.id = ? AND e.kind = 'alert'"));
        st.bind(1, eventId);
        KIOSK_ASSIGN_OR_RETURN(bool row, st.step());
        if (!row) return std::optional<AlertView>();
        return std::optional<AlertView>(readAlert(st));
    }

    // An officer update that also ends the officer's sessions.
    template <typename Bind>
    Status updateOfficer(const char* sql, const std::string& name, Bind bind) {
        return transaction(Tx::Write, [&]() -> Status {
            KIOSK_ASSIGN_OR_RETURN(SqliteStatement st, db_->prepare(sql));
            st.bind(1, name);
            bind(st);
            KIOSK_TRY(st.run());
            if (db_->changes() == 0) return core::makeError("repo.not_found", "no such officer");
            KIOSK_ASSIGN_OR_RETURN(SqliteStatement del, db_->prepare("DELETE FROM console_sessions WHERE officer = ?"));
            del.bind(1, name);
            return del.run();
        });
    }

    Status exec1(const char* sql, const std::string& key, int64_t v) {
        return transaction(Tx::Write, [&]() -> Status {
            KIOSK_ASSIGN_OR_RETURN(SqliteStatement st, db_->prepare(sql));
            st.bind(1, key);
            if (std::string(sql).find("?2") != std::string::npos) st.bind(2, v);
            return st.run();
        });
    }

    std::mutex mu_;
    std::unique_ptr<SqliteDb> db_;
};

}  // namespace

core::Result<std::unique_ptr<ConsoleRepository>> openSqliteConsoleRepository(const std::string& path) {
    if (path == ":memory:")
        return core::makeError("repo.open_failed", "the console needs the database in a file (a second connection)");
    KIOSK_ASSIGN_OR_RETURN(auto db, SqliteDb::open(path));
    db->setBusyTimeout(5000);
    if (Status s = db->exec("PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL;"); !s.ok()) return s.error();
    auto repo = std::make_unique<SqliteConsoleRepository>(std::move(db));
    KIOSK_TRY(repo->checkSchema());
    return std::unique_ptr<ConsoleRepository>(std::move(repo));
}

core::Result<std::unique_ptr<ConsoleRepository>> openConsoleRepository(const std::string& url) {
    auto startsWith = [&](const char* p) { return url.rfind(p, 0) == 0; };
    if (startsWith("postgresql://") || startsWith("postgres://")) return openPostgresConsoleRepository(url);
    std::string path = url;
    if (startsWith("sqlite:")) {
        path = path.substr(7);
        if (path.rfind("//", 0) == 0) path = path.substr(2);  // as openRepository
    } else if (path.find("://") != std::string::npos) {
        return core::makeError("repo.open_failed", "unsupported database URL scheme");
    }
    if (path.empty()) return core::makeError("repo.open_failed", "empty SQLite database path");
    return openSqliteConsoleRepository(path);
}

}  // namespace kiosk::server
