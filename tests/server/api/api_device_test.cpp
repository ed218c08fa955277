// Device endpoints: happy paths, idempotency, cursors, long poll, command answers.
#include "server/api_journal_anchors.h"
#include "tests/server/api/api_fixture.h"

namespace kiosk::server::apitest {
namespace {

class ApiDevice : public ApiFixture {};

TEST_P(ApiDevice, EventBatchIsStoredOnceAndARepeatIsAcknowledgedAsDuplicate) {
    Json first = postEvents({crossingEvent(41), heartbeatEvent(42)});
    ASSERT_EQ(first["results"].size(), 2u);
    EXPECT_EQ(first["results"][0], (Json{{"seq", 41}, {"status", "stored"}}));
    EXPECT_EQ(first["results"][1], (Json{{"seq", 42}, {"status", "stored"}}));
    EXPECT_EQ(first["received_at"], kNow);
    EXPECT_EQ(*repo_->countEvents("HZMB-A-07", ""), 2);

    Json again = postEvents({crossingEvent(41), heartbeatEvent(42)});
    EXPECT_EQ(again["results"][0]["status"], "duplicate");
    EXPECT_EQ(again["results"][1]["status"], "duplicate");
    EXPECT_EQ(*repo_->countEvents("HZMB-A-07", ""), 2);

    Json overlap = postEvents({heartbeatEvent(42), crossingEvent(43)});
    EXPECT_EQ(overlap["results"][0]["status"], "duplicate");
    EXPECT_EQ(overlap["results"][1]["status"], "stored");
    EXPECT_EQ(*repo_->countEvents("HZMB-A-07", ""), 3);
    EXPECT_EQ(*repo_->countEvents("HZMB-A-07", "crossing"), 2);
}

TEST_P(ApiDevice, StoredEventReadsBackWithTheDevicesTimeAndTheServersStamp) {
    postEvents({crossingEvent(41)});
    auto r = get("/v1/admin/events", admin());
    ASSERT_EQ(r.status, 200) << r.body;
    Json j = parse(r);
    ASSERT_EQ(j["events"].size(), 1u);
    const Json& e = j["events"][0];
    EXPECT_EQ(e["device"], "HZMB-A-07");
    EXPECT_EQ(e["stream"], kStream);
    EXPECT_EQ(e["seq"], 41);
    EXPECT_EQ(e["kind"], "crossing");
    EXPECT_EQ(e["time"], 1795000041);
    EXPECT_EQ(e["received_at"], kNow);
    EXPECT_EQ(e["payload"], crossingEvent(41)["payload"]);
    EXPECT_EQ(j["more"], false);
}

TEST_P(ApiDevice, TheSameSeqTwiceInOneBatchIsStoredOnce) {
    Json j = postEvents({crossingEvent(7), crossingEvent(7)});
    EXPECT_EQ(j["results"][0]["status"], "stored");
    EXPECT_EQ(j["results"][1]["status"], "duplicate");
    EXPECT_EQ(*repo_->countEvents("HZMB-A-07", ""), 1);
}

TEST_P(ApiDevice, ANewStreamDoesNotCollideWithTheOldOnesNumbers) {
    postEvents({crossingEvent(1)}, kStream);
    Json j = postEvents({crossingEvent(1)}, kStream2);
    EXPECT_EQ(j["results"][0]["status"], "stored");
    EXPECT_EQ(*repo_->countEvents("HZMB-A-07", ""), 2);
}

TEST_P(ApiDevice, EveryEventKindIsAcceptedAndTheHeartbeatReachesTheDeviceList) {
    Json scan{{"seq", 1}, {"kind", "scan"}, {"time", 1},
              {"payload", {{"lane", "HZMB-A-07"}, {"qr_hash", hex64('a')}, {"verdict", "qr.replayed"}}}};
    Json alert{{"seq", 2}, {"kind", "alert"}, {"time", 2}, {"payload", {{"lane", "HZMB-A-07"}, {"reason", "lane.tailgating"}}}};
    Json state{{"seq", 3}, {"kind", "lane_state"}, {"time", 3},
               {"payload", {{"lane", "HZMB-A-07"}, {"from", "Idle"}, {"to", "OutOfService"}, {"reason", "officer"}}}};
    Json refused = crossingEvent(4);
    refused["payload"]["outcome"] = "refused";
    refused["payload"]["reasons"] = {"elig.not_enrolled", "reg.under_18"};
    refused["payload"]["reference"] = "";
    refused["payload"]["qr_hash"] = "";
    Json j = postEvents({scan, alert, state, refused, heartbeatEvent(5)});
    for (const auto& r : j["results"]) EXPECT_EQ(r["status"], "stored") << j.dump();
    EXPECT_EQ(*repo_->countEvents("HZMB-A-07", ""), 5);

    auto d = get("/v1/admin/devices", admin());
    ASSERT_EQ(d.status, 200) << d.body;
    Json devices = parse(d)["devices"];
    ASSERT_EQ(devices.size(), 1u);
    EXPECT_EQ(devices[0]["device"], "HZMB-A-07");
    EXPECT_EQ(devices[0]["role"], "lane");
    EXPECT_EQ(devices[0]["last_seen"], kNow);
    EXPECT_EQ(devices[0]["heartbeat"], heartbeatEvent(5)["payload"]);
}

TEST_P(ApiDevice, RegistrationMachinesMayPostEventsToo) {
    Json hb{{"seq", 1}, {"kind", "heartbeat"}, {"time", 1}, {"payload", {{"lane", "REG-01"}}}};
    Json j = postEvents({hb}, kStream, registration());
    EXPECT_EQ(j["results"][0]["status"], "stored");
    EXPECT_EQ(*repo_->countEvents("REG-01", "heartbeat"), 1);
}

TEST_P(ApiDevice, EveryDeviceCallTouchesTheDevice) {
    now_ = kNow + 50;
    auto r = get("/v1/device/watchlist", lane("LANE-9"));
    ASSERT_EQ(r.status, 200) << r.body;
    auto devices = repo_->devices();
    ASSERT_TRUE(devices.ok());
    ASSERT_EQ(devices->size(), 1u);
    EXPECT_EQ((*devices)[0].deviceId, "LANE-9");
    EXPECT_EQ((*devices)[0].role, "lane");
    EXPECT_EQ((*devices)[0].lastSeen, kNow + 50);
}

TEST_P(ApiDevice, EnrolmentFromARegistrationMachineReachesTheLane) {
    Json body{{"stream", kStream}, {"seq", 7}, {"enrolment", enrolmentJson("E-7Q2M9K", hex64('1'))}};
    auto r = post("/v1/device/enrolments", registration(), body);
    ASSERT_EQ(r.status, 201) << r.body;
    Json j = parse(r);
    EXPECT_EQ(j["reference"], "E-7Q2M9K");
    EXPECT_GT(j["cursor"].get<int64_t>(), 0);
    EXPECT_TRUE(j["replaced"].is_null());
    EXPECT_EQ(j["duplicate"], false);

    auto again = post("/v1/device/enrolments", registration(), body);
    ASSERT_EQ(again.status, 200) << again.body;
    EXPECT_EQ(parse(again)["duplicate"], true);
    EXPECT_EQ(repo_->counts()->enrolments, 1);

    auto pull = get("/v1/device/enrolments", lane(), {{"cursor", "0"}});
    ASSERT_EQ(pull.status, 200) << pull.body;
    Json p = parse(pull);
    ASSERT_EQ(p["enrolments"].size(), 1u);
    Json e = p["enrolments"][0];
    EXPECT_EQ(e["cursor"], j["cursor"]);
    EXPECT_EQ(p["cursor"], j["cursor"]);
    EXPECT_EQ(p["more"], false);
    EXPECT_EQ(e["active"], true);
    const Json sent = enrolmentJson("E-7Q2M9K", hex64('1'));
    for (const auto& [k, v] : sent.items()) EXPECT_EQ(e[k], v) << k;

    auto one = get("/v1/device/enrolments/E-7Q2M9K", lane());
    ASSERT_EQ(one.status, 200) << one.body;
    EXPECT_EQ(parse(one), e);
    auto none = get("/v1/device/enrolments/E-NOPE", lane());
    EXPECT_EQ(none.status, 404);
    EXPECT_EQ(errorCode(none), "api.not_found");
}

TEST_P(ApiDevice, ReEnrolmentReplacesTheActiveOneAndLanesSeeTheOldOneInactive) {
    ASSERT_EQ(post("/v1/device/enrolments", registration(),
                   Json{{"stream", kStream}, {"seq", 1}, {"enrolment", enrolmentJson("E-OLD", hex64('2'))}})
                  .status,
              201);
    auto r = post("/v1/device/enrolments", registration(),
                  Json{{"stream", kStream}, {"seq", 2}, {"enrolment", enrolmentJson("E-NEW", hex64('2'))}});
    ASSERT_EQ(r.status, 201) << r.body;
    EXPECT_EQ(parse(r)["replaced"], "E-OLD");

    Json p = parse(get("/v1/device/enrolments", lane()));
    std::map<std::string, bool> active;
    for (const auto& e : p["enrolments"]) active[e["reference"]] = e["active"];
    EXPECT_EQ(active["E-OLD"], false);
    EXPECT_EQ(active["E-NEW"], true);
    EXPECT_EQ(repo_->counts()->activeEnrolments, 1);
}

TEST_P(ApiDevice, EnrolmentPagesFollowTheCursor) {
    for (int i = 1; i <= 3; ++i) {
        auto r = post("/v1/device/enrolments", registration(),
                      Json{{"stream", kStream}, {"seq", i},
                           {"enrolment", enrolmentJson("E-" + std::to_string(i), hex64(static_cast<char>('a' + i)))}});
        ASSERT_EQ(r.status, 201) << r.body;
    }
    Json p1 = parse(get("/v1/device/enrolments", lane(), {{"limit", "2"}}));
    ASSERT_EQ(p1["enrolments"].size(), 2u);
    EXPECT_EQ(p1["more"], true);
    EXPECT_EQ(p1["cursor"], p1["enrolments"][1]["cursor"]);
    Json p2 = parse(get("/v1/device/enrolments", lane(),
                        {{"cursor", std::to_string(p1["cursor"].get<int64_t>())}, {"limit", "2"}}));
    ASSERT_EQ(p2["enrolments"].size(), 1u);
    EXPECT_EQ(p2["enrolments"][0]["reference"], "E-3");
    EXPECT_EQ(p2["more"], false);
    Json p3 = parse(get("/v1/device/enrolments", lane(), {{"cursor", std::to_string(p2["cursor"].get<int64_t>())}}));
    EXPECT_TRUE(p3["enrolments"].empty());
    EXPECT_EQ(p3["cursor"], p2["cursor"]);
}

TEST_P(ApiDevice, WatchlistChangesReachTheLaneInOrder) {
    auto a = post("/v1/admin/watchlist", admin(), Json{{"document_hash", hex64('c')}, {"op", "add"}});
    ASSERT_EQ(a.status, 200) << a.body;
    auto b = post("/v1/admin/watchlist", admin(), Json{{"document_hash", hex64('c')}, {"op", "remove"}});
    ASSERT_EQ(b.status, 200) << b.body;
    EXPECT_GT(parse(b)["cursor"].get<int64_t>(), parse(a)["cursor"].get<int64_t>());

    Json w = parse(get("/v1/device/watchlist", lane(), {{"cursor", "0"}}));
    ASSERT_EQ(w["changes"].size(), 2u);
    EXPECT_EQ(w["changes"][0], (Json{{"cursor", parse(a)["cursor"]}, {"document_hash", hex64('c')}, {"op", "add"}}));
    EXPECT_EQ(w["changes"][1]["op"], "remove");
    EXPECT_EQ(w["cursor"], parse(b)["cursor"]);
    Json rest = parse(get("/v1/device/watchlist", lane(), {{"cursor", std::to_string(w["cursor"].get<int64_t>())}}));
    EXPECT_TRUE(rest["changes"].empty());
}

TEST_P(ApiDevice, TrustListIsServedWholeOrUnchanged) {
    auto none = get("/v1/device/trust-list", lane());
    EXPECT_EQ(none.status, 404);
    EXPECT_EQ(errorCode(none), "api.not_found");

    auto up = put("/v1/admin/trust-list", admin(), Json{{"signed_list", "c2lnbmVkIGxpc3Q="}});
    ASSERT_EQ(up.status, 200) << up.body;
    EXPECT_EQ(parse(up)["version"], 1);

    Json t = parse(get("/v1/device/trust-list", lane(), {{"have", "0"}}));
    EXPECT_EQ(t, (Json{{"version", 1}, {"signed_list", "c2lnbmVkIGxpc3Q="}, {"uploaded_at", kNow}}));
    EXPECT_EQ(parse(get("/v1/device/trust-list", registration(), {{"have", "1"}})),
              (Json{{"version", 1}, {"unchanged", true}}));

    ASSERT_EQ(put("/v1/admin/trust-list", admin(), Json{{"signed_list", "bmV3ZXI="}}).status, 200);
    Json t2 = parse(get("/v1/device/trust-list", lane(), {{"have", "1"}}));
    EXPECT_EQ(t2["version"], 2);
    EXPECT_EQ(t2["signed_list"], "bmV3ZXI=");
}

TEST_P(ApiDevice, HealthRulesAreServedAsTheCheckedArray) {
    EXPECT_EQ(get("/v1/device/health-rules", lane()).status, 404);
    Json rules = Json::array({Json{{"from", "2020-05-11"}, {"required", true}, {"max_code_age_minutes", 360}},
                              Json{{"from", "2023-02-06"}, {"required", false}, {"hc1_accepted", true}}});
    auto up = put("/v1/admin/health-rules", admin(), Json{{"health_code", rules}});
    ASSERT_EQ(up.status, 200) << up.body;
    EXPECT_EQ(parse(up)["version"], 1);

    Json h = parse(get("/v1/device/health-rules", lane()));
    EXPECT_EQ(h["version"], 1);
    rules[0]["hc1_accepted"] = false;  // the documented default, made explicit
    EXPECT_EQ(h["health_code"], rules);
    EXPECT_EQ(parse(get("/v1/device/health-rules", lane(), {{"have", "1"}})), (Json{{"version", 1}, {"unchanged", true}}));
}

TEST_P(ApiDevice, ACommandGoesToItsLaneAndTheAnswerIsRecorded) {
    auto issued = post("/v1/admin/lanes/HZMB-A-07/commands", admin(), Json{{"kind", "out_of_service"}, {"args", Json::object()}});
    ASSERT_EQ(issued.status, 201) << issued.body;
    Json ij = parse(issued);
    EXPECT_EQ(ij["state"], "pending");
    const int64_t id = ij["id"];
    EXPECT_EQ(notified_, std::vector<std::string>{"HZMB-A-07"});

    auto other = call("GET", "/v1/device/commands", lane("HZMB-A-08"), "", {{"wait_ms", "0"}});
    ASSERT_EQ(other.status, 200);
    EXPECT_TRUE(parse(other)["commands"].empty());

    auto polled = get("/v1/device/commands", lane());
    ASSERT_EQ(polled.status, 200) << polled.body;
    EXPECT_FALSE(polled.park.has_value());
    Json cmds = parse(polled)["commands"];
    ASSERT_EQ(cmds.size(), 1u);
    EXPECT_EQ(cmds[0], (Json{{"id", id}, {"kind", "out_of_service"}, {"args", Json::object()},
                             {"issued_by", "admin:ops.chan"}, {"issued_at", kNow}}));
    EXPECT_EQ(parse(get("/v1/admin/commands/" + std::to_string(id), admin()))["state"], "delivered");

    // Delivered but not answered: it comes again on the next poll.
    EXPECT_EQ(parse(get("/v1/device/commands", lane()))["commands"].size(), 1u);

    now_ = kNow + 5;
    auto answer = post("/v1/device/commands/" + std::to_string(id) + "/result", lane(),
                       Json{{"result", "applied"}, {"detail", ""}});
    ASSERT_EQ(answer.status, 200) << answer.body;
    EXPECT_EQ(parse(answer), (Json{{"id", id}, {"state", "applied"}}));
    auto repeat = post("/v1/device/commands/" + std::to_string(id) + "/result", lane(), Json{{"result", "applied"}});
    EXPECT_EQ(repeat.status, 200) << repeat.body;

    Json c = parse(get("/v1/admin/commands/" + std::to_string(id), admin()));
    EXPECT_EQ(c["state"], "applied");
    EXPECT_EQ(c["device"], "HZMB-A-07");
    EXPECT_EQ(c["completed_at"], kNow + 5);

    auto after = get("/v1/device/commands", lane());
    EXPECT_TRUE(after.park.has_value()) << "an answered command must not come again";
}

TEST_P(ApiDevice, ALaneMayOnlyAnswerItsOwnCommands) {
    auto issued = post("/v1/admin/lanes/HZMB-A-07/commands", admin(), Json{{"kind", "release"}});
    ASSERT_EQ(issued.status, 201) << issued.body;
    const std::string id = std::to_string(parse(issued)["id"].get<int64_t>());
    auto r = post("/v1/device/commands/" + id + "/result", lane("HZMB-A-08"), Json{{"result", "applied"}});
    EXPECT_EQ(r.status, 409) << r.body;
    EXPECT_EQ(errorCode(r), "api.conflict");
    EXPECT_EQ(parse(get("/v1/admin/commands/" + id, admin()))["state"], "pending");

    auto unknown = post("/v1/device/commands/999999/result", lane(), Json{{"result", "applied"}});
    EXPECT_EQ(unknown.status, 404);
    EXPECT_EQ(errorCode(unknown), "api.not_found");
    EXPECT_EQ(post("/v1/device/commands/abc/result", lane(), Json{{"result", "applied"}}).status, 404);
    EXPECT_EQ(post("/v1/device/commands/-1/result", lane(), Json{{"result", "applied"}}).status, 404);
}

TEST_P(ApiDevice, LongPollParksWhenNothingIsPendingAndAnswersEmptyWhenItExpires) {
    auto parked = get("/v1/device/commands", lane(), {{"wait_ms", "15000"}});
    ASSERT_TRUE(parked.park.has_value()) << parked.body;
    EXPECT_EQ(parked.park->key, "HZMB-A-07");
    EXPECT_EQ(parked.park->maxWait, std::chrono::milliseconds(15000));

    auto byDefault = get("/v1/device/commands", lane());
    ASSERT_TRUE(byDefault.park.has_value());
    EXPECT_EQ(byDefault.park->maxWait, std::chrono::milliseconds(20000));

    auto expired = call("GET", "/v1/device/commands", lane(), "", {{"wait_ms", "15000"}}, /*expired=*/true);
    EXPECT_FALSE(expired.park.has_value());
    EXPECT_EQ(expired.status, 200);
    EXPECT_EQ(parse(expired), (Json{{"commands", Json::array()}}));

    auto noWait = get("/v1/device/commands", lane(), {{"wait_ms", "0"}});
    EXPECT_FALSE(noWait.park.has_value());
    EXPECT_EQ(parse(noWait)["commands"].size(), 0u);

    auto tooLong = get("/v1/device/commands", lane(), {{"wait_ms", "30001"}});
    EXPECT_EQ(tooLong.status, 400);
    EXPECT_EQ(errorCode(tooLong), "api.bad_query");

    // The transport calls again after the wake-up: now the command is there.
    ASSERT_EQ(post("/v1/admin/lanes/HZMB-A-07/commands", admin(), Json{{"kind", "in_service"}}).status, 201);
    auto woken = get("/v1/device/commands", lane(), {{"wait_ms", "15000"}});
    EXPECT_FALSE(woken.park.has_value());
    EXPECT_EQ(parse(woken)["commands"].size(), 1u);
}

TEST_P(ApiDevice, HealthNamesTheBackend) {
    for (const auto& who : {lane(), registration(), admin()}) {
        auto r = get("/v1/health", who);
        ASSERT_EQ(r.status, 200) << r.body;
        Json j = parse(r);
        EXPECT_EQ(j["status"], "ok");
        EXPECT_EQ(j["backend"], GetParam());
        EXPECT_GE(j["schema"].get<int>(), 1);
    }
}

KIOSK_API_INSTANTIATE(ApiDevice);

}  // namespace
}  // namespace kiosk::server::apitest

namespace kiosk::server::apitest {
namespace {

class ApiJournalAnchor : public ApiFixture {};

// Every chain's head at `head` with hash `h` repeated (64 hex), signed with key `k`.
Json anchorEvent(int64_t seq, int64_t head = -1, char h = 'a', char k = 'b') {
    if (head < 0) head = seq;
    Json chains = Json::object();
    for (const char* name : {"crossings", "scans", "audit", "enrolments"})
        chains[name] = Json{{"seq", head}, {"hash", std::string(64, h)}};
    return Json{{"seq", seq},
                {"kind", "journal_anchor"},
                {"time", 1795000000 + seq},
                {"payload", {{"device", "HZMB-A-07"}, {"chains", chains}, {"public_key", std::string(64, k)}}}};
}

// The server-raised alerts stored for the lane: reasons in order.
std::vector<std::string> serverAlerts(Repository& repo) {
    EventQuery q;
    q.deviceId = "HZMB-A-07";
    q.kind = "alert";
    std::vector<std::string> out;
    auto rows = repo.events(q);
    EXPECT_TRUE(rows.ok());
    if (!rows.ok()) return out;
    for (const auto& e : *rows) {
        EXPECT_EQ(e.stream, kServerAlertStream);
        auto p = Json::parse(e.payload);
        EXPECT_EQ(p["raised_by"], "server");
        out.push_back(p["reason"]);
    }
    return out;
}

TEST_P(ApiJournalAnchor, AnAnchorIsStoredLikeAnyEventAndReadBackByKind) {
    Json r = postEvents({anchorEvent(7)});
    ASSERT_EQ(r["results"].size(), 1u);
    EXPECT_EQ(r["results"][0]["status"], "stored");
    EXPECT_EQ(*repo_->countEvents("HZMB-A-07", "journal_anchor"), 1);
    auto got = get("/v1/admin/events", admin(), {{"kind", "journal_anchor"}});
    ASSERT_EQ(got.status, 200) << got.body;
    Json j = parse(got);
    ASSERT_EQ(j["events"].size(), 1u);
    EXPECT_EQ(j["events"][0]["payload"], anchorEvent(7)["payload"]);
}

TEST_P(ApiJournalAnchor, AMalformedAnchorIsRefusedNamingTheField) {
    Json extra = anchorEvent(1);
    extra["payload"]["chains"]["photos"] = Json{{"seq", 1}, {"hash", ""}};
    Json badHash = anchorEvent(1);
    badHash["payload"]["chains"]["crossings"]["hash"] = "not hex";
    Json missing = anchorEvent(1);
    missing["payload"]["chains"].erase("audit");
    for (const auto& [event, field] : {std::pair{extra, std::string("photos")}, std::pair{badHash, std::string("crossings.hash")},
                                       std::pair{missing, std::string("audit")}}) {
        auto r = post("/v1/device/events", lane(), Json{{"stream", kStream}, {"events", {event}}});
        EXPECT_EQ(r.status, 422) << r.body;
        EXPECT_NE(r.body.find(field), std::string::npos) << r.body;
    }
    EXPECT_EQ(*repo_->countEvents("HZMB-A-07", ""), 0);
}

TEST_P(ApiJournalAnchor, AnchorsThatMoveForwardRaiseNothing) {
    postEvents({anchorEvent(1, 5, 'a')});
    postEvents({anchorEvent(2, 9, 'c'), anchorEvent(3, 9, 'c')});  // forward, then unchanged
    EXPECT_TRUE(serverAlerts(*repo_).empty());
    EXPECT_EQ(*repo_->countEvents("HZMB-A-07", "journal_anchor"), 3);
}

TEST_P(ApiJournalAnchor, ARewrittenChainRaisesAnAlert) {
    postEvents({anchorEvent(1, 9, 'a')});
    // The same head with another hash: the rows up to it were rewritten.
    postEvents({anchorEvent(2, 9, 'c')});
    EXPECT_EQ(serverAlerts(*repo_), std::vector<std::string>{kJournalRewritten});
    // A head that went back (rows deleted from the end, chain re-hashed).
    postEvents({anchorEvent(3, 4, 'd')});
    // Another journal key.
    postEvents({anchorEvent(4, 20, 'e', 'f')});
    EXPECT_EQ(serverAlerts(*repo_), (std::vector<std::string>{kJournalRewritten, kJournalRewritten, kJournalRewritten}));
    // The evidence is kept: every anchor is stored.
    EXPECT_EQ(*repo_->countEvents("HZMB-A-07", "journal_anchor"), 4);
    // A resent batch is a duplicate and raises nothing twice.
    Json again = postEvents({anchorEvent(2, 9, 'c')});
    EXPECT_EQ(again["results"][0]["status"], "duplicate");
    EXPECT_EQ(serverAlerts(*repo_).size(), 3u);
}

TEST_P(ApiJournalAnchor, ContradictionsWithinOneBatchAreFound) {
    Json r = postEvents({anchorEvent(2, 9, 'c'), anchorEvent(1, 9, 'a')});  // out of order in the batch
    EXPECT_EQ(r["results"].size(), 2u);
    EXPECT_EQ(serverAlerts(*repo_), std::vector<std::string>{kJournalRewritten});
    // Only the device's own events answer for it in the results.
    EXPECT_EQ(r["results"][0]["status"], "stored");
    EXPECT_EQ(r["results"][1]["status"], "stored");
}

TEST_P(ApiJournalAnchor, AReplacedStoreRaisesAnAlert) {
    postEvents({anchorEvent(1, 9, 'a')});
    postEvents({anchorEvent(1, 0, 'a')}, kStream2);  // a new store starts its chains again
    EXPECT_EQ(serverAlerts(*repo_), std::vector<std::string>{kJournalStoreReplaced});
}

TEST_P(ApiJournalAnchor, AnAnchorMustBeTheCallersOwn) {
    Json other = anchorEvent(1);
    other["payload"]["device"] = "HZMB-A-08";
    auto r = post("/v1/device/events", lane(), Json{{"stream", kStream}, {"events", {other}}});
    EXPECT_EQ(r.status, 422) << r.body;
    EXPECT_NE(r.body.find("device"), std::string::npos) << r.body;
    // The server's own alert stream is not a device's.
    r = post("/v1/device/events", lane(), Json{{"stream", kServerAlertStream}, {"events", {anchorEvent(1)}}});
    EXPECT_EQ(r.status, 422) << r.body;
    EXPECT_NE(r.body.find("reserved"), std::string::npos) << r.body;
    EXPECT_EQ(*repo_->countEvents("HZMB-A-07", ""), 0);
}

TEST(JournalAnchorCompare, EveryChainIsCompared) {
    DeviceEvent a;
    a.stream = kStream;
    a.kind = "journal_anchor";
    a.payload = anchorEvent(1, 9, 'a')["payload"].dump();
    for (const char* name : {"crossings", "scans", "audit", "enrolments"}) {
        Json p = anchorEvent(2, 10, 'a')["payload"];
        DeviceEvent b = a;
        b.payload = p.dump();
        EXPECT_EQ(compareJournalAnchors(a, b), std::nullopt) << name;
        p["chains"][name]["seq"] = 8;
        b.payload = p.dump();
        EXPECT_EQ(compareJournalAnchors(a, b), std::optional<std::string>(kJournalRewritten)) << name;
        p["chains"][name]["seq"] = 9;
        p["chains"][name]["hash"] = std::string(64, '0');
        b.payload = p.dump();
        EXPECT_EQ(compareJournalAnchors(a, b), std::optional<std::string>(kJournalRewritten)) << name;
    }
    DeviceEvent broken = a;
    broken.payload = "{";
    EXPECT_EQ(compareJournalAnchors(a, broken), std::optional<std::string>(kJournalRewritten));
}

KIOSK_API_INSTANTIATE(ApiJournalAnchor);

}  // namespace
}  // namespace kiosk::server::apitest
