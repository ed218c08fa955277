// The console's records on PostgreSQL (console_repository.h), with libpqxx over its own
// few connections (console traffic is light: a handful of browsers). Every libpqxx
// exception ends in run().
#include <pqxx/pqxx>

#include <chrono>
#include <mutex>
#include <random>
#include <thread>

#include "core/log.h"
#include "server/console_repository.h"
#include "server/repo_audit_chain_pg.h"
#include "server/repo_common.h"
#include "server/repo_console_common.h"
#include "server/repo_migrations.h"

namespace kiosk::server {

namespace {

using core::Result;
using core::Status;

constexpr const char* kOfficerColumns =
    "name, role, password_hash, disabled, failed_logins, locked_until, created_at, password_changed_at";
constexpr const char* kSessionColumns =
    "id_hash, officer, role, csrf, created_at, last_seen, expires_at, remote_address";
constexpr const char* kExportColumns =
    "id, lanes, from_time, to_time, purpose, requested_by, requested_at, state, code_hash, code_issued_by, "
    "code_expires_at, failed_codes, downloaded_at";
constexpr const char* kAuditColumns = "id, time, actor, action, detail, subject, prev_hash, hash";
constexpr const char* kEventColumns = "id, device_id, stream, seq, kind, device_time, received_at, payload";
constexpr const char* kAlertSelect =
    "SELECT e.id, e.device_id, e.seq, e.device_time, e.received_at, e.payload, a.officer, a.acked_at, "
    "a.command_id FROM events e LEFT JOIN alert_acks a ON a.event_id = e.id ";

std::string firstLine(const std::exception& e) {
    if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e)) {
        if (sql->sqlstate().rfind("22", 0) == 0) return "invalid data (SQLSTATE " + sql->sqlstate() + ")";
    }
    std::string t = e.what();
    if (auto nl = t.find('\n'); nl != std::string::npos) t.resize(nl);
    return t;
}

std::string text(const pqxx::field& f) { return f.is_null() ? std::string() : f.as<std::string>(); }
int64_t num(const pqxx::field& f) { return f.is_null() ? 0 : f.as<int64_t>(); }

Officer readOfficer(const pqxx::row& r) {
    return Officer{text(r[0]), text(r[1]), text(r[2]), r[3].as<bool>(), num(r[4]), num(r[5]), num(r[6]), num(r[7])};
}
Session readSession(const pqxx::row& r) {
    return Session{text(r[0]), text(r[1]), text(r[2]), text(r[3]), num(r[4]), num(r[5]), num(r[6]), text(r[7])};
}
ExportRequest readExport(const pqxx::row& r) {
    ExportRequest e;
    e.id = num(r[0]);
    e.lanes = detail::splitLanes(text(r[1]));
    e.from = num(r[2]);
    e.to = num(r[3]);
    e.purpose = text(r[4]);
    e.requestedBy = text(r[5]);
    e.requestedAt = num(r[6]);
    e.state = text(r[7]);
    e.codeHash = text(r[8]);
    e.codeIssuedBy = text(r[9]);
    e.codeExpiresAt = num(r[10]);
    e.failedCodes = num(r[11]);
    e.downloadedAt = num(r[12]);
    return e;
}
ChainedAuditRow readAudit(const pqxx::row& r) {
    return ChainedAuditRow{num(r[0]),  num(r[1]),  text(r[2]), text(r[3]),
                           text(r[4]), text(r[5]), text(r[6]), text(r[7])};
}
DeviceEvent readEvent(const pqxx::row& r) {
    DeviceEvent e;
    e.id = num(r[0]);
    e.deviceId = text(r[1]);
    e.stream = text(r[2]);
    e.seq = num(r[3]);
    e.kind = text(r[4]);
    e.deviceTime = num(r[5]);
    e.receivedAt = num(r[6]);
    e.payload = text(r[7]);
    return e;
}
AlertView readAlert(const pqxx::row& r) {
    AlertView a;
    a.id = num(r[0]);
    a.deviceId = text(r[1]);
    a.seq = num(r[2]);
    a.deviceTime = num(r[3]);
    a.receivedAt = num(r[4]);
    a.payload = text(r[5]);
    if (!r[6].is_null()) a.ack = AlertAck{a.id, text(r[6]), num(r[7]), num(r[8])};
    return a;
}

template <typename T, typename F>
std::vector<T> rows(const pqxx::result& r, F read) {
    std::vector<T> out;
    out.reserve(r.size());
    for (const auto& row : r) out.push_back(read(row));
    return out;
}

class PostgresConsoleRepository final : public ConsoleRepository {
public:
    explicit PostgresConsoleRepository(std::string conninfo) : conninfo_(std::move(conninfo)) {}

    Status checkSchema() {
        return run("console schema", [&](pqxx::work& w) -> Status {
            const pqxx::result r =
                w.exec_params("SELECT value FROM meta WHERE key = $1", std::string(detail::kSchemaVersionKey));
            if (r.empty() || text(r[0][0]) != std::to_string(detail::latestSchemaVersion()))
                return core::makeError("repo.open_failed",
                                       "the database is not at this server's schema version; open the Repository "
                                       "first (it migrates)");
            return {};
        });
    }

    Status createOfficer(const Officer& o) override {
        KIOSK_TRY(detail::checkText("name", o.name, true));
        KIOSK_TRY(detail::checkText("password_hash", o.passwordHash, true));
        return run("create officer", [&](pqxx::work& w) -> Status {
            const pqxx::result r = w.exec_params(
                std::string("INSERT INTO officers(") + kOfficerColumns +
                    ") VALUES($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (name) DO NOTHING RETURNING name",
                o.name, o.role, o.passwordHash, o.disabled, o.failedLogins, o.lockedUntil, o.createdAt,
                o.passwordChangedAt);
            if (r.empty()) return core::makeError("repo.conflict", "officer exists");
            return {};
        });
    }

    Result<std::optional<Officer>> officer(const std::string& name) override {
        KIOSK_TRY(detail::checkText("name", name, false));
        return run("officer", [&](pqxx::work& w) -> Result<std::optional<Officer>> {
            const pqxx::result r =
                w.exec_params(std::string("SELECT ") + kOfficerColumns + " FROM officers WHERE name = $1", name);
            if (r.empty()) return std::optional<Officer>();
            return std::optional<Officer>(readOfficer(r[0]));
        });
    }

    Result<std::vector<Officer>> officers() override {
        return run("officers", [&](pqxx::work& w) -> Result<std::vector<Officer>> {
            return rows<Officer>(w.exec(std::string("SELECT ") + kOfficerColumns + " FROM officers ORDER BY name"),
                                 readOfficer);
        });
    }

    Status setOfficerDisabled(const std::string& name, bool disabled) override {
        return updateOfficer("disable officer", name, [&](pqxx::work& w) {
            return w.exec_params("UPDATE officers SET disabled = $2 WHERE name = $1", name, disabled).affected_rows();
        });
    }
    Status setOfficerPassword(const std::string& name, const std::string& hash, int64_t now) override {
        KIOSK_TRY(detail::checkText("password_hash", hash, true));
        return updateOfficer("officer password", name, [&](pqxx::work& w) {
            return w
                .exec_params("UPDATE officers SET password_hash = $2, password_changed_at = $3, failed_logins = 0, "
                             "locked_until = 0 WHERE name = $1",
                             name, hash, now)
                .affected_rows();
        });
    }
    Status setOfficerRole(const std::string& name, const std::string& role) override {
        return updateOfficer("officer role", name, [&](pqxx::work& w) {
            return w.exec_params("UPDATE officers SET role = $2 WHERE name = $1", name, role).affected_rows();
        });
    }

    Status setOfficerLock(const std::string& name, int64_t failed, int64_t lockedUntil) override {
        return run("officer lock", [&](pqxx::work& w) -> Status {
            const auto n = w.exec_params("UPDATE officers SET failed_logins = $2, locked_until = $3 WHERE name = $1",
                                         name, failed, lockedUntil)
                               .affected_rows();
            if (n == 0) return core::makeError("repo.not_found", "no such officer");
            return {};
        });
    }

    Result<AddressFailures> addressFailures(const std::string& address) override {
        KIOSK_TRY(detail::checkText("address", address, false));
        return run("address failures", [&](pqxx::work& w) -> Result<AddressFailures> {
            const pqxx::result r = w.exec_params(
                "SELECT failures, window_start, locked_until FROM login_addresses WHERE address = $1", address);
            AddressFailures a;
            a.address = address;
            if (!r.empty()) {
                a.failures = num(r[0][0]);
                a.windowStart = num(r[0][1]);
                a.lockedUntil = num(r[0][2]);
            }
            return a;
        });
    }

    Status setAddressFailures(const AddressFailures& a) override {
        KIOSK_TRY(detail::checkText("address", a.address, false));
        return run("set address failures", [&](pqxx::work& w) -> Status {
            w.exec_params("INSERT INTO login_addresses(address, failures, window_start, locked_until) "
                          "VALUES($1, $2, $3, $4) ON CONFLICT (address) DO UPDATE SET failures = EXCLUDED.failures, "
                          "window_start = EXCLUDED.window_start, locked_until = EXCLUDED.locked_until",
                          a.address, a.failures, a.windowStart, a.lockedUntil);
            return {};
        });
    }

    Status createSession(const Session& s) override {
        KIOSK_TRY(detail::checkText("remote_address", s.remoteAddress, false));
        return run("create session", [&](pqxx::work& w) -> Status {
            w.exec_params(std::string("INSERT INTO console_sessions(") + kSessionColumns +
                              ") VALUES($1, $2, $3, $4, $5, $6, $7, $8)",
                          s.idHash, s.officer, s.role, s.csrf, s.createdAt, s.lastSeen, s.expiresAt, s.remoteAddress);
            return {};
        });
    }

    Result<std::optional<Session>> session(const std::string& idHash) override {
        KIOSK_TRY(detail::checkText("id_hash", idHash, false));
        return run("session", [&](pqxx::work& w) -> Result<std::optional<Session>> {
            const pqxx::result r = w.exec_params(
                std::string("SELECT ") + kSessionColumns + " FROM console_sessions WHERE id_hash = $1", idHash);
            if (r.empty()) return std::optional<Session>();
            return std::optional<Session>(readSession(r[0]));
        });
    }

    Status touchSession(const std::string& idHash, int64_t now) override {
        return run("touch session", [&](pqxx::work& w) -> Status {
            w.exec_params("UPDATE console_sessions SET last_seen = GREATEST(last_seen, $2) WHERE id_hash = $1", idHash,
                          now);
            return {};
        });
    }

    Status deleteSession(const std::string& idHash) override {
        return run("delete session", [&](pqxx::work& w) -> Status {
            w.exec_params("DELETE FROM console_sessions WHERE id_hash = $1", idHash);
            return {};
        });
    }

    Result<int64_t> purgeSessions(int64_t now, int64_t idleTimeoutS) override {
        return run("purge sessions", [&](pqxx::work& w) -> Result<int64_t> {
            return static_cast<int64_t>(
                w.exec_params("DELETE FROM console_sessions WHERE expires_at <= $1 OR last_seen + $2 <= $1", now,
                              idleTimeoutS)
                    .affected_rows());
        });
    }

    Result<std::vector<LaneSummary>> laneSummaries(int64_t since) override {
        return run("lane summaries", [&](pqxx::work& w) -> Result<std::vector<LaneSummary>> {
            const pqxx::result r = w.exec_params(
                "WITH first AS (SELECT coalesce(min(id), 9223372036854775807) AS id FROM events "
                "WHERE received_at >= $1) "
                "SELECT d.device_id, d.last_seen, d.last_heartbeat, d.last_heartbeat_at, ls.payload, ls.received_at, "
                "cr.payload, cr.received_at, "
                "(SELECT count(*) FROM events, first WHERE device_id = d.device_id AND kind = 'crossing' "
                " AND events.id >= first.id AND received_at >= $1), "
                "(SELECT count(*) FROM events e WHERE e.device_id = d.device_id AND e.kind = 'alert' "
                " AND NOT EXISTS (SELECT 1 FROM alert_acks a WHERE a.event_id = e.id)) "
                "FROM devices d "
                "LEFT JOIN LATERAL (SELECT payload, received_at FROM events WHERE device_id = d.device_id "
                " AND kind = 'lane_state' ORDER BY id DESC LIMIT 1) ls ON true "
                "LEFT JOIN LATERAL (SELECT payload, received_at FROM events WHERE device_id = d.device_id "
                " AND kind = 'crossing' ORDER BY id DESC LIMIT 1) cr ON true "
                "WHERE d.role = 'lane' ORDER BY d.device_id",
                since);
            return rows<LaneSummary>(r, [](const pqxx::row& x) {
                return LaneSummary{text(x[0]), num(x[1]), text(x[2]), num(x[3]), text(x[4]),
                                   num(x[5]),  text(x[6]), num(x[7]), num(x[8]), num(x[9])};
            });
        });
    }

    Result<std::vector<DeviceEvent>> laneEvents(const std::string& deviceId, const std::string& kind,
                                                int64_t fromReceived, int64_t beforeId, int limit) override {
        KIOSK_TRY(detail::checkLimit(limit));
        KIOSK_TRY(detail::checkText("device_id", deviceId, true));
        return run("lane events", [&](pqxx::work& w) -> Result<std::vector<DeviceEvent>> {
            return rows<DeviceEvent>(
                w.exec_params(std::string("SELECT ") + kEventColumns +
                                  " FROM events WHERE device_id = $1 AND kind = $2 AND received_at >= $3 AND "
                                  "($4 = 0 OR id < $4) ORDER BY id DESC LIMIT $5",
                              deviceId, kind, fromReceived, beforeId, limit),
                readEvent);
        });
    }

    Result<std::vector<DeviceEvent>> crossings(const std::vector<std::string>& lanes, int64_t from, int64_t to,
                                               int64_t afterId, int limit) override {
        KIOSK_TRY(detail::checkLimit(limit));
        const std::string joined = detail::joinLanes(lanes);
        KIOSK_TRY(detail::checkText("lanes", joined, false));
        return run("crossings", [&](pqxx::work& w) -> Result<std::vector<DeviceEvent>> {
            return rows<DeviceEvent>(
                w.exec_params(std::string("SELECT ") + kEventColumns +
                                  " FROM events WHERE kind = 'crossing' AND received_at >= $2 AND received_at <= $3 "
                                  "AND id > $4 AND device_id = ANY (string_to_array($1, ',')) ORDER BY id LIMIT $5",
                              joined, from, to, afterId, limit),
                readEvent);
        });
    }

    Result<CrossingStats> crossingStats(int64_t from, int64_t to) override {
        return run("crossing stats", [&](pqxx::work& w) -> Result<CrossingStats> {
            CrossingStats out;
            // Payloads are JSON text checked by the API; the cast reads them here.
            const std::string window =
                " FROM (SELECT received_at, payload::jsonb AS p FROM events WHERE kind = 'crossing' AND "
                "received_at >= $1 AND received_at <= $2) c";
            for (const auto& r : w.exec_params("SELECT (received_at - $1) / 3600 AS slot, count(*), "
                                               "count(*) FILTER (WHERE p->>'outcome' = 'passed'), "
                                               "count(*) FILTER (WHERE p->>'outcome' = 'refused')" +
                                                   window + " GROUP BY slot ORDER BY slot",
                                               from, to))
                out.hours.push_back(CrossingStats::Hour{num(r[0]), num(r[1]), num(r[2]), num(r[3])});
            for (const auto& r :
                 w.exec_params("SELECT reason, count(*) FROM (SELECT jsonb_array_elements_text(p->'reasons') AS reason" +
                                   window + " WHERE p->>'outcome' = 'refused' AND jsonb_typeof(p->'reasons') = 'array') x "
                                   "GROUP BY reason ORDER BY reason",
                               from, to))
                out.refusalsByReason.emplace_back(text(r[0]), num(r[1]));
            const pqxx::result m = w.exec_params(
                "SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY (p->>'lane_ms')::bigint)" + window +
                    " WHERE p->>'outcome' = 'passed' AND jsonb_typeof(p->'lane_ms') = 'number'",
                from, to);
            if (!m.empty() && !m[0][0].is_null()) out.p50LaneMs = m[0][0].as<int64_t>();
            return out;
        });
    }

    Result<std::vector<AlertView>> alerts(bool openOnly, int64_t beforeId, int limit) override {
        KIOSK_TRY(detail::checkLimit(limit));
        return run("alerts", [&](pqxx::work& w) -> Result<std::vector<AlertView>> {
            return rows<AlertView>(w.exec_params(std::string(kAlertSelect) +
                                                     "WHERE e.kind = 'alert' AND ($1 = 0 OR e.id < $1) AND "
                                                     "(NOT $2 OR a.event_id IS NULL) ORDER BY e.id DESC LIMIT $3",
                                                 beforeId, openOnly, limit),
                                   readAlert);
        });
    }

    Result<std::optional<AlertView>> alert(int64_t eventId) override {
        return run("alert", [&](pqxx::work& w) { return alertRow(w, eventId); });
    }

    Result<std::pair<AlertAck, bool>> acknowledgeAlert(int64_t eventId, const std::string& officer,
                                                       int64_t now) override {
        return run("acknowledge alert", [&](pqxx::work& w) -> Result<std::pair<AlertAck, bool>> {
            auto a = alertRow(w, eventId);
            if (!a.ok()) return a.error();
            if (!*a) return core::makeError("repo.not_found", "no such alert");
            const pqxx::result ins = w.exec_params(
                "INSERT INTO alert_acks(event_id, officer, acked_at) VALUES($1, $2, $3) ON CONFLICT (event_id) "
                "DO NOTHING RETURNING event_id",
                eventId, officer, now);
            if (!ins.empty()) return std::make_pair(AlertAck{eventId, officer, now, 0}, false);
            // Another call acknowledged it first: answer with that one.
            auto again = alertRow(w, eventId);
            if (!again.ok()) return again.error();
            if (!*again || !(*again)->ack) return core::makeError("repo.sql", "acknowledgement vanished");
            return std::make_pair(*(*again)->ack, true);
        });
    }

    Status setAckCommand(int64_t eventId, int64_t commandId) override {
        return run("ack command", [&](pqxx::work& w) -> Status {
            w.exec_params("UPDATE alert_acks SET command_id = $2 WHERE event_id = $1", eventId, commandId);
            return {};
        });
    }

    Result<ExportRequest> createExport(const ExportRequest& e) override {
        KIOSK_TRY(detail::checkText("purpose", e.purpose, true));
        return run("create export", [&](pqxx::work& w) -> Result<ExportRequest> {
            ExportRequest out = e;
            out.id = w.exec_params1("INSERT INTO exports(lanes, from_time, to_time, purpose, requested_by, requested_at, "
                                    "state) VALUES($1, $2, $3, $4, $5, $6, 'pending') RETURNING id",
                                    detail::joinLanes(e.lanes), e.from, e.to, e.purpose, e.requestedBy, e.requestedAt)[0]
                         .as<int64_t>();
            out.state = "pending";
            return out;
        });
    }

    Result<std::optional<ExportRequest>> exportRequest(int64_t id) override {
        return run("export", [&](pqxx::work& w) -> Result<std::optional<ExportRequest>> {
            const pqxx::result r =
                w.exec_params(std::string("SELECT ") + kExportColumns + " FROM exports WHERE id = $1", id);
            if (r.empty()) return std::optional<ExportRequest>();
            return std::optional<ExportRequest>(readExport(r[0]));
        });
    }

    Result<std::vector<ExportRequest>> exportRequests(const std::string& requestedBy) override {
        return run("exports", [&](pqxx::work& w) -> Result<std::vector<ExportRequest>> {
            return rows<ExportRequest>(
                w.exec_params(std::string("SELECT ") + kExportColumns +
                                  " FROM exports WHERE $1 = '' OR requested_by = $1 ORDER BY id DESC LIMIT 1000",
                              requestedBy),
                readExport);
        });
    }

    Status updateExport(const ExportRequest& e) override {
        return run("update export", [&](pqxx::work& w) -> Status {
            const auto n = w.exec_params("UPDATE exports SET state = $2, code_hash = $3, code_issued_by = $4, "
                                         "code_expires_at = $5, failed_codes = $6, downloaded_at = $7 WHERE id = $1",
                                         e.id, e.state, e.codeHash, e.codeIssuedBy, e.codeExpiresAt, e.failedCodes,
                                         e.downloadedAt)
                               .affected_rows();
            if (n == 0) return core::makeError("repo.not_found", "no such export");
            return {};
        });
    }

    Result<bool> consumeExport(int64_t id, const std::string& codeHash, int64_t now) override {
        return run("consume export", [&](pqxx::work& w) -> Result<bool> {
            return w.exec_params("UPDATE exports SET state = 'downloaded', downloaded_at = $1 WHERE id = $2 AND "
                                 "state = 'code_issued' AND code_hash = $3",
                                 now, id, codeHash)
                       .affected_rows() == 1;
        });
    }

    Result<int64_t> appendAudit(int64_t time, const std::string& actor, const std::string& action,
                                const std::string& detailText, const std::string& subject) override {
        KIOSK_TRY(detail::checkText("actor", actor, false));
        KIOSK_TRY(detail::checkText("action", action, true));
        KIOSK_TRY(detail::checkText("detail", detailText, false));
        KIOSK_TRY(detail::checkText("subject", subject, false));
        return run("append audit", [&](pqxx::work& w) -> Result<int64_t> {
            return detail::pgAppendAudit(w, time, actor, action, detailText, subject);
        });
    }

    Result<std::vector<ChainedAuditRow>> auditRows(int64_t afterId, int limit) override {
        KIOSK_TRY(detail::checkLimit(limit));
        return run("audit rows", [&](pqxx::work& w) -> Result<std::vector<ChainedAuditRow>> {
            return rows<ChainedAuditRow>(
                w.exec_params(std::string("SELECT ") + kAuditColumns + " FROM audit WHERE id > $1 ORDER BY id LIMIT $2",
                              afterId, limit),
                readAudit);
        });
    }

    Result<std::vector<ChainedAuditRow>> auditAbout(const std::string& subject, int limit) override {
        KIOSK_TRY(detail::checkLimit(limit));
        KIOSK_TRY(detail::checkText("subject", subject, true));
        return run("audit about", [&](pqxx::work& w) -> Result<std::vector<ChainedAuditRow>> {
            return rows<ChainedAuditRow>(
                w.exec_params(std::string("SELECT ") + kAuditColumns +
                                  " FROM audit WHERE subject = $1 OR actor = $1 ORDER BY id DESC LIMIT $2",
                              subject, limit),
                readAudit);
        });
    }

    Result<AuditVerification> verifyAudit() override {
        return run("verify audit", [&](pqxx::work& w) -> Result<AuditVerification> { return detail::pgVerifyAudit(w); });
    }

private:
    Result<std::optional<AlertView>> alertRow(pqxx::work& w, int64_t eventId) {
        const pqxx::result r =
            w.exec_params(std::string(kAlertSelect) + "WHERE e.id = $1 AND e.kind = 'alert'", eventId);
        if (r.empty()) return std::optional<AlertView>();
        return std::optional<AlertView>(readAlert(r[0]));
    }

    // An officer update (returning the rows changed) that also ends their sessions.
    template <typename F>
    Status updateOfficer(const char* what, const std::string& name, F update) {
        KIOSK_TRY(detail::checkText("name", name, false));
        return run(what, [&](pqxx::work& w) -> Status {
            if (update(w) == 0) return core::makeError("repo.not_found", "no such officer");
            w.exec_params("DELETE FROM console_sessions WHERE officer = $1", name);
            return {};
        });
    }

    // One transaction on a pooled connection. A dead pooled connection gets one retry on a
    // fresh one; deadlocks and serialisation failures a few; connection loss is
    // repo.unavailable, data errors repo.invalid, the rest repo.sql (the engine's first line).
    template <typename F>
    auto run(const char* what, F&& f) -> decltype(f(std::declval<pqxx::work&>())) {
        using R = decltype(f(std::declval<pqxx::work&>()));
        for (int attempt = 0;; ++attempt) {
            std::unique_ptr<pqxx::connection> c;
            {
                std::lock_guard<std::mutex> lock(mu_);
                if (!idle_.empty()) {
                    c = std::move(idle_.back());
                    idle_.pop_back();
                }
            }
            const bool reused = c != nullptr;
            try {
                if (!c) c = std::make_unique<pqxx::connection>(conninfo_);
                std::optional<R> out;
                {
                    pqxx::work w(*c);
                    out.emplace(f(w));
                    if (out->ok()) w.commit();
                }
                std::lock_guard<std::mutex> lock(mu_);
                if (idle_.size() < 8) idle_.push_back(std::move(c));
                return std::move(*out);
            } catch (const pqxx::in_doubt_error& e) {
                return unavailable(what, e);
            } catch (const pqxx::broken_connection& e) {
                if (reused && attempt == 0) continue;
                return unavailable(what, e);
            } catch (const pqxx::transaction_rollback& e) {
                if (attempt < 8) {
                    thread_local std::minstd_rand rng(std::random_device{}());
                    std::this_thread::sleep_for(std::chrono::milliseconds(1 + rng() % (5 * (attempt + 1))));
                    continue;
                }
                return core::makeError("repo.unavailable", std::string(what) + ": gave up: " + firstLine(e));
            } catch (const pqxx::sql_error& e) {
                const std::string& st = e.sqlstate();
                if (st.rfind("08", 0) == 0 || st == "57P01" || st == "57P02" || st == "57P03") {
                    if (reused && attempt == 0) continue;
                    return unavailable(what, e);
                }
                return core::makeError(st.rfind("22", 0) == 0 ? "repo.invalid" : "repo.sql",
                                       std::string(what) + ": " + firstLine(e));
            } catch (const std::exception& e) {
                return core::makeError("repo.sql", std::string(what) + ": " + firstLine(e));
            }
        }
    }

    static core::Error unavailable(const char* what, const std::exception& e) {
        core::logWarn("repo.unavailable", {{"backend", "postgresql"}, {"call", what}, {"error", firstLine(e)}});
        return core::makeError("repo.unavailable", std::string(what) + ": database unavailable: " + firstLine(e));
    }

    const std::string conninfo_;
    std::mutex mu_;
    std::vector<std::unique_ptr<pqxx::connection>> idle_;
};

}  // namespace

core::Result<std::unique_ptr<ConsoleRepository>> openPostgresConsoleRepository(const std::string& url) {
    auto repo = std::make_unique<PostgresConsoleRepository>(url);
    KIOSK_TRY(repo->checkSchema());
    return std::unique_ptr<ConsoleRepository>(std::move(repo));
}

}  // namespace kiosk::server
