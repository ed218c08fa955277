#include "server/postgres_repository.h"

#include <pqxx/pqxx>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <random>
#include <thread>

#include "core/log.h"
#include "server/repo_audit_chain_pg.h"
#include "server/repo_common.h"
#include "server/repo_migrations.h"

namespace kiosk::server {

namespace {

using core::Result;
using core::Status;

// pg_advisory_lock key serialising schema migrations of processes starting together.
constexpr int64_t kMigrationLockKey = 0x6b696f736b6d6967;  // "kioskmig"
constexpr int kMaxRollbackRetries = 8;
// The two-key advisory locks are a key space of their own (the one-key locks above do not
// meet them); this first key names the events' per-device locks.
constexpr int32_t kEventLockSpace = 0x6b657674;  // "kevt"

// FNV-1a: two devices that share a key only queue behind each other.
int32_t deviceLockKey(const std::string& deviceId) {
    uint32_t h = 2166136261u;
    for (unsigned char ch : deviceId) h = (h ^ ch) * 16777619u;
    return static_cast<int32_t>(h);
}

constexpr const char* kEnrolmentColumns =
    "cursor, reference, document_hash, document_masked, residency, date_of_birth, document_expiry, channel, "
    "enrolled_at, active, biometrics, source_device, received_at";
constexpr const char* kCommandColumns =
    "id, device_id, kind, args, issued_by, issued_at, state, delivered_at, detail, completed_at";

// One pooled connection; the quiet handler keeps libpqxx's notices (e.g. a failed abort
// on a dead connection) off stderr. Declared after the connection: destroyed first.
struct PgConnection {
    std::unique_ptr<pqxx::connection> conn;
    std::unique_ptr<pqxx::quiet_errorhandler> quiet;
};

std::unique_ptr<PgConnection> connect(const std::string& conninfo) {
    auto c = std::make_unique<PgConnection>();
    c->conn = std::make_unique<pqxx::connection>(conninfo);
    c->quiet = std::make_unique<pqxx::quiet_errorhandler>(*c->conn);
    return c;
}

// The engine's first line only: later lines (DETAIL) may quote row values. Data
// exceptions quote the offending value in the first line too, so they get no text.
std::string engineText(const std::exception& e) {
    std::string text = e.what();
    if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e)) {
        if (sql->sqlstate().rfind("22", 0) == 0) return "invalid data (SQLSTATE " + sql->sqlstate() + ")";
    }
    const auto nl = text.find('\n');
    if (nl != std::string::npos) text.resize(nl);
    return text;
}

bool isConnectionState(const std::string& sqlstate) {
    return sqlstate.rfind("08", 0) == 0 || sqlstate == "57P01" || sqlstate == "57P02" || sqlstate == "57P03";
}

class ConnectionPool {
public:
    ConnectionPool(std::string conninfo, int size) : conninfo_(std::move(conninfo)), size_(size < 1 ? 1 : size) {}

    // Waits while every connection is lent out; returns an idle connection or nullptr
    // (the caller opens one: connecting happens outside the lock).
    std::unique_ptr<PgConnection> acquire() {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return out_ < size_; });
        ++out_;
        if (idle_.empty()) return nullptr;
        auto c = std::move(idle_.back());
        idle_.pop_back();
        return c;
    }

    // nullptr: the connection broke and was dropped. The idle ones most likely broke with
    // it (the server restarted), so they go too: the next calls connect afresh instead of
    // each finding its own dead connection.
    void release(std::unique_ptr<PgConnection> c) {
        std::vector<std::unique_ptr<PgConnection>> dropped;
        {
            std::lock_guard<std::mutex> lock(mu_);
            --out_;
            if (c)
                idle_.push_back(std::move(c));
            else
                dropped.swap(idle_);
        }
        cv_.notify_one();
    }

    const std::string& conninfo() const { return conninfo_; }

private:
    const std::string conninfo_;
    const int size_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::vector<std::unique_ptr<PgConnection>> idle_;
    int out_ = 0;
};

EnrolmentRecord readEnrolment(const pqxx::row& r) {
    EnrolmentRecord e;
    e.cursor = r[0].as<int64_t>();
    e.reference = r[1].as<std::string>();
    e.documentHash = r[2].as<std::string>();
    e.documentMasked = r[3].as<std::string>();
    e.residency = r[4].as<std::string>();
    e.dateOfBirth = r[5].as<std::string>();
    e.documentExpiry = r[6].as<std::string>();
    e.channel = r[7].as<std::string>();
    e.enrolledAt = r[8].as<int64_t>();
    e.active = r[9].as<bool>();
    e.biometrics = r[10].as<std::string>();
    e.sourceDevice = r[11].as<std::string>();
    e.receivedAt = r[12].as<int64_t>();
    return e;
}

LaneCommand readCommand(const pqxx::row& r) {
    LaneCommand c;
    c.id = r[0].as<int64_t>();
    c.deviceId = r[1].as<std::string>();
    c.kind = r[2].as<std::string>();
    c.args = r[3].as<std::string>();
    c.issuedBy = r[4].as<std::string>();
    c.issuedAt = r[5].as<int64_t>();
    c.state = parseCommandState(r[6].as<std::string>()).value_or(CommandState::Pending);
    c.deliveredAt = r[7].as<int64_t>();
    c.detail = r[8].as<std::string>();
    c.completedAt = r[9].as<int64_t>();
    return c;
}

std::optional<EnrolmentRecord> firstEnrolment(const pqxx::result& r) {
    if (r.empty()) return std::nullopt;
    return readEnrolment(r[0]);
}

// A row of the audit hash chain (repo_audit_chain_pg.h); `subject`: the lane it is about.
int64_t auditRow(pqxx::work& w, int64_t time, const std::string& actor, const std::string& action,
                 const std::string& detail, const std::string& subject = "") {
    return detail::pgAppendAudit(w, time, actor, action, detail, subject);
}

class PostgresRepository final : public Repository {
public:
    PostgresRepository(std::string conninfo, int poolSize, int version)
        : pool_(std::move(conninfo), poolSize), version_(version) {}

    std::string backend() const override { return "postgresql"; }
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
    // Runs f(pqxx::work&) -> Result<T> as one transaction on a pooled connection; commits
    // when f succeeds. Every libpqxx/std exception ends here:
    // - a lost connection drops it (the next call opens a new one): repo.unavailable; a
    //   pooled connection found dead before anything ran (the server restarted while it
    //   was idle) gets one retry on a fresh connection;
    // - lost during COMMIT (outcome unknown): repo.unavailable, the device retries and the
    //   idempotency keys absorb the repeat;
    // - deadlock / serialization failure: the whole transaction again, a few times;
    // - anything else: repo.sql (repo.invalid for bad data) with the engine's first line.
    template <typename F>
    auto run(const char* what, F&& f) -> decltype(f(std::declval<pqxx::work&>())) {
        using R = decltype(f(std::declval<pqxx::work&>()));
        for (int attempt = 0;; ++attempt) {
            std::unique_ptr<PgConnection> c = pool_.acquire();
            const bool reused = c != nullptr;
            try {
                if (!c) c = connect(pool_.conninfo());
                std::optional<R> out;
                {
                    pqxx::work w(*c->conn);
                    out.emplace(f(w));
                    if (out->ok()) w.commit();
                }
                pool_.release(std::move(c));
                return std::move(*out);
            } catch (const pqxx::in_doubt_error& e) {
                pool_.release(nullptr);
                return unavailable(what, e);
            } catch (const pqxx::broken_connection& e) {
                pool_.release(nullptr);
                if (reused && attempt == 0) continue;
                return unavailable(what, e);
            } catch (const pqxx::transaction_rollback& e) {
                pool_.release(std::move(c));
                if (attempt < kMaxRollbackRetries) {
                    backoff(attempt);
                    continue;
                }
                return core::makeError("repo.unavailable", std::string(what) + ": gave up after " +
                                                               std::to_string(attempt + 1) +
                                                               " attempts: " + engineText(e));
            } catch (const pqxx::sql_error& e) {
                if (isConnectionState(e.sqlstate())) {
                    pool_.release(nullptr);
                    if (reused && attempt == 0) continue;
                    return unavailable(what, e);
                }
                pool_.release(std::move(c));
                const bool data = e.sqlstate().rfind("22", 0) == 0;
                return core::makeError(data ? "repo.invalid" : "repo.sql", std::string(what) + ": " + engineText(e));
            } catch (const std::exception& e) {
                pool_.release(nullptr);  // unknown state: do not lend it again
                return core::makeError("repo.sql", std::string(what) + ": " + engineText(e));
            }
        }
    }

    static core::Error unavailable(const char* what, const std::exception& e) {
        core::logWarn("repo.unavailable", {{"backend", "postgresql"}, {"call", what}, {"error", engineText(e)}});
        return core::makeError("repo.unavailable", std::string(what) + ": database unavailable: " + engineText(e));
    }

    static void backoff(int attempt) {
        thread_local std::minstd_rand rng(std::random_device{}());
        std::uniform_int_distribution<int> ms(1, 5 * (attempt + 1));
        std::this_thread::sleep_for(std::chrono::milliseconds(ms(rng)));
    }

    ConnectionPool pool_;
    const int version_;
};

// --- Events ---------------------------------------------------------------------------

Result<std::vector<AppendOutcome>> PostgresRepository::appendEvents(const std::vector<DeviceEvent>& events) {
    KIOSK_TRY(detail::checkEvents(events));
    return run("append events", [&](pqxx::work& w) -> Result<std::vector<AppendOutcome>> {
        // An insert that meets another transaction's uncommitted row with the same key waits
        // for that transaction, so two batches of one device (a retry while the first request
        // still runs) that overlap in another order wait on each other: a deadlock, and the
        // whole batch again (a CI run under TSan gave up after 9 attempts). A transaction
        // lock per device, taken in one order before any insert, makes such batches queue
        // instead. Rows still go in in the batch's order, so ids follow the device's outbox.
        std::vector<int32_t> deviceLocks;
        for (const auto& e : events) deviceLocks.push_back(deviceLockKey(e.deviceId));
        std::sort(deviceLocks.begin(), deviceLocks.end());
        deviceLocks.erase(std::unique(deviceLocks.begin(), deviceLocks.end()), deviceLocks.end());
        for (int32_t key : deviceLocks) w.exec_params("SELECT pg_advisory_xact_lock($1, $2)", kEventLockSpace, key);
        std::vector<AppendOutcome> out;
        out.reserve(events.size());
        for (const auto& e : events) {
            const pqxx::result r = w.exec_params(
                "INSERT INTO events(device_id, stream, seq, kind, device_time, received_at, payload) "
                "VALUES($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (device_id, stream, seq) DO NOTHING RETURNING id",
                e.deviceId, e.stream, e.seq, e.kind, e.deviceTime, e.receivedAt, e.payload);
            out.push_back(r.size() == 1 ? AppendOutcome::Stored : AppendOutcome::Duplicate);
        }
        for (const DeviceEvent* e : detail::newestHeartbeats(events, out)) {
            w.exec_params(
                "INSERT INTO devices(device_id, role, first_seen, last_seen, last_heartbeat, last_heartbeat_at) "
                "VALUES($1, '', $2, $2, $3, $2) ON CONFLICT (device_id) DO UPDATE SET "
                "last_heartbeat = EXCLUDED.last_heartbeat, last_heartbeat_at = EXCLUDED.last_heartbeat_at, "
                "last_seen = GREATEST(devices.last_seen, EXCLUDED.last_seen) "
                "WHERE EXCLUDED.last_heartbeat_at >= devices.last_heartbeat_at",
                e->deviceId, e->receivedAt, e->payload);
        }
        return out;
    });
}

Result<std::vector<DeviceEvent>> PostgresRepository::events(const EventQuery& q) {
    KIOSK_TRY(detail::checkLimit(q.limit));
    KIOSK_TRY(detail::checkText("device_id", q.deviceId, false));
    KIOSK_TRY(detail::checkText("kind", q.kind, false));
    return run("events", [&](pqxx::work& w) -> Result<std::vector<DeviceEvent>> {
        // Unnamed statements are planned with the values, so the unused filters fold away.
        const pqxx::result r = w.exec_params(
            "SELECT id, device_id, stream, seq, kind, device_time, received_at, payload FROM events "
            "WHERE id > $1 AND received_at >= $2 AND received_at <= $3 AND ($4 = '' OR device_id = $4) "
            "AND ($5 = '' OR kind = $5) ORDER BY id LIMIT $6",
            q.afterId, q.fromReceived, q.toReceived, q.deviceId, q.kind, q.limit);
        std::vector<DeviceEvent> out;
        out.reserve(r.size());
        for (const auto& row : r) {
            DeviceEvent e;
            e.id = row[0].as<int64_t>();
            e.deviceId = row[1].as<std::string>();
            e.stream = row[2].as<std::string>();
            e.seq = row[3].as<int64_t>();
            e.kind = row[4].as<std::string>();
            e.deviceTime = row[5].as<int64_t>();
            e.receivedAt = row[6].as<int64_t>();
            e.payload = row[7].as<std::string>();
            out.push_back(std::move(e));
        }
        return out;
    });
}

Result<int64_t> PostgresRepository::countEvents(const std::string& deviceId, const std::string& kind) {
    KIOSK_TRY(detail::checkText("device_id", deviceId, false));
    KIOSK_TRY(detail::checkText("kind", kind, false));
    return run("count events", [&](pqxx::work& w) -> Result<int64_t> {
        return w
            .exec_params1("SELECT count(*) FROM events WHERE ($1 = '' OR device_id = $1) AND ($2 = '' OR kind = $2)",
                          deviceId, kind)[0]
            .as<int64_t>();
    });
}

// --- Devices --------------------------------------------------------------------------

Status PostgresRepository::touchDevice(const std::string& deviceId, const std::string& role, int64_t now) {
    KIOSK_TRY(detail::checkText("device_id", deviceId, true));
    KIOSK_TRY(detail::checkText("role", role, false));
    return run("touch device", [&](pqxx::work& w) -> Status {
        w.exec_params("INSERT INTO devices(device_id, role, first_seen, last_seen) VALUES($1, $2, $3, $3) "
                      "ON CONFLICT (device_id) DO UPDATE SET last_seen = GREATEST(devices.last_seen, "
                      "EXCLUDED.last_seen), role = CASE WHEN devices.role = '' THEN EXCLUDED.role "
                      "ELSE devices.role END",
                      deviceId, role, now);
        return {};
    });
}

Result<std::vector<DeviceInfo>> PostgresRepository::devices() {
    return run("devices", [&](pqxx::work& w) -> Result<std::vector<DeviceInfo>> {
        const pqxx::result r = w.exec("SELECT device_id, role, first_seen, last_seen, last_heartbeat, "
                                      "last_heartbeat_at FROM devices ORDER BY device_id");
        std::vector<DeviceInfo> out;
        for (const auto& row : r)
            out.push_back(DeviceInfo{row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<int64_t>(),
                                     row[3].as<int64_t>(), row[4].as<std::string>(), row[5].as<int64_t>()});
        return out;
    });
}

// --- Enrolments -------------------------------------------------------------------------

Result<PutEnrolmentResult> PostgresRepository::putEnrolment(const EnrolmentRecord& rec, const std::string& stream,
                                                            int64_t seq, const std::string& actor) {
    KIOSK_TRY(detail::checkEnrolment(rec, stream, seq, actor));
    const std::string select = std::string("SELECT ") + kEnrolmentColumns + " FROM enrolments WHERE ";
    return run("put enrolment", [&](pqxx::work& w) -> Result<PutEnrolmentResult> {
        // Writers serialise here and take their cursors inside the lock, so cursors
        // become visible in increasing order: a reader past N never misses a later row
        // numbered <= N. Readers (ACCESS SHARE) are not blocked.
        w.exec("LOCK TABLE enrolments IN SHARE ROW EXCLUSIVE MODE");
        PutEnrolmentResult out;
        if (seq > 0) {
            auto bySource = firstEnrolment(w.exec_params(
                select + "source_device = $1 AND source_stream = $2 AND source_seq = $3 AND source_seq > 0",
                rec.sourceDevice, stream, seq));
            if (bySource) {
                out.stored = *bySource;
                out.duplicate = true;
                return out;
            }
        }
        auto byReference = firstEnrolment(w.exec_params(select + "reference = $1", rec.reference));
        if (byReference) {
            out.stored = *byReference;
            out.duplicate = true;
            return out;
        }
        auto earlier = firstEnrolment(w.exec_params(select + "document_hash = $1 AND active", rec.documentHash));
        if (earlier) {
            w.exec_params("UPDATE enrolments SET active = false, deactivated_at = $1, "
                          "cursor = nextval('enrolment_cursor_seq') WHERE reference = $2",
                          rec.receivedAt, earlier->reference);
            auditRow(w, rec.receivedAt, actor, "enrolment.replace",
                     detail::replaceAuditDetail(earlier->reference, rec.reference));
            out.replacedReference = earlier->reference;
        }
        const pqxx::row r = w.exec_params1(
            "INSERT INTO enrolments(cursor, reference, document_hash, document_masked, residency, date_of_birth, "
            "document_expiry, channel, enrolled_at, active, biometrics, source_device, source_stream, source_seq, "
            "received_at) VALUES(nextval('enrolment_cursor_seq'), $1, $2, $3, $4, $5, $6, $7, $8, true, $9, $10, "
            "$11, $12, $13) RETURNING cursor",
            rec.reference, rec.documentHash, rec.documentMasked, rec.residency, rec.dateOfBirth, rec.documentExpiry,
            rec.channel, rec.enrolledAt, rec.biometrics, rec.sourceDevice, stream, seq, rec.receivedAt);
        out.stored = rec;
        out.stored.cursor = r[0].as<int64_t>();
        out.stored.active = true;
        return out;
    });
}

Result<std::vector<EnrolmentRecord>> PostgresRepository::enrolmentsSince(int64_t cursor, int limit) {
    KIOSK_TRY(detail::checkLimit(limit));
    return run("enrolments since", [&](pqxx::work& w) -> Result<std::vector<EnrolmentRecord>> {
        const pqxx::result r = w.exec_params(std::string("SELECT ") + kEnrolmentColumns +
                                                 " FROM enrolments WHERE cursor > $1 ORDER BY cursor LIMIT $2",
                                             cursor, limit);
        std::vector<EnrolmentRecord> out;
        out.reserve(r.size());
        for (const auto& row : r) out.push_back(readEnrolment(row));
        return out;
    });
}

Result<std::optional<EnrolmentRecord>> PostgresRepository::enrolmentByReference(const std::string& reference) {
    KIOSK_TRY(detail::checkText("reference", reference, false));
    return run("enrolment by reference", [&](pqxx::work& w) -> Result<std::optional<EnrolmentRecord>> {
        return firstEnrolment(w.exec_params(
            std::string("SELECT ") + kEnrolmentColumns + " FROM enrolments WHERE reference = $1", reference));
    });
}

Result<int64_t> PostgresRepository::latestEnrolmentCursor() {
    // max over committed rows, not the sequence: a number taken by a writer that has not
    // committed yet must not be announced.
    return run("latest enrolment cursor", [&](pqxx::work& w) -> Result<int64_t> {
        return w.exec1("SELECT COALESCE(max(cursor), 0) FROM enrolments")[0].as<int64_t>();
    });
}

// --- Watchlist ----------------------------------------------------------------------------

Result<WatchlistChange> PostgresRepository::changeWatchlist(const std::string& documentHash, bool add, int64_t time,
                                                            const std::string& actor) {
    KIOSK_TRY(detail::checkText("document_hash", documentHash, true));
    KIOSK_TRY(detail::checkText("actor", actor, false));
    return run("change watchlist", [&](pqxx::work& w) -> Result<WatchlistChange> {
        w.exec("LOCK TABLE watchlist_changes IN SHARE ROW EXCLUSIVE MODE");  // commit order = cursor order
        const pqxx::row r = w.exec_params1(
            "INSERT INTO watchlist_changes(cursor, document_hash, added, time, actor) "
            "VALUES(nextval('watchlist_cursor_seq'), $1, $2, $3, $4) RETURNING cursor",
            documentHash, add, time, actor);
        return WatchlistChange{r[0].as<int64_t>(), documentHash, add, time, actor};
    });
}

Result<std::vector<WatchlistChange>> PostgresRepository::watchlistSince(int64_t cursor, int limit) {
    KIOSK_TRY(detail::checkLimit(limit));
    return run("watchlist since", [&](pqxx::work& w) -> Result<std::vector<WatchlistChange>> {
        const pqxx::result r = w.exec_params("SELECT cursor, document_hash, added, time, actor FROM watchlist_changes "
                                             "WHERE cursor > $1 ORDER BY cursor LIMIT $2",
                                             cursor, limit);
        std::vector<WatchlistChange> out;
        for (const auto& row : r)
            out.push_back(WatchlistChange{row[0].as<int64_t>(), row[1].as<std::string>(), row[2].as<bool>(),
                                          row[3].as<int64_t>(), row[4].as<std::string>()});
        return out;
    });
}

// --- Blobs ----------------------------------------------------------------------------------

Result<int64_t> PostgresRepository::putBlob(const std::string& kind, const std::string& data, int64_t time,
                                            const std::string& actor) {
    KIOSK_TRY(detail::checkBlobKind(kind));
    KIOSK_TRY(detail::checkText("data", data, false));
    KIOSK_TRY(detail::checkText("actor", actor, false));
    return run("put blob", [&](pqxx::work& w) -> Result<int64_t> {
        w.exec("LOCK TABLE blobs IN SHARE ROW EXCLUSIVE MODE");  // two uploads never take one version
        return w
            .exec_params1("INSERT INTO blobs(kind, version, data, uploaded_at, actor) "
                          "SELECT $1, COALESCE(max(version), 0) + 1, $2, $3, $4 FROM blobs WHERE kind = $1 "
                          "RETURNING version",
                          kind, data, time, actor)[0]
            .as<int64_t>();
    });
}

Result<std::optional<VersionedBlob>> PostgresRepository::latestBlob(const std::string& kind) {
    KIOSK_TRY(detail::checkBlobKind(kind));
    return run("latest blob", [&](pqxx::work& w) -> Result<std::optional<VersionedBlob>> {
        const pqxx::result r = w.exec_params(
            "SELECT version, data, uploaded_at, actor FROM blobs WHERE kind = $1 ORDER BY version DESC LIMIT 1", kind);
        if (r.empty()) return std::optional<VersionedBlob>();
        return std::optional<VersionedBlob>(VersionedBlob{r[0][0].as<int64_t>(), r[0][1].as<std::string>(),
                                                          r[0][2].as<int64_t>(), r[0][3].as<std::string>()});
    });
}

// --- Commands -------------------------------------------------------------------------------

Result<LaneCommand> PostgresRepository::enqueueCommand(const LaneCommand& c) {
    KIOSK_TRY(detail::checkCommand(c));
    return run("enqueue command", [&](pqxx::work& w) -> Result<LaneCommand> {
        const pqxx::row r = w.exec_params1("INSERT INTO commands(device_id, kind, args, issued_by, issued_at, state) "
                                           "VALUES($1, $2, $3, $4, $5, 'pending') RETURNING id",
                                           c.deviceId, c.kind, c.args, c.issuedBy, c.issuedAt);
        LaneCommand out = c;
        out.id = r[0].as<int64_t>();
        out.state = CommandState::Pending;
        out.deliveredAt = 0;
        out.completedAt = 0;
        out.detail.clear();
        auditRow(w, c.issuedAt, c.issuedBy, "command.issue", detail::issueAuditDetail(out.id, out), c.deviceId);
        return out;
    });
}

Result<std::vector<LaneCommand>> PostgresRepository::takeCommands(const std::string& deviceId, int64_t now) {
    KIOSK_TRY(detail::checkText("device_id", deviceId, false));
    return run("take commands", [&](pqxx::work& w) -> Result<std::vector<LaneCommand>> {
        w.exec_params("UPDATE commands SET state = 'delivered', delivered_at = $1 "
                      "WHERE device_id = $2 AND state = 'pending'",
                      now, deviceId);
        const pqxx::result r = w.exec_params(std::string("SELECT ") + kCommandColumns +
                                                 " FROM commands WHERE device_id = $1 AND state = 'delivered' "
                                                 "ORDER BY id",
                                             deviceId);
        std::vector<LaneCommand> out;
        for (const auto& row : r) out.push_back(readCommand(row));
        return out;
    });
}

Result<std::vector<std::string>> PostgresRepository::devicesWithPendingCommands() {
    return run("devices with pending commands", [&](pqxx::work& w) -> Result<std::vector<std::string>> {
        const pqxx::result r =
            w.exec("SELECT DISTINCT device_id FROM commands WHERE state = 'pending' ORDER BY device_id");
        std::vector<std::string> out;
        for (const auto& row : r) out.push_back(row[0].as<std::string>());
        return out;
    });
}

Result<LaneCommand> PostgresRepository::completeCommand(int64_t id, const std::string& deviceId, CommandState result,
                                                        const std::string& detailText, int64_t now) {
    KIOSK_TRY(detail::checkCommandResult(result));
    KIOSK_TRY(detail::checkText("device_id", deviceId, false));
    KIOSK_TRY(detail::checkText("detail", detailText, false));
    return run("complete command", [&](pqxx::work& w) -> Result<LaneCommand> {
        const pqxx::result r = w.exec_params(
            std::string("SELECT ") + kCommandColumns + " FROM commands WHERE id = $1 FOR UPDATE", id);
        if (r.empty()) return core::makeError("repo.not_found", "no command " + std::to_string(id));
        LaneCommand c = readCommand(r[0]);
        if (c.deviceId != deviceId)
            return core::makeError("repo.conflict", "command " + std::to_string(id) + " belongs to another device");
        if (c.state == result) return c;  // the same answer again
        if (c.state != CommandState::Pending && c.state != CommandState::Delivered)
            return core::makeError("repo.conflict", "command " + std::to_string(id) + " was already answered " +
                                                        toString(c.state));
        w.exec_params("UPDATE commands SET state = $1, detail = $2, completed_at = $3 WHERE id = $4",
                      std::string(toString(result)), detailText, now, id);
        auditRow(w, now, deviceId, "command.result", detail::resultAuditDetail(id, result));
        c.state = result;
        c.detail = detailText;
        c.completedAt = now;
        return c;
    });
}

Result<std::optional<LaneCommand>> PostgresRepository::command(int64_t id) {
    return run("command", [&](pqxx::work& w) -> Result<std::optional<LaneCommand>> {
        const pqxx::result r =
            w.exec_params(std::string("SELECT ") + kCommandColumns + " FROM commands WHERE id = $1", id);
        if (r.empty()) return std::optional<LaneCommand>();
        return std::optional<LaneCommand>(readCommand(r[0]));
    });
}

// --- Audit, retention -------------------------------------------------------------------------

Result<int64_t> PostgresRepository::appendAudit(int64_t time, const std::string& actor, const std::string& action,
                                                const std::string& detailText) {
    KIOSK_TRY(detail::checkText("actor", actor, false));
    KIOSK_TRY(detail::checkText("action", action, true));
    KIOSK_TRY(detail::checkText("detail", detailText, false));
    return run("append audit", [&](pqxx::work& w) -> Result<int64_t> {
        return auditRow(w, time, actor, action, detailText);
    });
}

Result<std::vector<AuditRow>> PostgresRepository::audit(int64_t afterId, int limit) {
    KIOSK_TRY(detail::checkLimit(limit));
    return run("audit", [&](pqxx::work& w) -> Result<std::vector<AuditRow>> {
        const pqxx::result r = w.exec_params(
            "SELECT id, time, actor, action, detail FROM audit WHERE id > $1 ORDER BY id LIMIT $2", afterId, limit);
        std::vector<AuditRow> out;
        for (const auto& row : r)
            out.push_back(AuditRow{row[0].as<int64_t>(), row[1].as<int64_t>(), row[2].as<std::string>(),
                                   row[3].as<std::string>(), row[4].as<std::string>()});
        return out;
    });
}

Result<PurgeCounts> PostgresRepository::purgeOlderThan(int64_t cutoff) {
    return run("purge", [&](pqxx::work& w) -> Result<PurgeCounts> {
        auto del = [&](const char* sql) { return static_cast<int64_t>(w.exec_params(sql, cutoff).affected_rows()); };
        PurgeCounts n;
        n.events = del("DELETE FROM events WHERE received_at < $1");
        n.commands = del("DELETE FROM commands WHERE completed_at > 0 AND completed_at < $1 "
                         "AND state IN ('applied', 'refused', 'failed', 'expired')");
        // Only a prefix of the chain goes, so what stays still verifies from the anchor.
        n.audit = detail::pgPurgeAudit(w, cutoff);
        w.exec("DELETE FROM alert_acks a WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.id = a.event_id)");
        n.inactiveEnrolments = del("DELETE FROM enrolments WHERE NOT active AND deactivated_at < $1");
        // Kept while it is the newest change for its document and adds it (see SQLite).
        n.watchlistChanges = del("DELETE FROM watchlist_changes w WHERE w.time < $1 AND (NOT w.added OR EXISTS ("
                                 "SELECT 1 FROM watchlist_changes later WHERE later.document_hash = w.document_hash "
                                 "AND later.cursor > w.cursor))");
        return n;
    });
}

Result<RepositoryCounts> PostgresRepository::counts() {
    return run("counts", [&](pqxx::work& w) -> Result<RepositoryCounts> {
        const pqxx::row r = w.exec1(
            "SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM enrolments), "
            "(SELECT count(*) FROM enrolments WHERE active), (SELECT count(*) FROM commands), "
            "(SELECT count(*) FROM audit), (SELECT count(*) FROM devices)");
        return RepositoryCounts{r[0].as<int64_t>(), r[1].as<int64_t>(), r[2].as<int64_t>(),
                                r[3].as<int64_t>(), r[4].as<int64_t>(), r[5].as<int64_t>()};
    });
}

// --- Opening, migrations ----------------------------------------------------------------------

int readVersion(pqxx::transaction_base& t) {
    if (!t.exec1("SELECT to_regclass('meta') IS NOT NULL")[0].as<bool>()) return 0;
    const pqxx::result r = t.exec_params("SELECT value FROM meta WHERE key = $1", detail::kSchemaVersionKey);
    if (r.empty()) return 0;
    return std::stoi(r[0][0].as<std::string>());
}

// Under a session advisory lock, so two processes starting together migrate once.
Result<int> migrate(const std::string& conninfo) {
    const auto& steps = detail::postgresMigrations();
    const int latest = detail::latestSchemaVersion();
    int v = 0;
    try {
        auto c = connect(conninfo);
        {
            pqxx::nontransaction n(*c->conn);
            n.exec_params("SELECT pg_advisory_lock($1)", kMigrationLockKey);
        }
        for (;;) {
            pqxx::work w(*c->conn);
            v = readVersion(w);
            if (v >= latest) break;
            try {
                w.exec(steps[static_cast<std::size_t>(v)]);
            } catch (const pqxx::broken_connection&) {
                throw;
            } catch (const pqxx::sql_error& e) {
                return core::makeError("repo.migration_failed",
                                       "migration to version " + std::to_string(v + 1) + ": " + engineText(e));
            }
            w.exec_params("INSERT INTO meta(key, value) VALUES($1, $2) ON CONFLICT (key) DO UPDATE SET value = "
                          "EXCLUDED.value",
                          detail::kSchemaVersionKey, std::to_string(v + 1));
            w.commit();
            core::logInfo("repo.migrated", {{"backend", "postgresql"}, {"schema", v + 1}});
        }
        // Closing the connection ends the session and so releases the advisory lock.
    } catch (const pqxx::broken_connection& e) {
        return core::makeError("repo.open_failed", "cannot connect to PostgreSQL: " + engineText(e));
    } catch (const std::exception& e) {
        return core::makeError("repo.open_failed", "opening the PostgreSQL database: " + engineText(e));
    }
    if (v > latest)
        return core::makeError("repo.newer_schema", "database schema version " + std::to_string(v) +
                                                        " is newer than this server supports (" +
                                                        std::to_string(latest) + "); upgrade the server");
    return v;
}

std::string withConnectTimeout(const std::string& url, int seconds) {
    if (url.find("connect_timeout") != std::string::npos || seconds <= 0) return url;
    return url + (url.find('?') == std::string::npos ? "?" : "&") + "connect_timeout=" + std::to_string(seconds);
}

}  // namespace

core::Result<std::unique_ptr<Repository>> openPostgresRepository(const std::string& connectionUrl,
                                                                 const PostgresOptions& options) {
    const std::string conninfo = withConnectTimeout(connectionUrl, options.connectTimeoutSeconds);
    KIOSK_ASSIGN_OR_RETURN(int version, migrate(conninfo));
    return std::unique_ptr<Repository>(new PostgresRepository(conninfo, options.poolSize, version));
}

core::Result<std::unique_ptr<Repository>> openPostgresRepository(const std::string& url) {
    return openPostgresRepository(url, PostgresOptions{});
}

}  // namespace kiosk::server
