// Commands to lanes (enqueue, take, answer) and the audit trail they leave.
#include "tests/server/repository/repo_fixture.h"

namespace kiosk::server::test {
namespace {

class CommandsTest : public RepoFixture {};

LaneCommand makeCommand(const std::string& device, const std::string& kind, int64_t issuedAt) {
    LaneCommand c;
    c.deviceId = device;
    c.kind = kind;
    c.args = "{}";
    c.issuedBy = "officer:chan.tm";
    c.issuedAt = issuedAt;
    return c;
}

TEST_P(CommandsTest, Lifecycle) {
    REPO_ASSIGN(auto c1, repo_->enqueueCommand(makeCommand("lane-1", "out_of_service", 100)));
    REPO_ASSIGN(auto c2, repo_->enqueueCommand(makeCommand("lane-1", "ack_alert", 101)));
    REPO_ASSIGN(auto c3, repo_->enqueueCommand(makeCommand("lane-2", "release", 102)));
    EXPECT_EQ(c1.state, CommandState::Pending);
    EXPECT_GT(c1.id, 0);
    EXPECT_LT(c1.id, c2.id);
    EXPECT_EQ(c1.kind, "out_of_service");

    REPO_ASSIGN(auto pending, repo_->devicesWithPendingCommands());
    EXPECT_EQ(pending, (std::vector<std::string>{"lane-1", "lane-2"}));

    REPO_ASSIGN(auto taken, repo_->takeCommands("lane-1", 500));
    ASSERT_EQ(taken.size(), 2u);
    EXPECT_EQ(taken[0].id, c1.id);
    EXPECT_EQ(taken[1].id, c2.id);
    EXPECT_EQ(taken[0].state, CommandState::Delivered);
    EXPECT_EQ(taken[0].deliveredAt, 500);
    EXPECT_EQ(taken[0].issuedBy, "officer:chan.tm");
    EXPECT_EQ(taken[0].args, "{}");
    REPO_ASSIGN(pending, repo_->devicesWithPendingCommands());
    EXPECT_EQ(pending, (std::vector<std::string>{"lane-2"}));

    // Delivered but unanswered commands come again; the first delivery time stays.
    REPO_ASSIGN(auto again, repo_->takeCommands("lane-1", 600));
    ASSERT_EQ(again.size(), 2u);
    EXPECT_EQ(again[0].deliveredAt, 500);

    EXPECT_REPO_ERROR(repo_->completeCommand(c1.id, "lane-2", CommandState::Applied, "", 700), "repo.conflict");
    EXPECT_REPO_ERROR(repo_->completeCommand(c1.id + 1000, "lane-1", CommandState::Applied, "", 700),
                      "repo.not_found");
    EXPECT_REPO_ERROR(repo_->completeCommand(c1.id, "lane-1", CommandState::Delivered, "", 700), "repo.invalid");

    REPO_ASSIGN(auto done, repo_->completeCommand(c1.id, "lane-1", CommandState::Applied, "ok", 700));
    EXPECT_EQ(done.state, CommandState::Applied);
    EXPECT_EQ(done.completedAt, 700);
    EXPECT_EQ(done.detail, "ok");
    // The same answer again (a retried request) is accepted and changes nothing.
    REPO_ASSIGN(auto repeat, repo_->completeCommand(c1.id, "lane-1", CommandState::Applied, "ok", 800));
    EXPECT_EQ(repeat.state, CommandState::Applied);
    EXPECT_EQ(repeat.completedAt, 700);
    // Another answer to an answered command is a conflict.
    EXPECT_REPO_ERROR(repo_->completeCommand(c1.id, "lane-1", CommandState::Refused, "", 900), "repo.conflict");

    REPO_ASSIGN(auto rest, repo_->takeCommands("lane-1", 900));
    ASSERT_EQ(rest.size(), 1u);
    EXPECT_EQ(rest[0].id, c2.id);

    // A pending command (never delivered) may be answered too.
    REPO_ASSIGN(auto refused, repo_->completeCommand(c3.id, "lane-2", CommandState::Refused, "busy", 950));
    EXPECT_EQ(refused.state, CommandState::Refused);
    REPO_ASSIGN(pending, repo_->devicesWithPendingCommands());
    EXPECT_TRUE(pending.empty());

    REPO_ASSIGN(auto got, repo_->command(c1.id));
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(got->state, CommandState::Applied);
    EXPECT_EQ(got->deviceId, "lane-1");
    EXPECT_EQ(got->issuedAt, 100);
    EXPECT_EQ(got->deliveredAt, 500);
    REPO_ASSIGN(auto none, repo_->command(c1.id + 1000));
    EXPECT_FALSE(none.has_value());
    REPO_ASSIGN(auto counts, repo_->counts());
    EXPECT_EQ(counts.commands, 3);
    EXPECT_REPO_ERROR(repo_->enqueueCommand(makeCommand("", "release", 1)), "repo.invalid");
}

TEST_P(CommandsTest, CommandsAreAudited) {
    REPO_ASSIGN(auto c1, repo_->enqueueCommand(makeCommand("lane-1", "emergency_open", 100)));
    ASSERT_REPO_OK(repo_->completeCommand(c1.id, "lane-1", CommandState::Failed, "doors jammed", 200));
    ASSERT_REPO_OK(repo_->completeCommand(c1.id, "lane-1", CommandState::Failed, "doors jammed", 300));
    REPO_ASSIGN(auto rows, repo_->audit(0, 100));
    ASSERT_EQ(rows.size(), 2u) << "a repeated answer is not audited twice";
    EXPECT_EQ(rows[0].action, "command.issue");
    EXPECT_EQ(rows[0].actor, "officer:chan.tm");
    EXPECT_EQ(rows[0].time, 100);
    EXPECT_NE(rows[0].detail.find(std::to_string(c1.id)), std::string::npos);
    EXPECT_NE(rows[0].detail.find("lane-1"), std::string::npos);
    EXPECT_EQ(rows[1].action, "command.result");
    EXPECT_EQ(rows[1].actor, "lane-1");
    EXPECT_EQ(rows[1].time, 200);
    EXPECT_NE(rows[1].detail.find("failed"), std::string::npos);
}

TEST_P(CommandsTest, AuditAppendsAndPages) {
    std::vector<int64_t> ids;
    for (int i = 0; i < 5; ++i) {
        REPO_ASSIGN(int64_t id, repo_->appendAudit(100 + i, "officer:x", "officer.login", "n" + std::to_string(i)));
        ids.push_back(id);
    }
    for (std::size_t i = 1; i < ids.size(); ++i) EXPECT_GT(ids[i], ids[i - 1]);
    REPO_ASSIGN(auto page, repo_->audit(ids[1], 2));
    ASSERT_EQ(page.size(), 2u);
    EXPECT_EQ(page[0].id, ids[2]);
    EXPECT_EQ(page[0].detail, "n2");
    EXPECT_EQ(page[0].time, 102);
    EXPECT_EQ(page[1].id, ids[3]);
    EXPECT_REPO_ERROR(repo_->appendAudit(1, "x", "", "d"), "repo.invalid");
    REPO_ASSIGN(auto counts, repo_->counts());
    EXPECT_EQ(counts.audit, 5);
}

INSTANTIATE_TEST_SUITE_P(Backends, CommandsTest, ::testing::Values("sqlite", "postgresql"), backendName);

}  // namespace
}  // namespace kiosk::server::test
