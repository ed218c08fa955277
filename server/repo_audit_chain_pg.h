#pragma once
// The audit hash chain on PostgreSQL (repo_audit_chain.h). Called inside a transaction of
// the caller's run(), which catches libpqxx's exceptions. Appends take a transaction-scoped
// advisory lock, so concurrent server processes chain their rows one after the other in
// id order.
#include <pqxx/pqxx>

#include <cstdint>
#include <string>

#include "server/console_repository.h"

namespace kiosk::server::detail {

inline constexpr int64_t kAuditLockKey = 0x6b696f736b617564;  // "kioskaud"

int64_t pgAppendAudit(pqxx::work& w, int64_t time, const std::string& actor, const std::string& action,
                      const std::string& detail, const std::string& subject);
int64_t pgPurgeAudit(pqxx::work& w, int64_t cutoff);
AuditVerification pgVerifyAudit(pqxx::work& w);

}  // namespace kiosk::server::detail
