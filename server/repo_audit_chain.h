#pragma once
// The audit hash chain (docs/console.md, "Audit chain"), shared by both backends and by
// the Repository's own audit rows: every row carries prev_hash and
// hash = SHA-256(prev_hash "\n" canonical row). meta keeps the anchor (the hash before the
// first remaining row: zeros, or the last purged row's) and the head ("<id> <hash>" of the
// newest row), so a changed, deleted or inserted row, and a deleted tail, are found.
#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"
#include "server/console_repository.h"

namespace kiosk::server::detail {

class SqliteDb;

inline constexpr const char* kAuditAnchorKey = "audit_anchor";
inline constexpr const char* kAuditHeadKey = "audit_head";
inline const std::string kAuditGenesis(64, '0');

std::string sha256Hex(const std::string& data);
std::string auditCanonical(const ChainedAuditRow& r);
std::string auditHash(const std::string& prevHash, const ChainedAuditRow& r);

// "<id> <hash>" and back; nullopt-like {0, ""} for absent or malformed text.
std::string formatHead(int64_t id, const std::string& hash);
std::pair<int64_t, std::string> parseHead(const std::string& text);

// The link of a row the purge erased from between kept rows (table audit_purged).
struct PurgedLink {
    int64_t id = 0;
    std::string prevHash, hash;
};

// Verifies rows (in id order) from `anchor`; `head` as stored in meta ("" if none). A gap
// is accepted only where purged links (in id order) lead from one kept row to the next.
AuditVerification verifyChain(const std::vector<ChainedAuditRow>& rows, const std::string& anchor,
                              const std::string& head, const std::vector<PurgedLink>& purged = {});

// SQLite, inside the caller's write transaction: appends one chained row (sealing rows of
// an older schema first), returns its id.
core::Result<int64_t> sqliteAppendAudit(SqliteDb& db, int64_t time, const std::string& actor,
                                        const std::string& action, const std::string& detail,
                                        const std::string& subject);
// Erases the rows with time < cutoff: those before the first kept row move the anchor;
// those between kept rows leave their link in audit_purged. Returns the number erased.
core::Result<int64_t> sqlitePurgeAudit(SqliteDb& db, int64_t cutoff);
// Inside a read transaction.
core::Result<AuditVerification> sqliteVerifyAudit(SqliteDb& db);

}  // namespace kiosk::server::detail
