#include "server/repo_common.h"

#include <algorithm>
#include <map>

namespace kiosk::server::detail {

core::Status checkText(const char* field, const std::string& value, bool required) {
    if (required && value.empty()) return core::makeError("repo.invalid", std::string(field) + " is empty");
    if (value.find('\0') != std::string::npos)
        return core::makeError("repo.invalid", std::string(field) + " contains a NUL byte");
    return {};
}

core::Status checkLimit(int limit) {
    if (limit < 1) return core::makeError("repo.invalid", "limit must be at least 1");
    return {};
}

core::Status checkEvents(const std::vector<DeviceEvent>& events) {
    for (const auto& e : events) {
        KIOSK_TRY(checkText("device_id", e.deviceId, true));
        KIOSK_TRY(checkText("stream", e.stream, true));
        KIOSK_TRY(checkText("kind", e.kind, true));
        KIOSK_TRY(checkText("payload", e.payload, false));
        if (e.seq < 0) return core::makeError("repo.invalid", "seq is negative");
    }
    return {};
}

core::Status checkEnrolment(const EnrolmentRecord& rec, const std::string& stream, int64_t seq,
                            const std::string& actor) {
    KIOSK_TRY(checkText("reference", rec.reference, true));
    KIOSK_TRY(checkText("document_hash", rec.documentHash, true));
    KIOSK_TRY(checkText("document_masked", rec.documentMasked, false));
    KIOSK_TRY(checkText("residency", rec.residency, false));
    KIOSK_TRY(checkText("date_of_birth", rec.dateOfBirth, false));
    KIOSK_TRY(checkText("document_expiry", rec.documentExpiry, false));
    KIOSK_TRY(checkText("channel", rec.channel, false));
    KIOSK_TRY(checkText("biometrics", rec.biometrics, false));
    KIOSK_TRY(checkText("source_device", rec.sourceDevice, true));
    KIOSK_TRY(checkText("stream", stream, false));
    KIOSK_TRY(checkText("actor", actor, false));
    if (seq < 0) return core::makeError("repo.invalid", "seq is negative");
    if (seq > 0 && stream.empty()) return core::makeError("repo.invalid", "stream is empty while seq is set");
    return {};
}

core::Status checkBlobKind(const std::string& kind) {
    if (kind != "trust_list" && kind != "health_rules")
        return core::makeError("repo.invalid", "blob kind must be trust_list or health_rules");
    return {};
}

core::Status checkCommand(const LaneCommand& c) {
    KIOSK_TRY(checkText("device_id", c.deviceId, true));
    KIOSK_TRY(checkText("kind", c.kind, true));
    KIOSK_TRY(checkText("args", c.args, false));
    KIOSK_TRY(checkText("issued_by", c.issuedBy, false));
    return {};
}

core::Status checkCommandResult(CommandState result) {
    if (result != CommandState::Applied && result != CommandState::Refused && result != CommandState::Failed)
        return core::makeError("repo.invalid", "a command result must be applied, refused or failed");
    return {};
}

std::string replaceAuditDetail(const std::string& oldReference, const std::string& newReference) {
    return "enrolment " + oldReference + " replaced by " + newReference;
}

std::string issueAuditDetail(int64_t id, const LaneCommand& c) {
    return "command " + std::to_string(id) + " " + c.kind + " to " + c.deviceId;
}

std::string resultAuditDetail(int64_t id, CommandState state) {
    return "command " + std::to_string(id) + " " + toString(state);
}

std::vector<const DeviceEvent*> newestHeartbeats(const std::vector<DeviceEvent>& events,
                                                 const std::vector<AppendOutcome>& outcomes) {
    std::map<std::string, const DeviceEvent*> newest;
    for (std::size_t i = 0; i < events.size() && i < outcomes.size(); ++i) {
        if (outcomes[i] != AppendOutcome::Stored || events[i].kind != kHeartbeatKind) continue;
        // Later in the batch is newer (the device's outbox order).
        newest[events[i].deviceId] = &events[i];
    }
    std::vector<const DeviceEvent*> out;
    out.reserve(newest.size());
    for (const auto& [device, e] : newest) out.push_back(e);
    return out;
}

}  // namespace kiosk::server::detail
