// Admin endpoints (docs/api.md, "Admin endpoints"): certificate role `admin` (kioskctl,
// tests, enrolment-office imports).
#include <cstdint>

#include "core/log.h"
#include "server/api.h"
#include "server/api_json.h"

namespace kiosk::server {

using apijson::Fields;
using core::Json;

namespace {

constexpr int64_t kI64Max = INT64_MAX;
const std::vector<std::string> kCommandKinds = {"out_of_service", "in_service", "release", "emergency_open",
                                                "ack_alert"};

bool isEventKind(std::string_view s) {
    return s == "crossing" || s == "scan" || s == "alert" || s == "heartbeat" || s == "lane_state" ||
           s == "journal_anchor";
}
bool isAlertId(std::string_view s) { return !s.empty() && apijson::isToken(s); }

std::string adminActor(const Identity& who) { return "admin:" + who.deviceId; }

Json parsedOr(const std::string& text, Json fallback) {
    if (text.empty()) return fallback;
    auto j = core::parseJsonText(text, "stored json");
    return j.ok() ? *j : fallback;
}

// The health_code array of docs/policies.md, rebuilt from the checked fields.
core::Result<Json> checkHealthCode(const Json& arr) {
    Json out = Json::array();
    std::string previous;
    for (size_t i = 0; i < arr.size(); ++i) {
        const std::string at = "health_code[" + std::to_string(i) + "]";
        if (!arr[i].is_object()) return core::makeError("api.bad_type", at + ": must be an object");
        Fields f(arr[i], at);
        KIOSK_TRY(f.requireOnly({"from", "required", "max_code_age_minutes", "hc1_accepted"}));
        Json e = Json::object();
        KIOSK_ASSIGN_OR_RETURN(std::string from, f.string("from", apijson::isDate, "a date YYYY-MM-DD"));
        if (!previous.empty() && from <= previous) return f.badValue("from", "must be later than the entry before");
        previous = from;
        e["from"] = from;
        KIOSK_ASSIGN_OR_RETURN(e["required"], f.boolean("required"));
        if (f.has("max_code_age_minutes")) {
            KIOSK_ASSIGN_OR_RETURN(e["max_code_age_minutes"], f.integer("max_code_age_minutes", 1, 1440));
        }
        KIOSK_ASSIGN_OR_RETURN(e["hc1_accepted"], f.booleanOr("hc1_accepted", false));
        out.push_back(std::move(e));
    }
    return out;
}

core::Result<Json> checkCommandArgs(const std::string& kind, const Fields& top) {
    if (!top.has("args")) {
        if (kind == "ack_alert") return top.missing("args");
        return Json::object();
    }
    KIOSK_ASSIGN_OR_RETURN(const Json* args, top.object("args"));
    Fields a(*args, "args");
    if (kind != "ack_alert") {
        KIOSK_TRY(a.requireOnly({}));
        return Json::object();
    }
    KIOSK_TRY(a.requireOnly({"alert"}));
    KIOSK_ASSIGN_OR_RETURN(std::string alert, a.string("alert", isAlertId, "an alert id ([A-Za-z0-9._:-]{1,64})"));
    return Json{{"alert", alert}};
}

std::optional<int64_t> positiveId(const std::string& s) {
    auto id = apijson::parseInt64(s);
    if (!id || *id <= 0) return std::nullopt;
    return id;
}

}  // namespace

Response Api::postAdminEnrolment(Call& c) {
    Fields f(c.body, "");
    KIOSK_API_TRY(f.requireOnly({"enrolment"}));
    KIOSK_API_ASSIGN(const Json* obj, f.object("enrolment"));
    KIOSK_API_ASSIGN(EnrolmentRecord rec, readEnrolment(*obj, "enrolment"));
    rec.sourceDevice = "import:" + c.who.deviceId;
    rec.receivedAt = c.now;
    return storeEnrolment(rec, "", 0, adminActor(c.who));
}

Response Api::getAdminEnrolment(Call& c) {
    KIOSK_API_TRY(apijson::queryOnly(c.req.query, {}));
    const std::string& ref = c.params.at(0);
    if (!apijson::isReference(ref)) return apiresp::error(404, "api.not_found", "no such enrolment");
    KIOSK_API_REPO(auto rec, repo_.enrolmentByReference(ref), "enrolment_by_reference");
    if (!rec) return apiresp::error(404, "api.not_found", "no such enrolment");
    Json j = apiresp::enrolmentJson(*rec, /*withBiometrics=*/false);
    j["source_device"] = rec->sourceDevice;
    j["received_at"] = rec->receivedAt;
    return apiresp::json(200, j);
}

Response Api::postWatchlist(Call& c) {
    Fields f(c.body, "");
    KIOSK_API_TRY(f.requireOnly({"document_hash", "op"}));
    KIOSK_API_ASSIGN(std::string hash, f.string("document_hash", apijson::isHex64, "64 lowercase hex"));
    KIOSK_API_ASSIGN(std::string op, f.oneOf("op", {"add", "remove"}));
    KIOSK_API_REPO(WatchlistChange ch, repo_.changeWatchlist(hash, op == "add", c.now, adminActor(c.who)),
                   "change_watchlist");
    return apiresp::json(200, Json{{"cursor", ch.cursor}});
}

Response Api::putTrustList(Call& c) {
    Fields f(c.body, "");
    KIOSK_API_TRY(f.requireOnly({"signed_list"}));
    KIOSK_API_ASSIGN(std::string list, f.string("signed_list", apijson::isBase64, "base64", opt_.maxBodyBytes));
    KIOSK_API_REPO(int64_t version, repo_.putBlob("trust_list", list, c.now, adminActor(c.who)), "put_trust_list");
    return apiresp::json(200, Json{{"version", version}});
}

Response Api::putHealthRules(Call& c) {
    Fields f(c.body, "");
    KIOSK_API_TRY(f.requireOnly({"health_code"}));
    KIOSK_API_ASSIGN(const Json* arr, f.array("health_code", 0, 100));
    KIOSK_API_ASSIGN(Json rules, checkHealthCode(*arr));
    KIOSK_API_REPO(int64_t version, repo_.putBlob("health_rules", apijson::dump(rules), c.now, adminActor(c.who)),
                   "put_health_rules");
    return apiresp::json(200, Json{{"version", version}});
}

Response Api::postLaneCommand(Call& c) {
    const std::string& device = c.params.at(0);
    if (!apijson::isDeviceId(device)) return apiresp::error(404, "api.not_found", "no such lane");
    Fields f(c.body, "");
    KIOSK_API_TRY(f.requireOnly({"kind", "args"}));
    KIOSK_API_ASSIGN(std::string kind, f.oneOf("kind", kCommandKinds));
    KIOSK_API_ASSIGN(Json args, checkCommandArgs(kind, f));
    LaneCommand cmd;
    cmd.deviceId = device;
    cmd.kind = kind;
    cmd.args = apijson::dump(args);
    cmd.issuedBy = adminActor(c.who);
    cmd.issuedAt = c.now;
    KIOSK_API_REPO(LaneCommand stored, repo_.enqueueCommand(cmd), "enqueue_command");
    notifyCommand(device);
    return apiresp::json(201, Json{{"id", stored.id}, {"state", toString(stored.state)}});
}

Response Api::getCommand(Call& c) {
    KIOSK_API_TRY(apijson::queryOnly(c.req.query, {}));
    const auto id = positiveId(c.params.at(0));
    if (!id) return apiresp::error(404, "api.not_found", "no such command");
    KIOSK_API_REPO(auto cmd, repo_.command(*id), "command");
    if (!cmd) return apiresp::error(404, "api.not_found", "no such command");
    return apiresp::json(200, Json{{"id", cmd->id},
                                   {"device", cmd->deviceId},
                                   {"kind", cmd->kind},
                                   {"args", parsedOr(cmd->args, Json::object())},
                                   {"state", toString(cmd->state)},
                                   {"detail", cmd->detail},
                                   {"issued_by", cmd->issuedBy},
                                   {"issued_at", cmd->issuedAt},
                                   {"delivered_at", cmd->deliveredAt},
                                   {"completed_at", cmd->completedAt}});
}

Response Api::getDevices(Call& c) {
    KIOSK_API_TRY(apijson::queryOnly(c.req.query, {}));
    KIOSK_API_REPO(auto list, repo_.devices(), "devices");
    Json out = Json::array();
    for (const auto& d : list) {
        out.push_back(Json{{"device", d.deviceId},
                           {"role", d.role},
                           {"first_seen", d.firstSeen},
                           {"last_seen", d.lastSeen},
                           {"heartbeat", parsedOr(d.lastHeartbeat, nullptr)},
                           {"heartbeat_at", d.lastHeartbeatAt}});
    }
    return apiresp::json(200, Json{{"devices", std::move(out)}});
}

Response Api::getEvents(Call& c) {
    const auto& q = c.req.query;
    KIOSK_API_TRY(apijson::queryOnly(q, {"device", "kind", "after", "limit"}));
    EventQuery eq;
    KIOSK_API_ASSIGN(eq.deviceId, apijson::queryString(q, "device", apijson::isDeviceId, "a device id"));
    KIOSK_API_ASSIGN(eq.kind, apijson::queryString(q, "kind", isEventKind, "an event kind"));
    KIOSK_API_ASSIGN(eq.afterId, apijson::queryInt(q, "after", 0, 0, kI64Max));
    KIOSK_API_ASSIGN(int64_t limit, apijson::queryInt(q, "limit", opt_.defaultPage, 1, opt_.maxPage));
    eq.limit = static_cast<int>(limit) + 1;
    KIOSK_API_REPO(auto rows, repo_.events(eq), "events");
    const bool more = static_cast<int64_t>(rows.size()) > limit;
    if (more) rows.resize(static_cast<size_t>(limit));
    Json out = Json::array();
    for (const auto& e : rows) {
        out.push_back(Json{{"id", e.id},
                           {"device", e.deviceId},
                           {"stream", e.stream},
                           {"seq", e.seq},
                           {"kind", e.kind},
                           {"time", e.deviceTime},
                           {"received_at", e.receivedAt},
                           {"payload", parsedOr(e.payload, Json::object())}});
    }
    return apiresp::json(200, Json{{"events", std::move(out)}, {"more", more}});
}

Response Api::getAudit(Call& c) {
    const auto& q = c.req.query;
    KIOSK_API_TRY(apijson::queryOnly(q, {"after", "limit"}));
    KIOSK_API_ASSIGN(int64_t after, apijson::queryInt(q, "after", 0, 0, kI64Max));
    KIOSK_API_ASSIGN(int64_t limit, apijson::queryInt(q, "limit", opt_.defaultPage, 1, opt_.maxPage));
    KIOSK_API_REPO(auto rows, repo_.audit(after, static_cast<int>(limit) + 1), "audit");
    const bool more = static_cast<int64_t>(rows.size()) > limit;
    if (more) rows.resize(static_cast<size_t>(limit));
    Json out = Json::array();
    for (const auto& a : rows)
        out.push_back(Json{{"id", a.id}, {"time", a.time}, {"actor", a.actor}, {"action", a.action}, {"detail", a.detail}});
    return apiresp::json(200, Json{{"audit", std::move(out)}, {"more", more}});
}

Response Api::getStats(Call& c) {
    KIOSK_API_TRY(apijson::queryOnly(c.req.query, {}));
    KIOSK_API_REPO(RepositoryCounts n, repo_.counts(), "counts");
    return apiresp::json(200, Json{{"events", n.events},
                                   {"enrolments", n.enrolments},
                                   {"active_enrolments", n.activeEnrolments},
                                   {"commands", n.commands},
                                   {"audit", n.audit},
                                   {"devices", n.devices}});
}

}  // namespace kiosk::server
