// The console API's routing, sessions (cookie, idle and absolute limits), CSRF, role
// checks, login with lockout and backoff, and the last-resort catch (docs/console.md).
#include "server/api_console.h"

#include <algorithm>
#include <exception>

#include "core/log.h"
#include "server/api.h"
#include "server/api_json.h"
#include "server/api_routing.h"

namespace kiosk::server {

using apijson::Fields;
using core::Json;

const char* toString(OfficerRole r) {
    switch (r) {
        case OfficerRole::Admin: return "admin";
        case OfficerRole::Supervisor: return "supervisor";
        case OfficerRole::Officer: break;
    }
    return "officer";
}

std::optional<OfficerRole> parseOfficerRole(const std::string& s) {
    if (s == "officer") return OfficerRole::Officer;
    if (s == "supervisor") return OfficerRole::Supervisor;
    if (s == "admin") return OfficerRole::Admin;
    return std::nullopt;
}

bool isOfficerName(std::string_view s) { return apijson::isDeviceId(s); }

bool isAcceptablePassword(std::string_view s) {
    if (!apijson::isPlainText(s, 128)) return false;
    size_t chars = 0;
    for (unsigned char c : s)
        if ((c & 0xC0) != 0x80) ++chars;
    return chars >= 12;
}

namespace {

std::string header(const Request& req, const char* name) {
    auto it = req.headers.find(name);
    return it == req.headers.end() ? std::string() : it->second;
}

// The ech_session value of the Cookie header ("" if none).
std::string sessionCookie(const Request& req) {
    const std::string cookies = header(req, "cookie");
    const std::string key = std::string(kSessionCookie) + "=";
    size_t i = 0;
    while (i < cookies.size()) {
        while (i < cookies.size() && (cookies[i] == ' ' || cookies[i] == ';')) ++i;
        size_t end = cookies.find(';', i);
        if (end == std::string::npos) end = cookies.size();
        if (cookies.compare(i, key.size(), key) == 0) return cookies.substr(i + key.size(), end - i - key.size());
        i = end;
    }
    return "";
}

std::string cookieHeader(const std::string& value, int64_t maxAge) {
    return std::string(kSessionCookie) + "=" + value + "; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=" +
           std::to_string(maxAge);
}

int64_t backoff(int64_t base, int64_t over, int64_t cap) {
    int64_t s = base;
    for (int64_t i = 0; i < over && s < cap; ++i) s *= 2;
    return std::min(s, cap);
}

Response locked(int64_t seconds) {
    auto r = apiresp::error(429, "auth.locked",
                            "too many failed logins; retry in " + std::to_string(seconds) + " s");
    r.headers.emplace_back("Retry-After", std::to_string(seconds));
    return r;
}

const char* addressOf(const Request& req) { return req.remoteAddress.empty() ? "unknown" : req.remoteAddress.c_str(); }

}  // namespace

ConsoleApi::ConsoleApi(Repository& repo, ConsoleRepository& console, ConsoleOptions opt)
    : repo_(repo), console_(console), opt_(opt) {
    // A hash of a password nobody knows, so an unknown name costs the same Argon2 work.
    auto token = randomToken(24);
    auto h = hashPassword(token.ok() ? *token : std::string("unknown-officer-placeholder"), opt_.passwordCost);
    if (h.ok()) dummyHash_ = *h;
}

void ConsoleApi::setCommandNotifier(std::function<void(const std::string&)> f) { commandNotifier_.set(std::move(f)); }

void ConsoleApi::setFeedNotifier(std::function<void(const std::string&, const std::string&)> f) {
    feedNotifier_.set(std::move(f));
}

void ConsoleApi::notifyCommand(const std::string& deviceId) { commandNotifier_(deviceId); }

void ConsoleApi::notifyFeed(const std::string& type, const Json& j) {
    if (auto f = feedNotifier_.get()) f(type, apijson::dump(j));  // no JSON text without a listener
}

core::Result<int64_t> ConsoleApi::purgeSessions(int64_t nowUnix) {
    return console_.purgeSessions(nowUnix, opt_.idleTimeoutS);
}

std::optional<Response> ConsoleApi::audit(const Call& c, const std::string& action, const std::string& detail,
                                          const std::string& subject) {
    auto r = console_.appendAudit(c.now, actor(c), action, detail + " from " + addressOf(c.req), subject);
    if (!r.ok()) return apiresp::repoError(r.error(), "console_audit");
    return std::nullopt;
}

const std::vector<ConsoleApi::Route>& ConsoleApi::routes() {
    using A = Access;
    using C = ConsoleApi;
    static const std::vector<Route> kRoutes = {
        {"POST", "/v1/console/login", A::Anyone, &C::postLogin},
        {"POST", "/v1/console/logout", A::Session, &C::postLogout},
        {"GET", "/v1/console/me", A::Session, &C::getMe},
        {"GET", "/v1/console/lanes", A::Officer, &C::getLanes},
        {"GET", "/v1/console/lanes/{}", A::Officer, &C::getLane},
        {"POST", "/v1/console/lanes/{}/commands", A::Officer, &C::postLaneCommand},
        {"GET", "/v1/console/commands/{}", A::Officer, &C::getCommand},
        {"GET", "/v1/console/alerts", A::Officer, &C::getAlerts},
        {"POST", "/v1/console/alerts/{}/ack", A::Officer, &C::postAlertAck},
        {"GET", "/v1/console/enrolments/{}", A::Officer, &C::getEnrolment},
        {"GET", "/v1/console/stats", A::Officer, &C::getStats},
        {"GET", "/v1/console/stream", A::Officer, &C::getStream},
        {"GET", "/v1/console/watchlist", A::Supervisor, &C::getWatchlist},
        {"POST", "/v1/console/watchlist", A::Supervisor, &C::postWatchlist},
        {"DELETE", "/v1/console/watchlist/{}", A::Supervisor, &C::deleteWatchlist},
        {"GET", "/v1/console/exports", A::Supervisor, &C::getExports},
        {"POST", "/v1/console/exports", A::Supervisor, &C::postExport},
        {"POST", "/v1/console/exports/{}/code", A::Admin, &C::postExportCode},
        {"POST", "/v1/console/exports/{}/download", A::Supervisor, &C::postExportDownload},
        {"GET", "/v1/console/audit", A::Supervisor, &C::getAudit},
        {"GET", "/v1/console/audit/verify", A::Admin, &C::getAuditVerify},
        {"GET", "/v1/console/officers", A::Admin, &C::getOfficers},
        {"POST", "/v1/console/officers", A::Admin, &C::postOfficer},
        {"POST", "/v1/console/officers/{}/disable", A::Admin, &C::postOfficerDisable},
        {"POST", "/v1/console/officers/{}/enable", A::Admin, &C::postOfficerEnable},
        {"POST", "/v1/console/officers/{}/password", A::Admin, &C::postOfficerPassword},
        {"POST", "/v1/console/officers/{}/role", A::Admin, &C::postOfficerRole},
    };
    return kRoutes;
}

Response ConsoleApi::handle(const Request& req, int64_t nowUnix) {
    try {
        return dispatch(req, nowUnix);
    } catch (...) {
        // what() of a library exception may quote data: only the fact is logged.
        core::logError("console.exception", {{"method", req.method}});
    }
    Response r;
    r.status = 500;
    r.body = R"({"error":{"code":"api.internal","message":"internal error"}})";
    return r;
}

Response ConsoleApi::dispatch(const Request& req, int64_t now) {
    std::vector<std::string> params;
    auto found = apiroute::find(routes(), req, &params);
    if (auto* answer = std::get_if<Response>(&found)) return std::move(*answer);
    const Route* route = std::get<const Route*>(found);

    Call call{req, now, std::move(params), Json(), Session{}, OfficerRole::Officer};
    const bool changes = req.method != "GET" && req.method != "HEAD";
    if (route->access != Access::Anyone) {
        const std::string token = sessionCookie(req);
        auto unauthorised = [] { return apiresp::error(401, "auth.required", "log in first"); };
        if (token.empty() || token.size() > 128) return unauthorised();
        const std::string idHash = sha256HexOf(token);
        KIOSK_API_REPO(auto s, console_.session(idHash), "console_session");
        if (!s) return unauthorised();
        if (s->expiresAt <= now || s->lastSeen + opt_.idleTimeoutS <= now) {
            (void)console_.deleteSession(idHash);
            return unauthorised();
        }
        if (changes && !equalsConstantTime(header(req, "x-csrf-token"), s->csrf))
            return apiresp::error(403, "auth.csrf", "missing or wrong X-CSRF-Token");
        const auto role = parseOfficerRole(s->role);
        if (!role) return unauthorised();
        const int need = route->access == Access::Admin        ? 3
                         : route->access == Access::Supervisor ? 2
                                                               : 1;
        if (static_cast<int>(*role) < need)
            return apiresp::error(403, "auth.wrong_role",
                                  std::string("this endpoint is not for the role ") + toString(*role));
        if (now > s->lastSeen) {
            auto st = console_.touchSession(idHash, now);
            if (!st.ok()) return apiresp::repoError(st.error(), "console_touch_session");
        }
        call.session = std::move(*s);
        call.role = *role;
    }

    if (auto refused = apiroute::readBody(req, opt_.maxBodyBytes, &call.body)) return std::move(*refused);
    return (this->*(route->handler))(call);
}

// --- Login ----------------------------------------------------------------------------------

Response ConsoleApi::postLogin(Call& c) {
    Fields f(c.body, "");
    KIOSK_API_TRY(f.requireOnly({"name", "password"}));
    KIOSK_API_ASSIGN(std::string name, f.string("name", nullptr, "text of at most 64 characters", 64));
    KIOSK_API_ASSIGN(std::string password, f.string("password", nullptr, "text of at most 128 characters", 128));
    const std::string address = addressOf(c.req);
    const std::string who = isOfficerName(name) ? "login:" + name : std::string("login:?");
    auto auditLogin = [&](const std::string& action, const std::string& detail) -> std::optional<Response> {
        auto r = console_.appendAudit(c.now, who, action, detail + (detail.empty() ? "" : " ") + "from " + address,
                                      isOfficerName(name) ? name : "");
        if (!r.ok()) return apiresp::repoError(r.error(), "console_audit");
        return std::nullopt;
    };

    KIOSK_API_REPO(AddressFailures addr, console_.addressFailures(address), "console_address_failures");
    if (addr.lockedUntil > c.now) {
        if (auto e = auditLogin("login.locked", "address locked")) return *e;
        return locked(addr.lockedUntil - c.now);
    }
    std::optional<Officer> officer;
    if (isOfficerName(name)) {
        KIOSK_API_REPO(officer, console_.officer(name), "console_officer");
    }
    if (officer && officer->lockedUntil > c.now) {
        if (auto e = auditLogin("login.locked", "account locked")) return *e;
        return locked(officer->lockedUntil - c.now);
    }

    const bool verified = verifyPassword(password, officer ? officer->passwordHash : dummyHash_);
    if (!officer || officer->disabled || !verified) {
        // Count the failure for the address (sliding window) and the account.
        if (c.now - addr.windowStart >= opt_.addressWindowS) {
            addr.failures = 0;
            addr.windowStart = c.now;
        }
        ++addr.failures;
        std::string detail = "failed";
        if (addr.failures >= opt_.addressLockThreshold) {
            addr.lockedUntil =
                c.now + backoff(opt_.addressLockBaseS, addr.failures - opt_.addressLockThreshold, opt_.lockMaxS);
            detail += "; address locked until " + std::to_string(addr.lockedUntil);
        }
        auto st = console_.setAddressFailures(addr);
        if (!st.ok()) return apiresp::repoError(st.error(), "console_address_failures");
        if (officer) {
            const int64_t failed = officer->failedLogins + 1;
            int64_t until = 0;
            if (failed >= opt_.accountLockThreshold) {
                until = c.now + backoff(opt_.accountLockBaseS, failed - opt_.accountLockThreshold, opt_.lockMaxS);
                detail += "; account locked until " + std::to_string(until);
            }
            auto s2 = console_.setOfficerLock(officer->name, failed, until);
            if (!s2.ok()) return apiresp::repoError(s2.error(), "console_officer_lock");
        }
        if (auto e = auditLogin("login.failed", detail)) return *e;
        return apiresp::error(401, "auth.bad_login", "wrong name or password");
    }

    KIOSK_API_ASSIGN(std::string token, randomToken(32));
    KIOSK_API_ASSIGN(std::string csrf, randomToken(32));
    Session s;
    s.idHash = sha256HexOf(token);
    s.officer = officer->name;
    s.role = officer->role;
    s.csrf = csrf;
    s.createdAt = c.now;
    s.lastSeen = c.now;
    s.expiresAt = c.now + opt_.sessionLifetimeS;
    s.remoteAddress = address;
    if (officer->failedLogins != 0 || officer->lockedUntil != 0) {
        auto st = console_.setOfficerLock(officer->name, 0, 0);
        if (!st.ok()) return apiresp::repoError(st.error(), "console_officer_lock");
    }
    auto st = console_.createSession(s);
    if (!st.ok()) return apiresp::repoError(st.error(), "console_create_session");
    c.session = s;
    if (auto e = audit(c, "login", "session opened", officer->name)) return *e;
    auto r = apiresp::json(200, Json{{"name", s.officer},
                                     {"role", s.role},
                                     {"csrf", s.csrf},
                                     {"expires_at", s.expiresAt},
                                     {"idle_timeout_s", opt_.idleTimeoutS}});
    r.headers.emplace_back("Set-Cookie", cookieHeader(token, opt_.sessionLifetimeS));
    r.headers.emplace_back("Cache-Control", "no-store");
    return r;
}

Response ConsoleApi::postLogout(Call& c) {
    Fields f(c.body, "");
    KIOSK_API_TRY(f.requireOnly({}));
    auto st = console_.deleteSession(c.session.idHash);
    if (!st.ok()) return apiresp::repoError(st.error(), "console_delete_session");
    if (auto e = audit(c, "logout", "session closed", c.session.officer)) return *e;
    auto r = apiresp::json(200, Json{{"logged_out", true}});
    r.headers.emplace_back("Set-Cookie", cookieHeader("", 0));
    return r;
}

Response ConsoleApi::getMe(Call& c) {
    KIOSK_API_TRY(apijson::queryOnly(c.req.query, {}));
    auto r = apiresp::json(200, Json{{"name", c.session.officer},
                                     {"role", c.session.role},
                                     {"csrf", c.session.csrf},
                                     {"expires_at", c.session.expiresAt},
                                     {"idle_timeout_s", opt_.idleTimeoutS}});
    r.headers.emplace_back("Cache-Control", "no-store");
    return r;
}

}  // namespace kiosk::server
