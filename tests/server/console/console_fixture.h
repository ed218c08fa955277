#pragma once
// The console API over a real Repository and ConsoleRepository, once per backend: every
// TEST_P runs on SQLite (a file in a temp dir) and on PostgreSQL (a fresh database from the
// test harness's server). Devices talk through the device Api, officers through ConsoleApi.
#include <sqlite3.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "server/api.h"
#include "server/api_console.h"
#include "server/console_repository.h"
#include "server/console_secrets.h"
#include "server/repository.h"
#include "server/sqlite_repository.h"
#include "tests/server/backend_fixture.h"
#include "tests/support/postgres_harness.h"
#include "tests/support/test_support.h"

namespace kiosk::server::consoletest {

using Json = nlohmann::json;

inline const int64_t kNow = 1795000100;
inline const std::string kStream = "6f1c0d5e9a7b4c3d8e2f1a0b9c8d7e6f";
inline const std::string kPassword = "correct horse battery";
inline const std::string kQrHash = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

// A logged-in browser: the cookie value and the CSRF token.
struct Browser {
    std::string token;
    std::string csrf;
    std::string address = "10.0.0.5";
};

inline std::string headerOf(const Response& r, const std::string& name) {
    for (const auto& [k, v] : r.headers)
        if (k == name) return v;
    return "";
}

class ConsoleFixture : public servertest::BackendFixture {
protected:
    void SetUp() override {
        std::string url;
        if (GetParam() == "sqlite") {
            dbPath_ = (kiosk::testing::tempDir("console") / "server.db").string();
            url = "sqlite:" + dbPath_;
        } else {
            auto u = kiosk::testing::freshPostgresDatabase("console");
            ASSERT_TRUE(u.ok()) << u.error().code << ": " << u.error().message;
            pgUrl_ = url = *u;
        }
        auto r = openRepository(url);
        ASSERT_TRUE(r.ok()) << r.error().code << ": " << r.error().message;
        repo_ = std::move(r).value();
        auto c = openConsoleRepository(url);
        ASSERT_TRUE(c.ok()) << c.error().code << ": " << c.error().message;
        console_ = std::move(c).value();
        api_ = std::make_unique<Api>(*repo_);
        options_.passwordCost = PasswordCost{1, 1024, 1};  // the rules are the same; the tests run faster
        consoleApi_ = std::make_unique<ConsoleApi>(*repo_, *console_, options_);
        consoleApi_->setCommandNotifier([this](const std::string& id) { woken_.push_back(id); });
        consoleApi_->setFeedNotifier([this](const std::string& type, const std::string&) { feed_.push_back(type); });
    }

    void addOfficer(const std::string& name, const std::string& role, const std::string& password = kPassword) {
        auto h = hashPassword(password, options_.passwordCost);
        ASSERT_TRUE(h.ok());
        Officer o;
        o.name = name;
        o.role = role;
        o.passwordHash = *h;
        o.createdAt = now_;
        o.passwordChangedAt = now_;
        auto st = console_->createOfficer(o);
        ASSERT_TRUE(st.ok()) << st.error().message;
    }

    Response rawLogin(const std::string& name, const std::string& password, const std::string& address = "10.0.0.5") {
        Request req = request("POST", "/v1/console/login", Json{{"name", name}, {"password", password}}.dump());
        req.remoteAddress = address;
        return consoleApi_->handle(req, now_);
    }

    // Logs in (creating the officer first when `role` is given).
    Browser login(const std::string& name, const std::string& role = "") {
        if (!role.empty()) addOfficer(name, role);
        Response r = rawLogin(name, kPassword);
        EXPECT_EQ(r.status, 200) << r.body;
        Browser b;
        const std::string cookie = headerOf(r, "Set-Cookie");
        const auto eq = cookie.find('=');
        const auto semi = cookie.find(';');
        if (eq != std::string::npos && semi != std::string::npos) b.token = cookie.substr(eq + 1, semi - eq - 1);
        Json j = Json::parse(r.body, nullptr, false);
        if (j.is_object()) b.csrf = j.value("csrf", "");
        return b;
    }

    enum class Csrf { Send, Omit };
    Response call(const std::string& method, const std::string& path, const Browser* b, const std::string& body = "",
                  std::map<std::string, std::string> query = {}, Csrf csrf = Csrf::Send,
                  std::map<std::string, std::string> headers = {}) {
        Request req = request(method, path, body, std::move(query), std::move(headers));
        if (b) {
            req.headers["cookie"] = "theme=dark; " + std::string(kSessionCookie) + "=" + b->token;
            if (csrf == Csrf::Send) req.headers["x-csrf-token"] = b->csrf;
            req.remoteAddress = b->address;
        }
        return consoleApi_->handle(req, now_);
    }
    Response get(const std::string& path, const Browser& b, std::map<std::string, std::string> q = {}) {
        return call("GET", path, &b, "", std::move(q));
    }
    Response post(const std::string& path, const Browser& b, const Json& body = Json::object()) {
        return call("POST", path, &b, body.dump());
    }

    // A lane (device certificate) sends events through the device API.
    void laneEvents(const std::string& lane, const std::vector<Json>& events) {
        Request req = request("POST", "/v1/device/events", Json{{"stream", kStream}, {"events", events}}.dump());
        Response r = api_->handle(req, Identity{Role::Lane, lane, "01"}, now_);
        ASSERT_EQ(r.status, 200) << r.body;
    }
    Response laneCall(const std::string& lane, const std::string& method, const std::string& path,
                      const std::string& body = "", std::map<std::string, std::string> query = {}) {
        return api_->handle(request(method, path, body, std::move(query)), Identity{Role::Lane, lane, "01"}, now_);
    }

    Json crossing(const std::string& lane, int64_t seq, const std::string& outcome = "passed",
                  std::vector<std::string> reasons = {}, int64_t laneMs = 14000) {
        return Json{{"seq", seq},
                    {"kind", "crossing"},
                    {"time", now_ - 5},
                    {"payload",
                     {{"lane", lane},
                      {"outcome", outcome},
                      {"reasons", reasons},
                      {"reference", "E-7Q2M9K"},
                      {"qr_hash", kQrHash},
                      {"lane_ms", laneMs}}}};
    }
    Json heartbeat(const std::string& lane, int64_t seq, const std::string& state = "ReadCredential",
                   bool inService = true) {
        return Json{{"seq", seq},
                    {"kind", "heartbeat"},
                    {"time", now_},
                    {"payload", {{"lane", lane}, {"state", state}, {"in_service", inService}}}};
    }
    Json alertEvent(const std::string& lane, int64_t seq, const std::string& reason = "lane.tailgating") {
        return Json{{"seq", seq}, {"kind", "alert"}, {"time", now_}, {"payload", {{"lane", lane}, {"reason", reason}}}};
    }
    Json scan(const std::string& lane, int64_t seq, const std::string& verdict = "accepted") {
        return Json{{"seq", seq},
                    {"kind", "scan"},
                    {"time", now_},
                    {"payload", {{"lane", lane}, {"qr_hash", kQrHash}, {"verdict", verdict}}}};
    }

    std::vector<ChainedAuditRow> auditRows() {
        auto rows = console_->auditRows(0, 100000);
        EXPECT_TRUE(rows.ok());
        return rows.ok() ? *rows : std::vector<ChainedAuditRow>{};
    }
    std::vector<ChainedAuditRow> auditWith(const std::string& action) {
        std::vector<ChainedAuditRow> out;
        for (auto& r : auditRows())
            if (r.action == action) out.push_back(r);
        return out;
    }

    // SQL under the API, to tamper with rows.
    void rawSql(const std::string& sql) {
        if (GetParam() == "sqlite") {
            sqlite3* db = nullptr;
            ASSERT_EQ(sqlite3_open(dbPath_.c_str(), &db), SQLITE_OK);
            sqlite3_busy_timeout(db, 5000);
            char* err = nullptr;
            const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
            std::string msg = err ? err : "";
            sqlite3_free(err);
            sqlite3_close(db);
            ASSERT_EQ(rc, SQLITE_OK) << msg;
        } else {
            auto r = kiosk::testing::runPsql(pgUrl_, sql);
            ASSERT_TRUE(r.ok()) << r.error().message;
        }
    }

    ConsoleOptions options_;
    std::unique_ptr<Repository> repo_;
    std::unique_ptr<ConsoleRepository> console_;
    std::unique_ptr<Api> api_;
    std::unique_ptr<ConsoleApi> consoleApi_;
    std::vector<std::string> woken_, feed_;
    int64_t now_ = kNow;
    std::string dbPath_, pgUrl_;
};

}  // namespace kiosk::server::consoletest

#define KIOSK_CONSOLE_INSTANTIATE(Fixture) KIOSK_BACKENDS_INSTANTIATE(Fixture)
