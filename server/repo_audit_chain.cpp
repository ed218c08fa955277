#include "server/repo_audit_chain.h"

#include <openssl/evp.h>

#include <cstdint>

#include "server/repo_sqlite_db.h"

namespace kiosk::server::detail {

using core::Result;

std::string sha256Hex(const std::string& data) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_Digest(data.data(), data.size(), md, &n, EVP_sha256(), nullptr);
    static const char* hex = "0123456789abcdef";
    std::string out;
    out.reserve(n * 2);
    for (unsigned int i = 0; i < n; ++i) {
        out.push_back(hex[md[i] >> 4]);
        out.push_back(hex[md[i] & 15]);
    }
    return out;
}

namespace {
void field(std::string& out, const std::string& v) {
    // Length-prefixed, so no choice of text can make two rows print alike.
    out += '|';
    out += std::to_string(v.size());
    out += ':';
    out += v;
}
}  // namespace

std::string auditCanonical(const ChainedAuditRow& r) {
    std::string s = "v1|" + std::to_string(r.id) + "|" + std::to_string(r.time);
    field(s, r.actor);
    field(s, r.action);
    field(s, r.detail);
    field(s, r.subject);
    return s;
}

std::string auditHash(const std::string& prevHash, const ChainedAuditRow& r) {
    return sha256Hex(prevHash + "\n" + auditCanonical(r));
}

std::string formatHead(int64_t id, const std::string& hash) { return std::to_string(id) + " " + hash; }

std::pair<int64_t, std::string> parseHead(const std::string& text) {
    const auto sp = text.find(' ');
    if (sp == std::string::npos) return {0, ""};
    try {
        return {std::stoll(text.substr(0, sp)), text.substr(sp + 1)};
    } catch (const std::exception&) {
        return {0, ""};
    }
}

AuditVerification verifyChain(const std::vector<ChainedAuditRow>& rows, const std::string& anchor,
                              const std::string& head, const std::vector<PurgedLink>& purged) {
    AuditVerification v;
    std::string prev = anchor.empty() ? kAuditGenesis : anchor;
    int64_t lastId = 0;
    size_t p = 0;
    // Follows purged links with ids below `upTo` from `prev`.
    auto bridge = [&](int64_t upTo) {
        while (p < purged.size() && purged[p].id < upTo) {
            if (purged[p].id > lastId && purged[p].prevHash == prev) {
                prev = purged[p].hash;
                lastId = purged[p].id;
            }
            ++p;
        }
    };
    for (const auto& r : rows) {
        ++v.rows;
        bridge(r.id);
        if (r.prevHash != prev) {
            v.ok = false;
            v.firstBadId = r.id;
            v.problem = "link";
            return v;
        }
        if (auditHash(r.prevHash, r) != r.hash) {
            v.ok = false;
            v.firstBadId = r.id;
            v.problem = "hash";
            return v;
        }
        prev = r.hash;
        lastId = r.id;
    }
    bridge(INT64_MAX);
    const auto [headId, headHash] = parseHead(head);
    const bool headOk = head.empty() ? lastId == 0 && (anchor.empty() || anchor == kAuditGenesis)
                                     : (lastId == 0 ? headHash == prev : headId == lastId && headHash == prev);
    if (!headOk) {
        v.ok = false;
        v.firstBadId = lastId;
        v.problem = "head";
    }
    return v;
}

// --- SQLite -------------------------------------------------------------------------------

namespace {

Result<std::string> metaValue(SqliteDb& db, const char* key) {
    KIOSK_ASSIGN_OR_RETURN(SqliteStatement st, db.prepare("SELECT value FROM meta WHERE key = ?"));
    st.bind(1, std::string(key));
    KIOSK_ASSIGN_OR_RETURN(bool row, st.step());
    return row ? st.colText(0) : std::string();
}

core::Status setMeta(SqliteDb& db, const char* key, const std::string& value) {
    KIOSK_ASSIGN_OR_RETURN(SqliteStatement st, db.prepare("INSERT INTO meta(key, value) VALUES(?, ?) "
                                                          "ON CONFLICT(key) DO UPDATE SET value = excluded.value"));
    st.bind(1, std::string(key)).bind(2, value);
    return st.run();
}

Result<std::vector<ChainedAuditRow>> allRows(SqliteDb& db) {
    KIOSK_ASSIGN_OR_RETURN(SqliteStatement st,
                           db.prepare("SELECT id, time, actor, action, detail, subject, prev_hash, hash FROM audit "
                                      "ORDER BY id"));
    std::vector<ChainedAuditRow> out;
    for (;;) {
        KIOSK_ASSIGN_OR_RETURN(bool row, st.step());
        if (!row) break;
        out.push_back(ChainedAuditRow{st.colInt(0), st.colInt(1), st.colText(2), st.colText(3), st.colText(4),
                                      st.colText(5), st.colText(6), st.colText(7)});
    }
    return out;
}

// The head; rows written before the chain existed (schema 1) are chained first.
Result<std::pair<int64_t, std::string>> headOrSeal(SqliteDb& db) {
    KIOSK_ASSIGN_OR_RETURN(std::string head, metaValue(db, kAuditHeadKey));
    if (!head.empty()) return parseHead(head);
    KIOSK_ASSIGN_OR_RETURN(std::string anchor, metaValue(db, kAuditAnchorKey));
    std::string prev = anchor.empty() ? kAuditGenesis : anchor;
    int64_t lastId = 0;
    KIOSK_ASSIGN_OR_RETURN(auto rows, allRows(db));
    KIOSK_ASSIGN_OR_RETURN(SqliteStatement up, db.prepare("UPDATE audit SET prev_hash = ?, hash = ? WHERE id = ?"));
    for (auto& r : rows) {
        const std::string h = auditHash(prev, r);
        up.reset();
        up.bind(1, prev).bind(2, h).bind(3, r.id);
        KIOSK_TRY(up.run());
        prev = h;
        lastId = r.id;
    }
    KIOSK_TRY(setMeta(db, kAuditHeadKey, formatHead(lastId, prev)));
    return std::make_pair(lastId, prev);
}

}  // namespace

Result<int64_t> sqliteAppendAudit(SqliteDb& db, int64_t time, const std::string& actor, const std::string& action,
                                  const std::string& detail, const std::string& subject) {
    KIOSK_ASSIGN_OR_RETURN(auto head, headOrSeal(db));
    KIOSK_ASSIGN_OR_RETURN(SqliteStatement ins,
                           db.prepare("INSERT INTO audit(time, actor, action, detail, subject, prev_hash, hash) "
                                      "VALUES(?, ?, ?, ?, ?, ?, '')"));
    ins.bind(1, time).bind(2, actor).bind(3, action).bind(4, detail).bind(5, subject).bind(6, head.second);
    KIOSK_TRY(ins.run());
    ChainedAuditRow r{db.lastInsertRowId(), time, actor, action, detail, subject, head.second, ""};
    r.hash = auditHash(r.prevHash, r);
    KIOSK_ASSIGN_OR_RETURN(SqliteStatement up, db.prepare("UPDATE audit SET hash = ? WHERE id = ?"));
    up.bind(1, r.hash).bind(2, r.id);
    KIOSK_TRY(up.run());
    KIOSK_TRY(setMeta(db, kAuditHeadKey, formatHead(r.id, r.hash)));
    return r.id;
}

Result<int64_t> sqlitePurgeAudit(SqliteDb& db, int64_t cutoff) {
    KIOSK_TRY(headOrSeal(db));
    KIOSK_ASSIGN_OR_RETURN(SqliteStatement first, db.prepare("SELECT coalesce(min(id), 0) FROM audit WHERE time >= ?"));
    first.bind(1, cutoff);
    KIOSK_ASSIGN_OR_RETURN(bool any, first.step());
    const int64_t firstKept = any ? first.colInt(0) : 0;
    int64_t n = 0;
    // Between kept rows: keep the link, erase the row.
    if (firstKept > 0) {
        KIOSK_ASSIGN_OR_RETURN(SqliteStatement keep,
                               db.prepare("INSERT OR IGNORE INTO audit_purged(id, prev_hash, hash) SELECT id, prev_hash, "
                                          "hash FROM audit WHERE id > ?1 AND time < ?2"));
        keep.bind(1, firstKept).bind(2, cutoff);
        KIOSK_TRY(keep.run());
        KIOSK_ASSIGN_OR_RETURN(SqliteStatement del, db.prepare("DELETE FROM audit WHERE id > ?1 AND time < ?2"));
        del.bind(1, firstKept).bind(2, cutoff);
        KIOSK_TRY(del.run());
        n += db.changes();
    }
    // Before the first kept row (all rows when none is kept): the anchor moves past them.
    KIOSK_ASSIGN_OR_RETURN(SqliteStatement last,
                           db.prepare("SELECT id, hash FROM (SELECT id, hash FROM audit UNION ALL SELECT id, hash FROM "
                                      "audit_purged) WHERE ?1 = 0 OR id < ?1 ORDER BY id DESC LIMIT 1"));
    last.bind(1, firstKept);
    KIOSK_ASSIGN_OR_RETURN(bool row, last.step());
    if (!row) return n;
    const int64_t lastId = last.colInt(0);
    const std::string lastHash = last.colText(1);
    KIOSK_ASSIGN_OR_RETURN(SqliteStatement del, db.prepare("DELETE FROM audit WHERE id <= ?"));
    del.bind(1, lastId);
    KIOSK_TRY(del.run());
    n += db.changes();
    KIOSK_ASSIGN_OR_RETURN(SqliteStatement drop, db.prepare("DELETE FROM audit_purged WHERE id <= ?"));
    drop.bind(1, lastId);
    KIOSK_TRY(drop.run());
    KIOSK_TRY(setMeta(db, kAuditAnchorKey, lastHash));
    return n;
}

Result<AuditVerification> sqliteVerifyAudit(SqliteDb& db) {
    KIOSK_ASSIGN_OR_RETURN(std::string anchor, metaValue(db, kAuditAnchorKey));
    KIOSK_ASSIGN_OR_RETURN(std::string head, metaValue(db, kAuditHeadKey));
    KIOSK_ASSIGN_OR_RETURN(auto rows, allRows(db));
    KIOSK_ASSIGN_OR_RETURN(SqliteStatement st, db.prepare("SELECT id, prev_hash, hash FROM audit_purged ORDER BY id"));
    std::vector<PurgedLink> purged;
    for (;;) {
        KIOSK_ASSIGN_OR_RETURN(bool row, st.step());
        if (!row) break;
        purged.push_back(PurgedLink{st.colInt(0), st.colText(1), st.colText(2)});
    }
    return verifyChain(rows, anchor, head, purged);
}

}  // namespace kiosk::server::detail
