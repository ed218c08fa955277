#include "kiosk/store/store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <mutex>

#include <openssl/crypto.h>

#include "core/log.h"
#include "kiosk/store/crypto.h"
#include "kiosk/store/journal_chain.h"
#include "kiosk/store/migrations.h"
#include "kiosk/store/sqlite_db.h"
#include "kiosk/store/store_impl.h"

namespace kiosk::store {

using core::Error;
using core::makeError;
using core::Result;
using core::Status;
using detail::Bytes;
using detail::Database;
using detail::Statement;

// ---------------------------------------------------------------------------------------
// Enum text

std::string toString(EnrolmentChannel c) { return c == EnrolmentChannel::Machine ? "machine" : "office"; }

std::string toString(Residency r) {
    switch (r) {
        case Residency::HongKongPermanent: return "hk_permanent";
        case Residency::MacauPermanent: return "mo_permanent";
        case Residency::HongKongNonPermanent: return "hk_non_permanent";
        case Residency::MacauNonPermanent: return "mo_non_permanent";
        case Residency::Other: return "other";
    }
    return "other";
}

Result<EnrolmentChannel> parseEnrolmentChannel(const std::string& s) {
    if (s == "machine") return EnrolmentChannel::Machine;
    if (s == "office") return EnrolmentChannel::Office;
    return makeError("store.invalid", "unknown enrolment channel '" + s + "'");
}

Result<Residency> parseResidency(const std::string& s) {
    for (Residency r : {Residency::HongKongPermanent, Residency::MacauPermanent, Residency::HongKongNonPermanent,
                        Residency::MacauNonPermanent, Residency::Other})
        if (toString(r) == s) return r;
    return makeError("store.invalid", "unknown residency '" + s + "'");
}

std::string toString(CrossingOutcome o) {
    switch (o) {
        case CrossingOutcome::Passed: return "passed";
        case CrossingOutcome::Refused: return "refused";
        case CrossingOutcome::Aborted: return "aborted";
        case CrossingOutcome::Fault: return "fault";
    }
    return "fault";
}

Result<CrossingOutcome> parseCrossingOutcome(const std::string& s) {
    for (CrossingOutcome o :
         {CrossingOutcome::Passed, CrossingOutcome::Refused, CrossingOutcome::Aborted, CrossingOutcome::Fault})
        if (toString(o) == s) return o;
    return makeError("store.invalid", "unknown crossing outcome '" + s + "'");
}

std::string documentHash(const std::string& documentNumber) {
    std::string norm;
    for (unsigned char c : documentNumber)
        if (std::isalnum(c)) norm.push_back(static_cast<char>(std::toupper(c)));
    return detail::sha256HexOf("kiosk.document.v1:" + norm);
}

std::string qrHash(const std::string& qrText) { return detail::sha256HexOf(qrText); }


// Helpers and Store::Impl: store_impl.h.
using namespace detail;

namespace {

Status migrate(Store::Impl& s) {
    const auto& steps = detail::migrations();
    const int latest = static_cast<int>(steps.size());
    auto readVersion = [&]() -> Result<int> {
        KIOSK_ASSIGN_OR_RETURN(Statement st, s.db->prepare("PRAGMA user_version"));
        KIOSK_ASSIGN_OR_RETURN(bool row, st.step());
        return row ? static_cast<int>(st.colInt(0)) : 0;
    };
    KIOSK_ASSIGN_OR_RETURN(int v, readVersion());
    if (v > latest)
        return makeError("store.newer_schema", "database schema version " + std::to_string(v) +
                                                   " is newer than this kiosk supports (" + std::to_string(latest) +
                                                   "); upgrade the kiosk software");
    while (v < latest) {
        Status st = s.transaction([&]() -> Status {
            // Re-read inside the write lock: another process may have migrated meanwhile.
            KIOSK_ASSIGN_OR_RETURN(int now, readVersion());
            if (now != v) return {};
            Status e = s.db->exec(steps[static_cast<std::size_t>(v)]);
            // Step 4 chains the rows already there: hashing needs C++, in the same transaction.
            if (e.ok() && v + 1 == 4) e = detail::backfillJournal(s);
            if (!e.ok())
                return makeError(e.error().code == "store.corrupt" ? "store.corrupt" : "store.migration_failed",
                                 "migration to version " + std::to_string(v + 1) + ": " + e.error().message);
            return s.db->exec("PRAGMA user_version = " + std::to_string(v + 1));
        });
        KIOSK_TRY(st);
        KIOSK_ASSIGN_OR_RETURN(v, readVersion());
        if (v > latest) return makeError("store.newer_schema", "database was upgraded by a newer kiosk meanwhile");
    }
    s.version = v;
    return {};
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Store

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::~Store() = default;

int Store::latestSchemaVersion() { return static_cast<int>(detail::migrations().size()); }
int Store::schemaVersion() const { return impl_->version; }
const std::filesystem::path& Store::path() const { return impl_->path; }

Result<std::unique_ptr<Store>> Store::open(const std::filesystem::path& path, StoreOptions options) {
    auto impl = std::make_unique<Impl>();
    impl->path = path;
    impl->options = std::move(options);
    bool keyMissing = false;
    KIOSK_TRY(detail::loadKey(*impl, &keyMissing));
    // A new file holds personal data (encrypted or hashed): owner only. Creating it here,
    // empty, before SQLite does means the -wal and -shm files (which SQLite gives the mode
    // of the database file) are owner-only too. An empty file is an empty database.
    {
        const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd >= 0) ::close(fd);
    }
    KIOSK_ASSIGN_OR_RETURN(impl->db, Database::open(path, Database::Mode::ReadWriteCreate));
    impl->db->setBusyTimeout(impl->options.busyTimeoutMs);

    // The first read of the header tells a non-database file apart.
    {
        KIOSK_ASSIGN_OR_RETURN(Statement st, impl->db->prepare("PRAGMA user_version"));
        auto r = st.step();
        if (!r.ok()) return r.error();
    }
    {
        KIOSK_ASSIGN_OR_RETURN(Statement st, impl->db->prepare("PRAGMA journal_mode = WAL"));
        KIOSK_ASSIGN_OR_RETURN(bool row, st.step());
        if (!row || st.colText(0) != "wal")
            return makeError("store.open_failed", "cannot switch the database to WAL mode");
    }
    KIOSK_TRY(impl->db->exec("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;"));
    if (impl->options.pageCacheKiB < 64)
        return makeError("store.bad_option", "pageCacheKiB must be at least 64, not " +
                                                 std::to_string(impl->options.pageCacheKiB));
    KIOSK_TRY(impl->db->exec("PRAGMA cache_size = -" + std::to_string(impl->options.pageCacheKiB)));
    if (impl->options.integrityCheck == IntegrityCheck::Quick) {
        KIOSK_ASSIGN_OR_RETURN(Statement st, impl->db->prepare("PRAGMA quick_check"));
        KIOSK_ASSIGN_OR_RETURN(bool row, st.step());
        if (!row || st.colText(0) != "ok")
            return makeError("store.corrupt", "integrity check failed: " + (row ? st.colText(0) : std::string("no result")));
    }
    KIOSK_TRY(migrate(*impl));
    KIOSK_TRY(detail::settleKey(*impl, keyMissing));
    return std::unique_ptr<Store>(new Store(std::move(impl)));
}

Result<StoreCounts> Store::counts() {
    std::lock_guard lock(impl_->mu);
    StoreCounts c;
    KIOSK_ASSIGN_OR_RETURN(c.enrolments, impl_->count("SELECT COUNT(*) FROM enrolments"));
    KIOSK_ASSIGN_OR_RETURN(c.activeEnrolments, impl_->count("SELECT COUNT(*) FROM enrolments WHERE active = 1"));
    KIOSK_ASSIGN_OR_RETURN(c.crossings, impl_->count("SELECT COUNT(*) FROM crossings"));
    KIOSK_ASSIGN_OR_RETURN(c.scans, impl_->count("SELECT COUNT(*) FROM scans"));
    KIOSK_ASSIGN_OR_RETURN(c.audit, impl_->count("SELECT COUNT(*) FROM audit"));
    KIOSK_ASSIGN_OR_RETURN(c.outbox, impl_->count("SELECT COUNT(*) FROM outbox"));
    KIOSK_ASSIGN_OR_RETURN(c.replay, impl_->count("SELECT COUNT(*) FROM replay"));
    KIOSK_ASSIGN_OR_RETURN(c.watchlist, impl_->count("SELECT COUNT(*) FROM watchlist"));
    return c;
}

Result<StoreSettings> Store::settings() {
    std::lock_guard lock(impl_->mu);
    auto& s = *impl_;
    StoreSettings out;
    {
        KIOSK_ASSIGN_OR_RETURN(Statement st, s.db->prepare("PRAGMA journal_mode"));
        KIOSK_ASSIGN_OR_RETURN(bool row, st.step());
        if (row) out.journalMode = st.colText(0);
    }
    KIOSK_ASSIGN_OR_RETURN(int64_t sync, s.count("PRAGMA synchronous"));
    out.synchronous = static_cast<int>(sync);
    KIOSK_ASSIGN_OR_RETURN(int64_t fk, s.count("PRAGMA foreign_keys"));
    out.foreignKeys = fk != 0;
    KIOSK_ASSIGN_OR_RETURN(int64_t busy, s.count("PRAGMA busy_timeout"));
    out.busyTimeoutMs = static_cast<int>(busy);
    KIOSK_ASSIGN_OR_RETURN(out.pageCount, s.count("PRAGMA page_count"));
    KIOSK_ASSIGN_OR_RETURN(out.pageSize, s.count("PRAGMA page_size"));
    KIOSK_ASSIGN_OR_RETURN(int64_t cache, s.count("PRAGMA cache_size"));
    out.pageCacheKiB = static_cast<int>(cache < 0 ? -cache : cache * out.pageSize / 1024);
    return out;
}

// --- Enrolments -------------------------------------------------------------------------

Result<EnrolResult> Store::enrol(EnrolmentRow row, const std::string& actor, const std::vector<OutboxMessage>& outbox) {
    for (const auto& m : outbox)
        if (m.kind.empty()) return makeError("store.invalid", "outbox message without kind");
    if (row.reference.empty()) return makeError("store.invalid", "enrolment reference is empty");
    if (!isHex64(row.documentHash))
        return makeError("store.invalid", "documentHash must be the lowercase SHA-256 hex from documentHash()");
    if (row.documentMasked.empty()) return makeError("store.invalid", "documentMasked is empty");
    for (const auto& f : row.fingers)
        if (f.finger.empty() || f.data.empty()) return makeError("store.invalid", "finger template without position or data");
    KIOSK_TRY(checkFaceDescriptors(row.faceDescriptors));

    std::lock_guard lock(impl_->mu);
    auto& s = *impl_;
    // Encrypt outside the transaction.
    std::optional<Bytes> faceBlob;
    std::vector<Bytes> fingerBlobs;
    if (!row.faceDescriptors.empty() || !row.fingers.empty()) KIOSK_TRY(s.needKey());
    if (!row.faceDescriptors.empty()) {
        KIOSK_ASSIGN_OR_RETURN(Bytes b, detail::sealBlob(s.key, encodeDescriptors(row.faceDescriptors), faceAad(row.reference)));
        faceBlob = std::move(b);
    }
    for (const auto& f : row.fingers) {
        KIOSK_ASSIGN_OR_RETURN(Bytes b, detail::sealBlob(s.key, f.data, fingerAad(row.reference, f.finger)));
        fingerBlobs.push_back(std::move(b));
    }

    EnrolResult result;
    row.active = true;
    Status st = s.transaction([&]() -> Status {
        {
            KIOSK_ASSIGN_OR_RETURN(Statement q, s.db->prepare("SELECT 1 FROM enrolments WHERE reference = ?"));
            q.bind(1, row.reference);
            KIOSK_ASSIGN_OR_RETURN(bool exists, q.step());
            if (exists) return makeError("store.invalid", "enrolment reference already exists");
        }
        {
            KIOSK_ASSIGN_OR_RETURN(Statement q, s.db->prepare(
                                                    "SELECT id, reference FROM enrolments WHERE document_hash = ? AND active = 1"));
            q.bind(1, row.documentHash);
            KIOSK_ASSIGN_OR_RETURN(bool found, q.step());
            if (found) {
                const int64_t oldId = q.colInt(0);
                result.replacedReference = q.colText(1);
                KIOSK_ASSIGN_OR_RETURN(Statement u, s.db->prepare(
                                                        "UPDATE enrolments SET active = 0, deactivated_at = ? WHERE id = ?"));
                u.bind(1, row.enrolledAt).bind(2, oldId);
                KIOSK_TRY(u.run());
                KIOSK_TRY(s.appendAuditLocked(row.enrolledAt, actor, "enrolment.replace",
                                              "old=" + *result.replacedReference + " new=" + row.reference +
                                                  " doc=" + row.documentMasked));
                KIOSK_TRY(detail::appendEnrolmentChangeLocked(s, row.enrolledAt, *result.replacedReference, "deactivate"));
            }
        }
        KIOSK_ASSIGN_OR_RETURN(row.id, s.insertEnrolmentLocked(row, faceBlob));
        KIOSK_TRY(s.insertFingersLocked(row.id, row.fingers, fingerBlobs));
        KIOSK_TRY(detail::appendEnrolmentChangeLocked(s, row.enrolledAt, row.reference, "add"));
        KIOSK_TRY(s.appendAuditLocked(row.enrolledAt, actor, "enrolment.add",
                                      "ref=" + row.reference + " channel=" + toString(row.channel) +
                                          " doc=" + row.documentMasked + " faces=" +
                                          std::to_string(row.faceDescriptors.size()) +
                                          " fingers=" + std::to_string(row.fingers.size())));
        if (s.options.testHook) s.options.testHook("enrolment.row_written");
        if (!outbox.empty()) {
            KIOSK_ASSIGN_OR_RETURN(Statement ob,
                                   s.db->prepare("INSERT INTO outbox(created_at, kind, payload) VALUES(?, ?, ?)"));
            for (const auto& m : outbox) {
                ob.bind(1, row.enrolledAt).bind(2, m.kind).bind(3, m.payload);
                KIOSK_TRY(ob.run());
            }
        }
        return {};
    });
    KIOSK_TRY(st);
    result.row = std::move(row);
    return result;
}

Result<std::optional<EnrolmentRow>> Store::findEnrolmentByReference(const std::string& reference, Biometrics biometrics) {
    std::lock_guard lock(impl_->mu);
    return impl_->findEnrolment("reference = ?", reference, biometrics);
}

Result<std::optional<EnrolmentRow>> Store::findActiveEnrolmentByDocumentHash(const std::string& hash,
                                                                             Biometrics biometrics) {
    std::lock_guard lock(impl_->mu);
    return impl_->findEnrolment("document_hash = ? AND active = 1", hash, biometrics);
}

Status Store::setEnrolmentState(const std::string& reference, EnrolmentState state, int64_t time,
                                const std::string& actor) {
    std::lock_guard lock(impl_->mu);
    auto& s = *impl_;
    return s.transaction([&]() -> Status {
        KIOSK_ASSIGN_OR_RETURN(Statement q, s.db->prepare("SELECT document_hash, active FROM enrolments WHERE reference = ?"));
        q.bind(1, reference);
        KIOSK_ASSIGN_OR_RETURN(bool found, q.step());
        if (!found) return makeError("store.not_found", "no enrolment with that reference");
        const std::string doc = q.colText(0);
        const bool wasActive = q.colInt(1) != 0;
        const bool active = state == EnrolmentState::Active;
        if (wasActive == active) return {};
        if (active) {
            KIOSK_ASSIGN_OR_RETURN(Statement c, s.db->prepare(
                                                    "SELECT 1 FROM enrolments WHERE document_hash = ? AND active = 1"));
            c.bind(1, doc);
            KIOSK_ASSIGN_OR_RETURN(bool other, c.step());
            if (other) return makeError("store.invalid", "another enrolment of the same document is active");
        }
        KIOSK_ASSIGN_OR_RETURN(Statement u, s.db->prepare(
                                                "UPDATE enrolments SET active = ?, deactivated_at = ? WHERE reference = ?"));
        u.bind(1, int64_t{active ? 1 : 0});
        if (active)
            u.bindNull(2);
        else
            u.bind(2, time);
        u.bind(3, reference);
        KIOSK_TRY(u.run());
        KIOSK_TRY(s.appendAuditLocked(time, actor, active ? "enrolment.activate" : "enrolment.deactivate",
                                      "ref=" + reference));
        return detail::appendEnrolmentChangeLocked(s, time, reference, active ? "activate" : "deactivate");
    });
}

// --- Crossings ---------------------------------------------------------------------------

Result<int64_t> Store::appendCrossing(const CrossingRecord& r, const std::vector<OutboxMessage>& outbox) {
    for (const auto& m : outbox)
        if (m.kind.empty()) return makeError("store.invalid", "outbox message without kind");
    if (r.laneId.empty()) return makeError("store.invalid", "crossing without lane id");
    if (!r.qrHash.empty() && !isHex64(r.qrHash))
        return makeError("store.invalid", "qrHash must be the SHA-256 hex from qrHash(), never the QR text");
    for (const auto& d : r.durations)
        if (!validStage(d.stage)) return makeError("store.invalid", "bad duration stage name");
    std::lock_guard lock(impl_->mu);
    auto& s = *impl_;
    int64_t id = 0;
    KIOSK_TRY(s.transaction([&]() -> Status {
        KIOSK_ASSIGN_OR_RETURN(id, s.count("SELECT COALESCE(MAX(id), 0) + 1 FROM crossings"));
        KIOSK_ASSIGN_OR_RETURN(detail::ChainLink head, detail::chainHead(s, detail::Chain::Crossings));
        const detail::ChainLink link{head.seq + 1, detail::crossingHash(head.seq + 1, id, r, head.hash)};
        KIOSK_ASSIGN_OR_RETURN(Statement ins,
                               s.db->prepare("INSERT INTO crossings(id, seq, prev_hash, hash, time, lane_id, outcome, "
                                             "enrolment_reference, qr_hash, durations, reason_count) "
                                             "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
        ins.bind(1, id).bind(2, link.seq).bind(3, head.hash).bind(4, link.hash);
        ins.bind(5, r.time)
            .bind(6, r.laneId)
            .bind(7, toString(r.outcome))
            .bind(8, r.enrolmentReference)
            .bind(9, r.qrHash)
            .bind(10, encodeDurations(r.durations))
            .bind(11, static_cast<int64_t>(r.reasons.size()));
        KIOSK_TRY(ins.run());
        KIOSK_TRY(detail::setChainHead(s, detail::Chain::Crossings, link));
        if (s.options.testHook) s.options.testHook("crossing.row_written");
        KIOSK_ASSIGN_OR_RETURN(Statement rs,
                               s.db->prepare("INSERT INTO crossing_reasons(crossing_id, position, code) VALUES(?, ?, ?)"));
        for (std::size_t i = 0; i < r.reasons.size(); ++i) {
            rs.bind(1, id).bind(2, static_cast<int64_t>(i)).bind(3, r.reasons[i]);
            KIOSK_TRY(rs.run());
        }
        if (!outbox.empty()) {
            KIOSK_ASSIGN_OR_RETURN(Statement ob,
                                   s.db->prepare("INSERT INTO outbox(created_at, kind, payload) VALUES(?, ?, ?)"));
            for (const auto& m : outbox) {
                ob.bind(1, r.time).bind(2, m.kind).bind(3, m.payload);
                KIOSK_TRY(ob.run());
            }
        }
        return {};
    }));
    return id;
}

Result<std::vector<CrossingRecord>> Store::crossings(const CrossingQuery& q) {
    std::lock_guard lock(impl_->mu);
    auto& s = *impl_;
    KIOSK_ASSIGN_OR_RETURN(
        Statement st,
        s.db->prepare("SELECT id, time, lane_id, outcome, enrolment_reference, qr_hash, durations FROM crossings "
                      "WHERE time >= ? AND time <= ? AND (? = '' OR lane_id = ?) ORDER BY time DESC, id DESC LIMIT ?"));
    st.bind(1, q.fromTime).bind(2, q.toTime).bind(3, q.laneId).bind(4, q.laneId).bind(5, int64_t{q.limit});
    KIOSK_ASSIGN_OR_RETURN(Statement rs,
                           s.db->prepare("SELECT code FROM crossing_reasons WHERE crossing_id = ? ORDER BY position"));
    std::vector<CrossingRecord> out;
    for (;;) {
        KIOSK_ASSIGN_OR_RETURN(bool row, st.step());
        if (!row) break;
        CrossingRecord c;
        c.id = st.colInt(0);
        c.time = st.colInt(1);
        c.laneId = st.colText(2);
        KIOSK_ASSIGN_OR_RETURN(c.outcome, parseCrossingOutcome(st.colText(3)));
        c.enrolmentReference = st.colText(4);
        c.qrHash = st.colText(5);
        c.durations = decodeDurations(st.colText(6));
        rs.bind(1, c.id);
        for (;;) {
            KIOSK_ASSIGN_OR_RETURN(bool rr, rs.step());
            if (!rr) break;
            c.reasons.push_back(rs.colText(0));
        }
        rs.reset();
        out.push_back(std::move(c));
    }
    return out;
}

// --- Scans -------------------------------------------------------------------------------

Result<int64_t> Store::appendScan(const ScanRecord& r) {
    if (!isHex64(r.qrHash))
        return makeError("store.invalid", "qrHash must be the SHA-256 hex from qrHash(), never the QR text");
    return appendScan(r, {});
}

Result<std::vector<ScanRecord>> Store::scansBetween(int64_t fromUnix, int64_t toUnix) {
    std::lock_guard lock(impl_->mu);
    KIOSK_ASSIGN_OR_RETURN(Statement st,
                           impl_->db->prepare("SELECT id, time, lane_id, qr_hash, verdict FROM scans "
                                              "WHERE time >= ? AND time <= ? ORDER BY time DESC, id DESC"));
    st.bind(1, fromUnix).bind(2, toUnix);
    std::vector<ScanRecord> out;
    for (;;) {
        KIOSK_ASSIGN_OR_RETURN(bool row, st.step());
        if (!row) break;
        out.push_back(ScanRecord{st.colInt(0), st.colInt(1), st.colText(2), st.colText(3), st.colText(4)});
    }
    return out;
}

Result<std::vector<ScanRecord>> Store::scansLast12Hours(int64_t nowUnix) {
    return scansBetween(nowUnix - 12 * 3600, nowUnix);
}

// --- Audit -------------------------------------------------------------------------------

Result<int64_t> Store::appendAudit(int64_t time, const std::string& actor, const std::string& action,
                                   const std::string& detail) {
    std::lock_guard lock(impl_->mu);
    auto& s = *impl_;
    int64_t id = 0;
    KIOSK_TRY(s.transaction([&]() -> Status {
        KIOSK_ASSIGN_OR_RETURN(id, s.appendAuditLocked(time, actor, action, detail));
        return {};
    }));
    return id;
}

Result<std::vector<AuditEntry>> Store::auditEntries(int64_t afterId, int limit) {
    std::lock_guard lock(impl_->mu);
    KIOSK_ASSIGN_OR_RETURN(Statement st,
                           impl_->db->prepare("SELECT id, time, actor, action, detail, prev_hash, hash FROM audit "
                                              "WHERE id > ? ORDER BY id LIMIT ?"));
    st.bind(1, afterId).bind(2, int64_t{limit});
    std::vector<AuditEntry> out;
    for (;;) {
        KIOSK_ASSIGN_OR_RETURN(bool row, st.step());
        if (!row) break;
        out.push_back(AuditEntry{st.colInt(0), st.colInt(1), st.colText(2), st.colText(3), st.colText(4),
                                 st.colText(5), st.colText(6)});
    }
    return out;
}

Result<AuditCheck> Store::verifyAuditChain() {
    std::lock_guard lock(impl_->mu);
    auto& s = *impl_;
    AuditCheck check;
    // One read transaction: a consistent snapshot of rows and chain state.
    KIOSK_TRY(s.db->exec("BEGIN"));
    auto body = [&]() -> Status {
        KIOSK_ASSIGN_OR_RETURN(check.anchorId, s.metaInt("audit.anchor_id", 0));
        KIOSK_ASSIGN_OR_RETURN(auto anchorHash, s.metaGet("audit.anchor_hash"));
        check.anchorHash = anchorHash.value_or("");
        KIOSK_ASSIGN_OR_RETURN(int64_t headId, s.metaInt("audit.head_id", 0));
        KIOSK_ASSIGN_OR_RETURN(auto headHash, s.metaGet("audit.head_hash"));
        KIOSK_ASSIGN_OR_RETURN(Statement st, s.db->prepare("SELECT id, time, actor, action, detail, prev_hash, hash "
                                                           "FROM audit ORDER BY id"));
        int64_t expectId = check.anchorId + 1;
        std::string prev = check.anchorHash;
        auto broken = [](int64_t id, const std::string& why) {
            return makeError("store.audit_broken", "audit row " + std::to_string(id) + ": " + why);
        };
        for (;;) {
            KIOSK_ASSIGN_OR_RETURN(bool row, st.step());
            if (!row) break;
            const int64_t id = st.colInt(0);
            if (id != expectId)
                return broken(expectId, id > expectId ? "missing (deleted)" : "unexpected row id " + std::to_string(id));
            if (st.colText(5) != prev) return broken(id, "previous-hash link does not match (row before it changed or removed)");
            const std::string h = detail::sha256HexOf(
                canonicalAudit(id, st.colInt(1), st.colText(2), st.colText(3), st.colText(4), st.colText(5)));
            if (h != st.colText(6)) return broken(id, "content does not match its hash (modified)");
            prev = h;
            ++expectId;
            ++check.rowsChecked;
        }
        const int64_t lastId = expectId - 1;
        if (lastId != headId || prev != headHash.value_or(""))
            return broken(headId, "newest rows missing: chain ends at row " + std::to_string(lastId));
        check.headHash = prev;
        return {};
    };
    Status result = body();
    (void)s.db->exec("COMMIT");
    KIOSK_TRY(result);
    return check;
}

// --- Replay / trust ----------------------------------------------------------------------

Status Store::saveReplayEntries(const std::vector<ReplayEntry>& entries) {
    std::lock_guard lock(impl_->mu);
    auto& s = *impl_;
    return s.transaction([&]() -> Status {
        KIOSK_ASSIGN_OR_RETURN(Statement st,
                               s.db->prepare("INSERT INTO replay(cti, expires_at, qr_hash, seen_at) VALUES(?, ?, ?, ?) "
                                             "ON CONFLICT(cti) DO UPDATE SET expires_at = excluded.expires_at, "
                                             "qr_hash = excluded.qr_hash, seen_at = excluded.seen_at "
                                             "WHERE expires_at IS NOT excluded.expires_at OR qr_hash IS NOT "
                                             "excluded.qr_hash OR seen_at IS NOT excluded.seen_at"));
        for (const auto& e : entries) {
            if (e.cti.empty()) return makeError("store.invalid", "replay entry without cti");
            st.bind(1, e.cti).bind(2, e.expiresAt).bind(3, e.qrHash).bind(4, e.seenAt);
            KIOSK_TRY(st.run());
        }
        return {};
    });
}

Result<std::vector<ReplayEntry>> Store::loadReplayEntries() {
    std::lock_guard lock(impl_->mu);
    KIOSK_ASSIGN_OR_RETURN(Statement st, impl_->db->prepare("SELECT cti, expires_at, qr_hash, seen_at FROM replay "
                                                            "ORDER BY seen_at, cti"));
    std::vector<ReplayEntry> out;
    for (;;) {
        KIOSK_ASSIGN_OR_RETURN(bool row, st.step());
        if (!row) break;
        out.push_back(ReplayEntry{st.colText(0), st.colInt(1), st.colText(2), st.colInt(3)});
    }
    return out;
}

Result<int64_t> Store::dropExpiredReplayEntries(int64_t nowUnix) {
    std::lock_guard lock(impl_->mu);
    KIOSK_ASSIGN_OR_RETURN(Statement st, impl_->db->prepare("DELETE FROM replay WHERE expires_at < ?"));
    st.bind(1, nowUnix);
    KIOSK_TRY(st.run());
    return impl_->db->changes();
}

Status Store::saveTrustState(const TrustState& state) {
    std::lock_guard lock(impl_->mu);
    auto& s = *impl_;
    return s.transaction([&]() -> Status {
        KIOSK_ASSIGN_OR_RETURN(Statement st,
                               s.db->prepare("INSERT INTO trust_state(id, signed_list, fetched_at) VALUES(1, ?, ?) "
                                             "ON CONFLICT(id) DO UPDATE SET signed_list = excluded.signed_list, "
                                             "fetched_at = excluded.fetched_at"));
        st.bindBlob(1, state.signedList).bind(2, state.fetchedAt);
        KIOSK_TRY(st.run());
        KIOSK_ASSIGN_OR_RETURN(int64_t mark, s.metaInt("trust.latest_time_seen", INT64_MIN));
        if (state.latestTimeSeen > mark) KIOSK_TRY(s.metaSet("trust.latest_time_seen", std::to_string(state.latestTimeSeen)));
        return {};
    });
}

Result<std::optional<TrustState>> Store::loadTrustState() {
    std::lock_guard lock(impl_->mu);
    auto& s = *impl_;
    KIOSK_ASSIGN_OR_RETURN(auto mark, s.metaGet("trust.latest_time_seen"));
    KIOSK_ASSIGN_OR_RETURN(Statement st, s.db->prepare("SELECT signed_list, fetched_at FROM trust_state WHERE id = 1"));
    KIOSK_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row && !mark) return std::optional<TrustState>();
    TrustState t;
    if (row) {
        t.signedList = st.colBlob(0);
        t.fetchedAt = st.colInt(1);
    }
    if (mark) t.latestTimeSeen = std::strtoll(mark->c_str(), nullptr, 10);
    return std::optional<TrustState>(std::move(t));
}

Result<int64_t> Store::noteTimeSeen(int64_t unixTime) {
    std::lock_guard lock(impl_->mu);
    auto& s = *impl_;
    int64_t result = unixTime;
    KIOSK_TRY(s.transaction([&]() -> Status {
        KIOSK_ASSIGN_OR_RETURN(int64_t mark, s.metaInt("trust.latest_time_seen", INT64_MIN));
        if (unixTime > mark)
            KIOSK_TRY(s.metaSet("trust.latest_time_seen", std::to_string(unixTime)));
        else
            result = mark;
        return {};
    }));
    return result;
}

// --- Outbox ------------------------------------------------------------------------------

Result<int64_t> Store::enqueueOutbox(int64_t createdAt, const std::string& kind, const std::string& payload) {
    if (kind.empty()) return makeError("store.invalid", "outbox item without kind");
    std::lock_guard lock(impl_->mu);
    KIOSK_ASSIGN_OR_RETURN(Statement st,
                           impl_->db->prepare("INSERT INTO outbox(created_at, kind, payload) VALUES(?, ?, ?)"));
    st.bind(1, createdAt).bind(2, kind).bind(3, payload);
    KIOSK_TRY(st.run());
    return impl_->db->lastInsertRowId();
}

Result<std::vector<OutboxItem>> Store::peekOutbox(int limit) {
    std::lock_guard lock(impl_->mu);
    KIOSK_ASSIGN_OR_RETURN(Statement st, impl_->db->prepare("SELECT id, created_at, kind, payload, attempts FROM outbox "
                                                            "ORDER BY id LIMIT ?"));
    st.bind(1, int64_t{limit});
    std::vector<OutboxItem> out;
    for (;;) {
        KIOSK_ASSIGN_OR_RETURN(bool row, st.step());
        if (!row) break;
        out.push_back(OutboxItem{st.colInt(0), st.colInt(1), st.colText(2), st.colText(3), static_cast<int>(st.colInt(4))});
    }
    return out;
}

Status Store::ackOutbox(int64_t id) {
    std::lock_guard lock(impl_->mu);
    KIOSK_ASSIGN_OR_RETURN(Statement st, impl_->db->prepare("DELETE FROM outbox WHERE id = ?"));
    st.bind(1, id);
    KIOSK_TRY(st.run());
    if (impl_->db->changes() == 0) return makeError("store.not_found", "no outbox item " + std::to_string(id));
    return {};
}

Status Store::markOutboxAttempt(int64_t id) {
    std::lock_guard lock(impl_->mu);
    KIOSK_ASSIGN_OR_RETURN(Statement st, impl_->db->prepare("UPDATE outbox SET attempts = attempts + 1 WHERE id = ?"));
    st.bind(1, id);
    KIOSK_TRY(st.run());
    if (impl_->db->changes() == 0) return makeError("store.not_found", "no outbox item " + std::to_string(id));
    return {};
}

// --- Watchlist ---------------------------------------------------------------------------

Status Store::addToWatchlist(const std::string& hash, int64_t addedAt) {
    if (!isHex64(hash)) return makeError("store.invalid", "watchlist takes documentHash() values only");
    std::lock_guard lock(impl_->mu);
    KIOSK_ASSIGN_OR_RETURN(Statement st, impl_->db->prepare("INSERT OR IGNORE INTO watchlist(document_hash, added_at) "
                                                            "VALUES(?, ?)"));
    st.bind(1, hash).bind(2, addedAt);
    return st.run();
}

Status Store::removeFromWatchlist(const std::string& hash) {
    std::lock_guard lock(impl_->mu);
    KIOSK_ASSIGN_OR_RETURN(Statement st, impl_->db->prepare("DELETE FROM watchlist WHERE document_hash = ?"));
    st.bind(1, hash);
    return st.run();
}

Status Store::replaceWatchlist(const std::vector<std::string>& hashes, int64_t addedAt) {
    for (const auto& h : hashes)
        if (!isHex64(h)) return makeError("store.invalid", "watchlist takes documentHash() values only");
    std::lock_guard lock(impl_->mu);
    auto& s = *impl_;
    return s.transaction([&]() -> Status {
        KIOSK_TRY(s.db->exec("DELETE FROM watchlist"));
        KIOSK_ASSIGN_OR_RETURN(Statement st, s.db->prepare("INSERT OR IGNORE INTO watchlist(document_hash, added_at) "
                                                           "VALUES(?, ?)"));
        for (const auto& h : hashes) {
            st.bind(1, h).bind(2, addedAt);
            KIOSK_TRY(st.run());
        }
        return {};
    });
}

Result<bool> Store::isWatchlisted(const std::string& hash) {
    std::lock_guard lock(impl_->mu);
    KIOSK_ASSIGN_OR_RETURN(Statement st, impl_->db->prepare("SELECT 1 FROM watchlist WHERE document_hash = ?"));
    st.bind(1, hash);
    return st.step();
}

// --- Retention ---------------------------------------------------------------------------

Result<PurgeCounts> Store::purgeOlderThan(int64_t cutoffUnix) {
    std::lock_guard lock(impl_->mu);
    auto& s = *impl_;
    PurgeCounts counts;
    KIOSK_TRY(s.transaction([&]() -> Status {
        auto del = [&](const std::string& sql, int64_t& n) -> Status {
            KIOSK_ASSIGN_OR_RETURN(Statement st, s.db->prepare(sql));
            st.bind(1, cutoffUnix);
            KIOSK_TRY(st.run());
            n = s.db->changes();
            return {};
        };
        KIOSK_TRY(del("DELETE FROM outbox WHERE created_at < ?", counts.outbox));
        KIOSK_TRY(del("DELETE FROM outbox_rejected WHERE created_at < ?", counts.rejectedOutbox));
        KIOSK_TRY(del("DELETE FROM answered_commands WHERE answered_at < ?", counts.answeredCommands));
        KIOSK_TRY(del("DELETE FROM replay WHERE seen_at < ?", counts.replay));
        // Crossings, scans, audit rows and enrolment changes are purged as prefixes of
        // their chains (never cut in the middle), inactive enrolments with an "erase"
        // change, and a signed checkpoint records the new chain starts.
        return detail::purgeChainsLocked(s, cutoffUnix, counts);
    }));
    return counts;
}

}  // namespace kiosk::store
