#pragma once
// Private to kiosk::store: the Store's implementation state and the helpers shared by
// store.cpp and store_sync.cpp. Not installed, not included outside kiosk/store/.
#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <openssl/crypto.h>

#include "kiosk/store/crypto.h"
#include "kiosk/store/face_blob.h"
#include "kiosk/store/sqlite_db.h"
#include "kiosk/store/store.h"

namespace kiosk::store {

namespace detail {

using core::Error;
using core::makeError;
using core::Result;
using core::Status;

// Helpers

inline bool isHex64(const std::string& s) {
    return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
               return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
           });
}

// Canonical text of an audit row: length-prefixed fields, so no separator can be forged.
inline std::string canonicalAudit(int64_t id, int64_t time, const std::string& actor, const std::string& action,
                           const std::string& detail, const std::string& prevHash) {
    std::string out = "kiosk.audit.v1\n";
    auto field = [&out](const std::string& v) {
        out += std::to_string(v.size());
        out += ':';
        out += v;
        out += '\n';
    };
    field(std::to_string(id));
    field(std::to_string(time));
    field(actor);
    field(action);
    field(detail);
    field(prevHash);
    return out;
}

// The face descriptors' blob (formats 1 and 2): face_blob.h.
inline Bytes encodeDescriptors(const std::vector<FaceDescriptor>& ds) { return encodeFaceDescriptors(ds); }
inline Result<std::vector<FaceDescriptor>> decodeDescriptors(const Bytes& b) { return decodeFaceDescriptors(b); }

inline std::string encodeDurations(const std::vector<StageDuration>& ds) {
    std::string out;
    for (const auto& d : ds) {
        if (!out.empty()) out += ',';
        out += d.stage + ':' + std::to_string(d.ms);
    }
    return out;
}

inline std::vector<StageDuration> decodeDurations(const std::string& s) {
    std::vector<StageDuration> out;
    std::size_t pos = 0;
    while (pos < s.size()) {
        std::size_t end = s.find(',', pos);
        if (end == std::string::npos) end = s.size();
        const std::string item = s.substr(pos, end - pos);
        const std::size_t colon = item.rfind(':');
        if (colon != std::string::npos) {
            StageDuration d;
            d.stage = item.substr(0, colon);
            d.ms = std::strtoll(item.c_str() + colon + 1, nullptr, 10);
            out.push_back(std::move(d));
        }
        pos = end + 1;
    }
    return out;
}

inline bool validStage(const std::string& s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) {
        return std::isalnum(c) || c == '_' || c == '.' || c == '-';
    });
}

inline std::string faceAad(const std::string& reference) { return reference + '\x1f' + "enrolments.face_descriptors"; }
inline std::string fingerAad(const std::string& reference, const std::string& finger) {
    return reference + '\x1f' + "enrolment_fingers.template" + '\x1f' + finger;
}

}  // namespace detail

using core::Error;
using core::makeError;
using core::Result;
using core::Status;
using detail::Bytes;
using detail::Database;
using detail::Statement;
using detail::canonicalAudit;
using detail::decodeDescriptors;
using detail::faceAad;
using detail::fingerAad;

// ---------------------------------------------------------------------------------------
// Impl

struct Store::Impl {
    ~Impl() {
        if (!key.empty()) OPENSSL_cleanse(key.data(), key.size());
    }

    std::filesystem::path path;
    StoreOptions options;
    std::unique_ptr<Database> db;
    Bytes key;  // empty: no key configured
    int version = 0;
    std::mutex mu;

    // Runs f inside BEGIN IMMEDIATE ... COMMIT; rolls back when f fails.
    template <typename F>
    Status transaction(F&& f) {
        KIOSK_TRY(db->exec("BEGIN IMMEDIATE"));
        Status s = f();
        if (!s.ok()) {
            (void)db->exec("ROLLBACK");
            return s;
        }
        Status c = db->exec("COMMIT");
        if (!c.ok()) {
            (void)db->exec("ROLLBACK");
            return c;
        }
        return {};
    }

    Result<std::optional<std::string>> metaGet(const std::string& key) {
        KIOSK_ASSIGN_OR_RETURN(Statement st, db->prepare("SELECT value FROM meta WHERE key = ?"));
        st.bind(1, key);
        KIOSK_ASSIGN_OR_RETURN(bool row, st.step());
        if (!row) return std::optional<std::string>();
        return std::optional<std::string>(st.colText(0));
    }

    Status metaSet(const std::string& key, const std::string& value) {
        KIOSK_ASSIGN_OR_RETURN(Statement st, db->prepare("INSERT INTO meta(key, value) VALUES(?, ?) "
                                                         "ON CONFLICT(key) DO UPDATE SET value = excluded.value"));
        st.bind(1, key).bind(2, value);
        return st.run();
    }

    Result<int64_t> metaInt(const std::string& key, int64_t fallback) {
        KIOSK_ASSIGN_OR_RETURN(auto v, metaGet(key));
        if (!v) return fallback;
        return static_cast<int64_t>(std::strtoll(v->c_str(), nullptr, 10));
    }

    Status needKey() const {
        if (key.empty())
            return makeError("store.no_key", "biometric data needs the key file (store.key_file) and none is configured");
        return {};
    }

    // The enrolment row as a new active row (biometrics already sealed); its id. The caller
    // holds a transaction.
    Result<int64_t> insertEnrolmentLocked(const EnrolmentRow& row, const std::optional<Bytes>& faceBlob) {
        KIOSK_ASSIGN_OR_RETURN(
            Statement ins,
            db->prepare("INSERT INTO enrolments(reference, document_hash, document_masked, residency, date_of_birth, "
                        "channel, enrolled_at, active, document_expiry, face_descriptors) "
                        "VALUES(?, ?, ?, ?, ?, ?, ?, 1, ?, ?)"));
        ins.bind(1, row.reference)
            .bind(2, row.documentHash)
            .bind(3, row.documentMasked)
            .bind(4, toString(row.residency))
            .bind(5, row.dateOfBirth)
            .bind(6, toString(row.channel))
            .bind(7, row.enrolledAt)
            .bind(8, row.documentExpiry);
        if (faceBlob)
            ins.bindBlob(9, *faceBlob);
        else
            ins.bindNull(9);
        KIOSK_TRY(ins.run());
        return db->lastInsertRowId();
    }

    // One row per finger of `fingers`, template sealed in `blobs` (same order).
    Status insertFingersLocked(int64_t enrolmentId, const std::vector<FingerTemplate>& fingers,
                               const std::vector<Bytes>& blobs) {
        KIOSK_ASSIGN_OR_RETURN(Statement fi,
                               db->prepare("INSERT INTO enrolment_fingers(enrolment_id, finger, format_version, "
                                           "libfprint_version, template) VALUES(?, ?, ?, ?, ?)"));
        for (std::size_t i = 0; i < fingers.size(); ++i) {
            fi.bind(1, enrolmentId)
                .bind(2, fingers[i].finger)
                .bind(3, int64_t{fingers[i].formatVersion})
                .bind(4, fingers[i].libfprintVersion)
                .bindBlob(5, blobs[i]);
            KIOSK_TRY(fi.run());
        }
        return {};
    }

    // Appends one audit row; the caller holds a transaction.
    Result<int64_t> appendAuditLocked(int64_t time, const std::string& actor, const std::string& action,
                                      const std::string& detail) {
        if (actor.empty() || action.empty()) return makeError("store.invalid", "audit row needs an actor and an action");
        KIOSK_ASSIGN_OR_RETURN(int64_t headId, metaInt("audit.head_id", 0));
        KIOSK_ASSIGN_OR_RETURN(auto headHash, metaGet("audit.head_hash"));
        const std::string prev = headHash.value_or("");
        const int64_t id = headId + 1;
        const std::string hash = detail::sha256HexOf(canonicalAudit(id, time, actor, action, detail, prev));
        KIOSK_ASSIGN_OR_RETURN(Statement st,
                               db->prepare("INSERT INTO audit(id, time, actor, action, detail, prev_hash, hash) "
                                           "VALUES(?, ?, ?, ?, ?, ?, ?)"));
        st.bind(1, id).bind(2, time).bind(3, actor).bind(4, action).bind(5, detail).bind(6, prev).bind(7, hash);
        KIOSK_TRY(st.run());
        KIOSK_TRY(metaSet("audit.head_id", std::to_string(id)));
        KIOSK_TRY(metaSet("audit.head_hash", hash));
        return id;
    }

    Result<EnrolmentRow> readEnrolment(Statement& st, Biometrics bio) {
        EnrolmentRow r;
        r.id = st.colInt(0);
        r.reference = st.colText(1);
        r.documentHash = st.colText(2);
        r.documentMasked = st.colText(3);
        KIOSK_ASSIGN_OR_RETURN(r.residency, parseResidency(st.colText(4)));
        r.dateOfBirth = st.colText(5);
        KIOSK_ASSIGN_OR_RETURN(r.channel, parseEnrolmentChannel(st.colText(6)));
        r.enrolledAt = st.colInt(7);
        r.active = st.colInt(8) != 0;
        r.documentExpiry = st.colText(9);
        if (bio == Biometrics::Without) return r;
        if (!st.colNull(10)) {
            KIOSK_TRY(needKey());
            KIOSK_ASSIGN_OR_RETURN(Bytes plain, detail::openBlob(key, st.colBlob(10), faceAad(r.reference)));
            KIOSK_ASSIGN_OR_RETURN(r.faceDescriptors, decodeDescriptors(plain));
        }
        KIOSK_ASSIGN_OR_RETURN(Statement fs,
                               db->prepare("SELECT finger, format_version, libfprint_version, template "
                                           "FROM enrolment_fingers WHERE enrolment_id = ? ORDER BY rowid"));
        fs.bind(1, r.id);
        for (;;) {
            KIOSK_ASSIGN_OR_RETURN(bool row, fs.step());
            if (!row) break;
            KIOSK_TRY(needKey());
            FingerTemplate t;
            t.finger = fs.colText(0);
            t.formatVersion = static_cast<int>(fs.colInt(1));
            t.libfprintVersion = fs.colText(2);
            KIOSK_ASSIGN_OR_RETURN(t.data, detail::openBlob(key, fs.colBlob(3), fingerAad(r.reference, t.finger)));
            r.fingers.push_back(std::move(t));
        }
        return r;
    }

    Result<std::optional<EnrolmentRow>> findEnrolment(const std::string& where, const std::string& arg,
                                                      Biometrics bio) {
        KIOSK_ASSIGN_OR_RETURN(
            Statement st,
            db->prepare("SELECT id, reference, document_hash, document_masked, residency, date_of_birth, channel, "
                        "enrolled_at, active, document_expiry, face_descriptors FROM enrolments WHERE " +
                        where + " ORDER BY id DESC LIMIT 1"));
        st.bind(1, arg);
        KIOSK_ASSIGN_OR_RETURN(bool row, st.step());
        if (!row) return std::optional<EnrolmentRow>();
        KIOSK_ASSIGN_OR_RETURN(EnrolmentRow r, readEnrolment(st, bio));
        return std::optional<EnrolmentRow>(std::move(r));
    }

    Result<int64_t> count(const std::string& sql) {
        KIOSK_ASSIGN_OR_RETURN(Statement st, db->prepare(sql));
        KIOSK_ASSIGN_OR_RETURN(bool row, st.step());
        return row ? st.colInt(0) : int64_t{0};
    }
};

namespace detail {
// store_key.cpp
Result<Bytes> readKeyFile(const std::filesystem::path& path);
// Before the database opens: the key of the options into s.key; *missing when the key
// file is absent and MissingKey allows making it (decided by settleKey()).
Status loadKey(Store::Impl& s, bool* missing);
// After migration: makes a missing key for a store with nothing sealed, then checks the
// key against the store's key-check value (written on first use).
Status settleKey(Store::Impl& s, bool missing);
}  // namespace detail

}  // namespace kiosk::store
