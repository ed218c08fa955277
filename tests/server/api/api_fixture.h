#pragma once
// The API over a real repository, once per backend: every TEST_P runs on SQLite (a file in
// a temp dir) and on PostgreSQL (a fresh database from the test harness's server).
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "server/api.h"
#include "server/repository.h"
#include "server/sqlite_repository.h"
#include "tests/server/backend_fixture.h"
#include "tests/support/postgres_harness.h"
#include "tests/support/test_support.h"

namespace kiosk::server::apitest {

using Json = nlohmann::json;

inline const int64_t kNow = 1795000100;
inline const std::string kStream = "6f1c0d5e9a7b4c3d8e2f1a0b9c8d7e6f";
inline const std::string kStream2 = "00112233445566778899aabbccddeeff";

inline Identity lane(const std::string& id = "HZMB-A-07") { return {Role::Lane, id, "01"}; }
inline Identity registration(const std::string& id = "REG-01") { return {Role::Registration, id, "02"}; }
inline Identity admin(const std::string& name = "ops.chan") { return {Role::Admin, name, "03"}; }
inline Identity nobody() { return {Role::None, "", ""}; }

inline std::string hex64(char c) { return std::string(64, c); }

inline Json enrolmentJson(const std::string& reference, const std::string& documentHash) {
    return Json{{"reference", reference},
                {"document_hash", documentHash},
                {"document_masked", "K1*****(8)"},
                {"residency", "hk_permanent"},
                {"date_of_birth", "1990-04-01"},
                {"document_expiry", "2031-04-01"},
                {"channel", "machine"},
                {"enrolled_at", 1795000000},
                {"biometrics", "c2VhbGVkIGVudmVsb3Bl"}};
}

inline Json crossingEvent(int64_t seq, const std::string& laneId = "HZMB-A-07") {
    return Json{{"seq", seq},
                {"kind", "crossing"},
                {"time", 1795000000 + seq},
                {"payload",
                 {{"lane", laneId},
                  {"outcome", "passed"},
                  {"reasons", Json::array()},
                  {"reference", "E-7Q2M9K"},
                  {"qr_hash", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"},
                  {"lane_ms", 14200}}}};
}

inline Json heartbeatEvent(int64_t seq) {
    return Json{{"seq", seq},
                {"kind", "heartbeat"},
                {"time", 1795000000 + seq},
                {"payload",
                 {{"lane", "HZMB-A-07"},
                  {"state", "ReadCredential"},
                  {"in_service", true},
                  {"doors", {{"entry", "closed"}, {"exit", "open"}}},
                  {"enrolment_cursor", 1207},
                  {"enrolment_age_s", 12},
                  {"outbox_depth", 0},
                  {"trust_list_version", 3}}}};
}

// Everything a refused request could have written, for before/after comparisons.
struct Snapshot {
    RepositoryCounts counts;
    size_t watchlist = 0;
    int64_t trustListVersion = 0, healthRulesVersion = 0;
    size_t audit = 0;

    bool operator==(const Snapshot& o) const {
        return counts.events == o.counts.events && counts.enrolments == o.counts.enrolments &&
               counts.activeEnrolments == o.counts.activeEnrolments && counts.commands == o.counts.commands &&
               counts.audit == o.counts.audit && counts.devices == o.counts.devices && watchlist == o.watchlist &&
               trustListVersion == o.trustListVersion && healthRulesVersion == o.healthRulesVersion &&
               audit == o.audit;
    }
};

inline void PrintTo(const Snapshot& s, std::ostream* os) {
    *os << "{events " << s.counts.events << ", enrolments " << s.counts.enrolments << ", active "
        << s.counts.activeEnrolments << ", commands " << s.counts.commands << ", audit " << s.counts.audit
        << ", devices " << s.counts.devices << ", watchlist " << s.watchlist << ", trust " << s.trustListVersion
        << ", health " << s.healthRulesVersion << "}";
}

class ApiFixture : public servertest::BackendFixture {
protected:
    void SetUp() override { openRepository(); }

    void openRepository(int sqliteBusyTimeoutMs = 5000) {
        if (GetParam() == "sqlite") {
            dbPath_ = (kiosk::testing::tempDir("api") / "server.db").string();
            SqliteOptions o;
            o.busyTimeoutMs = sqliteBusyTimeoutMs;
            auto r = openSqliteRepository(dbPath_, o);
            ASSERT_TRUE(r.ok()) << r.error().code << ": " << r.error().message;
            repo_ = std::move(r).value();
        } else {
            auto url = kiosk::testing::freshPostgresDatabase("api");
            ASSERT_TRUE(url.ok()) << url.error().code << ": " << url.error().message;
            pgUrl_ = *url;
            auto r = openPostgresRepository(*url);
            ASSERT_TRUE(r.ok()) << r.error().code << ": " << r.error().message;
            repo_ = std::move(r).value();
        }
        api_ = std::make_unique<Api>(*repo_, options_);
        api_->setCommandNotifier([this](const std::string& id) { notified_.push_back(id); });
    }

    Response call(const std::string& method, const std::string& path, const Identity& who,
                  const std::string& body = "", std::map<std::string, std::string> query = {},
                  bool expired = false) {
        Request req = request(method, path, body, std::move(query));
        req.longPollExpired = expired;
        return api_->handle(req, who, now_);
    }
    Response post(const std::string& path, const Identity& who, const Json& body) {
        return call("POST", path, who, body.dump());
    }
    Response put(const std::string& path, const Identity& who, const Json& body) {
        return call("PUT", path, who, body.dump());
    }
    Response get(const std::string& path, const Identity& who, std::map<std::string, std::string> query = {}) {
        return call("GET", path, who, "", std::move(query));
    }

    Json postEvents(const std::vector<Json>& events, const std::string& stream = kStream,
                    const Identity& who = lane()) {
        auto r = post("/v1/device/events", who, Json{{"stream", stream}, {"events", events}});
        EXPECT_EQ(r.status, 200) << r.body;
        return parse(r);
    }

    Snapshot snapshot() {
        Snapshot s;
        auto c = repo_->counts();
        EXPECT_TRUE(c.ok());
        if (c.ok()) s.counts = *c;
        auto w = repo_->watchlistSince(0, 100000);
        if (w.ok()) s.watchlist = w->size();
        auto t = repo_->latestBlob("trust_list");
        if (t.ok() && *t) s.trustListVersion = (*t)->version;
        auto h = repo_->latestBlob("health_rules");
        if (h.ok() && *h) s.healthRulesVersion = (*h)->version;
        auto a = repo_->audit(0, 100000);
        if (a.ok()) s.audit = a->size();
        return s;
    }

    ApiOptions options_;
    std::unique_ptr<Repository> repo_;
    std::unique_ptr<Api> api_;
    std::vector<std::string> notified_;
    int64_t now_ = kNow;
    std::string dbPath_, pgUrl_;
};

}  // namespace kiosk::server::apitest

#define KIOSK_API_INSTANTIATE(Fixture) KIOSK_BACKENDS_INSTANTIATE(Fixture)
