// Schema versions, reopening, URLs, and strings stored as plain data.
#include <sqlite3.h>

#include "server/repo_migrations.h"
#include "tests/server/repository/repo_fixture.h"

namespace kiosk::server::test {
namespace {

class SchemaTest : public RepoFixture {
protected:
    // Writes meta.schema_version under the repository (closed first).
    void setSchemaVersion(int v) {
        repo_.reset();
        const std::string sql =
            "UPDATE meta SET value = '" + std::to_string(v) + "' WHERE key = 'schema_version'";
        if (isPostgres()) {
            auto r = kiosk::testing::runPsql(url_, sql);
            ASSERT_REPO_OK(r);
            return;
        }
        sqlite3* db = nullptr;
        ASSERT_EQ(sqlite3_open(url_.substr(7).c_str(), &db), SQLITE_OK);
        char* err = nullptr;
        const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
        const std::string message = err ? err : "";
        sqlite3_free(err);
        sqlite3_close(db);
        ASSERT_EQ(rc, SQLITE_OK) << message;
    }
};

TEST_P(SchemaTest, ReportsBackendAndLatestSchema) {
    EXPECT_EQ(repo_->backend(), GetParam());
    EXPECT_EQ(repo_->schemaVersion(), detail::latestSchemaVersion());
    EXPECT_EQ(detail::sqliteMigrations().size(), detail::postgresMigrations().size());
}

TEST_P(SchemaTest, ReopenKeepsDataAndSchemaVersion) {
    ASSERT_REPO_OK(repo_->appendEvents({makeEvent("lane-1", "s", 1)}));
    REPO_ASSIGN(auto put, repo_->putEnrolment(makeEnrolment("E-1", hashOf(1)), "st", 1, "reg"));
    REPO_ASSIGN(auto w, repo_->changeWatchlist(hashOf(9), true, 5, "o"));
    REPO_ASSIGN(auto reopened, reopen());
    repo_ = std::move(reopened);
    EXPECT_EQ(repo_->schemaVersion(), detail::latestSchemaVersion());
    REPO_ASSIGN(auto counts, repo_->counts());
    EXPECT_EQ(counts.events, 1);
    EXPECT_EQ(counts.enrolments, 1);
    REPO_ASSIGN(auto dup, repo_->appendEvents({makeEvent("lane-1", "s", 1)}));
    EXPECT_EQ(dup[0], AppendOutcome::Duplicate);
    REPO_ASSIGN(auto next, repo_->putEnrolment(makeEnrolment("E-2", hashOf(2)), "st", 2, "reg"));
    EXPECT_GT(next.stored.cursor, put.stored.cursor);
    REPO_ASSIGN(auto w2, repo_->changeWatchlist(hashOf(9), false, 6, "o"));
    EXPECT_GT(w2.cursor, w.cursor);
}

TEST_P(SchemaTest, NewerSchemaIsRefused) {
    setSchemaVersion(detail::latestSchemaVersion() + 1);
    auto r = openRepository(url_);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, "repo.newer_schema") << r.error().message;
    // The data is left alone: back at the known version it opens again.
    setSchemaVersion(detail::latestSchemaVersion());
    auto again = openRepository(url_);
    EXPECT_REPO_OK(again);
}

// Every string field holds SQL and shell metacharacters; each comes back byte for byte
// and nothing else happens to the database.
TEST_P(SchemaTest, MetacharactersAreStoredAsPlainData) {
    const std::string m = "x'); DROP TABLE events; -- \" \\ %_ $1 ?2 :name @v ` ; \t\n\xc3\xa9\xe4\xb8\xad '' OR '1'='1";
    DeviceEvent e = makeEvent("lane" + m, "stream" + m, 1, "kind" + m, 1000, "{\"v\":\"" + m + "\"}");
    ASSERT_REPO_OK(repo_->appendEvents({e, makeEvent("lane" + m, "stream" + m, 2, "heartbeat", 1000, m)}));
    EventQuery q;
    q.deviceId = e.deviceId;
    q.kind = e.kind;
    REPO_ASSIGN(auto events, repo_->events(q));
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].deviceId, e.deviceId);
    EXPECT_EQ(events[0].stream, e.stream);
    EXPECT_EQ(events[0].kind, e.kind);
    EXPECT_EQ(events[0].payload, e.payload);
    REPO_ASSIGN(int64_t n, repo_->countEvents(e.deviceId, e.kind));
    EXPECT_EQ(n, 1);

    ASSERT_REPO_OK(repo_->touchDevice("lane" + m, "role" + m, 1001));
    REPO_ASSIGN(auto devs, repo_->devices());
    ASSERT_EQ(devs.size(), 1u);
    EXPECT_EQ(devs[0].deviceId, "lane" + m);
    EXPECT_EQ(devs[0].role, "role" + m);
    EXPECT_EQ(devs[0].lastHeartbeat, m);

    EnrolmentRecord rec = makeEnrolment("ref" + m, "hash" + m, 1000, "src" + m);
    rec.documentMasked = "masked" + m;
    rec.residency = "res" + m;
    rec.dateOfBirth = "dob" + m;
    rec.documentExpiry = "exp" + m;
    rec.channel = "ch" + m;
    rec.biometrics = "bio" + m;
    ASSERT_REPO_OK(repo_->putEnrolment(rec, "st" + m, 1, "actor" + m));
    REPO_ASSIGN(auto bySource, repo_->putEnrolment(makeEnrolment("other", hashOf(1), 1000, "src" + m), "st" + m, 1,
                                                   "actor" + m));
    EXPECT_TRUE(bySource.duplicate);
    REPO_ASSIGN(auto got, repo_->enrolmentByReference("ref" + m));
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(got->documentHash, rec.documentHash);
    EXPECT_EQ(got->documentMasked, rec.documentMasked);
    EXPECT_EQ(got->residency, rec.residency);
    EXPECT_EQ(got->dateOfBirth, rec.dateOfBirth);
    EXPECT_EQ(got->documentExpiry, rec.documentExpiry);
    EXPECT_EQ(got->channel, rec.channel);
    EXPECT_EQ(got->biometrics, rec.biometrics);
    EXPECT_EQ(got->sourceDevice, rec.sourceDevice);
    REPO_ASSIGN(auto replaced, repo_->putEnrolment(makeEnrolment("ref2" + m, "hash" + m), "", 0, "actor" + m));
    ASSERT_TRUE(replaced.replacedReference.has_value());
    EXPECT_EQ(*replaced.replacedReference, "ref" + m);

    ASSERT_REPO_OK(repo_->changeWatchlist("hash" + m, true, 5, "officer" + m));
    REPO_ASSIGN(auto wl, repo_->watchlistSince(0, 10));
    ASSERT_EQ(wl.size(), 1u);
    EXPECT_EQ(wl[0].documentHash, "hash" + m);
    EXPECT_EQ(wl[0].actor, "officer" + m);

    ASSERT_REPO_OK(repo_->putBlob("health_rules", "data" + m, 5, "admin" + m));
    REPO_ASSIGN(auto blob, repo_->latestBlob("health_rules"));
    ASSERT_TRUE(blob.has_value());
    EXPECT_EQ(blob->data, "data" + m);
    EXPECT_EQ(blob->actor, "admin" + m);

    LaneCommand c;
    c.deviceId = "lane" + m;
    c.kind = "kind" + m;
    c.args = "{\"a\":\"" + m + "\"}";
    c.issuedBy = "officer" + m;
    c.issuedAt = 10;
    REPO_ASSIGN(auto cmd, repo_->enqueueCommand(c));
    REPO_ASSIGN(auto pending, repo_->devicesWithPendingCommands());
    EXPECT_EQ(pending, std::vector<std::string>{"lane" + m});
    REPO_ASSIGN(auto taken, repo_->takeCommands("lane" + m, 11));
    ASSERT_EQ(taken.size(), 1u);
    EXPECT_EQ(taken[0].kind, c.kind);
    EXPECT_EQ(taken[0].args, c.args);
    EXPECT_EQ(taken[0].issuedBy, c.issuedBy);
    REPO_ASSIGN(auto done, repo_->completeCommand(cmd.id, "lane" + m, CommandState::Applied, "detail" + m, 12));
    EXPECT_EQ(done.detail, "detail" + m);

    ASSERT_REPO_OK(repo_->appendAudit(13, "actor" + m, "action" + m, "detail" + m));
    REPO_ASSIGN(auto rows, repo_->audit(0, 100));
    ASSERT_FALSE(rows.empty());
    EXPECT_EQ(rows.back().actor, "actor" + m);
    EXPECT_EQ(rows.back().action, "action" + m);
    EXPECT_EQ(rows.back().detail, "detail" + m);

    REPO_ASSIGN(auto counts, repo_->counts());
    EXPECT_EQ(counts.events, 2);
    EXPECT_EQ(counts.enrolments, 2);
    EXPECT_EQ(counts.commands, 1);
    EXPECT_EQ(counts.devices, 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, SchemaTest, ::testing::Values("sqlite", "postgresql"), backendName);

// --- Not per backend -----------------------------------------------------------------------

TEST(RepositoryUrl, SqliteForms) {
    const auto dir = kiosk::testing::tempDir("repo-url");
    for (const std::string& url : {"sqlite:" + (dir / "a.db").string(), "sqlite://" + (dir / "b.db").string(),
                                   (dir / "c.db").string()}) {
        auto r = openRepository(url);
        ASSERT_REPO_OK(r);
        EXPECT_EQ((*r)->backend(), "sqlite");
    }
    EXPECT_TRUE(std::filesystem::exists(dir / "a.db"));
    EXPECT_TRUE(std::filesystem::exists(dir / "b.db"));
    EXPECT_TRUE(std::filesystem::exists(dir / "c.db"));
    EXPECT_REPO_ERROR(openRepository("mysql://host/db"), "repo.open_failed");
    EXPECT_REPO_ERROR(openRepository("sqlite:"), "repo.open_failed");
    EXPECT_REPO_ERROR(openRepository("sqlite:" + (dir / "missing" / "x.db").string()), "repo.open_failed");
    // The message names the file and the missing folder (an operator's first `officer add`).
    auto missing = openRepository("sqlite:" + (dir / "missing" / "x.db").string());
    ASSERT_FALSE(missing.ok());
    EXPECT_NE(missing.error().message.find((dir / "missing" / "x.db").string()), std::string::npos)
        << missing.error().message;
    EXPECT_NE(missing.error().message.find("the folder " + (dir / "missing").string() + " does not exist"),
              std::string::npos)
        << missing.error().message;
}

TEST(RepositoryUrl, InMemorySqlite) {
    auto r = openSqliteRepository(":memory:");
    ASSERT_REPO_OK(r);
    ASSERT_REPO_OK((*r)->appendEvents({makeEvent("lane-1", "s", 1)}));
    auto n = (*r)->countEvents("", "");
    ASSERT_REPO_OK(n);
    EXPECT_EQ(*n, 1);
    EXPECT_FALSE(std::filesystem::exists(":memory:"));
}

TEST(RepositoryUrl, NotADatabaseFileIsRefused) {
    const auto path = kiosk::testing::tempDir("repo-url") / "junk.db";
    {
        std::FILE* f = std::fopen(path.c_str(), "wb");
        ASSERT_NE(f, nullptr);
        const std::string junk(4096, 'j');
        std::fwrite(junk.data(), 1, junk.size(), f);
        std::fclose(f);
    }
    EXPECT_REPO_ERROR(openRepository(path.string()), "repo.open_failed");
}

TEST(RepositoryUrl, UnreachablePostgresIsUnavailableOrOpenFailed) {
    // Port 1 on loopback: nothing listens there.
    auto r = openRepository("postgresql://nobody@127.0.0.1:1/none");
    ASSERT_FALSE(r.ok());
    EXPECT_TRUE(r.error().code == "repo.unavailable" || r.error().code == "repo.open_failed") << r.error().code;
}

TEST(CommandStateNames, RoundTrip) {
    for (auto s : {CommandState::Pending, CommandState::Delivered, CommandState::Applied, CommandState::Refused,
                   CommandState::Failed, CommandState::Expired}) {
        auto back = parseCommandState(toString(s));
        ASSERT_TRUE(back.has_value());
        EXPECT_EQ(*back, s);
    }
    EXPECT_STREQ(toString(CommandState::Applied), "applied");
    EXPECT_FALSE(parseCommandState("Applied").has_value());
    EXPECT_FALSE(parseCommandState("").has_value());
}

}  // namespace
}  // namespace kiosk::server::test
