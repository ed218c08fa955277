// SyncAgent transfers: the outbox push and the pulls (enrolments and watchlist by cursor,
// trust list and health rules by version). docs/sync.md describes the protocol.
#include <unordered_map>

#include "core/log.h"
#include "kiosk/sync/biometric_envelope.h"
#include "kiosk/sync/enrolment_wire.h"
#include "kiosk/sync/sync_agent_impl.h"

namespace kiosk::sync::detail {

using core::Json;
using core::makeError;
using core::Result;
using core::Status;

namespace {

constexpr int kMaxBatchesPerRound = 50;  // then the loop yields, so stop() stays prompt
constexpr const char* kActor = "sync";

// A refusal that belongs to the rows sent (bad value, too large, ...), not to the device.
bool rowRefusal(long status) { return status == 400 || status == 409 || status == 413 || status == 422; }

Result<Json> payloadObject(const std::string& text) {
    Json j = Json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return makeError("sync.bad_payload", "outbox payload is not a JSON object");
    return j;
}

Result<int64_t> intField(const Json& j, const char* key, const std::string& what) {
    if (!j.contains(key) || !j[key].is_number_integer())
        return makeError("sync.protocol", what + ": \"" + key + "\" missing or not an integer");
    return j[key].get<int64_t>();
}

Result<bool> moreField(const Json& j, const std::string& what) {
    if (!j.contains("more")) return false;
    if (!j["more"].is_boolean()) return makeError("sync.protocol", what + ": \"more\" is not a boolean");
    return j["more"].get<bool>();
}

}  // namespace

// --- Push ---------------------------------------------------------------------------------

Status SyncAgentImpl::reject(const store::OutboxItem& item, const std::string& error) {
    KIOSK_TRY(store_.rejectOutbox(item.id, error, nowUnix()));
    core::logError("sync.outbox_rejected", {{"seq", item.id}, {"kind", item.kind}, {"error", error}});
    std::lock_guard lock(statusMu_);
    ++status_.rejectedEvents;
    return {};
}

Status SyncAgentImpl::pushPending() {
    std::lock_guard lock(pushMu_);
    for (int round = 0; round < kMaxBatchesPerRound && !stopping_.load(); ++round) {
        KIOSK_ASSIGN_OR_RETURN(auto items, store_.peekOutbox(options_.batchSize));
        if (items.empty()) return {};
        std::vector<store::OutboxItem> events;
        int removed = 0;
        for (auto& item : items) {
            if (item.kind == "enrolment") {
                KIOSK_TRY(pushEnrolment(item, removed));
            } else {
                events.push_back(std::move(item));
            }
        }
        if (!events.empty()) KIOSK_TRY(pushEvents(events, removed));
        if (removed == 0)
            return makeError("sync.protocol", "the server acknowledged none of " + std::to_string(items.size()) +
                                                  " outbox rows");
    }
    return {};
}

Status SyncAgentImpl::pushEvents(const std::vector<store::OutboxItem>& items, int& removed) {
    Json events = Json::array();
    std::vector<const store::OutboxItem*> sent;
    for (const auto& item : items) {
        auto payload = payloadObject(item.payload);
        if (!payload.ok()) {
            KIOSK_TRY(reject(item, payload.error().code + ": " + payload.error().message));
            ++removed;
            continue;
        }
        events.push_back(Json{{"seq", item.id}, {"kind", item.kind}, {"time", item.createdAt}, {"payload", *payload}});
        sent.push_back(&item);
    }
    if (sent.empty()) return {};
    const std::string what = "POST /v1/device/events";
    auto a = http_->post("/v1/device/events", Json{{"stream", stream_}, {"events", std::move(events)}}.dump());
    noteTransport(a.ok() ? Status() : Status(a.error()));
    if (!a.ok()) return a.error();
    if (a->status == 200) {
        KIOSK_ASSIGN_OR_RETURN(Json j, answerJson(what, *a));
        if (!j.contains("results") || !j["results"].is_array())
            return makeError("sync.protocol", what + ": no \"results\" array");
        std::unordered_map<int64_t, std::string> results;
        for (const Json& r : j["results"])
            if (r.is_object() && r.contains("seq") && r["seq"].is_number_integer() && r.contains("status") &&
                r["status"].is_string())
                results[r["seq"].get<int64_t>()] = r["status"].get<std::string>();
        int64_t stored = 0, duplicate = 0;
        for (const auto* item : sent) {
            auto it = results.find(item->id);
            if (it == results.end() || (it->second != "stored" && it->second != "duplicate")) continue;
            // Both mean the server holds the event: the row can go.
            Status ack = store_.ackOutbox(item->id);
            if (!ack.ok() && ack.error().code != "store.not_found") return ack;
            ++removed;
            (it->second == "stored" ? stored : duplicate) += 1;
        }
        std::lock_guard lock(statusMu_);
        status_.pushedEvents += stored;
        status_.duplicateAcks += duplicate;
        return {};
    }
    if (rowRefusal(a->status)) {
        if (sent.size() == 1) {
            const core::Error e = answerError(what, *a);
            KIOSK_TRY(reject(*sent.front(), e.message));
            ++removed;
            return {};
        }
        // The whole batch was refused for some row in it: halve until the bad rows are
        // alone, so the good ones still go and only the bad ones are parked.
        std::vector<store::OutboxItem> first, second;
        for (std::size_t i = 0; i < sent.size(); ++i) (i < sent.size() / 2 ? first : second).push_back(*sent[i]);
        KIOSK_TRY(pushEvents(first, removed));
        return pushEvents(second, removed);
    }
    for (const auto* item : sent) (void)store_.markOutboxAttempt(item->id);
    return answerError(what, *a);
}

Status SyncAgentImpl::pushEnrolment(const store::OutboxItem& item, int& removed) {
    auto payload = payloadObject(item.payload);
    if (!payload.ok()) {
        KIOSK_TRY(reject(item, payload.error().code + ": " + payload.error().message));
        ++removed;
        return {};
    }
    const std::string what = "POST /v1/device/enrolments";
    auto a = http_->post("/v1/device/enrolments",
                         Json{{"stream", stream_}, {"seq", item.id}, {"enrolment", *payload}}.dump());
    noteTransport(a.ok() ? Status() : Status(a.error()));
    if (!a.ok()) return a.error();
    if (a->status == 200 || a->status == 201) {
        Status ack = store_.ackOutbox(item.id);
        if (!ack.ok() && ack.error().code != "store.not_found") return ack;
        ++removed;
        std::lock_guard lock(statusMu_);
        (a->status == 201 ? status_.pushedEvents : status_.duplicateAcks) += 1;
        return {};
    }
    if (rowRefusal(a->status)) {
        KIOSK_TRY(reject(item, answerError(what, *a).message));
        ++removed;
        return {};
    }
    (void)store_.markOutboxAttempt(item.id);
    return answerError(what, *a);
}

// --- Pull ---------------------------------------------------------------------------------

Status SyncAgentImpl::pullAll() {
    std::lock_guard lock(pullMu_);
    if (isLane()) {
        KIOSK_TRY(pullEnrolments());
        KIOSK_TRY(pullWatchlist());
    }
    KIOSK_TRY(pullTrustList());
    if (isLane()) KIOSK_TRY(pullHealthRules());
    return {};
}

Result<store::UpsertOutcome> SyncAgentImpl::applyEnrolment(const Json& j, const std::string& path) {
    KIOSK_ASSIGN_OR_RETURN(WireEnrolment w, enrolmentFromWire(j, path));
    store::EnrolmentRow row = w.row;
    // Inactive records only deactivate: their biometrics are not needed.
    if (row.active) {
        KIOSK_ASSIGN_OR_RETURN(row, openWireEnrolment(w, templateKey_));
    }
    KIOSK_ASSIGN_OR_RETURN(store::UpsertResult u, store_.upsertEnrolment(std::move(row), nowUnix(), kActor));
    return u.outcome;
}

Status SyncAgentImpl::pullEnrolments() {
    const std::string what = "GET /v1/device/enrolments";
    KIOSK_ASSIGN_OR_RETURN(int64_t cursor, store_.syncValue("enrolment_cursor"));
    for (;;) {
        if (stopping_.load()) return makeError("sync.cancelled", what + ": stopping");
        auto a = http_->get("/v1/device/enrolments?cursor=" + std::to_string(cursor) +
                            "&limit=" + std::to_string(options_.batchSize));
        noteTransport(a.ok() ? Status() : Status(a.error()));
        if (!a.ok()) return a.error();
        if (a->status != 200) return answerError(what, *a);
        KIOSK_ASSIGN_OR_RETURN(Json j, answerJson(what, *a));
        if (!j.contains("enrolments") || !j["enrolments"].is_array())
            return makeError("sync.protocol", what + ": no \"enrolments\" array");
        KIOSK_ASSIGN_OR_RETURN(int64_t next, intField(j, "cursor", what));
        KIOSK_ASSIGN_OR_RETURN(bool more, moreField(j, what));
        const Json& list = j["enrolments"];
        for (std::size_t i = 0; i < list.size(); ++i) {
            auto r = applyEnrolment(list[i], "enrolments[" + std::to_string(i) + "]");
            if (r.ok()) continue;
            // The store failing is retried later (the cursor stays); a record that cannot
            // be read or opened will not get better by retrying, so it is skipped, loudly.
            if (r.error().code.rfind("store.", 0) == 0) return r.error();
            const Json& e = list[i];
            core::logError("sync.enrolment_skipped",
                           {{"reference", e.is_object() && e.contains("reference") && e["reference"].is_string()
                                              ? e["reference"].get<std::string>()
                                              : std::string()},
                            {"code", r.error().code},
                            {"message", r.error().message}});
            std::lock_guard lock(statusMu_);
            ++status_.skippedEnrolments;
        }
        if (next < cursor) return makeError("sync.protocol", what + ": the cursor went backwards");
        if (more && next == cursor) return makeError("sync.protocol", what + ": \"more\" without progress");
        if (next != cursor) KIOSK_TRY(store_.setSyncValue("enrolment_cursor", next));
        cursor = next;
        if (!more) break;
    }
    const int64_t now = nowUnix();
    KIOSK_TRY(store_.setSyncValue("last_enrolment_sync", now));
    lastEnrolmentSync_ = now;
    return {};
}

Status SyncAgentImpl::pullWatchlist() {
    const std::string what = "GET /v1/device/watchlist";
    KIOSK_ASSIGN_OR_RETURN(int64_t cursor, store_.syncValue("watchlist_cursor"));
    for (;;) {
        if (stopping_.load()) return makeError("sync.cancelled", what + ": stopping");
        auto a = http_->get("/v1/device/watchlist?cursor=" + std::to_string(cursor) +
                            "&limit=" + std::to_string(options_.batchSize));
        noteTransport(a.ok() ? Status() : Status(a.error()));
        if (!a.ok()) return a.error();
        if (a->status != 200) return answerError(what, *a);
        KIOSK_ASSIGN_OR_RETURN(Json j, answerJson(what, *a));
        if (!j.contains("changes") || !j["changes"].is_array())
            return makeError("sync.protocol", what + ": no \"changes\" array");
        KIOSK_ASSIGN_OR_RETURN(int64_t next, intField(j, "cursor", what));
        KIOSK_ASSIGN_OR_RETURN(bool more, moreField(j, what));
        const int64_t now = nowUnix();
        for (const Json& c : j["changes"]) {
            const bool ok = c.is_object() && c.contains("document_hash") && c["document_hash"].is_string() &&
                            c.contains("op") && c["op"].is_string();
            const std::string op = ok ? c["op"].get<std::string>() : "";
            if (op != "add" && op != "remove") {
                core::logError("sync.watchlist_skipped", {{"reason", "change without document_hash or op add/remove"}});
                continue;
            }
            const std::string hash = c["document_hash"].get<std::string>();
            Status s = op == "add" ? store_.addToWatchlist(hash, now) : store_.removeFromWatchlist(hash);
            if (!s.ok()) {
                if (s.error().code != "store.invalid") return s;
                core::logError("sync.watchlist_skipped", {{"reason", s.error().message}});
            }
        }
        if (next < cursor) return makeError("sync.protocol", what + ": the cursor went backwards");
        if (more && next == cursor) return makeError("sync.protocol", what + ": \"more\" without progress");
        if (next != cursor) KIOSK_TRY(store_.setSyncValue("watchlist_cursor", next));
        cursor = next;
        if (!more) return {};
    }
}

Status SyncAgentImpl::pullTrustList() {
    // Nobody to verify it: never taken.
    if (!onTrustList_) return {};
    const std::string what = "GET /v1/device/trust-list";
    KIOSK_ASSIGN_OR_RETURN(int64_t have, store_.syncValue("trust_list_version"));
    auto a = http_->get("/v1/device/trust-list?have=" + std::to_string(have));
    noteTransport(a.ok() ? Status() : Status(a.error()));
    if (!a.ok()) return a.error();
    if (a->status == 404) return {};  // none uploaded yet
    if (a->status != 200) return answerError(what, *a);
    KIOSK_ASSIGN_OR_RETURN(Json j, answerJson(what, *a));
    KIOSK_ASSIGN_OR_RETURN(int64_t version, intField(j, "version", what));
    if (j.contains("unchanged") && j["unchanged"] == true) return {};
    if (version == have || version == refusedTrustVersion_) return {};
    if (!j.contains("signed_list") || !j["signed_list"].is_string())
        return makeError("sync.protocol", what + ": no \"signed_list\"");
    auto bytes = base64Decode(j["signed_list"].get<std::string>());
    if (!bytes.ok()) return makeError("sync.protocol", what + ": signed_list is not base64");
    Status accepted = onTrustList_(*bytes);
    if (!accepted.ok()) {
        // Refused once, not fetched again until a newer version appears.
        refusedTrustVersion_ = version;
        core::logError("sync.trust_list_refused",
                       {{"version", version}, {"code", accepted.error().code}, {"message", accepted.error().message}});
        return {};
    }
    KIOSK_TRY(store_.saveTrustState(store::TrustState{*bytes, nowUnix(), 0}));
    KIOSK_TRY(store_.setSyncValue("trust_list_version", version));
    core::logInfo("sync.trust_list", {{"version", version}});
    return {};
}

Status SyncAgentImpl::pullHealthRules() {
    if (!onHealthRules_) return {};
    const std::string what = "GET /v1/device/health-rules";
    KIOSK_ASSIGN_OR_RETURN(int64_t have, store_.syncValue("health_rules_version"));
    auto a = http_->get("/v1/device/health-rules?have=" + std::to_string(have));
    noteTransport(a.ok() ? Status() : Status(a.error()));
    if (!a.ok()) return a.error();
    if (a->status == 404) return {};
    if (a->status != 200) return answerError(what, *a);
    KIOSK_ASSIGN_OR_RETURN(Json j, answerJson(what, *a));
    KIOSK_ASSIGN_OR_RETURN(int64_t version, intField(j, "version", what));
    if (j.contains("unchanged") && j["unchanged"] == true) return {};
    if (version == have || version == refusedHealthVersion_) return {};
    if (!j.contains("health_code") || !j["health_code"].is_array())
        return makeError("sync.protocol", what + ": no \"health_code\" array");
    Status accepted = onHealthRules_(j["health_code"]);
    if (!accepted.ok()) {
        refusedHealthVersion_ = version;
        core::logError("sync.health_rules_refused",
                       {{"version", version}, {"code", accepted.error().code}, {"message", accepted.error().message}});
        return {};
    }
    KIOSK_TRY(store_.setSyncValue("health_rules_version", version));
    core::logInfo("sync.health_rules", {{"version", version}});
    return {};
}

}  // namespace kiosk::sync::detail
