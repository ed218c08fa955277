// Device endpoints (docs/api.md, "Device endpoints"): lanes and registration machines.
#include <cstdint>
#include <map>

#include "core/log.h"
#include "server/api.h"
#include "server/api_journal_anchors.h"
#include "server/api_json.h"

namespace kiosk::server {

using apijson::Fields;
using core::Json;

namespace {

bool emptyOrReference(std::string_view s) { return s.empty() || apijson::isReference(s); }
bool emptyOrHex64(std::string_view s) { return s.empty() || apijson::isHex64(s); }

const std::vector<std::string> kOutcomes = {"passed", "refused", "aborted", "fault"};
const std::vector<std::string> kEventKinds = {"crossing", "scan", "alert", "heartbeat", "lane_state", "journal_anchor"};
const std::vector<std::string> kResidencies = {"hk_permanent", "mo_permanent", "hk_non_permanent",
                                               "mo_non_permanent", "other"};
const std::vector<std::string> kChannels = {"machine", "office"};
constexpr int64_t kI64Max = INT64_MAX;
constexpr int64_t kI64Min = INT64_MIN;

// The payload of one event, rebuilt from the whitelisted fields only: what is stored is
// exactly what was checked.
// A heartbeat's {"entry": ..., "exit": ...}: what the lane last read from its gate.
core::Result<Json> doorsField(const apijson::Fields& parent) {
    KIOSK_ASSIGN_OR_RETURN(const Json* obj, parent.object("doors"));
    apijson::Fields d(*obj, parent.at("doors"));
    KIOSK_TRY(d.requireOnly({"entry", "exit"}));
    static const std::vector<std::string> kStates = {"closed", "open", "moving", "jammed"};
    Json out = Json::object();
    KIOSK_ASSIGN_OR_RETURN(std::string entry, d.oneOf("entry", kStates));
    KIOSK_ASSIGN_OR_RETURN(std::string exit, d.oneOf("exit", kStates));
    out["entry"] = entry;
    out["exit"] = exit;
    return out;
}

// "reasons": up to 32 reason codes (a crossing's, or why a lane is out of service).
core::Result<Json> reasonList(Fields& f) {
    KIOSK_ASSIGN_OR_RETURN(const Json* reasons, f.array("reasons", 0, 32));
    Json list = Json::array();
    for (size_t i = 0; i < reasons->size(); ++i) {
        const Json& r = (*reasons)[i];
        const std::string at = f.at("reasons") + "[" + std::to_string(i) + "]";
        if (!r.is_string()) return core::makeError("api.bad_type", at + ": must be a string");
        if (!apijson::isReasonCode(r.get_ref<const std::string&>()))
            return core::makeError("api.bad_value", at + ": must be a reason code");
        list.push_back(r);
    }
    return list;
}

core::Result<Json> checkPayload(const std::string& kind, const Json& p, const std::string& path) {
    Fields f(p, path);
    Json out = Json::object();
    if (kind == "crossing") {
        KIOSK_TRY(f.requireOnly({"lane", "outcome", "reasons", "reference", "qr_hash", "lane_ms"}));
        KIOSK_ASSIGN_OR_RETURN(out["lane"], f.string("lane", apijson::isDeviceId, "a lane id"));
        KIOSK_ASSIGN_OR_RETURN(out["outcome"], f.oneOf("outcome", kOutcomes));
        KIOSK_ASSIGN_OR_RETURN(out["reasons"], reasonList(f));
        KIOSK_ASSIGN_OR_RETURN(out["reference"], f.string("reference", emptyOrReference, "a reference or empty"));
        KIOSK_ASSIGN_OR_RETURN(out["qr_hash"], f.string("qr_hash", emptyOrHex64, "64 lowercase hex or empty"));
        KIOSK_ASSIGN_OR_RETURN(out["lane_ms"], f.integer("lane_ms", 0, kI64Max));
    } else if (kind == "scan") {
        KIOSK_TRY(f.requireOnly({"lane", "qr_hash", "verdict"}));
        KIOSK_ASSIGN_OR_RETURN(out["lane"], f.string("lane", apijson::isDeviceId, "a lane id"));
        KIOSK_ASSIGN_OR_RETURN(out["qr_hash"], f.string("qr_hash", apijson::isHex64, "64 lowercase hex"));
        KIOSK_ASSIGN_OR_RETURN(out["verdict"], f.string("verdict", apijson::isVerdict, "accepted, verified or a reason code"));
    } else if (kind == "alert") {
        KIOSK_TRY(f.requireOnly({"lane", "reason"}));
        KIOSK_ASSIGN_OR_RETURN(out["lane"], f.string("lane", apijson::isDeviceId, "a lane id"));
        KIOSK_ASSIGN_OR_RETURN(out["reason"], f.string("reason", apijson::isReasonCode, "a reason code"));
    } else if (kind == "heartbeat") {
        KIOSK_TRY(f.requireOnly({"lane", "state", "in_service", "reasons", "doors", "enrolment_cursor",
                                 "enrolment_age_s", "outbox_depth", "trust_list_version"}));
        KIOSK_ASSIGN_OR_RETURN(out["lane"], f.string("lane", apijson::isDeviceId, "a lane id"));
        if (f.has("state")) {
            KIOSK_ASSIGN_OR_RETURN(out["state"], f.string("state", apijson::isStateName, "a lane state name"));
        }
        if (f.has("in_service")) {
            KIOSK_ASSIGN_OR_RETURN(out["in_service"], f.boolean("in_service"));
        }
        if (f.has("doors")) {
            KIOSK_ASSIGN_OR_RETURN(out["doors"], doorsField(f));
        }
        if (f.has("reasons")) {
            KIOSK_ASSIGN_OR_RETURN(out["reasons"], reasonList(f));
        }
        const std::pair<const char*, int64_t> ints[] = {
            {"enrolment_cursor", 0}, {"enrolment_age_s", -1}, {"outbox_depth", 0}, {"trust_list_version", 0}};
        for (const auto& [key, lo] : ints) {
            if (!f.has(key)) continue;
            KIOSK_ASSIGN_OR_RETURN(out[key], f.integer(key, lo, kI64Max));
        }
    } else if (kind == "lane_state") {
        KIOSK_TRY(f.requireOnly({"lane", "from", "to", "reason"}));
        KIOSK_ASSIGN_OR_RETURN(out["lane"], f.string("lane", apijson::isDeviceId, "a lane id"));
        KIOSK_ASSIGN_OR_RETURN(out["from"], f.string("from", apijson::isStateName, "a lane state name"));
        KIOSK_ASSIGN_OR_RETURN(out["to"], f.string("to", apijson::isStateName, "a lane state name"));
        KIOSK_ASSIGN_OR_RETURN(out["reason"], f.stringOr("reason", "", apijson::isToken, "a short code ([A-Za-z0-9._:-])"));
    } else if (kind == "journal_anchor") {
        // The heads of the device's journal hash chains (docs/store.md): what the device
        // can no longer rewrite unnoticed once stored here.
        KIOSK_TRY(f.requireOnly({"device", "chains", "public_key"}));
        KIOSK_ASSIGN_OR_RETURN(out["device"], f.string("device", apijson::isDeviceId, "a device id"));
        KIOSK_ASSIGN_OR_RETURN(out["public_key"], f.string("public_key", emptyOrHex64, "64 lowercase hex or empty"));
        KIOSK_ASSIGN_OR_RETURN(const Json* chains, f.object("chains"));
        Fields c(*chains, f.at("chains"));
        KIOSK_TRY(c.requireOnly({"crossings", "scans", "audit", "enrolments"}));
        Json heads = Json::object();
        for (const char* name : {"crossings", "scans", "audit", "enrolments"}) {
            KIOSK_ASSIGN_OR_RETURN(const Json* head, c.object(name));
            Fields h(*head, c.at(name));
            KIOSK_TRY(h.requireOnly({"seq", "hash"}));
            Json one = Json::object();
            KIOSK_ASSIGN_OR_RETURN(one["seq"], h.integer("seq", 0, kI64Max));
            KIOSK_ASSIGN_OR_RETURN(one["hash"], h.string("hash", emptyOrHex64, "64 lowercase hex or empty"));
            heads[name] = std::move(one);
        }
        out["chains"] = std::move(heads);
    } else {
        return core::makeError("api.bad_value", path + ": unknown kind");
    }
    return out;
}

Json commandJson(const LaneCommand& c) {
    auto args = core::parseJsonText(c.args.empty() ? "{}" : c.args, "command args");
    return Json{{"id", c.id},
                {"kind", c.kind},
                {"args", args.ok() && args->is_object() ? *args : Json::object()},
                {"issued_by", c.issuedBy},
                {"issued_at", c.issuedAt}};
}

}  // namespace

namespace apiresp {
Json enrolmentJson(const EnrolmentRecord& r, bool withBiometrics) {
    Json j{{"cursor", r.cursor},
           {"reference", r.reference},
           {"document_hash", r.documentHash},
           {"document_masked", r.documentMasked},
           {"residency", r.residency},
           {"date_of_birth", r.dateOfBirth},
           {"document_expiry", r.documentExpiry},
           {"channel", r.channel},
           {"enrolled_at", r.enrolledAt},
           {"active", r.active}};
    if (withBiometrics) j["biometrics"] = r.biometrics;
    return j;
}
}  // namespace apiresp

// --- enrolments (shared with the admin import) ---------------------------------------------

core::Result<EnrolmentRecord> Api::readEnrolment(const Json& obj, const std::string& path) const {
    Fields f(obj, path);
    KIOSK_TRY(f.requireOnly({"reference", "document_hash", "document_masked", "residency", "date_of_birth",
                             "document_expiry", "channel", "enrolled_at", "biometrics"}));
    EnrolmentRecord r;
    KIOSK_ASSIGN_OR_RETURN(r.reference, f.string("reference", apijson::isReference, "[A-Za-z0-9_-]{1,64}"));
    KIOSK_ASSIGN_OR_RETURN(r.documentHash, f.string("document_hash", apijson::isHex64, "64 lowercase hex"));
    KIOSK_ASSIGN_OR_RETURN(r.documentMasked,
                           f.string("document_masked", apijson::isMaskedDocument,
                                    "a masked number (at most 4 letters or digits shown, '*' for the rest)", 32));
    KIOSK_ASSIGN_OR_RETURN(r.residency, f.oneOf("residency", kResidencies));
    KIOSK_ASSIGN_OR_RETURN(r.dateOfBirth, f.string("date_of_birth", apijson::isDate, "a date YYYY-MM-DD"));
    KIOSK_ASSIGN_OR_RETURN(r.documentExpiry, f.string("document_expiry", apijson::isDate, "a date YYYY-MM-DD"));
    KIOSK_ASSIGN_OR_RETURN(r.channel, f.oneOf("channel", kChannels));
    KIOSK_ASSIGN_OR_RETURN(r.enrolledAt, f.integer("enrolled_at", kI64Min, kI64Max));
    KIOSK_ASSIGN_OR_RETURN(r.biometrics,
                           f.string("biometrics", apijson::isBase64, "base64", opt_.maxBiometricsChars));
    r.active = true;
    return r;
}

Response Api::storeEnrolment(const EnrolmentRecord& rec, const std::string& stream, int64_t seq,
                             const std::string& actor) {
    KIOSK_API_REPO(PutEnrolmentResult put, repo_.putEnrolment(rec, stream, seq, actor), "put_enrolment");
    Json replaced = put.replacedReference ? Json(*put.replacedReference) : Json(nullptr);
    return apiresp::json(put.duplicate ? 200 : 201, Json{{"reference", put.stored.reference},
                                                         {"cursor", put.stored.cursor},
                                                         {"replaced", replaced},
                                                         {"duplicate", put.duplicate}});
}

Response Api::postDeviceEnrolment(Call& c) {
    Fields f(c.body, "");
    KIOSK_API_TRY(f.requireOnly({"stream", "seq", "enrolment"}));
    KIOSK_API_ASSIGN(std::string stream, f.string("stream", apijson::isStreamId, "32 lowercase hex"));
    KIOSK_API_ASSIGN(int64_t seq, f.integer("seq", 1, kI64Max));
    KIOSK_API_ASSIGN(const Json* obj, f.object("enrolment"));
    KIOSK_API_ASSIGN(EnrolmentRecord rec, readEnrolment(*obj, "enrolment"));
    rec.sourceDevice = c.who.deviceId;
    rec.receivedAt = c.now;
    return storeEnrolment(rec, stream, seq, c.who.deviceId);
}

Response Api::getEnrolments(Call& c) {
    const auto& q = c.req.query;
    KIOSK_API_TRY(apijson::queryOnly(q, {"cursor", "limit"}));
    KIOSK_API_ASSIGN(int64_t cursor, apijson::queryInt(q, "cursor", 0, 0, kI64Max));
    KIOSK_API_ASSIGN(int64_t limit, apijson::queryInt(q, "limit", opt_.defaultPage, 1, opt_.maxPage));
    KIOSK_API_REPO(auto rows, repo_.enrolmentsSince(cursor, static_cast<int>(limit) + 1), "enrolments_since");
    const bool more = static_cast<int64_t>(rows.size()) > limit;
    if (more) rows.resize(static_cast<size_t>(limit));
    Json list = Json::array();
    for (const auto& r : rows) {
        list.push_back(apiresp::enrolmentJson(r, true));
        cursor = r.cursor;
    }
    return apiresp::json(200, Json{{"enrolments", std::move(list)}, {"cursor", cursor}, {"more", more}});
}

Response Api::getEnrolment(Call& c) {
    KIOSK_API_TRY(apijson::queryOnly(c.req.query, {}));
    const std::string& ref = c.params.at(0);
    if (!apijson::isReference(ref)) return apiresp::error(404, "api.not_found", "no such enrolment");
    KIOSK_API_REPO(auto rec, repo_.enrolmentByReference(ref), "enrolment_by_reference");
    if (!rec) return apiresp::error(404, "api.not_found", "no such enrolment");
    return apiresp::json(200, apiresp::enrolmentJson(*rec, true));
}

// --- watchlist, trust list, health rules ------------------------------------------------------

Response Api::getWatchlist(Call& c) {
    const auto& q = c.req.query;
    KIOSK_API_TRY(apijson::queryOnly(q, {"cursor", "limit"}));
    KIOSK_API_ASSIGN(int64_t cursor, apijson::queryInt(q, "cursor", 0, 0, kI64Max));
    KIOSK_API_ASSIGN(int64_t limit, apijson::queryInt(q, "limit", opt_.defaultPage, 1, opt_.maxPage));
    KIOSK_API_REPO(auto rows, repo_.watchlistSince(cursor, static_cast<int>(limit) + 1), "watchlist_since");
    const bool more = static_cast<int64_t>(rows.size()) > limit;
    if (more) rows.resize(static_cast<size_t>(limit));
    Json list = Json::array();
    for (const auto& w : rows) {
        list.push_back(Json{{"cursor", w.cursor}, {"document_hash", w.documentHash}, {"op", w.added ? "add" : "remove"}});
        cursor = w.cursor;
    }
    return apiresp::json(200, Json{{"changes", std::move(list)}, {"cursor", cursor}, {"more", more}});
}

Response Api::getTrustList(Call& c) {
    KIOSK_API_TRY(apijson::queryOnly(c.req.query, {"have"}));
    KIOSK_API_ASSIGN(int64_t have, apijson::queryInt(c.req.query, "have", 0, 0, kI64Max));
    KIOSK_API_REPO(auto blob, repo_.latestBlob("trust_list"), "latest_trust_list");
    if (!blob) return apiresp::error(404, "api.not_found", "no trust list was uploaded");
    if (have == blob->version) return apiresp::json(200, Json{{"version", blob->version}, {"unchanged", true}});
    return apiresp::json(200, Json{{"version", blob->version}, {"signed_list", blob->data},
                                   {"uploaded_at", blob->uploadedAt}});
}

Response Api::getHealthRules(Call& c) {
    KIOSK_API_TRY(apijson::queryOnly(c.req.query, {"have"}));
    KIOSK_API_ASSIGN(int64_t have, apijson::queryInt(c.req.query, "have", 0, 0, kI64Max));
    KIOSK_API_REPO(auto blob, repo_.latestBlob("health_rules"), "latest_health_rules");
    if (!blob) return apiresp::error(404, "api.not_found", "no health rules were uploaded");
    if (have == blob->version) return apiresp::json(200, Json{{"version", blob->version}, {"unchanged", true}});
    auto rules = core::parseJsonText(blob->data, "health rules");
    if (!rules.ok() || !rules->is_array()) {
        core::logError("api.stored_health_rules_unreadable", {{"version", blob->version}});
        return apiresp::error(500, "api.internal", "internal error");
    }
    return apiresp::json(200, Json{{"version", blob->version}, {"health_code", *rules}});
}

// --- commands ------------------------------------------------------------------------------

Response Api::getCommands(Call& c) {
    KIOSK_API_TRY(apijson::queryOnly(c.req.query, {"wait_ms"}));
    KIOSK_API_ASSIGN(int64_t waitMs,
                     apijson::queryInt(c.req.query, "wait_ms", opt_.defaultLongPollMs, 0, opt_.maxLongPollMs));
    KIOSK_API_REPO(auto cmds, repo_.takeCommands(c.who.deviceId, c.now), "take_commands");
    if (cmds.empty() && waitMs > 0 && !c.req.longPollExpired) {
        Response r;
        r.status = 200;
        r.park = LongPoll{c.who.deviceId, std::chrono::milliseconds(waitMs)};
        return r;
    }
    Json list = Json::array();
    for (const auto& cmd : cmds) list.push_back(commandJson(cmd));
    return apiresp::json(200, Json{{"commands", std::move(list)}});
}

Response Api::postCommandResult(Call& c) {
    const auto id = apijson::parseInt64(c.params.at(0));
    if (!id || *id <= 0) return apiresp::error(404, "api.not_found", "no such command");
    Fields f(c.body, "");
    KIOSK_API_TRY(f.requireOnly({"result", "detail"}));
    KIOSK_API_ASSIGN(std::string result, f.oneOf("result", {"applied", "refused", "failed"}));
    KIOSK_API_ASSIGN(std::string detail, f.stringOr("detail", "", nullptr, "", 200));
    const auto state = parseCommandState(result);
    if (!state) return apiresp::error(500, "api.internal", "internal error");
    KIOSK_API_REPO(LaneCommand done, repo_.completeCommand(*id, c.who.deviceId, *state, detail, c.now),
                   "complete_command");
    return apiresp::json(200, Json{{"id", done.id}, {"state", toString(done.state)}});
}

// --- events --------------------------------------------------------------------------------

Response Api::postEvents(Call& c) {
    Fields f(c.body, "");
    KIOSK_API_TRY(f.requireOnly({"stream", "events"}));
    KIOSK_API_ASSIGN(std::string stream, f.string("stream", apijson::isStreamId, "32 lowercase hex"));
    if (stream == kServerAlertStream)
        return apiresp::error(422, "api.bad_value", "stream: reserved for alerts the server raises");
    KIOSK_API_ASSIGN(const Json* events, f.array("events", 1, static_cast<size_t>(opt_.maxBatch)));

    std::vector<DeviceEvent> unique;
    std::vector<int64_t> seqs;
    std::vector<int> slot;  // index into `unique`, or -1 for a repeat within this batch
    std::map<int64_t, int> firstBySeq;
    for (size_t i = 0; i < events->size(); ++i) {
        const std::string at = "events[" + std::to_string(i) + "]";
        const Json& e = (*events)[i];
        if (!e.is_object()) return apiresp::error(422, "api.bad_type", at + ": must be an object");
        Fields ef(e, at);
        KIOSK_API_TRY(ef.requireOnly({"seq", "kind", "time", "payload"}));
        DeviceEvent ev;
        KIOSK_API_ASSIGN(ev.seq, ef.integer("seq", 1, kI64Max));
        KIOSK_API_ASSIGN(ev.kind, ef.oneOf("kind", kEventKinds));
        KIOSK_API_ASSIGN(ev.deviceTime, ef.integer("time", kI64Min, kI64Max));
        KIOSK_API_ASSIGN(const Json* payload, ef.object("payload"));
        KIOSK_API_ASSIGN(Json checked, checkPayload(ev.kind, *payload, ef.at("payload")));
        // An anchor is compared with the device's earlier ones: it must be its own.
        if (ev.kind == "journal_anchor" && checked["device"] != c.who.deviceId)
            return apiresp::error(422, "api.bad_value", ef.at("payload") + ".device: must be the calling device");
        ev.deviceId = c.who.deviceId;
        ev.stream = stream;
        ev.receivedAt = c.now;
        ev.payload = apijson::dump(checked);
        seqs.push_back(ev.seq);
        auto [it, fresh] = firstBySeq.emplace(ev.seq, static_cast<int>(unique.size()));
        if (fresh) {
            slot.push_back(static_cast<int>(unique.size()));
            unique.push_back(std::move(ev));
        } else {
            slot.push_back(-1);
        }
    }

    // Alerts for anchors that contradict earlier ones go in the same transaction.
    KIOSK_API_REPO(auto raised, journalAnchorAlerts(repo_, c.who.deviceId, unique, c.now), "journal_anchors");
    for (auto& a : raised) unique.push_back(std::move(a));
    KIOSK_API_REPO(auto outcomes, repo_.appendEvents(unique), "append_events");
    if (outcomes.size() != unique.size()) {
        core::logError("api.append_events_mismatch", {{"sent", unique.size()}, {"answered", outcomes.size()}});
        return apiresp::error(500, "api.internal", "internal error");
    }
    Json results = Json::array();
    for (size_t i = 0; i < seqs.size(); ++i) {
        const bool stored = slot[i] >= 0 && outcomes[static_cast<size_t>(slot[i])] == AppendOutcome::Stored;
        results.push_back(Json{{"seq", seqs[i]}, {"status", stored ? "stored" : "duplicate"}});
    }
    return apiresp::json(200, Json{{"results", std::move(results)}, {"received_at", c.now}});
}

// --- health --------------------------------------------------------------------------------

Response Api::getHealth(Call& c) {
    KIOSK_API_TRY(apijson::queryOnly(c.req.query, {}));
    // A cheap read proves the database answers; a server whose database is away is not "ok".
    KIOSK_API_REPO(int64_t cursor, repo_.latestEnrolmentCursor(), "health");
    (void)cursor;
    return apiresp::json(200, Json{{"status", "ok"}, {"backend", repo_.backend()}, {"schema", repo_.schemaVersion()}});
}

}  // namespace kiosk::server
