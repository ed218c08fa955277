// Console endpoints for supervisors and admins (docs/console.md): the watchlist, the
// health-authority export with its one-time code, the audit chain, officer accounts.
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

std::optional<int64_t> positiveId(const std::string& s) {
    auto id = apijson::parseInt64(s);
    if (!id || *id <= 0) return std::nullopt;
    return id;
}

bool isDocumentNumber(std::string_view s) {
    if (!apijson::isPlainText(s, 64) || s.empty()) return false;
    for (char c : s)
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) return true;
    return false;
}

bool isPurpose(std::string_view s) { return !s.empty() && apijson::isPlainText(s, 200); }
bool isCode(std::string_view s) { return !s.empty() && s.size() <= 64; }

struct Listed {
    int64_t time = 0;
    std::string actor;
};

// The hashes listed now: the changes folded in cursor order.
core::Result<std::map<std::string, Listed>> listedNow(Repository& repo) {
    std::map<std::string, Listed> out;
    int64_t cursor = 0;
    for (;;) {
        KIOSK_ASSIGN_OR_RETURN(auto page, repo.watchlistSince(cursor, 1000));
        for (const auto& ch : page) {
            if (ch.added) out[ch.documentHash] = Listed{ch.time, ch.actor};
            else out.erase(ch.documentHash);
            cursor = ch.cursor;
        }
        if (page.size() < 1000) break;
    }
    return out;
}

std::string csvField(const std::string& v) {
    if (v.find_first_of(",\"\n\r") == std::string::npos) return v;
    std::string out = "\"";
    for (char c : v) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

}  // namespace

namespace consoleview {

Json officer(const Officer& o) {
    return Json{{"name", o.name},
                {"role", o.role},
                {"disabled", o.disabled},
                {"failed_logins", o.failedLogins},
                {"locked_until", o.lockedUntil},
                {"created_at", o.createdAt},
                {"password_changed_at", o.passwordChangedAt}};
}

Json exportRequest(const ExportRequest& e) {
    auto orNull = [](int64_t v) { return v > 0 ? Json(v) : Json(nullptr); };
    return Json{{"id", e.id},
                {"state", e.state},
                {"lanes", e.lanes},
                {"from", e.from},
                {"to", e.to},
                {"purpose", e.purpose},
                {"requested_by", e.requestedBy},
                {"requested_at", e.requestedAt},
                {"code_issued_by", e.codeIssuedBy.empty() ? Json(nullptr) : Json(e.codeIssuedBy)},
                {"code_expires_at", orNull(e.codeExpiresAt)},
                {"downloaded_at", orNull(e.downloadedAt)}};
}

Json auditRow(const ChainedAuditRow& r) {
    return Json{{"id", r.id},         {"time", r.time},           {"actor", r.actor}, {"action", r.action},
                {"detail", r.detail}, {"subject", r.subject},     {"prev_hash", r.prevHash}, {"hash", r.hash}};
}

}  // namespace consoleview

// --- Watchlist ------------------------------------------------------------------------------

Response ConsoleApi::getWatchlist(Call& c) {
    KIOSK_API_TRY(apijson::queryOnly(c.req.query, {}));
    KIOSK_API_REPO(auto listed, listedNow(repo_), "watchlist");
    Json out = Json::array();
    for (const auto& [hash, l] : listed)
        out.push_back(Json{{"document_hash", hash}, {"added_at", l.time}, {"added_by", l.actor}});
    return apiresp::json(200, Json{{"entries", std::move(out)}});
}

Response ConsoleApi::postWatchlist(Call& c) {
    Fields f(c.body, "");
    KIOSK_API_TRY(f.requireOnly({"document_number"}));
    KIOSK_API_ASSIGN(std::string number,
                     f.string("document_number", isDocumentNumber,
                              "a document number (1-64 characters with a letter or digit)", 64));
    const std::string hash = documentHashOf(number);
    KIOSK_API_REPO(WatchlistChange ch, repo_.changeWatchlist(hash, true, c.now, actor(c)), "change_watchlist");
    // Neither the number nor its hash goes to the audit: the cursor names the change.
    if (auto e = audit(c, "console.watchlist_add", "watchlist change " + std::to_string(ch.cursor))) return *e;
    return apiresp::json(201, Json{{"document_hash", hash}, {"cursor", ch.cursor}});
}

Response ConsoleApi::deleteWatchlist(Call& c) {
    KIOSK_API_TRY(apijson::queryOnly(c.req.query, {}));
    const std::string& hash = c.params.at(0);
    if (!apijson::isHex64(hash)) return apiresp::error(404, "api.not_found", "not on the watchlist");
    KIOSK_API_REPO(auto listed, listedNow(repo_), "watchlist");
    if (!listed.count(hash)) return apiresp::error(404, "api.not_found", "not on the watchlist");
    KIOSK_API_REPO(WatchlistChange ch, repo_.changeWatchlist(hash, false, c.now, actor(c)), "change_watchlist");
    if (auto e = audit(c, "console.watchlist_remove", "watchlist change " + std::to_string(ch.cursor))) return *e;
    return apiresp::json(200, Json{{"document_hash", hash}, {"cursor", ch.cursor}});
}

// --- Health-authority export ----------------------------------------------------------------

Response ConsoleApi::getExports(Call& c) {
    KIOSK_API_TRY(apijson::queryOnly(c.req.query, {}));
    const std::string who = c.role == OfficerRole::Admin ? "" : c.session.officer;
    KIOSK_API_REPO(auto list, console_.exportRequests(who), "console_exports");
    Json out = Json::array();
    for (const auto& e : list) out.push_back(consoleview::exportRequest(e));
    return apiresp::json(200, Json{{"exports", std::move(out)}});
}

Response ConsoleApi::postExport(Call& c) {
    Fields f(c.body, "");
    KIOSK_API_TRY(f.requireOnly({"lanes", "from", "to", "purpose"}));
    KIOSK_API_ASSIGN(const Json* lanes, f.array("lanes", 1, 100));
    ExportRequest e;
    for (size_t i = 0; i < lanes->size(); ++i) {
        const auto& l = (*lanes)[i];
        const std::string at = "lanes[" + std::to_string(i) + "]";
        if (!l.is_string()) return apiresp::error(422, "api.bad_type", at + ": must be a string");
        if (!apijson::isDeviceId(l.get_ref<const std::string&>()))
            return apiresp::error(422, "api.bad_value", at + ": must be a lane id");
        e.lanes.push_back(l.get<std::string>());
    }
    KIOSK_API_ASSIGN(e.from, f.integer("from", 0, kI64Max));
    KIOSK_API_ASSIGN(e.to, f.integer("to", 0, kI64Max));
    if (e.to <= e.from) return apiresp::error(f.badValue("to", "must be later than from"));
    if (e.to - e.from > opt_.exportMaxWindowS)
        return apiresp::error(f.badValue("to", "must be at most 31 days after from"));
    KIOSK_API_ASSIGN(e.purpose, f.string("purpose", isPurpose, "text of 1-200 characters", 200));
    e.requestedBy = c.session.officer;
    e.requestedAt = c.now;
    KIOSK_API_REPO(ExportRequest stored, console_.createExport(e), "console_create_export");
    if (auto err = audit(c, "export.request",
                         "export " + std::to_string(stored.id) + " of " + std::to_string(e.lanes.size()) +
                             " lanes, " + std::to_string(e.from) + "-" + std::to_string(e.to)))
        return *err;
    return apiresp::json(201, consoleview::exportRequest(stored));
}

Response ConsoleApi::postExportCode(Call& c) {
    KIOSK_API_TRY(Fields(c.body, "").requireOnly({}));
    const auto id = positiveId(c.params.at(0));
    if (!id) return apiresp::error(404, "api.not_found", "no such export");
    KIOSK_API_REPO(auto e, console_.exportRequest(*id), "console_export");
    if (!e) return apiresp::error(404, "api.not_found", "no such export");
    if (e->requestedBy == c.session.officer)
        return apiresp::error(403, "export.own_request", "another admin must issue the code for your own request");
    if (e->state == "downloaded") return apiresp::error(409, "export.used", "the export was downloaded already");
    if (e->state == "void") return apiresp::error(409, "export.void", "the export is void");
    KIOSK_API_ASSIGN(std::string code, randomExportCode());
    e->state = "code_issued";
    e->codeHash = sha256HexOf(code);
    e->codeIssuedBy = c.session.officer;
    e->codeExpiresAt = c.now + opt_.exportCodeTtlS;
    e->failedCodes = 0;
    auto st = console_.updateExport(*e);
    if (!st.ok()) return apiresp::repoError(st.error(), "console_update_export");
    if (auto err = audit(c, "export.code", "one-time code issued for export " + std::to_string(*id) +
                                               " requested by " + e->requestedBy))
        return *err;
    auto r = apiresp::json(200, Json{{"id", *id}, {"code", formatExportCode(code)}, {"expires_at", e->codeExpiresAt}});
    r.headers.emplace_back("Cache-Control", "no-store");
    return r;
}

Response ConsoleApi::postExportDownload(Call& c) {
    Fields f(c.body, "");
    KIOSK_API_TRY(f.requireOnly({"code", "format"}));
    KIOSK_API_ASSIGN(std::string typed, f.string("code", isCode, "the one-time code", 64));
    std::string format = "json";
    if (f.has("format")) {
        KIOSK_API_ASSIGN(format, f.oneOf("format", {"json", "csv"}));
    }
    const auto id = positiveId(c.params.at(0));
    if (!id) return apiresp::error(404, "api.not_found", "no such export");
    KIOSK_API_REPO(auto e, console_.exportRequest(*id), "console_export");
    if (!e) return apiresp::error(404, "api.not_found", "no such export");
    const std::string sid = std::to_string(*id);
    if (e->requestedBy != c.session.officer)
        return apiresp::error(403, "export.not_requester", "only the officer who asked may download the export");
    if (e->state == "downloaded") return apiresp::error(409, "export.used", "the export was downloaded already");
    if (e->state == "void") return apiresp::error(409, "export.void", "the export is void");
    if (e->state != "code_issued") return apiresp::error(409, "export.no_code", "no code was issued yet");
    if (e->codeExpiresAt <= c.now) {
        if (auto err = audit(c, "export.download_refused", "export " + sid + ": code expired")) return *err;
        return apiresp::error(403, "export.code_expired", "the code expired; ask an admin for a new one");
    }
    const std::string codeHash = sha256HexOf(normaliseExportCode(typed));
    if (!equalsConstantTime(codeHash, e->codeHash)) {
        ++e->failedCodes;
        const bool voided = e->failedCodes >= opt_.exportMaxCodeFailures;
        if (voided) e->state = "void";
        auto st = console_.updateExport(*e);
        if (!st.ok()) return apiresp::repoError(st.error(), "console_update_export");
        if (auto err = audit(c, "export.download_refused",
                             "export " + sid + ": wrong code" + (voided ? "; export void" : "")))
            return *err;
        if (voided) return apiresp::error(409, "export.void", "too many wrong codes; the export is void");
        return apiresp::error(403, "export.bad_code", "wrong code");
    }
    // Single use: only one call turns code_issued into downloaded.
    KIOSK_API_REPO(bool won, console_.consumeExport(*id, e->codeHash, c.now), "console_consume_export");
    if (!won) return apiresp::error(409, "export.used", "the export was downloaded already");

    Json rows = Json::array();
    std::string csv = "time,lane,outcome,reasons,reference,qr_hash\n";
    int64_t after = 0;
    size_t count = 0;
    for (;;) {
        KIOSK_API_REPO(auto page, console_.crossings(e->lanes, e->from, e->to, after, 1000), "console_crossings");
        for (const auto& ev : page) {
            auto pj = core::parseJsonText(ev.payload, "stored crossing");
            const Json p = pj.ok() && pj->is_object() ? *pj : Json::object();
            Json reasons = p.contains("reasons") && p["reasons"].is_array() ? p["reasons"] : Json::array();
            const std::string lane = p.value("lane", ev.deviceId);
            // References and hashes only: nothing else of the payload leaves.
            if (format == "json") {
                rows.push_back(Json{{"time", ev.receivedAt},
                                    {"lane", lane},
                                    {"outcome", p.value("outcome", "")},
                                    {"reasons", reasons},
                                    {"reference", p.value("reference", "")},
                                    {"qr_hash", p.value("qr_hash", "")}});
            } else {
                std::string joined;
                for (const auto& r : reasons)
                    if (r.is_string()) joined += (joined.empty() ? "" : ";") + r.get<std::string>();
                csv += std::to_string(ev.receivedAt) + "," + csvField(lane) + "," + csvField(p.value("outcome", "")) +
                       "," + csvField(joined) + "," + csvField(p.value("reference", "")) + "," +
                       csvField(p.value("qr_hash", "")) + "\n";
            }
            ++count;
            after = ev.id;
        }
        if (page.size() < 1000) break;
    }
    if (auto err = audit(c, "export.download",
                         "export " + sid + " downloaded as " + format + ", " + std::to_string(count) + " crossings"))
        return *err;
    if (format == "json")
        return apiresp::json(200, Json{{"export", *id},
                                       {"lanes", e->lanes},
                                       {"from", e->from},
                                       {"to", e->to},
                                       {"crossings", std::move(rows)}});
    Response r;
    r.status = 200;
    r.contentType = "text/csv; charset=utf-8";
    r.body = std::move(csv);
    r.headers.emplace_back("Content-Disposition", "attachment; filename=\"export-" + sid + ".csv\"");
    r.headers.emplace_back("Cache-Control", "no-store");
    return r;
}

// --- Audit ----------------------------------------------------------------------------------

Response ConsoleApi::getAudit(Call& c) {
    const auto& q = c.req.query;
    KIOSK_API_TRY(apijson::queryOnly(q, {"after", "limit"}));
    KIOSK_API_ASSIGN(int64_t after, apijson::queryInt(q, "after", 0, 0, kI64Max));
    KIOSK_API_ASSIGN(int64_t limit, apijson::queryInt(q, "limit", 200, 1, 1000));
    KIOSK_API_REPO(auto rows, console_.auditRows(after, static_cast<int>(limit) + 1), "console_audit_rows");
    const bool more = static_cast<int64_t>(rows.size()) > limit;
    if (more) rows.resize(static_cast<size_t>(limit));
    Json out = Json::array();
    for (const auto& r : rows) out.push_back(consoleview::auditRow(r));
    return apiresp::json(200, Json{{"audit", std::move(out)}, {"more", more}});
}

Response ConsoleApi::getAuditVerify(Call& c) {
    KIOSK_API_TRY(apijson::queryOnly(c.req.query, {}));
    KIOSK_API_REPO(AuditVerification v, console_.verifyAudit(), "console_verify_audit");
    return apiresp::json(200, Json{{"ok", v.ok},
                                   {"rows", v.rows},
                                   {"first_bad_id", v.ok ? Json(nullptr) : Json(v.firstBadId)},
                                   {"problem", v.problem}});
}

// --- Officers -------------------------------------------------------------------------------

Response ConsoleApi::getOfficers(Call& c) {
    KIOSK_API_TRY(apijson::queryOnly(c.req.query, {}));
    KIOSK_API_REPO(auto list, console_.officers(), "console_officers");
    Json out = Json::array();
    for (const auto& o : list) out.push_back(consoleview::officer(o));
    return apiresp::json(200, Json{{"officers", std::move(out)}});
}

Response ConsoleApi::postOfficer(Call& c) {
    Fields f(c.body, "");
    KIOSK_API_TRY(f.requireOnly({"name", "role", "password"}));
    KIOSK_API_ASSIGN(std::string name, f.string("name", isOfficerName, "an officer name ([A-Za-z0-9._-]{1,64})"));
    KIOSK_API_ASSIGN(std::string role, f.oneOf("role", {"officer", "supervisor", "admin"}));
    KIOSK_API_ASSIGN(std::string password,
                     f.string("password", isAcceptablePassword, "12 to 128 characters without control characters", 128));
    KIOSK_API_ASSIGN(std::string hash, hashPassword(password, opt_.passwordCost));
    Officer o;
    o.name = name;
    o.role = role;
    o.passwordHash = hash;
    o.createdAt = c.now;
    o.passwordChangedAt = c.now;
    auto st = console_.createOfficer(o);
    if (!st.ok()) return apiresp::repoError(st.error(), "console_create_officer");
    if (auto e = audit(c, "officer.create", "officer " + name + " created as " + role, name)) return *e;
    return apiresp::json(201, consoleview::officer(o));
}

Response ConsoleApi::officerChange(Call& c, const std::string& action) {
    const std::string& name = c.params.at(0);
    if (!isOfficerName(name)) return apiresp::error(404, "api.not_found", "no such officer");
    Fields f(c.body, "");
    core::Status st;
    std::string detail;
    if (action == "disable" || action == "enable") {
        KIOSK_API_TRY(f.requireOnly({}));
        if (action == "disable" && name == c.session.officer)
            return apiresp::error(409, "console.self", "an admin cannot disable their own account");
        st = console_.setOfficerDisabled(name, action == "disable");
        detail = "officer " + name + (action == "disable" ? " disabled" : " enabled");
    } else if (action == "password") {
        KIOSK_API_TRY(f.requireOnly({"password"}));
        KIOSK_API_ASSIGN(std::string password, f.string("password", isAcceptablePassword,
                                                        "12 to 128 characters without control characters", 128));
        KIOSK_API_ASSIGN(std::string hash, hashPassword(password, opt_.passwordCost));
        st = console_.setOfficerPassword(name, hash, c.now);
        detail = "password of " + name + " reset";
    } else {
        KIOSK_API_TRY(f.requireOnly({"role"}));
        KIOSK_API_ASSIGN(std::string role, f.oneOf("role", {"officer", "supervisor", "admin"}));
        if (name == c.session.officer)
            return apiresp::error(409, "console.self", "an admin cannot change their own role");
        st = console_.setOfficerRole(name, role);
        detail = "officer " + name + " is now " + role;
    }
    if (!st.ok()) {
        if (st.error().code == "repo.not_found") return apiresp::error(404, "api.not_found", "no such officer");
        return apiresp::repoError(st.error(), "console_officer_change");
    }
    if (auto e = audit(c, "officer." + action, detail, name)) return *e;
    KIOSK_API_REPO(auto o, console_.officer(name), "console_officer");
    if (!o) return apiresp::error(404, "api.not_found", "no such officer");
    return apiresp::json(200, consoleview::officer(*o));
}

Response ConsoleApi::postOfficerDisable(Call& c) { return officerChange(c, "disable"); }
Response ConsoleApi::postOfficerEnable(Call& c) { return officerChange(c, "enable"); }
Response ConsoleApi::postOfficerPassword(Call& c) { return officerChange(c, "password"); }
Response ConsoleApi::postOfficerRole(Call& c) { return officerChange(c, "role"); }

}  // namespace kiosk::server
