// Admin endpoints: imports, look-ups without biometrics, commands, lists, stats.
#include "tests/server/api/api_fixture.h"

namespace kiosk::server::apitest {
namespace {

class ApiAdmin : public ApiFixture {};

TEST_P(ApiAdmin, ImportedEnrolmentIsShownMaskedAndWithoutBiometrics) {
    Json e = enrolmentJson("E-OFFICE1", hex64('d'));
    e["channel"] = "office";
    auto r = post("/v1/admin/enrolments", admin(), Json{{"enrolment", e}});
    ASSERT_EQ(r.status, 201) << r.body;
    EXPECT_EQ(parse(r)["duplicate"], false);
    EXPECT_EQ(post("/v1/admin/enrolments", admin(), Json{{"enrolment", e}}).status, 200);

    auto look = get("/v1/admin/enrolments/E-OFFICE1", admin());
    ASSERT_EQ(look.status, 200) << look.body;
    Json j = parse(look);
    EXPECT_FALSE(j.contains("biometrics"));
    EXPECT_EQ(look.body.find("c2VhbGVkIGVudmVsb3Bl"), std::string::npos);
    EXPECT_EQ(j["document_masked"], "K1*****(8)");
    EXPECT_EQ(j["document_hash"], hex64('d'));
    EXPECT_EQ(j["channel"], "office");
    EXPECT_EQ(j["source_device"], "import:ops.chan");
    EXPECT_EQ(j["active"], true);

    // The lane gets the sealed biometrics.
    EXPECT_EQ(parse(get("/v1/device/enrolments/E-OFFICE1", lane()))["biometrics"], "c2VhbGVkIGVudmVsb3Bl");
    EXPECT_EQ(get("/v1/admin/enrolments/E-NONE", admin()).status, 404);
}

TEST_P(ApiAdmin, CommandArgumentsAreCheckedPerKind) {
    auto ack = post("/v1/admin/lanes/HZMB-A-07/commands", admin(),
                    Json{{"kind", "ack_alert"}, {"args", {{"alert", "alert-17"}}}});
    ASSERT_EQ(ack.status, 201) << ack.body;
    Json c = parse(get("/v1/admin/commands/" + std::to_string(parse(ack)["id"].get<int64_t>()), admin()));
    EXPECT_EQ(c["kind"], "ack_alert");
    EXPECT_EQ(c["args"], (Json{{"alert", "alert-17"}}));
    EXPECT_EQ(c["issued_by"], "admin:ops.chan");
    EXPECT_EQ(c["issued_at"], kNow);

    const Snapshot before = snapshot();
    auto noAlert = post("/v1/admin/lanes/HZMB-A-07/commands", admin(), Json{{"kind", "ack_alert"}, {"args", Json::object()}});
    EXPECT_EQ(noAlert.status, 422);
    EXPECT_EQ(errorCode(noAlert), "api.missing_field");
    auto extra = post("/v1/admin/lanes/HZMB-A-07/commands", admin(),
                      Json{{"kind", "release"}, {"args", {{"document", "K1234567(8)"}}}});
    EXPECT_EQ(extra.status, 422);
    EXPECT_EQ(errorCode(extra), "api.unknown_field");
    EXPECT_NE(errorMessage(extra).find("args.document"), std::string::npos) << errorMessage(extra);
    auto kind = post("/v1/admin/lanes/HZMB-A-07/commands", admin(), Json{{"kind", "self_destruct"}});
    EXPECT_EQ(errorCode(kind), "api.bad_value");
    EXPECT_EQ(snapshot(), before);
    EXPECT_EQ(notified_.size(), 1u) << "only the stored command wakes the lane";

    EXPECT_EQ(get("/v1/admin/commands/424242", admin()).status, 404);
    EXPECT_EQ(get("/v1/admin/commands/x", admin()).status, 404);
}

TEST_P(ApiAdmin, EventsCanBeFilteredAndPaged) {
    postEvents({crossingEvent(1), heartbeatEvent(2), crossingEvent(3)});
    postEvents({crossingEvent(1, "HZMB-A-08")}, kStream, lane("HZMB-A-08"));

    Json all = parse(get("/v1/admin/events", admin()));
    EXPECT_EQ(all["events"].size(), 4u);
    Json crossings = parse(get("/v1/admin/events", admin(), {{"kind", "crossing"}, {"device", "HZMB-A-07"}}));
    EXPECT_EQ(crossings["events"].size(), 2u);
    for (const auto& e : crossings["events"]) {
        EXPECT_EQ(e["kind"], "crossing");
        EXPECT_EQ(e["device"], "HZMB-A-07");
    }
    Json page = parse(get("/v1/admin/events", admin(), {{"limit", "3"}}));
    ASSERT_EQ(page["events"].size(), 3u);
    EXPECT_EQ(page["more"], true);
    Json next = parse(get("/v1/admin/events", admin(),
                          {{"after", std::to_string(page["events"][2]["id"].get<int64_t>())}, {"limit", "3"}}));
    EXPECT_EQ(next["events"].size(), 1u);
    EXPECT_EQ(next["more"], false);
    EXPECT_EQ(get("/v1/admin/events", admin(), {{"kind", "photo"}}).status, 400);
}

TEST_P(ApiAdmin, StatsAndAuditFollowWhatWasDone) {
    postEvents({crossingEvent(1), crossingEvent(2)});
    ASSERT_EQ(post("/v1/admin/enrolments", admin(), Json{{"enrolment", enrolmentJson("E-1", hex64('e'))}}).status, 201);
    ASSERT_EQ(post("/v1/admin/lanes/HZMB-A-07/commands", admin(), Json{{"kind", "in_service"}}).status, 201);

    Json s = parse(get("/v1/admin/stats", admin()));
    EXPECT_EQ(s["events"], 2);
    EXPECT_EQ(s["enrolments"], 1);
    EXPECT_EQ(s["active_enrolments"], 1);
    EXPECT_EQ(s["commands"], 1);
    EXPECT_EQ(s["devices"], 1);

    auto a = get("/v1/admin/audit", admin());
    ASSERT_EQ(a.status, 200) << a.body;
    Json audit = parse(a)["audit"];
    ASSERT_FALSE(audit.empty());
    bool sawCommand = false;
    for (const auto& row : audit) {
        if (row["actor"] == "admin:ops.chan") sawCommand = true;
        EXPECT_EQ(row["detail"].get<std::string>().find("K1"), std::string::npos);
    }
    EXPECT_TRUE(sawCommand) << a.body;
    Json later = parse(get("/v1/admin/audit", admin(), {{"after", std::to_string(audit.back()["id"].get<int64_t>())}}));
    EXPECT_TRUE(later["audit"].empty());
}

TEST_P(ApiAdmin, HealthRulesAreCheckedBeforeTheyAreStored) {
    const Snapshot before = snapshot();
    auto order = put("/v1/admin/health-rules", admin(),
                     Json{{"health_code", {{{"from", "2023-02-06"}, {"required", false}},
                                           {{"from", "2020-05-11"}, {"required", true}}}}});
    EXPECT_EQ(order.status, 422);
    EXPECT_EQ(errorCode(order), "api.bad_value");
    auto date = put("/v1/admin/health-rules", admin(), Json{{"health_code", {{{"from", "2023-02-29"}, {"required", true}}}}});
    EXPECT_EQ(errorCode(date), "api.bad_value");
    auto age = put("/v1/admin/health-rules", admin(),
                   Json{{"health_code", {{{"from", "2023-02-01"}, {"required", true}, {"max_code_age_minutes", 0}}}}});
    EXPECT_EQ(errorCode(age), "api.bad_value");
    auto field = put("/v1/admin/health-rules", admin(),
                     Json{{"health_code", {{{"from", "2023-02-01"}, {"required", true}, {"colour", "green"}}}}});
    EXPECT_EQ(errorCode(field), "api.unknown_field");
    EXPECT_EQ(snapshot(), before);

    auto off = put("/v1/admin/health-rules", admin(), Json{{"health_code", Json::array()}});
    EXPECT_EQ(off.status, 200) << off.body;
    EXPECT_EQ(parse(get("/v1/device/health-rules", lane()))["health_code"], Json::array());
}

KIOSK_API_INSTANTIATE(ApiAdmin);

}  // namespace
}  // namespace kiosk::server::apitest
