// Routing, role checks, body limits and the last-resort catch of the API.
#include "server/api.h"

#include <exception>

#include "core/log.h"
#include "server/api_json.h"
#include "server/api_routing.h"

namespace kiosk::server {

using core::Json;

namespace apiresp {

Response json(int status, const Json& body) {
    Response r;
    r.status = status;
    r.body = apijson::dump(body);
    return r;
}

Response error(int status, const std::string& code, const std::string& message) {
    return json(status, Json{{"error", {{"code", code}, {"message", message}}}});
}

Response error(const core::Error& e) { return error(apijson::statusOf(e.code), e.code, e.message); }

Response repoError(const core::Error& e, const char* operation) {
    // The repository's message carries the engine's text, never row data; it goes to the
    // log, not to the client.
    if (e.code == "repo.unavailable") {
        core::logWarn("api.repo_unavailable", {{"op", operation}, {"message", e.message}});
        return error(503, "repo.unavailable", "the database is unavailable; retry later");
    }
    if (e.code == "repo.not_found") return error(404, "api.not_found", "not found");
    if (e.code == "repo.conflict") return error(409, "api.conflict", "conflicts with the stored state");
    if (e.code == "repo.invalid") return error(422, "api.bad_value", "refused by the repository");
    core::logError("api.repo_error", {{"op", operation}, {"code", e.code}, {"message", e.message}});
    return error(500, "api.internal", "internal error");
}

}  // namespace apiresp

namespace {

const char* deviceRoleName(Role r) { return r == Role::Lane ? "lane" : "registration"; }

}  // namespace

Api::Api(Repository& repo, ApiOptions opt) : repo_(repo), opt_(opt) {
    if (opt_.maxBatch < 1) opt_.maxBatch = 1;
    if (opt_.maxPage < 1) opt_.maxPage = 1;
    if (opt_.defaultPage < 1 || opt_.defaultPage > opt_.maxPage) opt_.defaultPage = opt_.maxPage;
    if (opt_.maxLongPollMs < 0) opt_.maxLongPollMs = 0;
    if (opt_.defaultLongPollMs > opt_.maxLongPollMs || opt_.defaultLongPollMs < 0)
        opt_.defaultLongPollMs = opt_.maxLongPollMs;
}

void Api::setCommandNotifier(std::function<void(const std::string& deviceId)> f) { notifier_.set(std::move(f)); }

void Api::notifyCommand(const std::string& deviceId) { notifier_(deviceId); }

const std::vector<Api::Route>& Api::routes() {
    using R = Role;
    static const std::vector<Route> kRoutes = {
        {"POST", "/v1/device/events", {R::Lane, R::Registration}, &Api::postEvents},
        {"POST", "/v1/device/enrolments", {R::Registration}, &Api::postDeviceEnrolment},
        {"GET", "/v1/device/enrolments", {R::Lane}, &Api::getEnrolments},
        {"GET", "/v1/device/enrolments/{}", {R::Lane}, &Api::getEnrolment},
        {"GET", "/v1/device/watchlist", {R::Lane}, &Api::getWatchlist},
        {"GET", "/v1/device/trust-list", {R::Lane, R::Registration}, &Api::getTrustList},
        {"GET", "/v1/device/health-rules", {R::Lane}, &Api::getHealthRules},
        {"GET", "/v1/device/commands", {R::Lane}, &Api::getCommands},
        {"POST", "/v1/device/commands/{}/result", {R::Lane}, &Api::postCommandResult},
        {"POST", "/v1/admin/enrolments", {R::Admin}, &Api::postAdminEnrolment},
        {"GET", "/v1/admin/enrolments/{}", {R::Admin}, &Api::getAdminEnrolment},
        {"POST", "/v1/admin/watchlist", {R::Admin}, &Api::postWatchlist},
        {"PUT", "/v1/admin/trust-list", {R::Admin}, &Api::putTrustList},
        {"PUT", "/v1/admin/health-rules", {R::Admin}, &Api::putHealthRules},
        {"POST", "/v1/admin/lanes/{}/commands", {R::Admin}, &Api::postLaneCommand},
        {"GET", "/v1/admin/commands/{}", {R::Admin}, &Api::getCommand},
        {"GET", "/v1/admin/devices", {R::Admin}, &Api::getDevices},
        {"GET", "/v1/admin/events", {R::Admin}, &Api::getEvents},
        {"GET", "/v1/admin/audit", {R::Admin}, &Api::getAudit},
        {"GET", "/v1/admin/stats", {R::Admin}, &Api::getStats},
        {"GET", "/v1/health", {R::Lane, R::Registration, R::Admin}, &Api::getHealth},
    };
    return kRoutes;
}

Response Api::handle(const Request& req, const Identity& who, int64_t nowUnix) {
    try {
        return dispatch(req, who, nowUnix);
    } catch (const std::exception&) {
        // what() of a library exception may quote data; only its type-free fact is logged.
        core::logError("api.exception", {{"method", req.method}});
    } catch (...) {
        core::logError("api.exception", {{"method", req.method}});
    }
    try {
        return apiresp::error(500, "api.internal", "internal error");
    } catch (...) {
        Response r;
        r.status = 500;
        r.body = R"({"error":{"code":"api.internal","message":"internal error"}})";
        return r;
    }
}

Response Api::dispatch(const Request& req, const Identity& who, int64_t now) {
    std::vector<std::string> params;
    auto found = apiroute::find(routes(), req, &params);
    if (auto* answer = std::get_if<Response>(&found)) return std::move(*answer);
    const Route* route = std::get<const Route*>(found);

    if (who.role == Role::None) return apiresp::error(401, "auth.required", "a client certificate is required");
    bool allowed = false;
    for (Role r : route->roles)
        if (r == who.role) allowed = true;
    if (!allowed)
        return apiresp::error(403, "auth.wrong_role",
                              std::string("this endpoint is not for the role ") + toString(who.role));

    const bool device = who.role == Role::Lane || who.role == Role::Registration;
    if (device) {
        if (!apijson::isDeviceId(who.deviceId))
            return apiresp::error(403, "auth.bad_identity", "the certificate's CN is not a valid device id");
        auto st = touchThrottled(who.deviceId, who.role, now);
        if (!st.ok()) return apiresp::repoError(st.error(), "touch_device");
    }

    Call call{req, who, now, std::move(params), Json()};
    if (auto refused = apiroute::readBody(req, opt_.maxBodyBytes, &call.body)) return std::move(*refused);
    return (this->*(route->handler))(call);
}

core::Status Api::touchThrottled(const std::string& deviceId, Role role, int64_t now) {
    {
        std::lock_guard lock(touchMu_);
        auto it = lastTouch_.find(deviceId);
        if (it != lastTouch_.end() && now >= it->second && now - it->second < opt_.touchEverySeconds) return {};
    }
    KIOSK_TRY(repo_.touchDevice(deviceId, deviceRoleName(role), now));
    std::lock_guard lock(touchMu_);
    if (lastTouch_.size() > 100000) lastTouch_.clear();  // bounded: ids come from certificates
    lastTouch_[deviceId] = now;
    return {};
}

}  // namespace kiosk::server
