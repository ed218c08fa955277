// The console's live feed over a real SQLite repository: what is stored after start is
// published once, with the names and JSON of docs/console.md ("Live events"); scans are
// not; commands come through the audit rows; replay after a Last-Event-ID; too far behind
// is one "reset". And end to end: the feed publishing into a real listener's stream.
#include <mutex>

#include "core/config.h"
#include "server/console_feed.h"
#include "tests/server/net/net_test_support.h"

namespace kiosk::server {
namespace {

using namespace nettest;
using core::Json;

LaneCommand pendingCommand(std::string device, std::string kind, std::string by, int64_t at) {
    LaneCommand c;
    c.deviceId = std::move(device);
    c.kind = std::move(kind);
    c.args = "{}";
    c.issuedBy = std::move(by);
    c.issuedAt = at;
    return c;
}

struct Published {
    int64_t id;
    std::string name;
    Json data;
};

class FeedTest : public ::testing::Test {
protected:
    void SetUp() override {
        auto r = openSqliteRepository((kiosk::testing::tempDir("net-feed") / "feed.db").string());
        ASSERT_TRUE(r.ok()) << r.error().message;
        repo_ = std::move(r).value();
    }

    ConsoleFeed makeFeed(ConsoleFeedOptions o = {}) {
        return ConsoleFeed(*repo_, [this](int64_t id, const std::string& name, const std::string& json) {
            std::lock_guard lock(mu_);
            out_.push_back({id, name, Json::parse(json)});
        }, o);
    }

    DeviceEvent event(const std::string& device, int64_t seq, const std::string& kind, Json payload, int64_t received) {
        DeviceEvent e;
        e.deviceId = device;
        e.stream = "s1";
        e.seq = seq;
        e.kind = kind;
        e.deviceTime = received - 1;
        e.receivedAt = received;
        e.payload = payload.dump();
        return e;
    }

    void append(const std::vector<DeviceEvent>& evs) {
        auto r = repo_->appendEvents(evs);
        ASSERT_TRUE(r.ok()) << r.error().message;
    }

    std::vector<Published> take() {
        std::lock_guard lock(mu_);
        return std::exchange(out_, {});
    }

    std::unique_ptr<Repository> repo_;
    std::mutex mu_;
    std::vector<Published> out_;
};

TEST_F(FeedTest, PublishesWhatCameAfterStartOnceWithItsShape) {
    const int64_t t = 1795000000;
    // Stored long before start: not published (the console loads it through the API).
    append({event("HZMB-A-07", 1, "alert", {{"lane", "HZMB-A-07"}, {"reason", "lane.old"}}, t - 3600)});
    ASSERT_TRUE(repo_->enqueueCommand(pendingCommand("HZMB-A-07", "release", "officer:old", t - 3600)).ok());
    auto feed = makeFeed();
    ASSERT_TRUE(feed.begin(t).ok());
    ASSERT_TRUE(feed.pollOnce().ok());
    EXPECT_TRUE(take().empty());

    append({event("HZMB-A-07", 2, "alert", {{"lane", "HZMB-A-07"}, {"reason", "lane.tailgating"}}, t + 1),
            event("HZMB-A-07", 3, "scan", {{"lane", "HZMB-A-07"}, {"qr_hash", std::string(64, 'a')}, {"verdict", "accepted"}}, t + 1),
            event("HZMB-A-07", 4, "heartbeat", {{"lane", "HZMB-A-07"}, {"state", "Idle"}, {"in_service", true}}, t + 2),
            event("HZMB-A-07", 5, "lane_state", {{"lane", "HZMB-A-07"}, {"from", "Idle"}, {"to", "OutOfService"}}, t + 2),
            event("HZMB-A-07", 6, "crossing",
                  {{"lane", "HZMB-A-07"}, {"outcome", "passed"}, {"reasons", Json::array()}, {"reference", "E-7Q2M9K"},
                   {"qr_hash", std::string(64, 'b')}, {"lane_ms", 14200}},
                  t + 3)});
    auto n = feed.pollOnce();
    ASSERT_TRUE(n.ok()) << n.error().message;
    auto got = take();
    ASSERT_EQ(got.size(), 4u);  // the scan is not a console event
    EXPECT_EQ(got[0].name, "alert");
    EXPECT_EQ(got[1].name, "lane");
    EXPECT_EQ(got[2].name, "lane_state");
    EXPECT_EQ(got[3].name, "crossing");
    for (size_t i = 1; i < got.size(); ++i) EXPECT_GT(got[i].id, got[i - 1].id);
    const Json& alert = got[0].data;
    EXPECT_EQ(alert["id"], got[0].id);
    EXPECT_EQ(alert["device"], "HZMB-A-07");
    EXPECT_EQ(alert["seq"], 2);
    EXPECT_EQ(alert["kind"], "alert");
    EXPECT_EQ(alert["received_at"], t + 1);
    EXPECT_EQ(alert["time"], t);
    EXPECT_EQ(alert["payload"]["reason"], "lane.tailgating");
    EXPECT_EQ(got[1].data["payload"]["state"], "Idle");
    EXPECT_EQ(got[3].data["payload"]["lane_ms"], 14200);

    // Nothing new: nothing published again.
    ASSERT_TRUE(feed.pollOnce().ok());
    EXPECT_TRUE(take().empty());

    // A command issued and answered: two "command" events with the command's state.
    auto cmd = repo_->enqueueCommand(pendingCommand("HZMB-A-07", "out_of_service", "officer:chan.tm", t + 4));
    ASSERT_TRUE(cmd.ok());
    ASSERT_TRUE(feed.pollOnce().ok());
    ASSERT_TRUE(repo_->completeCommand(cmd->id, "HZMB-A-07", CommandState::Applied, "ok", t + 6).ok());
    ASSERT_TRUE(repo_->appendAudit(t + 7, "officer:chan.tm", "console.alert_ack",
                                   "alert 815 of HZMB-A-07 acknowledged, command 13 from 10.0.0.5")
                    .ok());
    ASSERT_TRUE(repo_->appendAudit(t + 8, "officer:chan.tm", "console.watchlist_add", "watchlist change 4 from 10.0.0.5").ok());
    ASSERT_TRUE(feed.pollOnce().ok());
    got = take();
    ASSERT_EQ(got.size(), 3u);  // the watchlist row is not for officers' screens
    EXPECT_EQ(got[0].name, "command");
    EXPECT_EQ(got[0].id, 0);  // not replayable: the page asks GET /v1/console/commands/{id}
    EXPECT_EQ(got[0].data["id"], cmd->id);
    EXPECT_EQ(got[1].name, "command");
    EXPECT_EQ(got[1].data["state"], "applied");
    EXPECT_EQ(got[1].data["detail"], "ok");
    EXPECT_EQ(got[1].data["device"], "HZMB-A-07");
    EXPECT_EQ(got[2].name, "alert_ack");
    EXPECT_EQ(got[2].data, (Json{{"id", 815}, {"lane", "HZMB-A-07"}, {"acked", true}, {"acked_by", "chan.tm"},
                                  {"acked_at", t + 7}, {"command", 13}}));
}

TEST_F(FeedTest, ReplayAfterAnIdAndResetWhenTooFarBehind) {
    const int64_t t = 1795000000;
    ConsoleFeedOptions o;
    o.replayLimit = 7;  // device events of every kind count, scans too
    auto feed = makeFeed(o);
    ASSERT_TRUE(feed.begin(t).ok());
    std::vector<DeviceEvent> evs;
    for (int i = 1; i <= 8; ++i)
        evs.push_back(event("HZMB-A-08", i, i % 2 ? "alert" : "scan", {{"lane", "HZMB-A-08"}, {"reason", "r" + std::to_string(i)}, {"qr_hash", std::string(64, 'c')}, {"verdict", "accepted"}}, t + i));
    // A scan's payload has no reason; an alert's none of the scan fields: give each its own.
    for (auto& e : evs)
        e.payload = e.kind == "alert" ? Json{{"lane", "HZMB-A-08"}, {"reason", "r" + std::to_string(e.seq)}}.dump()
                                      : Json{{"lane", "HZMB-A-08"}, {"qr_hash", std::string(64, 'c')}, {"verdict", "accepted"}}.dump();
    append(evs);
    ASSERT_TRUE(feed.pollOnce().ok());
    auto live = take();
    ASSERT_EQ(live.size(), 4u);
    const int64_t firstId = live[0].id;

    // After the first alert: the three later alerts (scans skipped), in order.
    auto r = feed.replay(firstId);
    ASSERT_EQ(r.size(), 3u);
    EXPECT_EQ(r[0].id, live[1].id);
    EXPECT_EQ(r[2].id, live[3].id);
    EXPECT_EQ(r[0].name, "alert");
    EXPECT_EQ(Json::parse(r[0].data)["payload"]["reason"], "r3");
    EXPECT_TRUE(feed.replay(live[3].id).empty());

    // From 0 there are 8 rows, more than the limit of 7: one reset, moving the id forward.
    auto reset = feed.replay(0);
    ASSERT_EQ(reset.size(), 1u);
    EXPECT_EQ(reset[0].name, "reset");
    EXPECT_EQ(reset[0].id, feed.eventCursor());
    EXPECT_GE(reset[0].id, live[3].id);
}

TEST_F(FeedTest, ThreadPublishesIntoARealStream) {
    Pki pki = makePki("net-feed-stream");
    HttpServerOptions o = serverOptions(pki);
    o.clientAuth = ClientAuth::None;
    std::unique_ptr<ConsoleFeed> feed;
    o.replay = [&feed](const std::string&, int64_t after) { return feed->replay(after); };
    auto srv = HttpServer::create(o, [](const Request& req, const Identity&) {
        Response r;
        EventStream s{kConsoleTopic, 0, "t"};
        if (auto it = req.headers.find("last-event-id"); it != req.headers.end()) s.lastEventId = std::stoll(it->second);
        r.stream = s;
        return r;
    });
    ASSERT_TRUE(srv.ok());
    HttpServer& server = **srv;
    ConsoleFeedOptions fo;
    fo.interval = std::chrono::milliseconds(20);
    feed = std::make_unique<ConsoleFeed>(*repo_, [&server](int64_t id, const std::string& n, const std::string& j) {
        server.publish(kConsoleTopic, id, n, j);
    }, fo);
    const int64_t t = 1795000000;
    ASSERT_TRUE(feed->start(t).ok());

    ClientConfig cc;
    cc.caFile = pki.caCert();
    ClientContext ctx(cc);
    TlsClient c;
    ASSERT_EQ(c.connect(server.port(), ctx), "");
    ASSERT_TRUE(c.send("GET /v1/console/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
    ASSERT_TRUE(c.readResponse());
    ASSERT_TRUE(c.readUntil("\n\n"));  // retry
    ASSERT_TRUE(eventually([&] { return server.subscribers() == 1; }));
    append({event("HZMB-A-09", 1, "alert", {{"lane", "HZMB-A-09"}, {"reason", "lane.tailgating"}}, t + 1)});
    std::string block;
    for (;;) {
        auto b = c.readUntil("\n\n");
        ASSERT_TRUE(b) << c.error();
        if ((*b)[0] == ':') continue;
        block = *b;
        break;
    }
    EXPECT_NE(block.find("event: alert\n"), std::string::npos) << block;
    EXPECT_NE(block.find("\"reason\":\"lane.tailgating\""), std::string::npos) << block;
    const auto idPos = block.find("id: ");
    ASSERT_NE(idPos, std::string::npos);
    const int64_t id = std::stoll(block.substr(idPos + 4));

    // Disconnected, two more alerts, reconnect with Last-Event-ID: both, from the replay.
    c.close();
    append({event("HZMB-A-09", 2, "alert", {{"lane", "HZMB-A-09"}, {"reason", "lane.a"}}, t + 2),
            event("HZMB-A-09", 3, "alert", {{"lane", "HZMB-A-09"}, {"reason", "lane.b"}}, t + 3)});
    TlsClient again;
    ASSERT_EQ(again.connect(server.port(), ctx), "");
    ASSERT_TRUE(again.send("GET /v1/console/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nLast-Event-ID: " + std::to_string(id) +
                           "\r\n\r\n"));
    ASSERT_TRUE(again.readResponse());
    ASSERT_TRUE(again.readUntil("\n\n"));
    std::vector<std::string> reasons;
    while (reasons.size() < 2) {
        auto b = again.readUntil("\n\n");
        ASSERT_TRUE(b) << again.error();
        if ((*b)[0] == ':') continue;
        const auto d = b->find("data: ");
        ASSERT_NE(d, std::string::npos);
        reasons.push_back(Json::parse(b->substr(d + 6))["payload"]["reason"]);
    }
    EXPECT_EQ(reasons, (std::vector<std::string>{"lane.a", "lane.b"}));
    feed->stop();
    server.stop();
}

}  // namespace
}  // namespace kiosk::server
