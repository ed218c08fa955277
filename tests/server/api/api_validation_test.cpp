// Refused requests: the documented 4xx, and nothing stored (rows counted before and after).
#include "tests/server/api/api_fixture.h"

namespace kiosk::server::apitest {
namespace {

class ApiValidation : public ApiFixture {
protected:
    void SetUp() override {
        ApiFixture::SetUp();
        // The devices are seen once, so a refused request's touch changes no count.
        ASSERT_EQ(get("/v1/device/watchlist", lane()).status, 200);
        ASSERT_EQ(get("/v1/device/trust-list", registration()).status, 404);
    }

    // Sends `body` and expects `status`/`code` with nothing stored.
    void expectRefused(const std::string& method, const std::string& path, const Identity& who,
                       const std::string& body, int status, const std::string& code,
                       const std::string& messageHas = "") {
        SCOPED_TRACE(method + " " + path + " " + body.substr(0, 200));
        const Snapshot before = snapshot();
        auto r = call(method, path, who, body);
        EXPECT_EQ(r.status, status) << r.body;
        EXPECT_EQ(errorCode(r), code);
        if (!messageHas.empty()) {
            EXPECT_NE(errorMessage(r).find(messageHas), std::string::npos) << errorMessage(r);
        }
        EXPECT_EQ(snapshot(), before);
    }

    void expectEventsRefused(const std::vector<Json>& events, const std::string& code, const std::string& messageHas = "") {
        expectRefused("POST", "/v1/device/events", lane(), Json{{"stream", kStream}, {"events", events}}.dump(), 422,
                      code, messageHas);
    }

    void expectEnrolmentRefused(const Json& enrolment, const std::string& code, const std::string& messageHas = "") {
        expectRefused("POST", "/v1/device/enrolments", registration(),
                      Json{{"stream", kStream}, {"seq", 1}, {"enrolment", enrolment}}.dump(), 422, code, messageHas);
    }
};

TEST_P(ApiValidation, MalformedJsonIsBadJson) {
    for (const std::string body : {"{\"stream\":", "not json", "{\"a\":1}}", "", "{\"stream\": 'x'}",
                                   "{\"a\":1,\"a\":2}", "\xff\xfe{}", "{\"s\":\"\xc3\x28\"}"}) {
        expectRefused("POST", "/v1/device/events", lane(), body, 400, "api.bad_json");
    }
    expectRefused("POST", "/v1/device/events", lane(), std::string(100, '[') + std::string(100, ']'), 400,
                  "api.bad_json");
    expectRefused("POST", "/v1/device/events", lane(), "[1,2]", 422, "api.bad_type");
}

TEST_P(ApiValidation, OversizedBodyIsTooLargeAndWrongContentTypeIsRefused) {
    Json big{{"stream", kStream}, {"events", {crossingEvent(1)}}, {"pad", std::string(1 << 20, 'x')}};
    expectRefused("POST", "/v1/device/events", lane(), big.dump(), 413, "api.too_large");

    const std::string good = Json{{"stream", kStream}, {"events", {crossingEvent(1)}}}.dump();
    for (const std::string type : {"text/plain", "", "application/jsonx", "multipart/form-data"}) {
        const Snapshot before = snapshot();
        Request req;
        req.method = "POST";
        req.path = "/v1/device/events";
        req.body = good;
        if (!type.empty()) req.headers["content-type"] = type;
        auto r = api_->handle(req, lane(), kNow);
        EXPECT_EQ(r.status, 415) << type;
        EXPECT_EQ(errorCode(r), "api.content_type");
        EXPECT_EQ(snapshot(), before);
    }
    Request req;
    req.method = "POST";
    req.path = "/v1/device/events";
    req.body = good;
    req.headers["content-type"] = "Application/JSON; charset=utf-8";
    EXPECT_EQ(api_->handle(req, lane(), kNow).status, 200);
}

TEST_P(ApiValidation, UnknownFieldsAreRefusedByName) {
    expectRefused("POST", "/v1/device/events", lane(),
                  Json{{"stream", kStream}, {"events", {crossingEvent(1)}}, {"extra", 1}}.dump(), 422,
                  "api.unknown_field", "extra");
    Json e = crossingEvent(1);
    e["payload"]["document_number"] = "K1234567(8)";
    expectEventsRefused({e}, "api.unknown_field", "events[0].payload.document_number");
    Json q = crossingEvent(1);
    q["payload"]["qr_text"] = "HC1:NCFOXN...";
    expectEventsRefused({q}, "api.unknown_field", "qr_text");
    Json top = crossingEvent(1);
    top["note"] = "x";
    expectEventsRefused({top}, "api.unknown_field", "events[0].note");
    Json en = enrolmentJson("E-1", hex64('1'));
    en["document_number"] = "K1234567(8)";
    expectEnrolmentRefused(en, "api.unknown_field", "enrolment.document_number");
    expectRefused("POST", "/v1/device/commands/1/result", lane(), R"({"result":"applied","photo":"x"})", 422,
                  "api.unknown_field", "photo");
}

TEST_P(ApiValidation, WrongTypesAreBadType) {
    auto with = [](const char* key, Json v) {
        Json e = crossingEvent(1);
        if (std::string(key).rfind("payload.", 0) == 0) e["payload"][std::string(key).substr(8)] = std::move(v);
        else e[key] = std::move(v);
        return e;
    };
    expectEventsRefused({with("seq", "41")}, "api.bad_type", "events[0].seq");
    expectEventsRefused({with("time", 1.5)}, "api.bad_type", "events[0].time");
    expectEventsRefused({with("payload", "x")}, "api.bad_type");
    expectEventsRefused({with("payload.reasons", "elig.watchlist")}, "api.bad_type");
    expectEventsRefused({with("payload.reasons", Json::array({1}))}, "api.bad_type", "reasons[0]");
    expectEventsRefused({with("payload.lane_ms", true)}, "api.bad_type");
    expectEventsRefused({with("payload.lane", nullptr)}, "api.bad_type");
    Json hb = heartbeatEvent(2);
    hb["payload"]["in_service"] = "yes";
    expectEventsRefused({hb}, "api.bad_type", "in_service");
    expectEventsRefused({Json("event")}, "api.bad_type");
    expectRefused("POST", "/v1/device/events", lane(), Json{{"stream", kStream}, {"events", Json::array({Json{{"a", 1}}})}}.dump(), 422,
                  "api.unknown_field");
    expectRefused("POST", "/v1/device/events", lane(), Json{{"stream", 5}, {"events", {crossingEvent(1)}}}.dump(), 422,
                  "api.bad_type", "stream");
    Json en = enrolmentJson("E-1", hex64('1'));
    en["enrolled_at"] = "1795000000";
    expectEnrolmentRefused(en, "api.bad_type", "enrolment.enrolled_at");
}

TEST_P(ApiValidation, BadValuesAndEnumsAreRefused) {
    auto with = [](const char* key, Json v) {
        Json e = crossingEvent(1);
        e["payload"][key] = std::move(v);
        return e;
    };
    expectEventsRefused({with("outcome", "maybe")}, "api.bad_value", "outcome");
    expectEventsRefused({with("qr_hash", std::string(64, 'A'))}, "api.bad_value", "qr_hash");
    expectEventsRefused({with("qr_hash", "abc")}, "api.bad_value");
    expectEventsRefused({with("reasons", Json::array({"Not A Code"}))}, "api.bad_value");
    expectEventsRefused({with("lane_ms", -1)}, "api.bad_value");
    expectEventsRefused({with("reference", "K1234567(8)")}, "api.bad_value");
    Json kind = crossingEvent(1);
    kind["kind"] = "photo";
    expectEventsRefused({kind}, "api.bad_value", "kind");
    Json seq0 = crossingEvent(1);
    seq0["seq"] = 0;
    expectEventsRefused({seq0}, "api.bad_value", "seq");
    Json huge = crossingEvent(1);
    huge["time"] = 9223372036854775808ULL;
    expectEventsRefused({huge}, "api.bad_value", "time");
    Json state{{"seq", 1}, {"kind", "lane_state"}, {"time", 1},
               {"payload", {{"lane", "L"}, {"from", "Idle"}, {"to", "dancing state!"}, {"reason", ""}}}};
    expectEventsRefused({state}, "api.bad_value", "payload.to");
    Json doors = heartbeatEvent(1);
    doors["payload"]["doors"]["exit"] = "ajar";
    expectEventsRefused({doors}, "api.bad_value", "payload.doors.exit");
    Json doorExtra = heartbeatEvent(1);
    doorExtra["payload"]["doors"]["window"] = "open";
    expectEventsRefused({doorExtra}, "api.unknown_field", "payload.doors.window");
    Json nul = crossingEvent(1);
    nul["payload"]["lane"] = std::string("LANE\0X", 6);
    expectEventsRefused({nul}, "api.bad_value");

    for (const std::string stream : {"6F1C0D5E9A7B4C3D8E2F1A0B9C8D7E6F", "6f1c", "", "zz1c0d5e9a7b4c3d8e2f1a0b9c8d7e6f"})
        expectRefused("POST", "/v1/device/events", lane(), Json{{"stream", stream}, {"events", {crossingEvent(1)}}}.dump(),
                      422, "api.bad_value", "stream");
    expectRefused("POST", "/v1/device/events", lane(), Json{{"stream", kStream}, {"events", Json::array()}}.dump(), 422,
                  "api.bad_value", "events");
    std::vector<Json> many;
    for (int i = 1; i <= 501; ++i) many.push_back(heartbeatEvent(i));
    expectEventsRefused(many, "api.bad_value", "events");
}

TEST_P(ApiValidation, OneBadEventRefusesTheWholeBatch) {
    Json bad = crossingEvent(2);
    bad["payload"]["outcome"] = "teleported";
    expectEventsRefused({crossingEvent(1), bad}, "api.bad_value", "events[1].payload.outcome");
    EXPECT_EQ(*repo_->countEvents("HZMB-A-07", ""), 0);
}

TEST_P(ApiValidation, EnrolmentValuesAreChecked) {
    auto with = [](const char* key, Json v) {
        Json e = enrolmentJson("E-1", hex64('1'));
        e[key] = std::move(v);
        return e;
    };
    expectEnrolmentRefused(with("residency", "mars"), "api.bad_value", "residency");
    expectEnrolmentRefused(with("channel", "web"), "api.bad_value", "channel");
    expectEnrolmentRefused(with("date_of_birth", "2023-02-29"), "api.bad_value", "date_of_birth");
    expectEnrolmentRefused(with("date_of_birth", "1990-4-1"), "api.bad_value");
    expectEnrolmentRefused(with("document_expiry", "2031-13-01"), "api.bad_value");
    expectEnrolmentRefused(with("document_masked", "K1234567(8)"), "api.bad_value", "document_masked");
    expectEnrolmentRefused(with("document_hash", std::string(63, 'a')), "api.bad_value");
    expectEnrolmentRefused(with("reference", ""), "api.bad_value");
    expectEnrolmentRefused(with("reference", std::string(65, 'R')), "api.bad_value");
    expectEnrolmentRefused(with("biometrics", "not base64!"), "api.bad_value", "biometrics");
    expectEnrolmentRefused(with("biometrics", std::string(256 * 1024 + 4, 'A')), "api.bad_value", "biometrics");
    Json missing = enrolmentJson("E-1", hex64('1'));
    missing.erase("biometrics");
    expectEnrolmentRefused(missing, "api.missing_field", "enrolment.biometrics");
    expectRefused("POST", "/v1/device/enrolments", registration(),
                  Json{{"stream", kStream}, {"seq", -3}, {"enrolment", enrolmentJson("E-1", hex64('1'))}}.dump(), 422,
                  "api.bad_value", "seq");

    // A leap day is a real date.
    auto ok = post("/v1/device/enrolments", registration(),
                   Json{{"stream", kStream}, {"seq", 1}, {"enrolment", with("date_of_birth", "2000-02-29")}});
    EXPECT_EQ(ok.status, 201) << ok.body;
}

TEST_P(ApiValidation, CommandResultAndAdminBodiesAreChecked) {
    auto issued = post("/v1/admin/lanes/HZMB-A-07/commands", admin(), Json{{"kind", "release"}});
    ASSERT_EQ(issued.status, 201);
    const std::string path = "/v1/device/commands/" + std::to_string(parse(issued)["id"].get<int64_t>()) + "/result";
    expectRefused("POST", path, lane(), R"({"result":"done"})", 422, "api.bad_value", "result");
    expectRefused("POST", path, lane(), Json{{"result", "failed"}, {"detail", std::string(201, 'x')}}.dump(), 422,
                  "api.bad_value", "detail");
    expectRefused("POST", path, lane(), R"({"result":"failed","detail":"a\u0000b"})", 422, "api.bad_value");
    expectRefused("POST", path, lane(), R"({"detail":""})", 422, "api.missing_field", "result");

    std::string twoHundred;
    for (int i = 0; i < 200; ++i) twoHundred += "\xc3\xa9";  // é: 200 characters, 400 bytes
    auto ok = post(path, lane(), Json{{"result", "failed"}, {"detail", twoHundred}});
    EXPECT_EQ(ok.status, 200) << ok.body;

    expectRefused("POST", "/v1/admin/watchlist", admin(), R"({"document_hash":"abc","op":"add"})", 422, "api.bad_value");
    expectRefused("POST", "/v1/admin/watchlist", admin(),
                  Json{{"document_hash", hex64('a')}, {"op", "toggle"}}.dump(), 422, "api.bad_value", "op");
    expectRefused("PUT", "/v1/admin/trust-list", admin(), R"({"signed_list":"***"})", 422, "api.bad_value");
    expectRefused("PUT", "/v1/admin/trust-list", admin(), R"({"signed_list":""})", 422, "api.bad_value");
    expectRefused("PUT", "/v1/admin/health-rules", admin(), R"({"health_code":{}})", 422, "api.bad_type");
}

TEST_P(ApiValidation, BadQueriesAreBadQuery) {
    const std::vector<std::pair<std::string, std::map<std::string, std::string>>> cases = {
        {"/v1/device/enrolments", {{"limit", "0"}}},
        {"/v1/device/enrolments", {{"limit", "1001"}}},
        {"/v1/device/enrolments", {{"cursor", "-1"}}},
        {"/v1/device/enrolments", {{"cursor", "1e3"}}},
        {"/v1/device/enrolments", {{"cursor", " 1"}}},
        {"/v1/device/enrolments", {{"cursor", "99999999999999999999"}}},
        {"/v1/device/enrolments", {{"since", "1"}}},
        {"/v1/device/watchlist", {{"limit", "abc"}}},
        {"/v1/device/trust-list", {{"have", "x"}}},
        {"/v1/device/commands", {{"wait_ms", "-1"}}},
    };
    for (const auto& [path, q] : cases) {
        auto r = get(path, lane(), q);
        EXPECT_EQ(r.status, 400) << path << " " << q.begin()->first << "=" << q.begin()->second;
        EXPECT_EQ(errorCode(r), "api.bad_query");
    }
}

// Strings with SQL metacharacters are data: stored and read back verbatim where the field
// takes free text, refused by validation where it does not. The tables keep working.
TEST_P(ApiValidation, SqlMetacharactersAreDataOrRefused) {
    const std::vector<std::string> nasty = {
        "'; DROP TABLE events;--", "\" OR \"1\"=\"1", "back\\slash\\' ", "Robert'); DELETE FROM enrolments; --",
        "平安 ✓ — ’quotes’ “double” 🚦", "%_*?[]", "$1 $$ \\x00",
    };
    for (const auto& s : nasty) {
        SCOPED_TRACE(s);
        auto issued = post("/v1/admin/lanes/HZMB-A-07/commands", admin(), Json{{"kind", "release"}});
        ASSERT_EQ(issued.status, 201);
        const int64_t id = parse(issued)["id"];
        // Free text: the lane's answer detail, the admin's certificate name.
        auto r = post("/v1/device/commands/" + std::to_string(id) + "/result", lane(), Json{{"result", "failed"}, {"detail", s}});
        ASSERT_EQ(r.status, 200) << r.body;
        auto cmd = repo_->command(id);
        ASSERT_TRUE(cmd.ok() && *cmd);
        EXPECT_EQ((*cmd)->detail, s);
        EXPECT_EQ(parse(get("/v1/admin/commands/" + std::to_string(id), admin()))["detail"], s);

        auto byName = post("/v1/admin/lanes/HZMB-A-07/commands", admin(s), Json{{"kind", "in_service"}});
        ASSERT_EQ(byName.status, 201) << byName.body;
        Json c = parse(get("/v1/admin/commands/" + std::to_string(parse(byName)["id"].get<int64_t>()), admin()));
        EXPECT_EQ(c["issued_by"], "admin:" + s);

        // Constrained fields: refused, nothing stored.
        expectEnrolmentRefused(enrolmentJson(s, hex64('1')), "api.bad_value", "reference");
        Json m = enrolmentJson("E-1", hex64('1'));
        m["document_masked"] = s;
        expectEnrolmentRefused(m, "api.bad_value", "document_masked");
        Json ev = crossingEvent(1);
        ev["payload"]["lane"] = s;
        expectEventsRefused({ev}, "api.bad_value", "lane");
        Json reason = crossingEvent(1);
        reason["payload"]["reasons"] = Json::array({s});
        expectEventsRefused({reason}, "api.bad_value");
        Json st{{"seq", 1}, {"kind", "lane_state"}, {"time", 1},
                {"payload", {{"lane", "L"}, {"from", "Idle"}, {"to", "Decide"}, {"reason", s}}}};
        expectEventsRefused({st}, "api.bad_value", "reason");
        expectRefused("POST", "/v1/device/events", lane(), Json{{"stream", s}, {"events", {crossingEvent(1)}}}.dump(),
                      422, "api.bad_value");

        EXPECT_EQ(get("/v1/device/enrolments/" + s, lane()).status, 404);
        EXPECT_EQ(get("/v1/admin/events", admin(), {{"device", s}}).status, 400);
        EXPECT_EQ(post("/v1/admin/lanes/" + s + "/commands", admin(), Json{{"kind", "release"}}).status, 404);
        // A certificate name that is not a device id never reaches the repository.
        const Snapshot before = snapshot();
        auto weird = post("/v1/device/events", lane(s), Json{{"stream", kStream}, {"events", {crossingEvent(9)}}});
        EXPECT_EQ(weird.status, 403);
        EXPECT_EQ(errorCode(weird), "auth.bad_identity");
        EXPECT_EQ(snapshot(), before);
    }
    // Still intact and usable.
    Json j = postEvents({crossingEvent(1), crossingEvent(2)});
    EXPECT_EQ(j["results"][1]["status"], "stored");
    EXPECT_EQ(*repo_->countEvents("", ""), 2);
    EXPECT_EQ(repo_->counts()->enrolments, 0);
}

KIOSK_API_INSTANTIATE(ApiValidation);

}  // namespace
}  // namespace kiosk::server::apitest
