// Console endpoints for watching and acting on lanes (docs/console.md): the wall of tiles,
// a lane's page, commands, alerts and their acknowledgement, enrolment look-up, statistics,
// the live feed.
#include <algorithm>
#include <map>

#include "core/log.h"
#include "server/api.h"
#include "server/api_console.h"
#include "server/api_json.h"

namespace kiosk::server {

using apijson::Fields;
using core::Json;

namespace {

constexpr int64_t kI64Max = INT64_MAX;
constexpr int64_t kScanLogS = 12 * 3600;
constexpr int kScanLogMax = 1000;
constexpr int kLaneAuditRows = 200;

Json parsedOr(const std::string& text, Json fallback) {
    if (text.empty()) return fallback;
    auto j = core::parseJsonText(text, "stored json");
    return j.ok() && !j->is_discarded() ? *j : fallback;
}

std::optional<int64_t> positiveId(const std::string& s) {
    auto id = apijson::parseInt64(s);
    if (!id || *id <= 0) return std::nullopt;
    return id;
}

}  // namespace

namespace consoleview {

std::string controlPointOf(const std::string& laneId) {
    const auto dash = laneId.rfind('-');
    if (dash == std::string::npos || dash == 0 || dash + 1 == laneId.size()) return laneId;
    for (size_t i = dash + 1; i < laneId.size(); ++i)
        if (laneId[i] < '0' || laneId[i] > '9') return laneId;
    return laneId.substr(0, dash);
}

Json tile(const LaneSummary& s, int64_t now, int64_t staleAfterS) {
    const Json hb = parsedOr(s.lastHeartbeat, Json::object());
    const Json ls = parsedOr(s.lastLaneState, Json::object());
    Json state = nullptr;
    const bool hbState = hb.is_object() && hb.contains("state") && hb["state"].is_string();
    const bool lsState = ls.is_object() && ls.contains("to") && ls["to"].is_string();
    if (hbState && (!lsState || s.lastHeartbeatAt >= s.lastLaneStateAt)) state = hb["state"];
    else if (lsState) state = ls["to"];
    Json inService = hb.is_object() && hb.contains("in_service") && hb["in_service"].is_boolean() ? hb["in_service"]
                                                                                                   : Json(nullptr);
    Json doors = hb.is_object() && hb.contains("doors") && hb["doors"].is_object() ? hb["doors"] : Json(nullptr);
    Json last = nullptr;
    if (!s.lastCrossing.empty()) {
        const Json c = parsedOr(s.lastCrossing, Json::object());
        last = Json{{"outcome", c.value("outcome", "")},
                    {"reasons", c.contains("reasons") && c["reasons"].is_array() ? c["reasons"] : Json::array()},
                    {"time", s.lastCrossingAt}};
    }
    return Json{{"lane", s.deviceId},
                {"state", state},
                {"in_service", inService},
                {"doors", doors},
                {"last_crossing", last},
                {"crossings_last_hour", s.crossingsSince},
                {"open_alerts", s.openAlerts},
                {"last_seen", s.lastSeen},
                {"stale", s.lastSeen + staleAfterS < now}};
}

Json alert(const AlertView& a) {
    const Json p = parsedOr(a.payload, Json::object());
    Json j{{"id", a.id},
           {"lane", p.value("lane", a.deviceId)},
           {"reason", p.value("reason", "")},
           {"raised_by", p.value("raised_by", "lane")},
           {"seq", a.seq},
           {"time", a.deviceTime},
           {"received_at", a.receivedAt},
           {"acked", a.ack.has_value()},
           {"acked_by", nullptr},
           {"acked_at", nullptr},
           {"command", nullptr}};
    if (a.ack) {
        j["acked_by"] = a.ack->officer;
        j["acked_at"] = a.ack->ackedAt;
        if (a.ack->commandId > 0) j["command"] = a.ack->commandId;
    }
    return j;
}

Json command(const LaneCommand& c) {
    return Json{{"id", c.id},
                {"device", c.deviceId},
                {"kind", c.kind},
                {"args", parsedOr(c.args, Json::object())},
                {"state", toString(c.state)},
                {"detail", c.detail},
                {"issued_by", c.issuedBy},
                {"issued_at", c.issuedAt},
                {"delivered_at", c.deliveredAt},
                {"completed_at", c.completedAt}};
}

}  // namespace consoleview

// --- The wall, a lane's page ----------------------------------------------------------------

Response ConsoleApi::getLanes(Call& c) {
    KIOSK_API_TRY(apijson::queryOnly(c.req.query, {}));
    KIOSK_API_REPO(auto lanes, console_.laneSummaries(c.now - 3600), "console_lanes");
    std::map<std::string, Json> points;
    for (const auto& s : lanes) {
        Json& list = points[consoleview::controlPointOf(s.deviceId)];
        if (list.is_null()) list = Json::array();
        list.push_back(consoleview::tile(s, c.now, opt_.staleAfterS));
    }
    Json out = Json::array();
    for (auto& [id, list] : points) out.push_back(Json{{"id", id}, {"lanes", std::move(list)}});
    return apiresp::json(200, Json{{"now", c.now}, {"stale_after_s", opt_.staleAfterS}, {"control_points", out}});
}

Response ConsoleApi::getLane(Call& c) {
    const auto& q = c.req.query;
    KIOSK_API_TRY(apijson::queryOnly(q, {"before", "limit", "days"}));
    KIOSK_API_ASSIGN(int64_t before, apijson::queryInt(q, "before", 0, 0, kI64Max));
    KIOSK_API_ASSIGN(int64_t limit, apijson::queryInt(q, "limit", 100, 1, 500));
    KIOSK_API_ASSIGN(int64_t days, apijson::queryInt(q, "days", 31, 1, 31));
    const std::string& lane = c.params.at(0);
    if (!apijson::isDeviceId(lane)) return apiresp::error(404, "api.not_found", "no such lane");
    KIOSK_API_REPO(auto lanes, console_.laneSummaries(c.now - 3600), "console_lanes");
    const auto it = std::find_if(lanes.begin(), lanes.end(), [&](const LaneSummary& s) { return s.deviceId == lane; });
    if (it == lanes.end()) return apiresp::error(404, "api.not_found", "no such lane");

    KIOSK_API_REPO(auto scans, console_.laneEvents(lane, "scan", c.now - kScanLogS, 0, kScanLogMax), "console_scans");
    Json scanList = Json::array();
    for (const auto& e : scans) {
        const Json p = parsedOr(e.payload, Json::object());
        scanList.push_back(Json{{"id", e.id},
                                {"time", e.deviceTime},
                                {"received_at", e.receivedAt},
                                {"qr_hash", p.value("qr_hash", "")},
                                {"verdict", p.value("verdict", "")}});
    }
    KIOSK_API_REPO(auto crossings,
                   console_.laneEvents(lane, "crossing", c.now - days * 86400, before, static_cast<int>(limit) + 1),
                   "console_crossings");
    const bool more = static_cast<int64_t>(crossings.size()) > limit;
    if (more) crossings.resize(static_cast<size_t>(limit));
    Json crossingList = Json::array();
    for (const auto& e : crossings) {
        const Json p = parsedOr(e.payload, Json::object());
        crossingList.push_back(Json{{"id", e.id},
                                    {"time", e.deviceTime},
                                    {"received_at", e.receivedAt},
                                    {"outcome", p.value("outcome", "")},
                                    {"reasons", p.contains("reasons") ? p["reasons"] : Json::array()},
                                    {"reference", p.value("reference", "")},
                                    {"qr_hash", p.value("qr_hash", "")},
                                    {"lane_ms", p.value("lane_ms", int64_t{0})}});
    }
    KIOSK_API_REPO(auto auditRows, console_.auditAbout(lane, kLaneAuditRows), "console_lane_audit");
    Json auditList = Json::array();
    for (const auto& r : auditRows) auditList.push_back(consoleview::auditRow(r));
    return apiresp::json(200, Json{{"lane", consoleview::tile(*it, c.now, opt_.staleAfterS)},
                                   {"scans", std::move(scanList)},
                                   {"crossings", std::move(crossingList)},
                                   {"more", more},
                                   {"audit", std::move(auditList)}});
}

// --- Commands -------------------------------------------------------------------------------

Response ConsoleApi::postLaneCommand(Call& c) {
    const std::string& lane = c.params.at(0);
    if (!apijson::isDeviceId(lane)) return apiresp::error(404, "api.not_found", "no such lane");
    Fields f(c.body, "");
    KIOSK_API_TRY(f.requireOnly({"kind", "args", "confirm"}));
    KIOSK_API_ASSIGN(std::string kind, f.oneOf("kind", {"release", "emergency_open", "out_of_service", "in_service"}));
    if (f.has("args")) {
        KIOSK_API_ASSIGN(const Json* args, f.object("args"));
        KIOSK_API_TRY(Fields(*args, "args").requireOnly({}));
    }
    KIOSK_API_ASSIGN(bool confirm, f.boolean("confirm"));
    if (!confirm) return apiresp::error(f.badValue("confirm", "must be true (the confirmation step)"));
    const bool serviceChange = kind == "out_of_service" || kind == "in_service";
    if (serviceChange && c.role < OfficerRole::Supervisor)
        return apiresp::error(403, "auth.wrong_role", "taking a lane out of or into service is for supervisors");

    KIOSK_API_REPO(auto devices, repo_.devices(), "devices");
    const bool known = std::any_of(devices.begin(), devices.end(),
                                   [&](const DeviceInfo& d) { return d.deviceId == lane && d.role == "lane"; });
    if (!known) return apiresp::error(404, "api.not_found", "no such lane");

    LaneCommand cmd;
    cmd.deviceId = lane;
    cmd.kind = kind;
    cmd.args = "{}";
    cmd.issuedBy = actor(c);
    cmd.issuedAt = c.now;
    KIOSK_API_REPO(LaneCommand stored, repo_.enqueueCommand(cmd), "enqueue_command");
    notifyCommand(lane);
    if (auto e = audit(c, "console.command", "command " + std::to_string(stored.id) + " " + kind + " to " + lane, lane))
        return *e;
    notifyFeed("command", consoleview::command(stored));
    return apiresp::json(201, Json{{"id", stored.id}, {"state", toString(stored.state)}});
}

Response ConsoleApi::getCommand(Call& c) {
    KIOSK_API_TRY(apijson::queryOnly(c.req.query, {}));
    const auto id = positiveId(c.params.at(0));
    if (!id) return apiresp::error(404, "api.not_found", "no such command");
    KIOSK_API_REPO(auto cmd, repo_.command(*id), "command");
    if (!cmd) return apiresp::error(404, "api.not_found", "no such command");
    return apiresp::json(200, consoleview::command(*cmd));
}

// --- Alerts ---------------------------------------------------------------------------------

Response ConsoleApi::getAlerts(Call& c) {
    const auto& q = c.req.query;
    KIOSK_API_TRY(apijson::queryOnly(q, {"open", "before", "limit"}));
    KIOSK_API_ASSIGN(int64_t open, apijson::queryInt(q, "open", 0, 0, 1));
    KIOSK_API_ASSIGN(int64_t before, apijson::queryInt(q, "before", 0, 0, kI64Max));
    KIOSK_API_ASSIGN(int64_t limit, apijson::queryInt(q, "limit", 100, 1, 500));
    KIOSK_API_REPO(auto rows, console_.alerts(open == 1, before, static_cast<int>(limit) + 1), "console_alerts");
    const bool more = static_cast<int64_t>(rows.size()) > limit;
    if (more) rows.resize(static_cast<size_t>(limit));
    Json out = Json::array();
    for (const auto& a : rows) out.push_back(consoleview::alert(a));
    return apiresp::json(200, Json{{"alerts", std::move(out)}, {"more", more}});
}

Response ConsoleApi::postAlertAck(Call& c) {
    KIOSK_API_TRY(Fields(c.body, "").requireOnly({}));
    const auto id = positiveId(c.params.at(0));
    if (!id) return apiresp::error(404, "api.not_found", "no such alert");
    KIOSK_API_REPO(auto existing, console_.alert(*id), "console_alert");
    if (!existing) return apiresp::error(404, "api.not_found", "no such alert");
    KIOSK_API_REPO(auto acked, console_.acknowledgeAlert(*id, c.session.officer, c.now), "console_ack");
    if (acked.second) {
        KIOSK_API_REPO(auto again, console_.alert(*id), "console_alert");
        Json j = again ? consoleview::alert(*again) : consoleview::alert(*existing);
        j["duplicate"] = true;
        return apiresp::json(200, j);
    }
    // An alert the server raised itself (a journal anchor that contradicts an earlier one)
    // has nothing to acknowledge on the lane; the lane's own alert id is its outbox
    // sequence number: the event's seq.
    auto payload = core::parseJsonText(existing->payload, "alert");
    const bool serverAlert = payload.ok() && payload->is_object() && payload->value("raised_by", "") == "server";
    std::string outcome = " (server alert)";
    if (!serverAlert) {
        LaneCommand cmd;
        cmd.deviceId = existing->deviceId;
        cmd.kind = "ack_alert";
        cmd.args = apijson::dump(Json{{"alert", std::to_string(existing->seq)}});
        cmd.issuedBy = actor(c);
        cmd.issuedAt = c.now;
        KIOSK_API_REPO(LaneCommand stored, repo_.enqueueCommand(cmd), "enqueue_command");
        auto st = console_.setAckCommand(*id, stored.id);
        if (!st.ok()) return apiresp::repoError(st.error(), "console_ack_command");
        notifyCommand(existing->deviceId);
        outcome = ", command " + std::to_string(stored.id);
    }
    if (auto e = audit(c, "console.alert_ack",
                       "alert " + std::to_string(*id) + " of " + existing->deviceId + " acknowledged" + outcome,
                       existing->deviceId))
        return *e;
    KIOSK_API_REPO(auto now, console_.alert(*id), "console_alert");
    Json j = consoleview::alert(now ? *now : *existing);
    j["duplicate"] = false;
    notifyFeed("alert_ack", j);
    return apiresp::json(200, j);
}

// --- Enrolments, statistics, the live feed -------------------------------------------------

Response ConsoleApi::getEnrolment(Call& c) {
    KIOSK_API_TRY(apijson::queryOnly(c.req.query, {}));
    const std::string& ref = c.params.at(0);
    if (!apijson::isReference(ref)) return apiresp::error(404, "api.not_found", "no such enrolment");
    KIOSK_API_REPO(auto rec, repo_.enrolmentByReference(ref), "enrolment_by_reference");
    if (auto e = audit(c, "console.enrolment_lookup", "reference " + ref + (rec ? "" : " (not found)"))) return *e;
    if (!rec) return apiresp::error(404, "api.not_found", "no such enrolment");
    // Masked number only: never biometrics, the document hash or the date of birth.
    return apiresp::json(200, Json{{"reference", rec->reference},
                                   {"document_masked", rec->documentMasked},
                                   {"residency", rec->residency},
                                   {"channel", rec->channel},
                                   {"enrolled_at", rec->enrolledAt},
                                   {"document_expiry", rec->documentExpiry},
                                   {"active", rec->active}});
}

Response ConsoleApi::getStats(Call& c) {
    const auto& q = c.req.query;
    KIOSK_API_TRY(apijson::queryOnly(q, {"hours"}));
    KIOSK_API_ASSIGN(int64_t hours, apijson::queryInt(q, "hours", 24, 1, 744));
    const int64_t hourNow = c.now - ((c.now % 3600) + 3600) % 3600;
    const int64_t from = hourNow - (hours - 1) * 3600;
    std::vector<int64_t> perHour(static_cast<size_t>(hours), 0), passed(perHour), refused(perHour);
    KIOSK_API_REPO(CrossingStats st, console_.crossingStats(from, c.now), "console_stats");
    int64_t total = 0;
    for (const auto& h : st.hours) {
        if (h.slot < 0 || h.slot >= hours) continue;
        const auto slot = static_cast<size_t>(h.slot);
        perHour[slot] = h.crossings;
        passed[slot] = h.passed;
        refused[slot] = h.refused;
        total += h.crossings;
    }
    Json hoursOut = Json::array();
    for (size_t i = 0; i < perHour.size(); ++i)
        hoursOut.push_back(Json{{"hour", from + static_cast<int64_t>(i) * 3600},
                                {"crossings", perHour[i]},
                                {"passed", passed[i]},
                                {"refused", refused[i]}});
    Json p50 = st.p50LaneMs ? Json(*st.p50LaneMs) : Json(nullptr);
    Json byReason = Json::object();
    for (const auto& [r, n] : st.refusalsByReason) byReason[r] = n;
    return apiresp::json(200, Json{{"from", from},
                                   {"to", c.now},
                                   {"hours", hours},
                                   {"per_hour", std::move(hoursOut)},
                                   {"crossings", total},
                                   {"refusals_by_reason", std::move(byReason)},
                                   {"p50_lane_ms", p50}});
}

Response ConsoleApi::getStream(Call& c) {
    KIOSK_API_TRY(apijson::queryOnly(c.req.query, {}));
    int64_t last = 0;
    if (auto it = c.req.headers.find("last-event-id"); it != c.req.headers.end()) {
        auto v = apijson::parseInt64(it->second);
        if (v && *v > 0) last = *v;
    }
    Response r;
    r.status = 200;
    r.contentType = "text/event-stream";
    r.headers.emplace_back("Cache-Control", "no-store");
    r.stream = EventStream{"console", last, c.session.officer};
    return r;
}

}  // namespace kiosk::server
