// Store methods used by the sync with the clearance service (kiosk::sync, docs/sync.md):
// stream id, sync counters, answered commands, refused outbox rows, enrolments received
// from the server, and the scan + outbox transaction of the lane.
#include <algorithm>
#include <mutex>

#include "kiosk/store/store.h"
#include "kiosk/store/journal_chain.h"
#include "kiosk/store/store_impl.h"

namespace kiosk::store {

using namespace detail;

namespace {

constexpr int64_t kAnsweredCommandsKept = 1000;

bool validSyncName(const std::string& name) {
    return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
    });
}

bool sameFingers(const std::vector<FingerTemplate>& a, const std::vector<FingerTemplate>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (a[i].finger != b[i].finger || a[i].formatVersion != b[i].formatVersion ||
            a[i].libfprintVersion != b[i].libfprintVersion || a[i].data != b[i].data)
            return false;
    return true;
}

bool sameContent(const EnrolmentRow& a, const EnrolmentRow& b) {
    return a.reference == b.reference && a.documentHash == b.documentHash && a.documentMasked == b.documentMasked &&
           a.residency == b.residency && a.dateOfBirth == b.dateOfBirth && a.channel == b.channel &&
           a.enrolledAt == b.enrolledAt && a.active == b.active && a.documentExpiry == b.documentExpiry &&
           a.faceDescriptors == b.faceDescriptors && sameFingers(a.fingers, b.fingers);
}

}  // namespace

Result<int64_t> Store::appendScan(const ScanRecord& r, const std::vector<OutboxMessage>& outbox) {
    if (!isHex64(r.qrHash))
        return makeError("store.invalid", "qrHash must be the SHA-256 hex from qrHash(), never the QR text");
    for (const auto& m : outbox)
        if (m.kind.empty()) return makeError("store.invalid", "outbox message without kind");
    std::lock_guard lock(impl_->mu);
    auto& s = *impl_;
    int64_t id = 0;
    KIOSK_TRY(s.transaction([&]() -> Status {
        KIOSK_ASSIGN_OR_RETURN(id, s.count("SELECT COALESCE(MAX(id), 0) + 1 FROM scans"));
        KIOSK_ASSIGN_OR_RETURN(ChainLink head, chainHead(s, Chain::Scans));
        const ChainLink link{head.seq + 1, scanHash(head.seq + 1, id, r, head.hash)};
        KIOSK_ASSIGN_OR_RETURN(Statement st, s.db->prepare("INSERT INTO scans(id, seq, prev_hash, hash, time, lane_id, "
                                                           "qr_hash, verdict) VALUES(?, ?, ?, ?, ?, ?, ?, ?)"));
        st.bind(1, id).bind(2, link.seq).bind(3, head.hash).bind(4, link.hash);
        st.bind(5, r.time).bind(6, r.laneId).bind(7, r.qrHash).bind(8, r.verdict);
        KIOSK_TRY(st.run());
        KIOSK_TRY(setChainHead(s, Chain::Scans, link));
        if (outbox.empty()) return {};
        KIOSK_ASSIGN_OR_RETURN(Statement ob, s.db->prepare("INSERT INTO outbox(created_at, kind, payload) VALUES(?, ?, ?)"));
        for (const auto& m : outbox) {
            ob.bind(1, r.time).bind(2, m.kind).bind(3, m.payload);
            KIOSK_TRY(ob.run());
        }
        return {};
    }));
    return id;
}

Result<std::string> Store::streamId() {
    std::lock_guard lock(impl_->mu);
    KIOSK_ASSIGN_OR_RETURN(auto v, impl_->metaGet("sync.stream_id"));
    if (!v || v->size() != 32) return makeError("store.corrupt", "the store has no outbox stream id (meta sync.stream_id)");
    return *v;
}

Result<int64_t> Store::firstStart(int64_t nowUnix) {
    std::lock_guard lock(impl_->mu);
    auto& s = *impl_;
    int64_t result = nowUnix;
    KIOSK_TRY(s.transaction([&]() -> Status {
        KIOSK_ASSIGN_OR_RETURN(auto v, s.metaGet("store.first_start"));
        if (v) {
            result = std::strtoll(v->c_str(), nullptr, 10);
            return {};
        }
        return s.metaSet("store.first_start", std::to_string(nowUnix));
    }));
    return result;
}

Result<int64_t> Store::syncValue(const std::string& name) {
    if (!validSyncName(name)) return makeError("store.invalid", "bad sync value name '" + name + "'");
    std::lock_guard lock(impl_->mu);
    return impl_->metaInt("sync." + name, 0);
}

Status Store::setSyncValue(const std::string& name, int64_t value) {
    if (!validSyncName(name)) return makeError("store.invalid", "bad sync value name '" + name + "'");
    std::lock_guard lock(impl_->mu);
    return impl_->metaSet("sync." + name, std::to_string(value));
}

Result<std::optional<std::string>> Store::commandAnswer(int64_t commandId) {
    std::lock_guard lock(impl_->mu);
    KIOSK_ASSIGN_OR_RETURN(Statement st, impl_->db->prepare("SELECT answer FROM answered_commands WHERE id = ?"));
    st.bind(1, commandId);
    KIOSK_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) return std::optional<std::string>();
    return std::optional<std::string>(st.colText(0));
}

Status Store::rememberCommandAnswer(int64_t commandId, const std::string& answer, int64_t answeredAt) {
    std::lock_guard lock(impl_->mu);
    auto& s = *impl_;
    return s.transaction([&]() -> Status {
        KIOSK_ASSIGN_OR_RETURN(Statement st, s.db->prepare("INSERT INTO answered_commands(id, answer, answered_at) "
                                                           "VALUES(?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
                                                           "answer = excluded.answer, answered_at = excluded.answered_at"));
        st.bind(1, commandId).bind(2, answer).bind(3, answeredAt);
        KIOSK_TRY(st.run());
        KIOSK_ASSIGN_OR_RETURN(Statement trim,
                               s.db->prepare("DELETE FROM answered_commands WHERE id NOT IN (SELECT id FROM "
                                             "answered_commands ORDER BY answered_at DESC, id DESC LIMIT ?)"));
        trim.bind(1, kAnsweredCommandsKept);
        return trim.run();
    });
}

Status Store::rejectOutbox(int64_t id, const std::string& error, int64_t rejectedAt) {
    std::lock_guard lock(impl_->mu);
    auto& s = *impl_;
    return s.transaction([&]() -> Status {
        KIOSK_ASSIGN_OR_RETURN(Statement ins,
                               s.db->prepare("INSERT INTO outbox_rejected(id, created_at, kind, payload, attempts, "
                                             "rejected_at, error) SELECT id, created_at, kind, payload, attempts, ?, ? "
                                             "FROM outbox WHERE id = ?"));
        ins.bind(1, rejectedAt).bind(2, error).bind(3, id);
        KIOSK_TRY(ins.run());
        if (s.db->changes() == 0) return makeError("store.not_found", "no outbox item " + std::to_string(id));
        KIOSK_ASSIGN_OR_RETURN(Statement del, s.db->prepare("DELETE FROM outbox WHERE id = ?"));
        del.bind(1, id);
        return del.run();
    });
}

Result<std::vector<RejectedOutboxItem>> Store::rejectedOutbox(int limit) {
    std::lock_guard lock(impl_->mu);
    KIOSK_ASSIGN_OR_RETURN(Statement st,
                           impl_->db->prepare("SELECT id, created_at, kind, payload, attempts, rejected_at, error "
                                              "FROM outbox_rejected ORDER BY id LIMIT ?"));
    st.bind(1, int64_t{limit});
    std::vector<RejectedOutboxItem> out;
    for (;;) {
        KIOSK_ASSIGN_OR_RETURN(bool row, st.step());
        if (!row) break;
        RejectedOutboxItem r;
        r.item = OutboxItem{st.colInt(0), st.colInt(1), st.colText(2), st.colText(3), static_cast<int>(st.colInt(4))};
        r.rejectedAt = st.colInt(5);
        r.error = st.colText(6);
        out.push_back(std::move(r));
    }
    return out;
}

Result<int64_t> Store::outboxDepth() {
    std::lock_guard lock(impl_->mu);
    return impl_->count("SELECT COUNT(*) FROM outbox");
}

Result<UpsertResult> Store::upsertEnrolment(EnrolmentRow row, int64_t time, const std::string& actor) {
    if (row.reference.empty()) return makeError("store.invalid", "enrolment reference is empty");
    if (actor.empty()) return makeError("store.invalid", "upsertEnrolment needs an actor");
    if (row.active) {
        if (!isHex64(row.documentHash))
            return makeError("store.invalid", "documentHash must be the lowercase SHA-256 hex from documentHash()");
        if (row.documentMasked.empty()) return makeError("store.invalid", "documentMasked is empty");
        for (const auto& f : row.fingers)
            if (f.finger.empty() || f.data.empty())
                return makeError("store.invalid", "finger template without position or data");
        KIOSK_TRY(checkFaceDescriptors(row.faceDescriptors));
    }
    std::lock_guard lock(impl_->mu);
    auto& s = *impl_;
    UpsertResult result;

    if (!row.active) {
        KIOSK_TRY(s.transaction([&]() -> Status {
            KIOSK_ASSIGN_OR_RETURN(Statement q, s.db->prepare("SELECT id, active FROM enrolments WHERE reference = ?"));
            q.bind(1, row.reference);
            KIOSK_ASSIGN_OR_RETURN(bool found, q.step());
            if (!found || q.colInt(1) == 0) {
                result.outcome = UpsertOutcome::Ignored;
                return {};
            }
            const int64_t id = q.colInt(0);
            KIOSK_ASSIGN_OR_RETURN(Statement u,
                                   s.db->prepare("UPDATE enrolments SET active = 0, deactivated_at = ? WHERE id = ?"));
            u.bind(1, time).bind(2, id);
            KIOSK_TRY(u.run());
            KIOSK_TRY(s.appendAuditLocked(time, actor, "enrolment.deactivate", "ref=" + row.reference + " source=server"));
            KIOSK_TRY(appendEnrolmentChangeLocked(s, time, row.reference, "deactivate"));
            result.outcome = UpsertOutcome::Deactivated;
            return {};
        }));
        return result;
    }

    if (!row.faceDescriptors.empty() || !row.fingers.empty()) KIOSK_TRY(s.needKey());
    KIOSK_TRY(s.transaction([&]() -> Status {
        KIOSK_ASSIGN_OR_RETURN(auto existing, s.findEnrolment("reference = ?", row.reference, Biometrics::With));
        if (existing) {
            row.id = existing->id;
            if (sameContent(*existing, row)) {
                result.outcome = UpsertOutcome::Unchanged;
                return {};
            }
        }
        // Another active row of the same document goes first (one active row per document).
        {
            KIOSK_ASSIGN_OR_RETURN(Statement q, s.db->prepare("SELECT id, reference FROM enrolments "
                                                              "WHERE document_hash = ? AND active = 1 AND reference <> ?"));
            q.bind(1, row.documentHash).bind(2, row.reference);
            KIOSK_ASSIGN_OR_RETURN(bool found, q.step());
            if (found) {
                const int64_t oldId = q.colInt(0);
                result.replacedReference = q.colText(1);
                KIOSK_ASSIGN_OR_RETURN(Statement u,
                                       s.db->prepare("UPDATE enrolments SET active = 0, deactivated_at = ? WHERE id = ?"));
                u.bind(1, time).bind(2, oldId);
                KIOSK_TRY(u.run());
                KIOSK_TRY(s.appendAuditLocked(time, actor, "enrolment.replace",
                                              "old=" + *result.replacedReference + " new=" + row.reference +
                                                  " doc=" + row.documentMasked + " source=server"));
                KIOSK_TRY(appendEnrolmentChangeLocked(s, time, *result.replacedReference, "deactivate"));
            }
        }
        std::optional<Bytes> faceBlob;
        if (!row.faceDescriptors.empty()) {
            KIOSK_ASSIGN_OR_RETURN(Bytes b, sealBlob(s.key, encodeDescriptors(row.faceDescriptors), faceAad(row.reference)));
            faceBlob = std::move(b);
        }
        if (existing) {
            KIOSK_ASSIGN_OR_RETURN(
                Statement u,
                s.db->prepare("UPDATE enrolments SET document_hash = ?, document_masked = ?, residency = ?, "
                              "date_of_birth = ?, channel = ?, enrolled_at = ?, active = 1, deactivated_at = NULL, "
                              "document_expiry = ?, face_descriptors = ? WHERE id = ?"));
            u.bind(1, row.documentHash)
                .bind(2, row.documentMasked)
                .bind(3, toString(row.residency))
                .bind(4, row.dateOfBirth)
                .bind(5, toString(row.channel))
                .bind(6, row.enrolledAt)
                .bind(7, row.documentExpiry);
            if (faceBlob)
                u.bindBlob(8, *faceBlob);
            else
                u.bindNull(8);
            u.bind(9, row.id);
            KIOSK_TRY(u.run());
            KIOSK_ASSIGN_OR_RETURN(Statement d, s.db->prepare("DELETE FROM enrolment_fingers WHERE enrolment_id = ?"));
            d.bind(1, row.id);
            KIOSK_TRY(d.run());
            result.outcome = UpsertOutcome::Updated;
        } else {
            KIOSK_ASSIGN_OR_RETURN(row.id, s.insertEnrolmentLocked(row, faceBlob));
            result.outcome = UpsertOutcome::Inserted;
        }
        std::vector<Bytes> fingerBlobs;
        for (const auto& f : row.fingers) {
            KIOSK_ASSIGN_OR_RETURN(Bytes blob, sealBlob(s.key, f.data, fingerAad(row.reference, f.finger)));
            fingerBlobs.push_back(std::move(blob));
        }
        KIOSK_TRY(s.insertFingersLocked(row.id, row.fingers, fingerBlobs));
        KIOSK_TRY(s.appendAuditLocked(time, actor,
                                   result.outcome == UpsertOutcome::Inserted ? "enrolment.add" : "enrolment.update",
                                   "ref=" + row.reference + " channel=" + toString(row.channel) +
                                       " doc=" + row.documentMasked +
                                       " faces=" + std::to_string(row.faceDescriptors.size()) +
                                       " fingers=" + std::to_string(row.fingers.size()) + " source=server"));
        return appendEnrolmentChangeLocked(s, time, row.reference,
                                           result.outcome == UpsertOutcome::Inserted ? "add" : "update");
    }));
    return result;
}

}  // namespace kiosk::store
