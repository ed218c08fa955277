#include "server/sqlite_repository.h"

#include <fcntl.h>
#include <unistd.h>

#include <mutex>

#include "core/log.h"
#include "server/repo_audit_chain.h"
#include "server/repo_common.h"
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

constexpr const char* kEnrolmentColumns =
    "cursor, reference, document_hash, document_masked, residency, date_of_birth, document_expiry, channel, "
    "enrolled_at, active, biometrics, source_device, received_at";
constexpr const char* kCommandColumns =
    "id, device_id, kind, args, issued_by, issued_at, state, delivered_at, detail, completed_at";
constexpr const char* kEventColumns = "id, device_id, stream, seq, kind, device_time, received_at, payload";

EnrolmentRecord readEnrolment(const SqliteStatement& st) {
    EnrolmentRecord r;
    r.cursor = st.colInt(0);
    r.reference = st.colText(1);
    r.documentHash = st.colText(2);
    r.documentMasked = st.colText(3);
    r.residency = st.colText(4);
    r.dateOfBirth = st.colText(5);
    r.documentExpiry = st.colText(6);
    r.channel = st.colText(7);
    r.enrolledAt = st.colInt(8);
    r.active = st.colInt(9) != 0;
    r.biometrics = st.colText(10);
    r.sourceDevice = st.colText(11);
    r.receivedAt = st.colInt(12);
    return r;
}

LaneCommand readCommand(const SqliteStatement& st) {
    LaneCommand c;
    c.id = st.colInt(0);
    c.deviceId = st.colText(1);
    c.kind = st.colText(2);
    c.args = st.colText(3);
    c.issuedBy = st.colText(4);
    c.issuedAt = st.colInt(5);
    c.state = parseCommandState(st.colText(6)).value_or(CommandState::Pending);
    c.deliveredAt = st.colInt(7);
    c.detail = st.colText(8);
    c.completedAt = st.colInt(9);
    return c;
}



class SqliteRepository final : public Repository {
public:
    explicit SqliteRepository(std::unique_ptr<SqliteDb> db) : db_(std::move(db)) {}

    Status migrate();

    std::string backend() const override { return "sqlite"; }
    int schemaVersion() const override { return version_; }

    Result<std::vector<AppendOutcome>> appendEvents(const std::vector<DeviceEvent>& events) override;
    Result<std::vector<DeviceEvent>> events(const EventQuery& q) override;
    Result<int64_t> countEvents(const std::string& deviceId, const std::string& kind) override;
    Status touchDevice(const std::string& deviceId, const std::string& role, int64_t now) override;
    Result<std::vector<DeviceInfo>> devices() override;
    Result<PutEnrolmentResult> putEnrolment(const EnrolmentRecord& rec, const std::string& stream, int64_t seq,
                                            const std::string& actor) override;
    Result<std::vector<EnrolmentRecord>> enrolmentsSince(int64_t cursor, int limit) override;
    Result<std::optional<EnrolmentRecord>> enrolmentByReference(const std::string& reference) override;
    Result<int64_t> latestEnrolmentCursor() override;
    Result<WatchlistChange> changeWatchlist(const std::string& documentHash, bool add, int64_t time,
                                            const std::string& actor) override;
    Result<std::vector<WatchlistChange>> watchlistSince(int64_t cursor, int limit) override;
    Result<int64_t> putBlob(const std::string& kind, const std::string& data, int64_t time,
                            const std::string& actor) override;
    Result<std::optional<VersionedBlob>> latestBlob(const std::string& kind) override;
    Result<LaneCommand> enqueueCommand(const LaneCommand& c) override;
    Result<std::vector<LaneCommand>> takeCommands(const std::string& deviceId, int64_t now) override;
    Result<std::vector<std::string>> devicesWithPendingCommands() override;
    Result<LaneCommand> completeCommand(int64_t id, const std::string& deviceId, CommandState result,
                                        const std::string& detail, int64_t now) override;
    Result<std::optional<LaneCommand>> command(int64_t id) override;
    Result<int64_t> appendAudit(int64_t time, const std::string& actor, const std::string& action,
                                const std::string& detail) override;
    Result<std::vector<AuditRow>> audit(int64_t afterId, int limit) override;
    Result<PurgeCounts> purgeOlderThan(int64_t cutoff) override;
    Result<RepositoryCounts> counts() override;

private:
    using Tx = detail::SqliteTx;

    // One transaction under the mutex (repo_sqlite_rows.h).
    template <typename F>
    auto transaction(Tx kind, F&& f) -> decltype(f()) {
        std::lock_guard<std::mutex> lock(mu_);
        return detail::sqliteTransaction(*db_, kind, std::forward<F>(f));
    }

    Result<int> readVersion();
    Result<int64_t> nextCursor(const char* counter);
    Result<int64_t> scalar(const std::string& sql);
    Result<std::optional<EnrolmentRecord>> enrolmentWhere(const std::string& where, const std::string& a,
                                                          const std::string& b = "", int64_t c = 0);
    // A row of the audit hash chain (repo_audit_chain.h); `subject`: the lane it is about.
    Result<int64_t> insertAudit(int64_t time, const std::string& actor, const std::string& action,
                                const std::string& detail, const std::string& subject = "");

    std::mutex mu_;
    std::unique_ptr<SqliteDb> db_;
    int version_ = 0;
};

Result<int64_t> SqliteRepository::scalar(const std::string& sql) {
    KIOSK_ASSIGN_OR_RETURN(SqliteStatement st, db_->prepare(sql));
    KIOSK_ASSIGN_OR_RETURN(bool row, st.step());
    return row ? st.colInt(0) : int64_t{0};
}

Result<int> SqliteRepository::readVersion() {
    KIOSK_ASSIGN_OR_RETURN(int64_t hasMeta,
                           scalar("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'meta'"));
    if (hasMeta == 0) return 0;
    KIOSK_ASSIGN_OR_RETURN(SqliteStatement st, db_->prepare("SELECT value FROM meta WHERE key = ?"));
    st.bind(1, std::string(detail::kSchemaVersionKey));
    KIOSK_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) return 0;
    const std::string text = st.colText(0);
    try {
        return std::stoi(text);
    } catch (const std::exception&) {
        return core::makeError("repo.open_failed", "meta.schema_version is not a number");
    }
}

Status SqliteRepository::migrate() {
    const auto& steps = detail::sqliteMigrations();
    const int latest = detail::latestSchemaVersion();
    auto newer = [&](int v) {
        return core::makeError("repo.newer_schema", "database schema version " + std::to_string(v) +
                                                        " is newer than this server supports (" +
                                                        std::to_string(latest) + "); upgrade the server");
    };
    int v = 0;
    {
        std::lock_guard<std::mutex> lock(mu_);
        KIOSK_ASSIGN_OR_RETURN(v, readVersion());
    }
    if (v > latest) return newer(v);
    while (v < latest) {
        Status st = transaction(Tx::Write, [&]() -> Status {
            // Re-read under the write lock: another process may have migrated meanwhile.
            KIOSK_ASSIGN_OR_RETURN(int now, readVersion());
            if (now != v) return {};
            Status e = db_->exec(steps[static_cast<std::size_t>(v)]);
            if (!e.ok())
                return core::makeError("repo.migration_failed",
                                       "migration to version " + std::to_string(v + 1) + ": " + e.error().message);
            KIOSK_ASSIGN_OR_RETURN(SqliteStatement up,
                                   db_->prepare("INSERT INTO meta(key, value) VALUES(?, ?) "
                                                "ON CONFLICT(key) DO UPDATE SET value = excluded.value"));
            up.bind(1, std::string(detail::kSchemaVersionKey)).bind(2, std::to_string(v + 1));
            return up.run();
        });
        KIOSK_TRY(st);
        core::logInfo("repo.migrated", {{"backend", "sqlite"}, {"schema", v + 1}});
        std::lock_guard<std::mutex> lock(mu_);
        KIOSK_ASSIGN_OR_RETURN(v, readVersion());
        if (v > latest) return newer(v);
    }
    version_ = v;
    return {};
}

Result<int64_t> SqliteRepository::nextCursor(const char* counter) {
    KIOSK_ASSIGN_OR_RETURN(SqliteStatement st,
                           db_->prepare("UPDATE counters SET value = value + 1 WHERE name = ? RETURNING value"));
    st.bind(1, std::string(counter));
    KIOSK_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) return core::makeError("repo.sql", std::string("counter missing: ") + counter);
    return st.colInt(0);
}

Result<int64_t> SqliteRepository::insertAudit(int64_t time, const std::string& actor, const std::string& action,
                                              const std::string& detail, const std::string& subject) {
    return detail::sqliteAppendAudit(*db_, time, actor, action, detail, subject);
}

// --- Events ---------------------------------------------------------------------------

Result<std::vector<AppendOutcome>> SqliteRepository::appendEvents(const std::vector<DeviceEvent>& events) {
    KIOSK_TRY(detail::checkEvents(events));
    return transaction(Tx::Write, [&]() -> Result<std::vector<AppendOutcome>> {
        KIOSK_ASSIGN_OR_RETURN(
            SqliteStatement ins,
            db_->prepare("INSERT INTO events(device_id, stream, seq, kind, device_time, received_at, payload) "
                         "VALUES(?, ?, ?, ?, ?, ?, ?) ON CONFLICT(device_id, stream, seq) DO NOTHING"));
        std::vector<AppendOutcome> out;
        out.reserve(events.size());
        for (const auto& e : events) {
            ins.bind(1, e.deviceId).bind(2, e.stream).bind(3, e.seq).bind(4, e.kind);
            ins.bind(5, e.deviceTime).bind(6, e.receivedAt).bind(7, e.payload);
            KIOSK_TRY(ins.run());
            out.push_back(db_->changes() == 1 ? AppendOutcome::Stored : AppendOutcome::Duplicate);
        }
        KIOSK_ASSIGN_OR_RETURN(
            SqliteStatement hb,
            db_->prepare("INSERT INTO devices(device_id, role, first_seen, last_seen, last_heartbeat, "
                         "last_heartbeat_at) VALUES(?1, '', ?2, ?2, ?3, ?2) ON CONFLICT(device_id) DO UPDATE SET "
                         "last_heartbeat = excluded.last_heartbeat, last_heartbeat_at = excluded.last_heartbeat_at, "
                         "last_seen = max(devices.last_seen, excluded.last_seen) "
                         "WHERE excluded.last_heartbeat_at >= devices.last_heartbeat_at"));
        for (const DeviceEvent* e : detail::newestHeartbeats(events, out)) {
            hb.bind(1, e->deviceId).bind(2, e->receivedAt).bind(3, e->payload);
            KIOSK_TRY(hb.run());
        }
        return out;
    });
}

Result<std::vector<DeviceEvent>> SqliteRepository::events(const EventQuery& q) {
    KIOSK_TRY(detail::checkLimit(q.limit));
    // Fixed SQL fragments chosen by which filters are set; the values are bound.
    std::string sql = std::string("SELECT ") + kEventColumns +
                      " FROM events WHERE id > ?1 AND received_at >= ?2 AND received_at <= ?3";
    if (!q.deviceId.empty()) sql += " AND device_id = ?4";
    if (!q.kind.empty()) sql += " AND kind = ?5";
    sql += " ORDER BY id LIMIT ?6";
    return transaction(Tx::Read, [&]() -> Result<std::vector<DeviceEvent>> {
        KIOSK_ASSIGN_OR_RETURN(SqliteStatement st, db_->prepare(sql));
        st.bind(1, q.afterId).bind(2, q.fromReceived).bind(3, q.toReceived);
        if (!q.deviceId.empty()) st.bind(4, q.deviceId);
        if (!q.kind.empty()) st.bind(5, q.kind);
        st.bind(6, static_cast<int64_t>(q.limit));
        return collectRows(st, [](const SqliteStatement& s) { return detail::readEventRow(s); });
    });
}

Result<int64_t> SqliteRepository::countEvents(const std::string& deviceId, const std::string& kind) {
    std::string sql = "SELECT count(*) FROM events WHERE 1 = 1";
    if (!deviceId.empty()) sql += " AND device_id = ?1";
    if (!kind.empty()) sql += " AND kind = ?2";
    return transaction(Tx::Read, [&]() -> Result<int64_t> {
        KIOSK_ASSIGN_OR_RETURN(SqliteStatement st, db_->prepare(sql));
        if (!deviceId.empty()) st.bind(1, deviceId);
        if (!kind.empty()) st.bind(2, kind);
        KIOSK_ASSIGN_OR_RETURN(bool row, st.step());
        return row ? st.colInt(0) : int64_t{0};
    });
}

// --- Devices --------------------------------------------------------------------------

Status SqliteRepository::touchDevice(const std::string& deviceId, const std::string& role, int64_t now) {
    KIOSK_TRY(detail::checkText("device_id", deviceId, true));
    KIOSK_TRY(detail::checkText("role", role, false));
    return transaction(Tx::Write, [&]() -> Status {
        KIOSK_ASSIGN_OR_RETURN(
            SqliteStatement st,
            db_->prepare("INSERT INTO devices(device_id, role, first_seen, last_seen) VALUES(?1, ?2, ?3, ?3) "
                         "ON CONFLICT(device_id) DO UPDATE SET last_seen = max(devices.last_seen, excluded.last_seen), "
                         "role = CASE WHEN devices.role = '' THEN excluded.role ELSE devices.role END"));
        st.bind(1, deviceId).bind(2, role).bind(3, now);
        return st.run();
    });
}

Result<std::vector<DeviceInfo>> SqliteRepository::devices() {
    return transaction(Tx::Read, [&]() -> Result<std::vector<DeviceInfo>> {
        KIOSK_ASSIGN_OR_RETURN(SqliteStatement st,
                               db_->prepare("SELECT device_id, role, first_seen, last_seen, last_heartbeat, "
                                            "last_heartbeat_at FROM devices ORDER BY device_id"));
        return collectRows(st, [](const SqliteStatement& s) {
            return DeviceInfo{s.colText(0), s.colText(1), s.colInt(2), s.colInt(3), s.colText(4), s.colInt(5)};
        });
    });
}

// --- Enrolments -------------------------------------------------------------------------

Result<std::optional<EnrolmentRecord>> SqliteRepository::enrolmentWhere(const std::string& where,
                                                                        const std::string& a,
                                                                        const std::string& b, int64_t c) {
    KIOSK_ASSIGN_OR_RETURN(SqliteStatement st,
                           db_->prepare(std::string("SELECT ") + kEnrolmentColumns + " FROM enrolments WHERE " + where));
    st.bind(1, a);
    if (where.find("?2") != std::string::npos) st.bind(2, b);
    if (where.find("?3") != std::string::npos) st.bind(3, c);
    KIOSK_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) return std::optional<EnrolmentRecord>();
    return std::optional<EnrolmentRecord>(readEnrolment(st));
}

Result<PutEnrolmentResult> SqliteRepository::putEnrolment(const EnrolmentRecord& rec, const std::string& stream,
                                                          int64_t seq, const std::string& actor) {
    KIOSK_TRY(detail::checkEnrolment(rec, stream, seq, actor));
    return transaction(Tx::Write, [&]() -> Result<PutEnrolmentResult> {
        PutEnrolmentResult out;
        if (seq > 0) {
            KIOSK_ASSIGN_OR_RETURN(
                auto bySource,
                enrolmentWhere("source_device = ?1 AND source_stream = ?2 AND source_seq = ?3 AND source_seq > 0",
                               rec.sourceDevice, stream, seq));
            if (bySource) {
                out.stored = *bySource;
                out.duplicate = true;
                return out;
            }
        }
        KIOSK_ASSIGN_OR_RETURN(auto byReference, enrolmentWhere("reference = ?1", rec.reference));
        if (byReference) {
            out.stored = *byReference;
            out.duplicate = true;
            return out;
        }
        KIOSK_ASSIGN_OR_RETURN(auto earlier, enrolmentWhere("document_hash = ?1 AND active = 1", rec.documentHash));
        if (earlier) {
            KIOSK_ASSIGN_OR_RETURN(int64_t c, nextCursor("enrolment_cursor"));
            KIOSK_ASSIGN_OR_RETURN(SqliteStatement up,
                                   db_->prepare("UPDATE enrolments SET active = 0, deactivated_at = ?, cursor = ? "
                                                "WHERE reference = ?"));
            up.bind(1, rec.receivedAt).bind(2, c).bind(3, earlier->reference);
            KIOSK_TRY(up.run());
            KIOSK_TRY(insertAudit(rec.receivedAt, actor, "enrolment.replace",
                                  detail::replaceAuditDetail(earlier->reference, rec.reference)));
            out.replacedReference = earlier->reference;
        }
        KIOSK_ASSIGN_OR_RETURN(int64_t cursor, nextCursor("enrolment_cursor"));
        KIOSK_ASSIGN_OR_RETURN(
            SqliteStatement ins,
            db_->prepare("INSERT INTO enrolments(cursor, reference, document_hash, document_masked, residency, "
                         "date_of_birth, document_expiry, channel, enrolled_at, active, biometrics, source_device, "
                         "source_stream, source_seq, received_at) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?)"));
        ins.bind(1, cursor).bind(2, rec.reference).bind(3, rec.documentHash).bind(4, rec.documentMasked);
        ins.bind(5, rec.residency).bind(6, rec.dateOfBirth).bind(7, rec.documentExpiry).bind(8, rec.channel);
        ins.bind(9, rec.enrolledAt).bind(10, rec.biometrics).bind(11, rec.sourceDevice).bind(12, stream);
        ins.bind(13, seq).bind(14, rec.receivedAt);
        KIOSK_TRY(ins.run());
        out.stored = rec;
        out.stored.cursor = cursor;
        out.stored.active = true;
        return out;
    });
}

Result<std::vector<EnrolmentRecord>> SqliteRepository::enrolmentsSince(int64_t cursor, int limit) {
    KIOSK_TRY(detail::checkLimit(limit));
    return transaction(Tx::Read, [&]() -> Result<std::vector<EnrolmentRecord>> {
        KIOSK_ASSIGN_OR_RETURN(SqliteStatement st, db_->prepare(std::string("SELECT ") + kEnrolmentColumns +
                                                                " FROM enrolments WHERE cursor > ? "
                                                                "ORDER BY cursor LIMIT ?"));
        st.bind(1, cursor).bind(2, static_cast<int64_t>(limit));
        return collectRows(st, [](const SqliteStatement& s) { return readEnrolment(s); });
    });
}

Result<std::optional<EnrolmentRecord>> SqliteRepository::enrolmentByReference(const std::string& reference) {
    return transaction(Tx::Read, [&]() { return enrolmentWhere("reference = ?1", reference); });
}

Result<int64_t> SqliteRepository::latestEnrolmentCursor() {
    return transaction(Tx::Read, [&]() { return scalar("SELECT coalesce(max(cursor), 0) FROM enrolments"); });
}

// --- Watchlist ----------------------------------------------------------------------------

Result<WatchlistChange> SqliteRepository::changeWatchlist(const std::string& documentHash, bool add, int64_t time,
                                                          const std::string& actor) {
    KIOSK_TRY(detail::checkText("document_hash", documentHash, true));
    KIOSK_TRY(detail::checkText("actor", actor, false));
    return transaction(Tx::Write, [&]() -> Result<WatchlistChange> {
        KIOSK_ASSIGN_OR_RETURN(int64_t cursor, nextCursor("watchlist_cursor"));
        KIOSK_ASSIGN_OR_RETURN(SqliteStatement st,
                               db_->prepare("INSERT INTO watchlist_changes(cursor, document_hash, added, time, actor) "
                                            "VALUES(?, ?, ?, ?, ?)"));
        st.bind(1, cursor).bind(2, documentHash).bind(3, int64_t{add ? 1 : 0}).bind(4, time).bind(5, actor);
        KIOSK_TRY(st.run());
        return WatchlistChange{cursor, documentHash, add, time, actor};
    });
}

Result<std::vector<WatchlistChange>> SqliteRepository::watchlistSince(int64_t cursor, int limit) {
    KIOSK_TRY(detail::checkLimit(limit));
    return transaction(Tx::Read, [&]() -> Result<std::vector<WatchlistChange>> {
        KIOSK_ASSIGN_OR_RETURN(SqliteStatement st,
                               db_->prepare("SELECT cursor, document_hash, added, time, actor FROM watchlist_changes "
                                            "WHERE cursor > ? ORDER BY cursor LIMIT ?"));
        st.bind(1, cursor).bind(2, static_cast<int64_t>(limit));
        return collectRows(st, [](const SqliteStatement& s) {
            return WatchlistChange{s.colInt(0), s.colText(1), s.colInt(2) != 0, s.colInt(3), s.colText(4)};
        });
    });
}

// --- Blobs ----------------------------------------------------------------------------------

Result<int64_t> SqliteRepository::putBlob(const std::string& kind, const std::string& data, int64_t time,
                                          const std::string& actor) {
    KIOSK_TRY(detail::checkBlobKind(kind));
    KIOSK_TRY(detail::checkText("data", data, false));
    KIOSK_TRY(detail::checkText("actor", actor, false));
    return transaction(Tx::Write, [&]() -> Result<int64_t> {
        KIOSK_ASSIGN_OR_RETURN(
            SqliteStatement st,
            db_->prepare("INSERT INTO blobs(kind, version, data, uploaded_at, actor) "
                         "SELECT ?1, coalesce(max(version), 0) + 1, ?2, ?3, ?4 FROM blobs WHERE kind = ?1 "
                         "RETURNING version"));
        st.bind(1, kind).bind(2, data).bind(3, time).bind(4, actor);
        KIOSK_ASSIGN_OR_RETURN(bool row, st.step());
        if (!row) return core::makeError("repo.sql", "blob insert returned no version");
        const int64_t version = st.colInt(0);
        KIOSK_TRY(st.run());
        return version;
    });
}

Result<std::optional<VersionedBlob>> SqliteRepository::latestBlob(const std::string& kind) {
    KIOSK_TRY(detail::checkBlobKind(kind));
    return transaction(Tx::Read, [&]() -> Result<std::optional<VersionedBlob>> {
        KIOSK_ASSIGN_OR_RETURN(SqliteStatement st,
                               db_->prepare("SELECT version, data, uploaded_at, actor FROM blobs WHERE kind = ? "
                                            "ORDER BY version DESC LIMIT 1"));
        st.bind(1, kind);
        KIOSK_ASSIGN_OR_RETURN(bool row, st.step());
        if (!row) return std::optional<VersionedBlob>();
        return std::optional<VersionedBlob>(VersionedBlob{st.colInt(0), st.colText(1), st.colInt(2), st.colText(3)});
    });
}

// --- Commands -------------------------------------------------------------------------------

Result<LaneCommand> SqliteRepository::enqueueCommand(const LaneCommand& c) {
    KIOSK_TRY(detail::checkCommand(c));
    return transaction(Tx::Write, [&]() -> Result<LaneCommand> {
        KIOSK_ASSIGN_OR_RETURN(SqliteStatement st,
                               db_->prepare("INSERT INTO commands(device_id, kind, args, issued_by, issued_at, state) "
                                            "VALUES(?, ?, ?, ?, ?, 'pending')"));
        st.bind(1, c.deviceId).bind(2, c.kind).bind(3, c.args).bind(4, c.issuedBy).bind(5, c.issuedAt);
        KIOSK_TRY(st.run());
        LaneCommand out = c;
        out.id = db_->lastInsertRowId();
        out.state = CommandState::Pending;
        out.deliveredAt = 0;
        out.completedAt = 0;
        out.detail.clear();
        KIOSK_TRY(insertAudit(c.issuedAt, c.issuedBy, "command.issue", detail::issueAuditDetail(out.id, out),
                              c.deviceId));
        return out;
    });
}

Result<std::vector<LaneCommand>> SqliteRepository::takeCommands(const std::string& deviceId, int64_t now) {
    return transaction(Tx::Write, [&]() -> Result<std::vector<LaneCommand>> {
        KIOSK_ASSIGN_OR_RETURN(SqliteStatement up,
                               db_->prepare("UPDATE commands SET state = 'delivered', delivered_at = ? "
                                            "WHERE device_id = ? AND state = 'pending'"));
        up.bind(1, now).bind(2, deviceId);
        KIOSK_TRY(up.run());
        KIOSK_ASSIGN_OR_RETURN(SqliteStatement st,
                               db_->prepare(std::string("SELECT ") + kCommandColumns +
                                            " FROM commands WHERE device_id = ? AND state = 'delivered' ORDER BY id"));
        st.bind(1, deviceId);
        return collectRows(st, [](const SqliteStatement& s) { return readCommand(s); });
    });
}

Result<std::vector<std::string>> SqliteRepository::devicesWithPendingCommands() {
    return transaction(Tx::Read, [&]() -> Result<std::vector<std::string>> {
        KIOSK_ASSIGN_OR_RETURN(SqliteStatement st,
                               db_->prepare("SELECT DISTINCT device_id FROM commands WHERE state = 'pending' "
                                            "ORDER BY device_id"));
        return collectRows(st, [](const SqliteStatement& s) { return s.colText(0); });
    });
}

Result<LaneCommand> SqliteRepository::completeCommand(int64_t id, const std::string& deviceId, CommandState result,
                                                      const std::string& detailText, int64_t now) {
    KIOSK_TRY(detail::checkCommandResult(result));
    KIOSK_TRY(detail::checkText("detail", detailText, false));
    return transaction(Tx::Write, [&]() -> Result<LaneCommand> {
        KIOSK_ASSIGN_OR_RETURN(SqliteStatement st,
                               db_->prepare(std::string("SELECT ") + kCommandColumns + " FROM commands WHERE id = ?"));
        st.bind(1, id);
        KIOSK_ASSIGN_OR_RETURN(bool row, st.step());
        if (!row) return core::makeError("repo.not_found", "no command " + std::to_string(id));
        LaneCommand c = readCommand(st);
        if (c.deviceId != deviceId)
            return core::makeError("repo.conflict", "command " + std::to_string(id) + " belongs to another device");
        if (c.state == result) return c;  // the same answer again
        if (c.state != CommandState::Pending && c.state != CommandState::Delivered)
            return core::makeError("repo.conflict", "command " + std::to_string(id) + " was already answered " +
                                                        toString(c.state));
        KIOSK_ASSIGN_OR_RETURN(SqliteStatement up,
                               db_->prepare("UPDATE commands SET state = ?, detail = ?, completed_at = ? WHERE id = ?"));
        up.bind(1, std::string(toString(result))).bind(2, detailText).bind(3, now).bind(4, id);
        KIOSK_TRY(up.run());
        KIOSK_TRY(insertAudit(now, deviceId, "command.result", detail::resultAuditDetail(id, result)));
        c.state = result;
        c.detail = detailText;
        c.completedAt = now;
        return c;
    });
}

Result<std::optional<LaneCommand>> SqliteRepository::command(int64_t id) {
    return transaction(Tx::Read, [&]() -> Result<std::optional<LaneCommand>> {
        KIOSK_ASSIGN_OR_RETURN(SqliteStatement st,
                               db_->prepare(std::string("SELECT ") + kCommandColumns + " FROM commands WHERE id = ?"));
        st.bind(1, id);
        KIOSK_ASSIGN_OR_RETURN(bool row, st.step());
        if (!row) return std::optional<LaneCommand>();
        return std::optional<LaneCommand>(readCommand(st));
    });
}

// --- Audit, retention -------------------------------------------------------------------------

Result<int64_t> SqliteRepository::appendAudit(int64_t time, const std::string& actor, const std::string& action,
                                              const std::string& detailText) {
    KIOSK_TRY(detail::checkText("actor", actor, false));
    KIOSK_TRY(detail::checkText("action", action, true));
    KIOSK_TRY(detail::checkText("detail", detailText, false));
    return transaction(Tx::Write, [&]() -> Result<int64_t> {
        return insertAudit(time, actor, action, detailText);
    });
}

Result<std::vector<AuditRow>> SqliteRepository::audit(int64_t afterId, int limit) {
    KIOSK_TRY(detail::checkLimit(limit));
    return transaction(Tx::Read, [&]() -> Result<std::vector<AuditRow>> {
        KIOSK_ASSIGN_OR_RETURN(SqliteStatement st,
                               db_->prepare("SELECT id, time, actor, action, detail FROM audit WHERE id > ? "
                                            "ORDER BY id LIMIT ?"));
        st.bind(1, afterId).bind(2, static_cast<int64_t>(limit));
        return collectRows(st, [](const SqliteStatement& s) {
            return AuditRow{s.colInt(0), s.colInt(1), s.colText(2), s.colText(3), s.colText(4)};
        });
    });
}

Result<PurgeCounts> SqliteRepository::purgeOlderThan(int64_t cutoff) {
    return transaction(Tx::Write, [&]() -> Result<PurgeCounts> {
        auto del = [&](const char* sql) -> Result<int64_t> {
            KIOSK_ASSIGN_OR_RETURN(SqliteStatement st, db_->prepare(sql));
            st.bind(1, cutoff);
            KIOSK_TRY(st.run());
            return db_->changes();
        };
        PurgeCounts n;
        KIOSK_ASSIGN_OR_RETURN(n.events, del("DELETE FROM events WHERE received_at < ?1"));
        KIOSK_ASSIGN_OR_RETURN(n.commands, del("DELETE FROM commands WHERE completed_at > 0 AND completed_at < ?1 "
                                               "AND state IN ('applied', 'refused', 'failed', 'expired')"));
        // Only a prefix of the chain goes, so what stays still verifies from the anchor.
        KIOSK_ASSIGN_OR_RETURN(n.audit, detail::sqlitePurgeAudit(*db_, cutoff));
        KIOSK_TRY(db_->exec("DELETE FROM alert_acks WHERE NOT EXISTS "
                            "(SELECT 1 FROM events e WHERE e.id = alert_acks.event_id)"));
        KIOSK_ASSIGN_OR_RETURN(n.inactiveEnrolments,
                               del("DELETE FROM enrolments WHERE active = 0 AND deactivated_at < ?1"));
        // A change is kept while it is the newest for its document and adds it: that is
        // the list a lane starting from cursor 0 must still receive.
        KIOSK_ASSIGN_OR_RETURN(n.watchlistChanges,
                               del("DELETE FROM watchlist_changes WHERE time < ?1 AND (added = 0 OR EXISTS ("
                                   "SELECT 1 FROM watchlist_changes later WHERE later.document_hash = "
                                   "watchlist_changes.document_hash AND later.cursor > watchlist_changes.cursor))"));
        return n;
    });
}

Result<RepositoryCounts> SqliteRepository::counts() {
    return transaction(Tx::Read, [&]() -> Result<RepositoryCounts> {
        KIOSK_ASSIGN_OR_RETURN(SqliteStatement st,
                               db_->prepare("SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM enrolments), "
                                            "(SELECT count(*) FROM enrolments WHERE active = 1), "
                                            "(SELECT count(*) FROM commands), (SELECT count(*) FROM audit), "
                                            "(SELECT count(*) FROM devices)"));
        KIOSK_ASSIGN_OR_RETURN(bool row, st.step());
        if (!row) return core::makeError("repo.sql", "counts returned no row");
        return RepositoryCounts{st.colInt(0), st.colInt(1), st.colInt(2), st.colInt(3), st.colInt(4), st.colInt(5)};
    });
}

}  // namespace

core::Result<std::unique_ptr<Repository>> openSqliteRepository(const std::string& path, const SqliteOptions& options) {
    // The file holds hashes and sealed templates: owner only. Creating it empty before
    // SQLite does gives the -wal and -shm files the same mode.
    const bool inMemory = path == ":memory:";  // tests and tools: no file, no WAL
    if (!inMemory) {
        const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd >= 0) ::close(fd);
    }
    KIOSK_ASSIGN_OR_RETURN(auto db, SqliteDb::open(path));
    db->setBusyTimeout(options.busyTimeoutMs);
    auto opened = [](core::Error e) {
        if (e.code != "repo.unavailable") e.code = "repo.open_failed";
        return e;
    };
    {
        // The first read of the header tells a file that is not a database apart.
        auto st = db->prepare("PRAGMA journal_mode = WAL");
        if (!st.ok()) return opened(st.error());
        auto row = st->step();
        if (!row.ok()) return opened(row.error());
        if (!*row || st->colText(0) != (inMemory ? "memory" : "wal"))
            return core::makeError("repo.open_failed", "cannot switch the database to WAL mode");
    }
    if (Status s = db->exec("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;"); !s.ok()) return opened(s.error());
    auto repo = std::make_unique<SqliteRepository>(std::move(db));
    KIOSK_TRY(repo->migrate());
    return std::unique_ptr<Repository>(std::move(repo));
}

core::Result<std::unique_ptr<Repository>> openSqliteRepository(const std::string& path) {
    return openSqliteRepository(path, SqliteOptions{});
}

}  // namespace kiosk::server
