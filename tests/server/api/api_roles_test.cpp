// Who may call what (401/403), unknown routes (404/405), a database that went away (503).
#include <sqlite3.h>

#include "tests/server/api/api_fixture.h"

namespace kiosk::server::apitest {
namespace {

class ApiRoles : public ApiFixture {};

struct RouteCase {
    std::string method, path;
    std::vector<Role> allowed;
};

const std::vector<RouteCase>& allRoutes() {
    using R = Role;
    static const std::vector<RouteCase> k = {
        {"POST", "/v1/device/events", {R::Lane, R::Registration}},
        {"POST", "/v1/device/enrolments", {R::Registration}},
        {"GET", "/v1/device/enrolments", {R::Lane}},
        {"GET", "/v1/device/enrolments/E-1", {R::Lane}},
        {"GET", "/v1/device/watchlist", {R::Lane}},
        {"GET", "/v1/device/trust-list", {R::Lane, R::Registration}},
        {"GET", "/v1/device/health-rules", {R::Lane}},
        {"GET", "/v1/device/commands", {R::Lane}},
        {"POST", "/v1/device/commands/1/result", {R::Lane}},
        {"POST", "/v1/admin/enrolments", {R::Admin}},
        {"GET", "/v1/admin/enrolments/E-1", {R::Admin}},
        {"POST", "/v1/admin/watchlist", {R::Admin}},
        {"PUT", "/v1/admin/trust-list", {R::Admin}},
        {"PUT", "/v1/admin/health-rules", {R::Admin}},
        {"POST", "/v1/admin/lanes/HZMB-A-07/commands", {R::Admin}},
        {"GET", "/v1/admin/commands/1", {R::Admin}},
        {"GET", "/v1/admin/devices", {R::Admin}},
        {"GET", "/v1/admin/events", {R::Admin}},
        {"GET", "/v1/admin/audit", {R::Admin}},
        {"GET", "/v1/admin/stats", {R::Admin}},
        {"GET", "/v1/health", {R::Lane, R::Registration, R::Admin}},
    };
    return k;
}

// A body each POST/PUT would accept from its own role, so only the role can refuse it.
std::string goodBody(const RouteCase& rc) {
    if (rc.path == "/v1/device/events") return Json{{"stream", kStream}, {"events", {crossingEvent(1)}}}.dump();
    if (rc.path == "/v1/device/enrolments")
        return Json{{"stream", kStream}, {"seq", 1}, {"enrolment", enrolmentJson("E-1", hex64('1'))}}.dump();
    if (rc.path == "/v1/admin/enrolments") return Json{{"enrolment", enrolmentJson("E-1", hex64('1'))}}.dump();
    if (rc.path == "/v1/admin/watchlist") return Json{{"document_hash", hex64('a')}, {"op", "add"}}.dump();
    if (rc.path == "/v1/admin/trust-list") return R"({"signed_list":"AAAA"})";
    if (rc.path == "/v1/admin/health-rules") return R"({"health_code":[]})";
    if (rc.path.find("/commands") != std::string::npos && rc.method == "POST") {
        return rc.path.find("/result") != std::string::npos ? R"({"result":"applied"})" : R"({"kind":"release"})";
    }
    return "";
}

TEST_P(ApiRoles, EveryEndpointRefusesTheWrongRoleAndStoresNothing) {
    const std::vector<std::pair<Identity, Role>> callers = {
        {lane(), Role::Lane}, {registration(), Role::Registration}, {admin(), Role::Admin}};
    int refusals = 0;
    for (const auto& rc : allRoutes()) {
        for (const auto& [who, role] : callers) {
            if (std::find(rc.allowed.begin(), rc.allowed.end(), role) != rc.allowed.end()) continue;
            SCOPED_TRACE(rc.method + " " + rc.path + " as " + toString(role));
            const Snapshot before = snapshot();
            auto r = call(rc.method, rc.path, who, goodBody(rc));
            EXPECT_EQ(r.status, 403) << r.body;
            EXPECT_EQ(errorCode(r), "auth.wrong_role");
            EXPECT_EQ(snapshot(), before);
            ++refusals;
        }
        SCOPED_TRACE(rc.method + " " + rc.path + " without a certificate");
        auto r = call(rc.method, rc.path, nobody(), goodBody(rc));
        EXPECT_EQ(r.status, 401) << r.body;
        EXPECT_EQ(errorCode(r), "auth.required");
    }
    EXPECT_EQ(refusals, 38);
    EXPECT_EQ(repo_->counts()->devices, 0) << "a refused role must not register a device";
}

TEST_P(ApiRoles, TheNamedCasesOfTheMatrix) {
    // A lane certificate cannot post enrolments.
    auto r1 = post("/v1/device/enrolments", lane(),
                   Json{{"stream", kStream}, {"seq", 1}, {"enrolment", enrolmentJson("E-1", hex64('1'))}});
    EXPECT_EQ(r1.status, 403);
    EXPECT_EQ(repo_->counts()->enrolments, 0);
    // A registration machine cannot pull enrolments or commands.
    EXPECT_EQ(get("/v1/device/enrolments", registration()).status, 403);
    EXPECT_EQ(get("/v1/device/commands", registration()).status, 403);
    // Devices are not admins, admins are not devices.
    EXPECT_EQ(get("/v1/admin/stats", lane()).status, 403);
    EXPECT_EQ(post("/v1/admin/lanes/HZMB-A-07/commands", lane(), Json{{"kind", "emergency_open"}}).status, 403);
    EXPECT_EQ(repo_->counts()->commands, 0);
    EXPECT_EQ(get("/v1/device/commands", admin()).status, 403);
    EXPECT_EQ(get("/v1/health", nobody()).status, 401);
}

TEST_P(ApiRoles, UnknownRoutesAndMethods) {
    for (const std::string path : {"/", "", "/v1", "/v1/device", "/v1/device/events/", "/v1//device/events",
                                   "/v2/device/events", "/v1/device/enrolments/E-1/x", "/v1/admin/lanes//commands",
                                   "v1/health", "/V1/HEALTH"}) {
        auto r = get(path, lane());
        EXPECT_EQ(r.status, 404) << "'" << path << "' " << r.body;
        EXPECT_EQ(errorCode(r), "api.not_found");
    }
    auto m = call("DELETE", "/v1/device/events", lane());
    EXPECT_EQ(m.status, 405);
    EXPECT_EQ(errorCode(m), "api.method");
    ASSERT_EQ(m.headers.size(), 1u);
    EXPECT_EQ(m.headers[0].first, "Allow");
    EXPECT_EQ(m.headers[0].second, "POST");
    auto both = call("PATCH", "/v1/device/enrolments", registration());
    EXPECT_EQ(both.status, 405);
    EXPECT_EQ(both.headers.at(0).second, "POST, GET");
    EXPECT_EQ(get("/v1/device/events", lane()).status, 405);
}

// Holds SQLite's write lock from another connection, as a second process would.
class SqliteWriteLock {
public:
    explicit SqliteWriteLock(const std::string& path) {
        if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) return;
        locked_ = sqlite3_exec(db_, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr) == SQLITE_OK;
    }
    ~SqliteWriteLock() { release(); }
    void release() {
        if (db_) {
            sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
            sqlite3_close(db_);
            db_ = nullptr;
        }
    }
    bool locked() const { return locked_; }

private:
    sqlite3* db_ = nullptr;
    bool locked_ = false;
};

TEST_P(ApiRoles, ADatabaseThatWentAwayIsServiceUnavailableAndStoresNothing) {
    if (GetParam() == "sqlite") {
        api_.reset();
        repo_.reset();
        openRepository(/*sqliteBusyTimeoutMs=*/50);
    }
    // The device exists already, so nothing but the failure differs.
    ASSERT_EQ(get("/v1/health", lane()).status, 200);
    const Snapshot before = snapshot();
    const std::string batch = Json{{"stream", kStream}, {"events", {crossingEvent(1), heartbeatEvent(2)}}}.dump();

    auto expectUnavailable = [&](const Response& r) {
        EXPECT_EQ(r.status, 503) << r.body;
        EXPECT_EQ(errorCode(r), "repo.unavailable");
        EXPECT_EQ(r.body.find("HZMB"), std::string::npos) << "no data in the answer: " << r.body;
    };

    if (GetParam() == "sqlite") {
        SqliteWriteLock lock(dbPath_);
        ASSERT_TRUE(lock.locked());
        expectUnavailable(call("POST", "/v1/device/events", lane(), batch));
        expectUnavailable(post("/v1/admin/lanes/HZMB-A-07/commands", admin(), Json{{"kind", "release"}}));
        lock.release();
    } else {
        auto stopped = kiosk::testing::stopPostgres();
        ASSERT_TRUE(stopped.ok()) << stopped.error().message;
        expectUnavailable(call("POST", "/v1/device/events", lane(), batch));
        expectUnavailable(get("/v1/health", lane()));
        expectUnavailable(get("/v1/admin/stats", admin()));
        auto started = kiosk::testing::startPostgres();
        ASSERT_TRUE(started.ok()) << started.error().message;
    }
    EXPECT_EQ(snapshot(), before);
    // Back: the device's retry of the same batch is stored once.
    auto retry = call("POST", "/v1/device/events", lane(), batch);
    ASSERT_EQ(retry.status, 200) << retry.body;
    EXPECT_EQ(parse(retry)["results"][0]["status"], "stored");
    EXPECT_EQ(*repo_->countEvents("HZMB-A-07", ""), 2);
}

TEST_P(ApiRoles, TheNotifierIsCalledOnlyForStoredCommands) {
    ASSERT_EQ(post("/v1/admin/lanes/LANE-X/commands", admin(), Json{{"kind", "emergency_open"}}).status, 201);
    ASSERT_EQ(post("/v1/admin/lanes/LANE-X/commands", admin(), Json{{"kind", "nope"}}).status, 422);
    EXPECT_EQ(notified_, std::vector<std::string>{"LANE-X"});
}

KIOSK_API_INSTANTIATE(ApiRoles);

}  // namespace
}  // namespace kiosk::server::apitest
