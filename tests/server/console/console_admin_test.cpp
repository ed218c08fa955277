// Watchlist (the lane's document hash), the health-authority export and its one-time code,
// officer accounts, the audit hash chain, SQL metacharacters as data.
#include "tests/server/console/console_fixture.h"

namespace kiosk::server::consoletest {
namespace {

class ConsoleAdmin : public ConsoleFixture {};

// Computed with kiosk::store::documentHash (kiosk/store/store.cpp), which the server may
// not link: the two implementations must agree.
TEST(ConsoleSecrets, DocumentHashMatchesTheLane) {
    EXPECT_EQ(documentHashOf("K123456(8)"), "45aeae46da9a3e0fbf39a4af106472ebcd2dc013e9de25604cde5277b5c5d288");
    EXPECT_EQ(documentHashOf("k123456(8)"), "45aeae46da9a3e0fbf39a4af106472ebcd2dc013e9de25604cde5277b5c5d288");
    EXPECT_EQ(documentHashOf("M 1234-567 (8)"), "5fada461cfdabd0e30bb5b20f1ecb97df673cda6ea19c08e238b8b7e32849249");
    EXPECT_EQ(documentHashOf("E12345678"), "4c82be688b1789262efcf362615e2da728ad34a29b8258ab3f2c92e8e977a2e7");
    EXPECT_EQ(documentHashOf("ab-12 cd"), "d1ce1c26d4ab9c665d280fe5085d0a910e9127ef272f85eb2f7dafb8b8331945");
}

TEST(ConsoleSecrets, PasswordsAreArgon2idWithTheStatedCost) {
    auto h = hashPassword("correct horse battery", PasswordCost{});
    ASSERT_TRUE(h.ok());
    EXPECT_EQ(h->rfind("$argon2id$v=19$m=19456,t=2,p=1$", 0), 0u) << *h;
    EXPECT_TRUE(verifyPassword("correct horse battery", *h));
    EXPECT_FALSE(verifyPassword("correct horse batterY", *h));
    EXPECT_FALSE(verifyPassword("correct horse battery", "plain"));
    auto again = hashPassword("correct horse battery", PasswordCost{});
    ASSERT_TRUE(again.ok());
    EXPECT_NE(*h, *again);  // a fresh salt each time
}

TEST(ConsoleSecrets, ExportCodesAndTokens) {
    auto code = randomExportCode();
    ASSERT_TRUE(code.ok());
    EXPECT_EQ(code->size(), 12u);
    EXPECT_EQ(code->find_first_not_of("ABCDEFGHJKMNPQRSTVWXYZ23456789"), std::string::npos);
    const std::string shown = formatExportCode(*code);
    EXPECT_EQ(shown.size(), 14u);
    EXPECT_EQ(normaliseExportCode(shown), *code);
    std::string lower = shown;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    EXPECT_EQ(normaliseExportCode(lower), *code);
    EXPECT_EQ(normaliseExportCode("AB'; --"), "");
    auto t1 = randomToken(32), t2 = randomToken(32);
    ASSERT_TRUE(t1.ok() && t2.ok());
    EXPECT_EQ(t1->size(), 43u);
    EXPECT_NE(*t1, *t2);
}

TEST_P(ConsoleAdmin, WatchlistHashesTheNumberOnTheServer) {
    const Browser sup = login("sup.one", "supervisor");
    Response r = post("/v1/console/watchlist", sup, Json{{"document_number", "k123456(8)"}});
    ASSERT_EQ(r.status, 201) << r.body;
    const std::string hash = "45aeae46da9a3e0fbf39a4af106472ebcd2dc013e9de25604cde5277b5c5d288";
    EXPECT_EQ(parse(r)["document_hash"], hash);
    // The lanes get it through the device API.
    Json changes = parse(laneCall("HZMB-CP-01", "GET", "/v1/device/watchlist"))["changes"];
    ASSERT_EQ(changes.size(), 1u);
    EXPECT_EQ(changes[0]["document_hash"], hash);
    EXPECT_EQ(changes[0]["op"], "add");
    Json list = parse(get("/v1/console/watchlist", sup));
    ASSERT_EQ(list["entries"].size(), 1u);
    EXPECT_EQ(list["entries"][0]["added_by"], "officer:sup.one");
    // Neither the number nor the hash is in the audit.
    for (const auto& row : auditRows()) {
        EXPECT_EQ(row.detail.find("123456"), std::string::npos) << row.detail;
        EXPECT_EQ(row.detail.find(hash), std::string::npos) << row.detail;
    }
    EXPECT_EQ(auditWith("console.watchlist_add").size(), 1u);
    EXPECT_EQ(errorCode(post("/v1/console/watchlist", sup, Json{{"document_number", "()-"}})), "api.bad_value");
    EXPECT_EQ(errorCode(post("/v1/console/watchlist", sup, Json{{"document_hash", hash}})), "api.unknown_field");

    Response del = call("DELETE", "/v1/console/watchlist/" + hash, &sup);
    ASSERT_EQ(del.status, 200) << del.body;
    EXPECT_TRUE(parse(get("/v1/console/watchlist", sup))["entries"].empty());
    EXPECT_EQ(call("DELETE", "/v1/console/watchlist/" + hash, &sup).status, 404);
    EXPECT_EQ(call("DELETE", "/v1/console/watchlist/nothex", &sup).status, 404);
}

TEST_P(ConsoleAdmin, ExportIsReleasedOnceWithTheAdminsCodeAndAudited) {
    laneEvents("HZMB-CP-01", {crossing("HZMB-CP-01", 1, "passed"), crossing("HZMB-CP-01", 2, "refused", {"elig.watchlist"}),
                              scan("HZMB-CP-01", 3)});
    laneEvents("HZMB-CP-02", {crossing("HZMB-CP-02", 1)});
    now_ += 10;
    const Browser sup = login("sup.one", "supervisor");
    const Browser other = login("sup.two", "supervisor");
    const Browser admin = login("adm.one", "admin");
    const Browser officer = login("off.one", "officer");
    const Json ask{{"lanes", {"HZMB-CP-01"}}, {"from", kNow - 100}, {"to", kNow + 5}, {"purpose", "HA request 2026/118"}};
    EXPECT_EQ(errorCode(post("/v1/console/exports", officer, ask)), "auth.wrong_role");
    Response created = post("/v1/console/exports", sup, ask);
    ASSERT_EQ(created.status, 201) << created.body;
    const Json e = parse(created);
    EXPECT_EQ(e["state"], "pending");
    EXPECT_EQ(e["requested_by"], "sup.one");
    const std::string base = "/v1/console/exports/" + std::to_string(e["id"].get<int64_t>());

    EXPECT_EQ(errorCode(post(base + "/download", sup, Json{{"code", "AAAA-BBBB-CCCC"}})), "export.no_code");
    EXPECT_EQ(errorCode(post(base + "/code", sup)), "auth.wrong_role");
    Response issued = post(base + "/code", admin);
    ASSERT_EQ(issued.status, 200) << issued.body;
    const std::string code = parse(issued)["code"];
    EXPECT_EQ(code.size(), 14u);
    EXPECT_EQ(parse(issued)["expires_at"], now_ + 900);

    EXPECT_EQ(errorCode(post(base + "/download", other, Json{{"code", code}})), "export.not_requester");
    EXPECT_EQ(errorCode(post(base + "/download", sup, Json{{"code", "AAAA-BBBB-CCCC"}})), "export.bad_code");
    std::string typed = code;
    typed.erase(std::remove(typed.begin(), typed.end(), '-'), typed.end());
    for (auto& ch : typed) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    Response got = post(base + "/download", sup, Json{{"code", typed}, {"format", "json"}});
    ASSERT_EQ(got.status, 200) << got.body;
    Json data = parse(got);
    ASSERT_EQ(data["crossings"].size(), 2u);  // the chosen lane only, crossings only
    for (const auto& c : data["crossings"]) {
        EXPECT_EQ(c["lane"], "HZMB-CP-01");
        std::vector<std::string> keys;
        for (auto it = c.begin(); it != c.end(); ++it) keys.push_back(it.key());
        EXPECT_EQ(keys, (std::vector<std::string>{"lane", "outcome", "qr_hash", "reasons", "reference", "time"}));
    }
    EXPECT_EQ(data["crossings"][1]["reasons"], Json::array({"elig.watchlist"}));
    // Single use.
    Response twice = post(base + "/download", sup, Json{{"code", code}});
    EXPECT_EQ(twice.status, 409);
    EXPECT_EQ(errorCode(twice), "export.used");

    for (const char* action : {"export.request", "export.code", "export.download_refused", "export.download"})
        EXPECT_FALSE(auditWith(action).empty()) << action;
    EXPECT_NE(auditWith("export.download")[0].detail.find("2 crossings"), std::string::npos);
    for (const auto& row : auditRows()) EXPECT_EQ(row.detail.find(typed.substr(0, 6)), std::string::npos);
    Json listed = parse(get("/v1/console/exports", sup))["exports"];
    ASSERT_EQ(listed.size(), 1u);
    EXPECT_EQ(listed[0]["state"], "downloaded");
    EXPECT_TRUE(parse(get("/v1/console/exports", other))["exports"].empty());
    EXPECT_EQ(parse(get("/v1/console/exports", admin))["exports"].size(), 1u);
}

TEST_P(ConsoleAdmin, ExportCsvCodeExpiryVoidAndOwnRequest) {
    laneEvents("HZMB-CP-01", {crossing("HZMB-CP-01", 1, "refused", {"elig.watchlist", "doc.expired"})});
    const Browser admin = login("adm.one", "admin");
    const Browser admin2 = login("adm.two", "admin");
    const Json ask{{"lanes", {"HZMB-CP-01", "HZMB-CP-02"}}, {"from", kNow - 100}, {"to", kNow + 100}, {"purpose", "csv"}};
    const std::string base = "/v1/console/exports/" + std::to_string(parse(post("/v1/console/exports", admin, ask))["id"].get<int64_t>());
    EXPECT_EQ(errorCode(post(base + "/code", admin)), "export.own_request");
    std::string code = parse(post(base + "/code", admin2))["code"];
    now_ += 901;
    EXPECT_EQ(errorCode(post(base + "/download", admin, Json{{"code", code}})), "export.code_expired");
    code = parse(post(base + "/code", admin2))["code"];  // a new code replaces it
    Response csv = post(base + "/download", admin, Json{{"code", code}, {"format", "csv"}});
    ASSERT_EQ(csv.status, 200) << csv.body;
    EXPECT_EQ(csv.contentType, "text/csv; charset=utf-8");
    EXPECT_EQ(csv.body, "time,lane,outcome,reasons,reference,qr_hash\n" + std::to_string(kNow) +
                            ",HZMB-CP-01,refused,elig.watchlist;doc.expired,E-7Q2M9K," + kQrHash + "\n");
    EXPECT_NE(headerOf(csv, "Content-Disposition").find("export-"), std::string::npos);

    // Five wrong codes void the export.
    const std::string b2 = "/v1/console/exports/" + std::to_string(parse(post("/v1/console/exports", admin, ask))["id"].get<int64_t>());
    const std::string good = parse(post(b2 + "/code", admin2))["code"];
    for (int i = 0; i < 4; ++i) EXPECT_EQ(errorCode(post(b2 + "/download", admin, Json{{"code", "WRONG-CODE"}})), "export.bad_code");
    EXPECT_EQ(errorCode(post(b2 + "/download", admin, Json{{"code", "WRONG-CODE"}})), "export.void");
    EXPECT_EQ(errorCode(post(b2 + "/download", admin, Json{{"code", good}})), "export.void");

    EXPECT_EQ(errorCode(post("/v1/console/exports", admin, Json{{"lanes", {"A-01"}}, {"from", 10}, {"to", 5}, {"purpose", "x"}})),
              "api.bad_value");
    EXPECT_EQ(errorCode(post("/v1/console/exports", admin,
                             Json{{"lanes", {"A-01"}}, {"from", 0}, {"to", 32 * 86400}, {"purpose", "x"}})),
              "api.bad_value");
    EXPECT_EQ(errorCode(post("/v1/console/exports", admin, Json{{"lanes", Json::array()}, {"from", 0}, {"to", 5}, {"purpose", "x"}})),
              "api.bad_value");
    EXPECT_EQ(errorCode(post("/v1/console/exports", admin, Json{{"lanes", {"a b"}}, {"from", 0}, {"to", 5}, {"purpose", "x"}})),
              "api.bad_value");
}

TEST_P(ConsoleAdmin, OfficerAccounts) {
    const Browser admin = login("adm.one", "admin");
    Response made = post("/v1/console/officers", admin, Json{{"name", "new.one"}, {"role", "officer"}, {"password", kPassword}});
    ASSERT_EQ(made.status, 201) << made.body;
    EXPECT_FALSE(parse(made).contains("password_hash"));
    EXPECT_EQ(made.body.find("argon2"), std::string::npos);
    EXPECT_EQ(post("/v1/console/officers", admin, Json{{"name", "new.one"}, {"role", "officer"}, {"password", kPassword}}).status,
              409);
    EXPECT_EQ(errorCode(post("/v1/console/officers", admin, Json{{"name", "x"}, {"role", "officer"}, {"password", "short"}})),
              "api.bad_value");
    EXPECT_EQ(errorCode(post("/v1/console/officers", admin, Json{{"name", "x"}, {"role", "king"}, {"password", kPassword}})),
              "api.bad_value");
    EXPECT_EQ(rawLogin("new.one", kPassword).status, 200);
    Json list = parse(get("/v1/console/officers", admin))["officers"];
    EXPECT_EQ(list.size(), 2u);
    EXPECT_EQ(list.dump().find("argon2"), std::string::npos);

    ASSERT_EQ(post("/v1/console/officers/new.one/password", admin, Json{{"password", "another long passphrase"}}).status, 200);
    EXPECT_EQ(rawLogin("new.one", kPassword).status, 401);
    EXPECT_EQ(rawLogin("new.one", "another long passphrase").status, 200);
    EXPECT_EQ(errorCode(post("/v1/console/officers/adm.one/disable", admin)), "console.self");
    EXPECT_EQ(errorCode(post("/v1/console/officers/adm.one/role", admin, Json{{"role", "officer"}})), "console.self");
    EXPECT_EQ(post("/v1/console/officers/ghost/disable", admin).status, 404);
    ASSERT_EQ(post("/v1/console/officers/new.one/disable", admin).status, 200);
    EXPECT_EQ(rawLogin("new.one", "another long passphrase").status, 401);
    ASSERT_EQ(post("/v1/console/officers/new.one/enable", admin).status, 200);
    EXPECT_EQ(rawLogin("new.one", "another long passphrase").status, 200);
    for (const char* action : {"officer.create", "officer.password", "officer.disable", "officer.enable"})
        EXPECT_EQ(auditWith(action).size(), 1u) << action;
}

TEST_P(ConsoleAdmin, AuditChainVerifiesAndFindsAChangedRow) {
    laneEvents("HZMB-CP-01", {heartbeat("HZMB-CP-01", 1)});
    const Browser sup = login("sup.one", "supervisor");
    for (int i = 0; i < 3; ++i)
        ASSERT_EQ(post("/v1/console/lanes/HZMB-CP-01/commands", sup, Json{{"kind", "release"}, {"confirm", true}}).status, 201);
    const Browser admin = login("adm.one", "admin");
    Json ok = parse(get("/v1/console/audit/verify", admin));
    EXPECT_EQ(ok["ok"], true) << ok.dump();
    const auto rows = auditRows();
    ASSERT_GE(rows.size(), 8u);
    EXPECT_EQ(ok["rows"], static_cast<int64_t>(rows.size()));
    // The chain links every row to the one before.
    for (size_t i = 1; i < rows.size(); ++i) EXPECT_EQ(rows[i].prevHash, rows[i - 1].hash);
    EXPECT_EQ(rows[0].prevHash, std::string(64, '0'));

    const int64_t target = rows[3].id;
    rawSql("UPDATE audit SET detail = 'nothing happened' WHERE id = " + std::to_string(target));
    Json bad = parse(get("/v1/console/audit/verify", admin));
    EXPECT_EQ(bad["ok"], false);
    EXPECT_EQ(bad["first_bad_id"], target);
    EXPECT_EQ(bad["problem"], "hash");
}

TEST_P(ConsoleAdmin, AuditChainFindsADeletedRowAndADeletedTail) {
    const Browser admin = login("adm.one", "admin");
    for (int i = 0; i < 4; ++i) ASSERT_TRUE(console_->appendAudit(now_, "system", "test.row", "row " + std::to_string(i), "").ok());
    auto rows = auditRows();
    ASSERT_GE(rows.size(), 5u);
    rawSql("DELETE FROM audit WHERE id = " + std::to_string(rows[2].id));
    Json mid = parse(get("/v1/console/audit/verify", admin));
    EXPECT_EQ(mid["ok"], false);
    EXPECT_EQ(mid["problem"], "link");
    EXPECT_EQ(mid["first_bad_id"], rows[3].id);

    // A fresh chain: dropping the newest row is found through the head.
    SetUp();
    const Browser admin2 = login("adm.one", "admin");
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(console_->appendAudit(now_, "system", "test.row", "row", "").ok());
    rows = auditRows();
    rawSql("DELETE FROM audit WHERE id = " + std::to_string(rows.back().id));
    Json tail = parse(get("/v1/console/audit/verify", admin2));
    EXPECT_EQ(tail["ok"], false);
    EXPECT_EQ(tail["problem"], "head");
}

TEST_P(ConsoleAdmin, PurgeKeepsTheRestOfTheChainVerifiable) {
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(console_->appendAudit(1000 + i, "system", "old.row", "old", "").ok());
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(console_->appendAudit(now_, "system", "new.row", "new", "").ok());
    auto purged = repo_->purgeOlderThan(now_ - 10);
    ASSERT_TRUE(purged.ok());
    EXPECT_EQ(purged->audit, 5);
    auto v = console_->verifyAudit();
    ASSERT_TRUE(v.ok());
    EXPECT_TRUE(v->ok) << v->problem << " at " << v->firstBadId;
    EXPECT_EQ(v->rows, 3);
    // Appends after the purge still chain on.
    ASSERT_TRUE(repo_->appendAudit(now_, "system", "after.purge", "x").ok());
    v = console_->verifyAudit();
    ASSERT_TRUE(v.ok());
    EXPECT_TRUE(v->ok);
    EXPECT_EQ(v->rows, 4);
}

TEST_P(ConsoleAdmin, PurgedRowsBetweenKeptRowsLeaveTheirLink) {
    // Times out of id order (callers pass the time): old rows between new ones go too.
    ASSERT_TRUE(console_->appendAudit(1000, "system", "old", "a", "").ok());
    ASSERT_TRUE(console_->appendAudit(now_, "system", "new", "b", "").ok());
    ASSERT_TRUE(console_->appendAudit(1001, "system", "old", "c", "").ok());
    ASSERT_TRUE(console_->appendAudit(1002, "system", "old", "d", "").ok());
    ASSERT_TRUE(console_->appendAudit(now_, "system", "new", "e", "").ok());
    ASSERT_TRUE(console_->appendAudit(1003, "system", "old", "f", "").ok());  // the newest row is old
    auto purged = repo_->purgeOlderThan(now_ - 10);
    ASSERT_TRUE(purged.ok());
    EXPECT_EQ(purged->audit, 4);
    auto rows = auditRows();
    ASSERT_EQ(rows.size(), 2u);
    for (const auto& r : rows) EXPECT_EQ(r.action, "new");
    auto v = console_->verifyAudit();
    ASSERT_TRUE(v.ok());
    EXPECT_TRUE(v->ok) << v->problem << " at " << v->firstBadId;
    ASSERT_TRUE(console_->appendAudit(now_, "system", "new", "g", "").ok());
    v = console_->verifyAudit();
    ASSERT_TRUE(v.ok());
    EXPECT_TRUE(v->ok) << v->problem << " at " << v->firstBadId;
    // Deleting a kept row is still found.
    rawSql("DELETE FROM audit WHERE id = " + std::to_string(rows[1].id));
    v = console_->verifyAudit();
    ASSERT_TRUE(v.ok());
    EXPECT_FALSE(v->ok);
    EXPECT_EQ(v->problem, "link");
    // Everything purged later: the anchor carries the chain on.
    now_ += 10 * 86400;
    SetUp();
    ASSERT_TRUE(console_->appendAudit(1000, "system", "old", "a", "").ok());
    ASSERT_TRUE(console_->appendAudit(2000, "system", "old", "b", "").ok());
    ASSERT_TRUE(repo_->purgeOlderThan(now_).ok());
    EXPECT_TRUE(auditRows().empty());
    ASSERT_TRUE(console_->appendAudit(now_, "system", "new", "c", "").ok());
    v = console_->verifyAudit();
    ASSERT_TRUE(v.ok());
    EXPECT_TRUE(v->ok) << v->problem;
}

TEST_P(ConsoleAdmin, SqlMetacharactersAreStoredAsData) {
    const std::string evil = "x'); DROP TABLE officers; --\"";
    const Browser admin = login("adm.one", "admin");
    Response made = post("/v1/console/officers", admin, Json{{"name", "o.k"}, {"role", "supervisor"}, {"password", evil}});
    ASSERT_EQ(made.status, 201) << made.body;
    EXPECT_EQ(rawLogin("o.k", evil).status, 200);
    const Browser sup = login("sup.one", "supervisor");
    Response ex = post("/v1/console/exports", sup,
                       Json{{"lanes", {"HZMB-CP-01"}}, {"from", 0}, {"to", 100}, {"purpose", evil}});
    ASSERT_EQ(ex.status, 201) << ex.body;
    Json listed = parse(get("/v1/console/exports", sup))["exports"];
    ASSERT_EQ(listed.size(), 1u);
    EXPECT_EQ(listed[0]["purpose"], evil);
    EXPECT_EQ(post("/v1/console/watchlist", sup, Json{{"document_number", "K1' OR '1'='1"}}).status, 201);
    EXPECT_EQ(rawLogin("' OR 1=1 --", evil).status, 401);
    EXPECT_EQ(parse(get("/v1/console/officers", admin))["officers"].size(), 3u);
    Json v = parse(get("/v1/console/audit/verify", admin));
    EXPECT_EQ(v["ok"], true);
}

KIOSK_CONSOLE_INSTANTIATE(ConsoleAdmin);

}  // namespace
}  // namespace kiosk::server::consoletest
