// Login, lockout with backoff, the session cookie, idle and absolute limits, CSRF, the role
// matrix of every endpoint, strict JSON.
#include "tests/server/console/console_fixture.h"

namespace kiosk::server::consoletest {
namespace {

class ConsoleAuth : public ConsoleFixture {};

TEST_P(ConsoleAuth, LoginSetsAHardenedCookieAndStoresOnlyItsHash) {
    addOfficer("chan.tm", "supervisor");
    Response r = rawLogin("chan.tm", kPassword);
    ASSERT_EQ(r.status, 200) << r.body;
    const std::string cookie = headerOf(r, "Set-Cookie");
    EXPECT_EQ(cookie.rfind("ech_session=", 0), 0u) << cookie;
    for (const char* flag : {"; HttpOnly", "; Secure", "; SameSite=Strict", "; Path=/", "; Max-Age=43200"})
        EXPECT_NE(cookie.find(flag), std::string::npos) << flag << " missing in " << cookie;
    const std::string token = cookie.substr(12, cookie.find(';') - 12);
    EXPECT_EQ(token.size(), 43u);  // 256 bits, base64url
    Json j = parse(r);
    EXPECT_EQ(j["name"], "chan.tm");
    EXPECT_EQ(j["role"], "supervisor");
    EXPECT_EQ(j["csrf"].get<std::string>().size(), 43u);
    EXPECT_EQ(j["expires_at"], now_ + 43200);
    EXPECT_EQ(j["idle_timeout_s"], 1800);

    auto byHash = console_->session(sha256HexOf(token));
    ASSERT_TRUE(byHash.ok());
    ASSERT_TRUE(byHash->has_value());
    EXPECT_EQ((*byHash)->officer, "chan.tm");
    EXPECT_EQ((*byHash)->csrf, j["csrf"]);
    auto byToken = console_->session(token);
    ASSERT_TRUE(byToken.ok());
    EXPECT_FALSE(byToken->has_value()) << "the cookie value itself must not be stored";

    Browser b{token, j["csrf"]};
    Response me = get("/v1/console/me", b);
    ASSERT_EQ(me.status, 200) << me.body;
    EXPECT_EQ(parse(me)["name"], "chan.tm");
    EXPECT_EQ(auditWith("login").size(), 1u);
    EXPECT_NE(auditWith("login")[0].detail.find("from 10.0.0.5"), std::string::npos);
}

TEST_P(ConsoleAuth, WrongPasswordUnknownNameAndDisabledAccountAnswerAlike) {
    addOfficer("chan.tm", "officer");
    addOfficer("lee.kf", "officer");
    ASSERT_TRUE(console_->setOfficerDisabled("lee.kf", true).ok());
    Response wrong = rawLogin("chan.tm", "not the password at all");
    Response unknown = rawLogin("nobody", kPassword);
    Response disabled = rawLogin("lee.kf", kPassword);
    for (const Response* r : {&wrong, &unknown, &disabled}) {
        EXPECT_EQ(r->status, 401) << r->body;
        EXPECT_EQ(errorCode(*r), "auth.bad_login");
        EXPECT_EQ(parse(*r)["error"]["message"], "wrong name or password");
        EXPECT_EQ(headerOf(*r, "Set-Cookie"), "");
    }
    EXPECT_EQ(auditWith("login.failed").size(), 3u);
}

TEST_P(ConsoleAuth, AccountLockoutBacksOffAndASuccessResetsIt) {
    addOfficer("chan.tm", "officer");
    for (int i = 0; i < 5; ++i) EXPECT_EQ(rawLogin("chan.tm", "wrong password " + std::to_string(i)).status, 401);
    // Locked: even the right password is refused, with Retry-After.
    Response locked = rawLogin("chan.tm", kPassword);
    EXPECT_EQ(locked.status, 429) << locked.body;
    EXPECT_EQ(errorCode(locked), "auth.locked");
    EXPECT_EQ(headerOf(locked, "Retry-After"), "30");
    now_ += 29;
    EXPECT_EQ(rawLogin("chan.tm", kPassword).status, 429);
    now_ += 1;
    // The 6th failure doubles the lock.
    EXPECT_EQ(rawLogin("chan.tm", "wrong again, sixth").status, 401);
    Response second = rawLogin("chan.tm", kPassword);
    EXPECT_EQ(second.status, 429);
    EXPECT_EQ(headerOf(second, "Retry-After"), "60");
    now_ += 60;
    EXPECT_EQ(rawLogin("chan.tm", kPassword).status, 200);
    auto o = console_->officer("chan.tm");
    ASSERT_TRUE(o.ok() && o->has_value());
    EXPECT_EQ((*o)->failedLogins, 0);
    EXPECT_EQ((*o)->lockedUntil, 0);
    EXPECT_FALSE(auditWith("login.locked").empty());
}

TEST_P(ConsoleAuth, BackoffStopsAtFifteenMinutes) {
    addOfficer("chan.tm", "officer");
    for (int i = 0; i < 20; ++i) {
        rawLogin("chan.tm", "wrong password!", "10.0.0." + std::to_string(i));  // several addresses
        now_ += 1000;                                                           // past any lock
    }
    rawLogin("chan.tm", "wrong password!", "10.0.1.1");
    Response r = rawLogin("chan.tm", kPassword, "10.0.1.2");
    EXPECT_EQ(r.status, 429);
    EXPECT_EQ(headerOf(r, "Retry-After"), "900");
}

TEST_P(ConsoleAuth, AnAddressIsLockedAfterTwentyFailuresWithinTheWindow) {
    addOfficer("chan.tm", "officer");
    for (int i = 0; i < 20; ++i)
        EXPECT_EQ(rawLogin("guess" + std::to_string(i), "some password here", "192.0.2.9").status, 401);
    Response r = rawLogin("chan.tm", kPassword, "192.0.2.9");
    EXPECT_EQ(r.status, 429) << r.body;
    EXPECT_EQ(headerOf(r, "Retry-After"), "60");
    // Another address is not affected; the account itself has no failures.
    EXPECT_EQ(rawLogin("chan.tm", kPassword, "192.0.2.10").status, 200);
    now_ += 60;
    EXPECT_EQ(rawLogin("chan.tm", kPassword, "192.0.2.9").status, 200);
}

TEST_P(ConsoleAuth, AddressFailuresOutsideTheWindowDoNotAddUp) {
    addOfficer("chan.tm", "officer");
    for (int i = 0; i < 19; ++i) rawLogin("guess", "some password here", "192.0.2.9");
    now_ += 15 * 60;  // a new window
    for (int i = 0; i < 19; ++i) rawLogin("guess", "some password here", "192.0.2.9");
    EXPECT_EQ(rawLogin("chan.tm", kPassword, "192.0.2.9").status, 200);
}

TEST_P(ConsoleAuth, SessionsEndWhenIdleAndAfterTheirLifetime) {
    Browser b = login("chan.tm", "officer");
    now_ += 1799;
    EXPECT_EQ(get("/v1/console/me", b).status, 200);
    now_ += 1800;  // idle for exactly the timeout
    Response idle = get("/v1/console/me", b);
    EXPECT_EQ(idle.status, 401);
    EXPECT_EQ(errorCode(idle), "auth.required");

    Browser c = login("chan.tm");
    const int64_t start = now_;
    while (now_ + 1000 < start + 43200) {
        now_ += 1000;
        ASSERT_EQ(get("/v1/console/me", c).status, 200);
    }
    now_ = start + 43200;
    EXPECT_EQ(get("/v1/console/me", c).status, 401);
    auto purged = consoleApi_->purgeSessions(now_);
    ASSERT_TRUE(purged.ok());
}

TEST_P(ConsoleAuth, LogoutEndsTheSessionAndClearsTheCookie) {
    Browser b = login("chan.tm", "officer");
    Response out = post("/v1/console/logout", b);
    ASSERT_EQ(out.status, 200) << out.body;
    EXPECT_NE(headerOf(out, "Set-Cookie").find("Max-Age=0"), std::string::npos);
    EXPECT_EQ(get("/v1/console/me", b).status, 401);
    EXPECT_EQ(auditWith("logout").size(), 1u);
}

TEST_P(ConsoleAuth, NoCookieOrAForgedOneIsUnauthorised) {
    EXPECT_EQ(call("GET", "/v1/console/lanes", nullptr).status, 401);
    Browser forged{"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "x"};
    Response r = get("/v1/console/lanes", forged);
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(errorCode(r), "auth.required");
}

TEST_P(ConsoleAuth, StateChangesWithoutTheCsrfTokenAreRefusedAndStoreNothing) {
    laneEvents("HZMB-CP-01", {heartbeat("HZMB-CP-01", 1)});
    Browser b = login("sup.one", "supervisor");
    const Json body{{"kind", "out_of_service"}, {"confirm", true}};
    const auto before = repo_->counts();
    ASSERT_TRUE(before.ok());

    Response missing = call("POST", "/v1/console/lanes/HZMB-CP-01/commands", &b, body.dump(), {}, Csrf::Omit);
    EXPECT_EQ(missing.status, 403);
    EXPECT_EQ(errorCode(missing), "auth.csrf");
    Browser wrong = b;
    wrong.csrf = b.csrf.substr(0, 42) + (b.csrf.back() == 'A' ? "B" : "A");
    Response bad = call("POST", "/v1/console/lanes/HZMB-CP-01/commands", &wrong, body.dump());
    EXPECT_EQ(bad.status, 403);
    EXPECT_EQ(errorCode(bad), "auth.csrf");
    Response del = call("DELETE", "/v1/console/watchlist/" + std::string(64, 'a'), &b, "", {}, Csrf::Omit);
    EXPECT_EQ(errorCode(del), "auth.csrf");
    Response logout = call("POST", "/v1/console/logout", &b, "{}", {}, Csrf::Omit);
    EXPECT_EQ(errorCode(logout), "auth.csrf");

    const auto after = repo_->counts();
    ASSERT_TRUE(after.ok());
    EXPECT_EQ(after->commands, before->commands);
    // A read needs no token; the right token works.
    EXPECT_EQ(call("GET", "/v1/console/lanes", &b, "", {}, Csrf::Omit).status, 200);
    EXPECT_EQ(post("/v1/console/lanes/HZMB-CP-01/commands", b, body).status, 201);
}

struct Endpoint {
    const char* method;
    const char* path;
    int minRole;  // 1 officer, 2 supervisor, 3 admin
};

TEST_P(ConsoleAuth, RoleMatrixOfEveryEndpoint) {
    const std::vector<Endpoint> endpoints = {
        {"GET", "/v1/console/lanes", 1},
        {"GET", "/v1/console/lanes/HZMB-CP-01", 1},
        {"POST", "/v1/console/lanes/HZMB-CP-01/commands", 1},
        {"GET", "/v1/console/commands/1", 1},
        {"GET", "/v1/console/alerts", 1},
        {"POST", "/v1/console/alerts/1/ack", 1},
        {"GET", "/v1/console/enrolments/E-1", 1},
        {"GET", "/v1/console/stats", 1},
        {"GET", "/v1/console/stream", 1},
        {"GET", "/v1/console/watchlist", 2},
        {"POST", "/v1/console/watchlist", 2},
        {"DELETE", "/v1/console/watchlist/" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 2},
        {"GET", "/v1/console/exports", 2},
        {"POST", "/v1/console/exports", 2},
        {"POST", "/v1/console/exports/1/code", 3},
        {"POST", "/v1/console/exports/1/download", 2},
        {"GET", "/v1/console/audit", 2},
        {"GET", "/v1/console/audit/verify", 3},
        {"GET", "/v1/console/officers", 3},
        {"POST", "/v1/console/officers", 3},
        {"POST", "/v1/console/officers/x/disable", 3},
        {"POST", "/v1/console/officers/x/enable", 3},
        {"POST", "/v1/console/officers/x/password", 3},
        {"POST", "/v1/console/officers/x/role", 3},
    };
    const Browser officer = login("off.one", "officer");
    const Browser supervisor = login("sup.one", "supervisor");
    const Browser admin = login("adm.one", "admin");
    const std::vector<std::pair<int, const Browser*>> roles = {{1, &officer}, {2, &supervisor}, {3, &admin}};
    for (const auto& e : endpoints) {
        const std::string body = std::string(e.method) == "POST" ? "{}" : "";
        Response anon = call(e.method, e.path, nullptr, body);
        EXPECT_EQ(anon.status, 401) << e.method << " " << e.path;
        EXPECT_EQ(errorCode(anon), "auth.required");
        for (const auto& [level, b] : roles) {
            Response r = call(e.method, e.path, b, body);
            if (level < e.minRole) {
                EXPECT_EQ(r.status, 403) << e.method << " " << e.path << " as " << level << ": " << r.body;
                EXPECT_EQ(errorCode(r), "auth.wrong_role") << e.method << " " << e.path;
            } else {
                EXPECT_NE(errorCode(r), "auth.wrong_role") << e.method << " " << e.path << " as " << level;
                EXPECT_NE(r.status, 401) << e.method << " " << e.path;
            }
        }
    }
    // The role of the kind: an officer may release but not take a lane out of service.
    laneEvents("HZMB-CP-01", {heartbeat("HZMB-CP-01", 1)});
    Response release = post("/v1/console/lanes/HZMB-CP-01/commands", officer, Json{{"kind", "release"}, {"confirm", true}});
    EXPECT_EQ(release.status, 201) << release.body;
    Response oos =
        post("/v1/console/lanes/HZMB-CP-01/commands", officer, Json{{"kind", "out_of_service"}, {"confirm", true}});
    EXPECT_EQ(oos.status, 403);
    EXPECT_EQ(errorCode(oos), "auth.wrong_role");
}

TEST_P(ConsoleAuth, RoleChangeAndDisableEndSessions) {
    const Browser admin = login("adm.one", "admin");
    const Browser officer = login("off.one", "officer");
    Response up = post("/v1/console/officers/off.one/role", admin, Json{{"role", "supervisor"}});
    ASSERT_EQ(up.status, 200) << up.body;
    EXPECT_EQ(get("/v1/console/me", officer).status, 401);
    const Browser again = login("off.one");
    EXPECT_EQ(parse(get("/v1/console/me", again))["role"], "supervisor");
    ASSERT_EQ(post("/v1/console/officers/off.one/disable", admin).status, 200);
    EXPECT_EQ(get("/v1/console/me", again).status, 401);
    EXPECT_EQ(rawLogin("off.one", kPassword).status, 401);
}

TEST_P(ConsoleAuth, StrictJson) {
    Request req;
    req.method = "POST";
    req.path = "/v1/console/login";
    req.headers["content-type"] = "application/json";
    req.body = R"({"name": "a", "password": "b", "remember": true})";
    Response unknown = consoleApi_->handle(req, now_);
    EXPECT_EQ(unknown.status, 422);
    EXPECT_EQ(errorCode(unknown), "api.unknown_field");
    req.body = R"({"name": "a", "name": "b"})";
    EXPECT_EQ(errorCode(consoleApi_->handle(req, now_)), "api.bad_json");
    req.body = R"({"name": 5, "password": "b"})";
    EXPECT_EQ(errorCode(consoleApi_->handle(req, now_)), "api.bad_type");
    req.body = R"({"password": "b"})";
    EXPECT_EQ(errorCode(consoleApi_->handle(req, now_)), "api.missing_field");
    req.headers["content-type"] = "text/plain";
    req.body = R"({"name": "a", "password": "b"})";
    EXPECT_EQ(consoleApi_->handle(req, now_).status, 415);
    req.headers["content-type"] = "application/json";
    req.body = std::string(70 * 1024, ' ');
    EXPECT_EQ(consoleApi_->handle(req, now_).status, 413);
    req.path = "/v1/console/nothing";
    EXPECT_EQ(consoleApi_->handle(req, now_).status, 404);
    req.path = "/v1/console/login";
    req.method = "GET";
    Response m = consoleApi_->handle(req, now_);
    EXPECT_EQ(m.status, 405);
    EXPECT_EQ(headerOf(m, "Allow"), "POST");
    const Browser b = login("off.one", "officer");
    Response q = get("/v1/console/lanes", b, {{"page", "2"}});
    EXPECT_EQ(errorCode(q), "api.bad_query");
}

KIOSK_CONSOLE_INSTANTIATE(ConsoleAuth);

}  // namespace
}  // namespace kiosk::server::consoletest
