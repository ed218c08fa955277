#pragma once
// What the two repository implementations share apart from SQL: input checks, audit
// texts, and the newest heartbeat per device of a batch.
#include <string>
#include <vector>

#include "core/result.h"
#include "server/repository.h"

namespace kiosk::server::detail {

// repo.invalid naming the field: empty where a value is required, or a NUL byte (which
// PostgreSQL's text parameters cannot carry, so SQLite refuses it too).
core::Status checkText(const char* field, const std::string& value, bool required);
core::Status checkLimit(int limit);
core::Status checkEvents(const std::vector<DeviceEvent>& events);
core::Status checkEnrolment(const EnrolmentRecord& rec, const std::string& stream, int64_t seq,
                            const std::string& actor);
core::Status checkBlobKind(const std::string& kind);
core::Status checkCommand(const LaneCommand& c);
core::Status checkCommandResult(CommandState result);

// Audit details hold references and ids only: never a document number or hash.
std::string replaceAuditDetail(const std::string& oldReference, const std::string& newReference);
std::string issueAuditDetail(int64_t id, const LaneCommand& c);
std::string resultAuditDetail(int64_t id, CommandState state);

// The last stored heartbeat of each device in the batch, ordered by device id (so that
// concurrent batches lock device rows in one order).
std::vector<const DeviceEvent*> newestHeartbeats(const std::vector<DeviceEvent>& events,
                                                 const std::vector<AppendOutcome>& outcomes);

inline constexpr const char* kHeartbeatKind = "heartbeat";

}  // namespace kiosk::server::detail
