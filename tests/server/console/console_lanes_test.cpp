// The wall of tiles, a lane's page, commands behind a confirmation, alerts and their
// acknowledgement, the enrolment look-up, statistics on known data, the live feed.
#include "tests/server/console/console_fixture.h"

namespace kiosk::server::consoletest {
namespace {

class ConsoleLanes : public ConsoleFixture {};

TEST(ConsoleView, ControlPointIsTheLaneIdWithoutItsNumber) {
    EXPECT_EQ(consoleview::controlPointOf("HZMB-CP-01"), "HZMB-CP");
    EXPECT_EQ(consoleview::controlPointOf("LWS-A-12"), "LWS-A");
    EXPECT_EQ(consoleview::controlPointOf("GONGBEI"), "GONGBEI");
    EXPECT_EQ(consoleview::controlPointOf("LANE-7A"), "LANE-7A");
    EXPECT_EQ(consoleview::controlPointOf("X-"), "X-");
}

TEST_P(ConsoleLanes, TilesAreGroupedByControlPoint) {
    laneEvents("HZMB-CP-01", {heartbeat("HZMB-CP-01", 1, "ReadCredential"), crossing("HZMB-CP-01", 2),
                              crossing("HZMB-CP-01", 3, "refused", {"elig.watchlist"}), alertEvent("HZMB-CP-01", 4)});
    laneEvents("HZMB-CP-02", {heartbeat("HZMB-CP-02", 1, "OutOfService", false)});
    now_ += 100;
    laneEvents("ZHA-CP-01", {heartbeat("ZHA-CP-01", 1, "Idle")});
    const Browser b = login("off.one", "officer");
    Response r = get("/v1/console/lanes", b);
    ASSERT_EQ(r.status, 200) << r.body;
    Json j = parse(r);
    ASSERT_EQ(j["control_points"].size(), 2u);
    EXPECT_EQ(j["control_points"][0]["id"], "HZMB-CP");
    EXPECT_EQ(j["control_points"][1]["id"], "ZHA-CP");
    const Json& lanes = j["control_points"][0]["lanes"];
    ASSERT_EQ(lanes.size(), 2u);
    const Json& one = lanes[0];
    EXPECT_EQ(one["lane"], "HZMB-CP-01");
    EXPECT_EQ(one["state"], "ReadCredential");
    EXPECT_EQ(one["in_service"], true);
    EXPECT_TRUE(one["doors"].is_null());
    EXPECT_EQ(one["last_crossing"]["outcome"], "refused");
    EXPECT_EQ(one["last_crossing"]["reasons"], Json::array({"elig.watchlist"}));
    EXPECT_EQ(one["last_crossing"]["time"], kNow);
    EXPECT_EQ(one["crossings_last_hour"], 2);
    EXPECT_EQ(one["open_alerts"], 1);
    EXPECT_EQ(one["last_seen"], kNow);
    EXPECT_EQ(one["stale"], true);  // 100 s since it was seen
    EXPECT_EQ(lanes[1]["state"], "OutOfService");
    EXPECT_EQ(lanes[1]["in_service"], false);
    EXPECT_TRUE(lanes[1]["last_crossing"].is_null());
    EXPECT_EQ(j["control_points"][1]["lanes"][0]["stale"], false);

    // An hour later the crossings no longer count as "last hour".
    now_ += 3600;
    const Browser again = login("off.one");  // the first session went idle meanwhile
    Json later = parse(get("/v1/console/lanes", again));
    EXPECT_EQ(later["control_points"][0]["lanes"][0]["crossings_last_hour"], 0);
}

TEST_P(ConsoleLanes, ANewerLaneStateEventWinsOverAnOlderHeartbeat) {
    laneEvents("HZMB-CP-01", {heartbeat("HZMB-CP-01", 1, "Idle")});
    now_ += 2;
    laneEvents("HZMB-CP-01", {Json{{"seq", 2},
                                   {"kind", "lane_state"},
                                   {"time", now_},
                                   {"payload", {{"lane", "HZMB-CP-01"}, {"from", "Idle"}, {"to", "OutOfService"}}}}});
    const Browser b = login("off.one", "officer");
    EXPECT_EQ(parse(get("/v1/console/lanes", b))["control_points"][0]["lanes"][0]["state"], "OutOfService");
}

// A lane whose journal went back on an earlier anchor: the server raises the alert itself.
TEST_P(ConsoleLanes, ServerAlertAckSendsTheLaneNoCommand) {
    auto anchor = [&](int64_t seq, char hash) {
        Json chains = Json::object();
        for (const char* name : {"crossings", "scans", "audit", "enrolments"})
            chains[name] = Json{{"seq", 9}, {"hash", std::string(64, hash)}};
        return Json{{"seq", seq}, {"kind", "journal_anchor"}, {"time", now_},
                    {"payload", {{"device", "HZMB-CP-01"}, {"chains", chains}, {"public_key", ""}}}};
    };
    laneEvents("HZMB-CP-01", {heartbeat("HZMB-CP-01", 1), anchor(2, 'a')});
    laneEvents("HZMB-CP-01", {anchor(3, 'b')});
    const Browser b = login("off.one", "officer");
    Json open = parse(get("/v1/console/alerts", b, {{"open", "1"}}));
    ASSERT_EQ(open["alerts"].size(), 1u);
    EXPECT_EQ(open["alerts"][0]["reason"], "journal.rewritten");
    EXPECT_EQ(open["alerts"][0]["raised_by"], "server");
    EXPECT_EQ(open["alerts"][0]["lane"], "HZMB-CP-01");
    EXPECT_EQ(parse(get("/v1/console/lanes", b))["control_points"][0]["lanes"][0]["open_alerts"], 1);
    Response ack = post("/v1/console/alerts/" + open["alerts"][0]["id"].dump() + "/ack", b);
    ASSERT_EQ(ack.status, 200) << ack.body;
    Json acked = parse(ack);
    EXPECT_EQ(acked["acked"], true);
    EXPECT_TRUE(acked["command"].is_null());
    EXPECT_TRUE(woken_.empty());
    auto counts = repo_->counts();
    ASSERT_TRUE(counts.ok());
    EXPECT_EQ(counts->commands, 0);
    EXPECT_EQ(auditWith("console.alert_ack").size(), 1u);
}

TEST_P(ConsoleLanes, AcknowledgingAnAlertRecordsWhoAndWhenAndTellsTheLane) {
    laneEvents("HZMB-CP-01", {heartbeat("HZMB-CP-01", 1), alertEvent("HZMB-CP-01", 17)});
    const Browser b = login("off.one", "officer");
    Json open = parse(get("/v1/console/alerts", b, {{"open", "1"}}));
    ASSERT_EQ(open["alerts"].size(), 1u);
    const Json a = open["alerts"][0];
    EXPECT_EQ(a["lane"], "HZMB-CP-01");
    EXPECT_EQ(a["reason"], "lane.tailgating");
    EXPECT_EQ(a["seq"], 17);
    EXPECT_EQ(a["acked"], false);
    const int64_t id = a["id"];

    now_ += 7;
    Response ack = post("/v1/console/alerts/" + std::to_string(id) + "/ack", b);
    ASSERT_EQ(ack.status, 200) << ack.body;
    Json acked = parse(ack);
    EXPECT_EQ(acked["acked"], true);
    EXPECT_EQ(acked["acked_by"], "off.one");
    EXPECT_EQ(acked["acked_at"], kNow + 7);
    EXPECT_EQ(acked["duplicate"], false);
    ASSERT_TRUE(acked["command"].is_number_integer());
    EXPECT_EQ(woken_, std::vector<std::string>{"HZMB-CP-01"});
    EXPECT_EQ(feed_, std::vector<std::string>{"alert_ack"});

    // The lane receives ack_alert with its own alert id (the event's seq).
    Response cmds = laneCall("HZMB-CP-01", "GET", "/v1/device/commands", "", {{"wait_ms", "0"}});
    ASSERT_EQ(cmds.status, 200) << cmds.body;
    Json list = parse(cmds)["commands"];
    ASSERT_EQ(list.size(), 1u);
    EXPECT_EQ(list[0]["kind"], "ack_alert");
    EXPECT_EQ(list[0]["args"], Json({{"alert", "17"}}));
    EXPECT_EQ(list[0]["issued_by"], "officer:off.one");
    EXPECT_EQ(list[0]["id"], acked["command"]);

    // Again: the first acknowledgement stays, no second command.
    now_ += 5;
    const Browser other = login("off.two", "officer");
    Json again = parse(post("/v1/console/alerts/" + std::to_string(id) + "/ack", other));
    EXPECT_EQ(again["duplicate"], true);
    EXPECT_EQ(again["acked_by"], "off.one");
    EXPECT_EQ(again["acked_at"], kNow + 7);
    auto counts = repo_->counts();
    ASSERT_TRUE(counts.ok());
    EXPECT_EQ(counts->commands, 1);

    EXPECT_TRUE(parse(get("/v1/console/alerts", b, {{"open", "1"}}))["alerts"].empty());
    EXPECT_EQ(parse(get("/v1/console/alerts", b))["alerts"].size(), 1u);
    EXPECT_EQ(parse(get("/v1/console/lanes", b))["control_points"][0]["lanes"][0]["open_alerts"], 0);
    auto rows = auditWith("console.alert_ack");
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].actor, "officer:off.one");
    EXPECT_EQ(rows[0].time, kNow + 7);
    EXPECT_EQ(rows[0].subject, "HZMB-CP-01");

    // Not an alert: 404.
    EXPECT_EQ(post("/v1/console/alerts/1/ack", b).status, 404);  // event 1 is the heartbeat
    EXPECT_EQ(post("/v1/console/alerts/abc/ack", b).status, 404);
}

TEST_P(ConsoleLanes, AlertsPageNewestFirst) {
    std::vector<Json> events;
    for (int i = 1; i <= 5; ++i) events.push_back(alertEvent("HZMB-CP-01", i));
    laneEvents("HZMB-CP-01", events);
    const Browser b = login("off.one", "officer");
    Json first = parse(get("/v1/console/alerts", b, {{"limit", "3"}}));
    ASSERT_EQ(first["alerts"].size(), 3u);
    EXPECT_EQ(first["more"], true);
    EXPECT_EQ(first["alerts"][0]["seq"], 5);
    Json second = parse(get("/v1/console/alerts", b, {{"limit", "3"}, {"before", std::to_string(first["alerts"][2]["id"].get<int64_t>())}}));
    ASSERT_EQ(second["alerts"].size(), 2u);
    EXPECT_EQ(second["more"], false);
    EXPECT_EQ(second["alerts"][1]["seq"], 1);
    EXPECT_EQ(errorCode(get("/v1/console/alerts", b, {{"open", "2"}})), "api.bad_query");
}

TEST_P(ConsoleLanes, CommandsNeedTheConfirmationAndReachTheLane) {
    laneEvents("HZMB-CP-01", {heartbeat("HZMB-CP-01", 1)});
    const Browser sup = login("sup.one", "supervisor");
    const std::string path = "/v1/console/lanes/HZMB-CP-01/commands";
    Response missing = post(path, sup, Json{{"kind", "out_of_service"}});
    EXPECT_EQ(missing.status, 422);
    EXPECT_EQ(errorCode(missing), "api.missing_field");
    Response no = post(path, sup, Json{{"kind", "out_of_service"}, {"confirm", false}});
    EXPECT_EQ(no.status, 422);
    EXPECT_EQ(errorCode(no), "api.bad_value");
    EXPECT_EQ(errorCode(post(path, sup, Json{{"kind", "out_of_service"}, {"confirm", "yes"}})), "api.bad_type");
    EXPECT_EQ(errorCode(post(path, sup, Json{{"kind", "reboot"}, {"confirm", true}})), "api.bad_value");
    EXPECT_EQ(errorCode(post(path, sup, Json{{"kind", "release"}, {"args", {{"x", 1}}}, {"confirm", true}})),
              "api.unknown_field");
    EXPECT_EQ(post("/v1/console/lanes/NO-SUCH-01/commands", sup, Json{{"kind", "release"}, {"confirm", true}}).status,
              404);
    auto counts = repo_->counts();
    ASSERT_TRUE(counts.ok());
    EXPECT_EQ(counts->commands, 0);

    now_ += 3;
    Response ok = post(path, sup, Json{{"kind", "out_of_service"}, {"args", Json::object()}, {"confirm", true}});
    ASSERT_EQ(ok.status, 201) << ok.body;
    const int64_t id = parse(ok)["id"];
    EXPECT_EQ(parse(ok)["state"], "pending");
    EXPECT_EQ(woken_, std::vector<std::string>{"HZMB-CP-01"});

    Json list = parse(laneCall("HZMB-CP-01", "GET", "/v1/device/commands", "", {{"wait_ms", "0"}}))["commands"];
    ASSERT_EQ(list.size(), 1u);
    EXPECT_EQ(list[0]["kind"], "out_of_service");
    EXPECT_EQ(list[0]["issued_by"], "officer:sup.one");
    Response answered = laneCall("HZMB-CP-01", "POST", "/v1/device/commands/" + std::to_string(id) + "/result",
                                 R"({"result": "applied", "detail": "lane OutOfService"})");
    ASSERT_EQ(answered.status, 200) << answered.body;
    Json cmd = parse(get("/v1/console/commands/" + std::to_string(id), sup));
    EXPECT_EQ(cmd["state"], "applied");
    EXPECT_EQ(cmd["detail"], "lane OutOfService");
    EXPECT_EQ(get("/v1/console/commands/999", sup).status, 404);

    auto rows = auditWith("console.command");
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].actor, "officer:sup.one");
    EXPECT_NE(rows[0].detail.find("from 10.0.0.5"), std::string::npos);
    EXPECT_EQ(auditWith("command.issue").size(), 1u);
}

TEST_P(ConsoleLanes, LanePageHasTheScanLogCrossingsAndAudit) {
    laneEvents("HZMB-CP-01", {scan("HZMB-CP-01", 1, "accepted")});
    now_ += 13 * 3600;  // that scan is now older than 12 hours
    std::vector<Json> events = {scan("HZMB-CP-01", 2, "doc.expired")};
    for (int i = 0; i < 5; ++i) events.push_back(crossing("HZMB-CP-01", 10 + i, i == 4 ? "refused" : "passed",
                                                          i == 4 ? std::vector<std::string>{"doc.expired"}
                                                                 : std::vector<std::string>{}));
    laneEvents("HZMB-CP-01", events);
    laneEvents("HZMB-CP-02", {crossing("HZMB-CP-02", 1)});
    const Browser sup = login("sup.one", "supervisor");
    ASSERT_EQ(post("/v1/console/lanes/HZMB-CP-01/commands", sup, Json{{"kind", "release"}, {"confirm", true}}).status,
              201);
    Response r = get("/v1/console/lanes/HZMB-CP-01", sup, {{"limit", "3"}});
    ASSERT_EQ(r.status, 200) << r.body;
    Json j = parse(r);
    EXPECT_EQ(j["lane"]["lane"], "HZMB-CP-01");
    ASSERT_EQ(j["scans"].size(), 1u);
    EXPECT_EQ(j["scans"][0]["verdict"], "doc.expired");
    EXPECT_EQ(j["scans"][0]["qr_hash"], kQrHash);
    ASSERT_EQ(j["crossings"].size(), 3u);
    EXPECT_EQ(j["more"], true);
    EXPECT_EQ(j["crossings"][0]["outcome"], "refused");
    EXPECT_EQ(j["crossings"][0]["reasons"], Json::array({"doc.expired"}));
    EXPECT_EQ(j["crossings"][0]["reference"], "E-7Q2M9K");
    const int64_t last = j["crossings"][2]["id"];
    Json next = parse(get("/v1/console/lanes/HZMB-CP-01", sup, {{"limit", "3"}, {"before", std::to_string(last)}}));
    EXPECT_EQ(next["crossings"].size(), 2u);
    EXPECT_EQ(next["more"], false);
    bool sawCommand = false;
    for (const auto& a : j["audit"])
        if (a["action"] == "console.command" || a["action"] == "command.issue") sawCommand = true;
    EXPECT_TRUE(sawCommand) << j["audit"].dump();
    EXPECT_EQ(get("/v1/console/lanes/NOPE-01", sup).status, 404);
    EXPECT_EQ(errorCode(get("/v1/console/lanes/HZMB-CP-01", sup, {{"days", "32"}})), "api.bad_query");
}

TEST_P(ConsoleLanes, EnrolmentLookUpShowsTheMaskedNumberOnly) {
    EnrolmentRecord rec;
    rec.reference = "E-7Q2M9K";
    rec.documentHash = std::string(64, 'c');
    rec.documentMasked = "K1*****(8)";
    rec.residency = "hk_permanent";
    rec.dateOfBirth = "1990-04-01";
    rec.documentExpiry = "2031-04-01";
    rec.channel = "machine";
    rec.enrolledAt = 1795000000;
    rec.biometrics = "c2VhbGVkIGVudmVsb3Bl";
    rec.sourceDevice = "REG-01";
    rec.receivedAt = now_;
    ASSERT_TRUE(repo_->putEnrolment(rec, kStream, 1, "REG-01").ok());
    const Browser b = login("off.one", "officer");
    Response r = get("/v1/console/enrolments/E-7Q2M9K", b);
    ASSERT_EQ(r.status, 200) << r.body;
    Json j = parse(r);
    EXPECT_EQ(j["document_masked"], "K1*****(8)");
    EXPECT_EQ(j["reference"], "E-7Q2M9K");
    for (const char* hidden : {"biometrics", "document_hash", "date_of_birth"}) EXPECT_FALSE(j.contains(hidden)) << hidden;
    EXPECT_EQ(r.body.find("c2VhbGVk"), std::string::npos);
    EXPECT_EQ(get("/v1/console/enrolments/E-NONE", b).status, 404);
    EXPECT_EQ(get("/v1/console/enrolments/a'b", b).status, 404);
    EXPECT_EQ(auditWith("console.enrolment_lookup").size(), 2u);
}

TEST_P(ConsoleLanes, StatisticsOnKnownData) {
    now_ = 1795000000 - 1795000000 % 3600 + 1800;  // half past an hour
    // Two hours ago: 2 passed. This hour: 3 passed (lane_ms 10000, 20000, 30000), 2 refused.
    now_ -= 2 * 3600;
    laneEvents("HZMB-CP-01", {crossing("HZMB-CP-01", 1, "passed", {}, 5000), crossing("HZMB-CP-01", 2, "passed", {}, 7000)});
    now_ += 2 * 3600;
    laneEvents("HZMB-CP-01", {crossing("HZMB-CP-01", 3, "passed", {}, 30000), crossing("HZMB-CP-01", 4, "passed", {}, 10000),
                              crossing("HZMB-CP-01", 5, "refused", {"elig.watchlist", "doc.expired"}, 900)});
    laneEvents("HZMB-CP-02", {crossing("HZMB-CP-02", 1, "passed", {}, 20000),
                              crossing("HZMB-CP-02", 2, "refused", {"doc.expired"}, 800),
                              crossing("HZMB-CP-02", 3, "aborted", {}, 100)});
    const Browser b = login("off.one", "officer");
    Response r = get("/v1/console/stats", b, {{"hours", "3"}});
    ASSERT_EQ(r.status, 200) << r.body;
    Json j = parse(r);
    const int64_t hourNow = now_ - now_ % 3600;
    EXPECT_EQ(j["from"], hourNow - 2 * 3600);
    EXPECT_EQ(j["hours"], 3);
    ASSERT_EQ(j["per_hour"].size(), 3u);
    EXPECT_EQ(j["per_hour"][0]["crossings"], 2);
    EXPECT_EQ(j["per_hour"][0]["passed"], 2);
    EXPECT_EQ(j["per_hour"][1]["crossings"], 0);
    EXPECT_EQ(j["per_hour"][2]["crossings"], 6);
    EXPECT_EQ(j["per_hour"][2]["passed"], 3);
    EXPECT_EQ(j["per_hour"][2]["refused"], 2);
    EXPECT_EQ(j["crossings"], 8);
    EXPECT_EQ(j["refusals_by_reason"], Json({{"doc.expired", 2}, {"elig.watchlist", 1}}));
    // Passed lane_ms: 5000, 7000, 10000, 20000, 30000 -> median 10000.
    EXPECT_EQ(j["p50_lane_ms"], 10000);
    // The last hour only: 10000, 20000, 30000 -> 20000.
    EXPECT_EQ(parse(get("/v1/console/stats", b, {{"hours", "1"}}))["p50_lane_ms"], 20000);
    EXPECT_EQ(errorCode(get("/v1/console/stats", b, {{"hours", "0"}})), "api.bad_query");
}

TEST_P(ConsoleLanes, StatisticsWithoutCrossings) {
    const Browser b = login("off.one", "officer");
    Json j = parse(get("/v1/console/stats", b));
    EXPECT_EQ(j["per_hour"].size(), 24u);
    EXPECT_TRUE(j["p50_lane_ms"].is_null());
    EXPECT_EQ(j["crossings"], 0);
}

TEST_P(ConsoleLanes, StreamHandsTheConnectionToTheTransport) {
    const Browser b = login("off.one", "officer");
    Response r = call("GET", "/v1/console/stream", &b, "", {}, Csrf::Omit, {{"last-event-id", "42"}});
    ASSERT_EQ(r.status, 200);
    ASSERT_TRUE(r.stream.has_value());
    EXPECT_EQ(r.stream->topic, "console");
    EXPECT_EQ(r.stream->lastEventId, 42);
    EXPECT_EQ(r.stream->subscriber, "off.one");
    Response bad = call("GET", "/v1/console/stream", &b, "", {}, Csrf::Omit, {{"last-event-id", "x"}});
    ASSERT_TRUE(bad.stream.has_value());
    EXPECT_EQ(bad.stream->lastEventId, 0);
    EXPECT_FALSE(call("GET", "/v1/console/stream", nullptr).stream.has_value());
}

KIOSK_CONSOLE_INSTANTIATE(ConsoleLanes);

}  // namespace
}  // namespace kiosk::server::consoletest
