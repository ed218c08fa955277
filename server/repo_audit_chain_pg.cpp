#include "server/repo_audit_chain_pg.h"

#include <vector>

#include "server/repo_audit_chain.h"

namespace kiosk::server::detail {

namespace {

std::string metaValue(pqxx::work& w, const char* key) {
    const pqxx::result r = w.exec_params("SELECT value FROM meta WHERE key = $1", std::string(key));
    return r.empty() ? std::string() : r[0][0].as<std::string>();
}

void setMeta(pqxx::work& w, const char* key, const std::string& value) {
    w.exec_params("INSERT INTO meta(key, value) VALUES($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                  std::string(key), value);
}

std::vector<ChainedAuditRow> allRows(pqxx::work& w) {
    const pqxx::result r =
        w.exec("SELECT id, time, actor, action, detail, subject, prev_hash, hash FROM audit ORDER BY id");
    std::vector<ChainedAuditRow> out;
    out.reserve(r.size());
    for (const auto& row : r)
        out.push_back(ChainedAuditRow{row[0].as<int64_t>(), row[1].as<int64_t>(), row[2].as<std::string>(),
                                      row[3].as<std::string>(), row[4].as<std::string>(), row[5].as<std::string>(),
                                      row[6].as<std::string>(), row[7].as<std::string>()});
    return out;
}

// The head; rows written before the chain existed (schema 1) are chained first.
std::pair<int64_t, std::string> headOrSeal(pqxx::work& w) {
    w.exec_params("SELECT pg_advisory_xact_lock($1)", kAuditLockKey);
    const std::string head = metaValue(w, kAuditHeadKey);
    if (!head.empty()) return parseHead(head);
    const std::string anchor = metaValue(w, kAuditAnchorKey);
    std::string prev = anchor.empty() ? kAuditGenesis : anchor;
    int64_t lastId = 0;
    for (auto& r : allRows(w)) {
        const std::string h = auditHash(prev, r);
        w.exec_params("UPDATE audit SET prev_hash = $1, hash = $2 WHERE id = $3", prev, h, r.id);
        prev = h;
        lastId = r.id;
    }
    setMeta(w, kAuditHeadKey, formatHead(lastId, prev));
    return {lastId, prev};
}

}  // namespace

int64_t pgAppendAudit(pqxx::work& w, int64_t time, const std::string& actor, const std::string& action,
                      const std::string& detail, const std::string& subject) {
    const auto head = headOrSeal(w);
    ChainedAuditRow r{0, time, actor, action, detail, subject, head.second, ""};
    r.id = w.exec1("SELECT nextval(pg_get_serial_sequence('audit', 'id'))")[0].as<int64_t>();
    r.hash = auditHash(r.prevHash, r);
    w.exec_params("INSERT INTO audit(id, time, actor, action, detail, subject, prev_hash, hash) "
                  "VALUES($1, $2, $3, $4, $5, $6, $7, $8)",
                  r.id, time, actor, action, detail, subject, r.prevHash, r.hash);
    setMeta(w, kAuditHeadKey, formatHead(r.id, r.hash));
    return r.id;
}

int64_t pgPurgeAudit(pqxx::work& w, int64_t cutoff) {
    (void)headOrSeal(w);
    const int64_t firstKept =
        w.exec_params1("SELECT coalesce(min(id), 0) FROM audit WHERE time >= $1", cutoff)[0].as<int64_t>();
    int64_t n = 0;
    // Between kept rows: keep the link, erase the row.
    if (firstKept > 0) {
        w.exec_params("INSERT INTO audit_purged(id, prev_hash, hash) SELECT id, prev_hash, hash FROM audit "
                      "WHERE id > $1 AND time < $2 ON CONFLICT (id) DO NOTHING",
                      firstKept, cutoff);
        n += static_cast<int64_t>(
            w.exec_params("DELETE FROM audit WHERE id > $1 AND time < $2", firstKept, cutoff).affected_rows());
    }
    // Before the first kept row (all rows when none is kept): the anchor moves past them.
    const pqxx::result last = w.exec_params(
        "SELECT id, hash FROM (SELECT id, hash FROM audit UNION ALL SELECT id, hash FROM audit_purged) x "
        "WHERE $1 = 0 OR id < $1 ORDER BY id DESC LIMIT 1",
        firstKept);
    if (last.empty()) return n;
    const int64_t lastId = last[0][0].as<int64_t>();
    const std::string lastHash = last[0][1].as<std::string>();
    n += static_cast<int64_t>(w.exec_params("DELETE FROM audit WHERE id <= $1", lastId).affected_rows());
    w.exec_params("DELETE FROM audit_purged WHERE id <= $1", lastId);
    setMeta(w, kAuditAnchorKey, lastHash);
    return n;
}

AuditVerification pgVerifyAudit(pqxx::work& w) {
    // The lock makes the rows, the anchor and the head one consistent picture.
    w.exec_params("SELECT pg_advisory_xact_lock($1)", kAuditLockKey);
    const std::string anchor = metaValue(w, kAuditAnchorKey);
    const std::string head = metaValue(w, kAuditHeadKey);
    std::vector<PurgedLink> purged;
    for (const auto& row : w.exec("SELECT id, prev_hash, hash FROM audit_purged ORDER BY id"))
        purged.push_back(PurgedLink{row[0].as<int64_t>(), row[1].as<std::string>(), row[2].as<std::string>()});
    return verifyChain(allRows(w), anchor, head, purged);
}

}  // namespace kiosk::server::detail
