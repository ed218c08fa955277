// The sync agent against the real clearance server (kiosk::server: repository, API,
// HTTPS transport with mutual TLS) on loopback.
#ifdef KIOSK_HAVE_SERVER
#include <netinet/in.h>
#include <sys/socket.h>

#include <condition_variable>
#include <map>
#include <set>

#include <gtest/gtest.h>

#include "core/log.h"
#include "kiosk/sync/enrolment_wire.h"
#include "kiosk/sync/sync_backoff.h"
#include "tests/sync/sync_server_support.h"

namespace kiosk::sync {
namespace {

using core::Json;
using testutil::kNow;
using testutil::makeEnrolment;
using testutil::ServerFixture;
using testutil::TempStore;

const std::string kLane = "HZMB-A-07";

std::string crossingPayload(int i) {
    return Json{{"lane", kLane},
                {"outcome", i % 3 == 0 ? "refused" : "passed"},
                {"reasons", i % 3 == 0 ? Json::array({"elig.not_enrolled"}) : Json::array()},
                {"reference", "E-" + std::to_string(i)},
                {"qr_hash", store::qrHash("qr" + std::to_string(i))},
                {"lane_ms", 12000 + i}}
        .dump();
}

std::pair<std::string, std::string> eventOf(int i) {
    switch (i % 4) {
        case 0: return {"crossing", crossingPayload(i)};
        case 1: return {"alert", Json{{"lane", kLane}, {"reason", "lane.tailgating"}}.dump()};
        case 2:
            return {"scan", Json{{"lane", kLane}, {"qr_hash", store::qrHash("s" + std::to_string(i))}, {"verdict", "accepted"}}
                                .dump()};
        default:
            return {"lane_state",
                    Json{{"lane", kLane}, {"from", "Idle"}, {"to", "OutOfService"}, {"reason", "officer"}}.dump()};
    }
}

// Queues `n` events of the kinds the lane sends; returns their outbox ids.
std::vector<int64_t> queueEvents(store::Store& s, int n, int64_t time) {
    std::vector<int64_t> ids;
    for (int i = 0; i < n; ++i) {
        auto [kind, payload] = eventOf(i);
        auto id = s.enqueueOutbox(time, kind, payload);
        EXPECT_TRUE(id.ok());
        if (id.ok()) ids.push_back(*id);
    }
    return ids;
}

struct SyncServer : ::testing::Test {
    ServerFixture server;
    TempStore laneStore{"sync-lane"};
    std::unique_ptr<store::Store> store;
    core::FakeClock clock{core::fromUnixSeconds(kNow)};

    void SetUp() override {
        server.setUp("sync-server");
        store = laneStore.open();
        ASSERT_TRUE(store);
    }

    std::unique_ptr<SyncAgent> agent(SyncOptions o) {
        auto a = SyncAgent::create(std::move(o), *store, clock);
        EXPECT_TRUE(a.ok()) << a.error().message;
        return a.ok() ? std::move(a).value() : nullptr;
    }

    // Every outbox id of this store on the server exactly once.
    void expectExactlyOnce(const std::vector<int64_t>& ids, const std::string& stream) {
        std::map<int64_t, int> seen;
        for (const auto& e : server.eventsOf(kLane)) {
            EXPECT_EQ(e.stream, stream);
            ++seen[e.seq];
        }
        for (int64_t id : ids) EXPECT_EQ(seen[id], 1) << "seq " << id;
        for (const auto& [seq, n] : seen) EXPECT_EQ(n, 1) << "seq " << seq << " stored " << n << " times";
    }
};


TEST_F(SyncServer, PushesBatchesWithNothingLostOrDuplicated) {
    auto o = server.laneOptions();
    o.batchSize = 100;
    auto a = agent(o);
    ASSERT_TRUE(a);
    const auto ids = queueEvents(*store, 450, kNow);
    auto st = a->syncOnce();
    ASSERT_TRUE(st.ok()) << st.error().code << ": " << st.error().message;
    EXPECT_EQ(*store->outboxDepth(), 0);
    expectExactlyOnce(ids, *store->streamId());
    auto events = server.eventsOf(kLane);
    // 450 events + the heartbeat syncOnce queued first.
    EXPECT_EQ(events.size(), 451u);
    std::map<std::string, int> kinds;
    for (const auto& e : events) ++kinds[e.kind];
    EXPECT_EQ(kinds["crossing"], 113);
    EXPECT_EQ(kinds["alert"], 113);
    EXPECT_EQ(kinds["scan"], 112);
    EXPECT_EQ(kinds["lane_state"], 112);
    EXPECT_EQ(kinds["heartbeat"], 1);
    for (const auto& e : events)
        if (e.kind == "crossing") {
            EXPECT_EQ(e.deviceTime, kNow);
            EXPECT_NE(e.payload.find("\"lane_ms\""), std::string::npos);
        }
    const auto status = a->status();
    EXPECT_EQ(status.pushedEvents, 451);
    EXPECT_EQ(status.duplicateAcks, 0);
    EXPECT_TRUE(status.serverReachable);
    EXPECT_EQ(status.consecutiveFailures, 0);
}

TEST_F(SyncServer, AnswerLostOnTheWayThenTheSameOutboxAgainIsAcknowledgedAsDuplicate) {
    auto a = agent(server.laneOptions());
    ASSERT_TRUE(a);
    const auto ids = queueEvents(*store, 60, kNow);
    // The server stores the batch, but its answer comes after the device gave up.
    server.holdAnswers([](const server::Request& r) { return r.path == "/v1/device/events"; });
    auto first = a->syncOnce();
    ASSERT_FALSE(first.ok());
    EXPECT_EQ(first.error().code, "sync.timeout");
    EXPECT_EQ(*store->outboxDepth(), 61);  // nothing deleted without an answer
    EXPECT_EQ(server.eventsOf(kLane).size(), 61u);
    EXPECT_EQ(a->status().consecutiveFailures, 1);

    server.holdAnswers(nullptr);
    auto second = a->syncOnce();
    ASSERT_TRUE(second.ok()) << second.error().message;
    EXPECT_EQ(*store->outboxDepth(), 0);
    EXPECT_EQ(a->status().duplicateAcks, 61);
    EXPECT_EQ(a->status().pushedEvents, 0);
    EXPECT_EQ(a->status().consecutiveFailures, 0);
    expectExactlyOnce(ids, *store->streamId());
    EXPECT_EQ(server.eventsOf(kLane).size(), 61u);
}

TEST_F(SyncServer, ARefusedEventIsParkedAndDoesNotBlockTheQueue) {
    auto o = server.laneOptions();
    o.heartbeatInterval = core::Millis(3600 * 1000);
    auto a = agent(o);
    ASSERT_TRUE(a);
    auto before = queueEvents(*store, 7, kNow);
    auto bad = store->enqueueOutbox(kNow, "alert", Json{{"lane", kLane}, {"reason", "NOT A CODE"}}.dump());
    auto unknown = store->enqueueOutbox(kNow, "teleport", "{}");
    auto notJson = store->enqueueOutbox(kNow, "alert", "not json");
    auto after = queueEvents(*store, 5, kNow);
    ASSERT_TRUE(bad.ok() && unknown.ok() && notJson.ok());
    auto st = a->syncOnce();
    ASSERT_TRUE(st.ok()) << st.error().message;
    EXPECT_EQ(*store->outboxDepth(), 0);
    auto rejected = store->rejectedOutbox();
    ASSERT_TRUE(rejected.ok());
    std::set<int64_t> parked;
    for (const auto& r : *rejected) parked.insert(r.item.id);
    EXPECT_EQ(parked, (std::set<int64_t>{*bad, *unknown, *notJson}));
    for (const auto& r : *rejected) {
        EXPECT_FALSE(r.error.empty());
        EXPECT_EQ(r.error.find("NOT A CODE"), std::string::npos);  // the server never echoes values
    }
    std::vector<int64_t> good = before;
    good.insert(good.end(), after.begin(), after.end());
    good.push_back(1);  // the heartbeat queued first
    expectExactlyOnce(good, *store->streamId());
    EXPECT_EQ(server.eventsOf(kLane).size(), good.size());
    EXPECT_EQ(a->status().rejectedEvents, 3);
}

TEST_F(SyncServer, PullsEnrolmentsPageByPageAndFollowsReplacements) {
    std::vector<store::EnrolmentRow> rows;
    for (int i = 0; i < 25; ++i) {
        rows.push_back(makeEnrolment("E-P" + std::to_string(i), "D" + std::to_string(1000000 + i), kNow - 100 + i,
                                     static_cast<uint32_t>(i + 1)));
        ASSERT_TRUE(server.repo->putEnrolment(server.serverEnrolment(rows.back()), "", 0, "import:test").ok());
    }
    auto o = server.laneOptions();
    o.batchSize = 10;
    auto a = agent(o);
    ASSERT_TRUE(a);
    EXPECT_EQ(a->freshness(kNow), Freshness::Fresh);  // first start is now
    EXPECT_EQ(a->status().lastEnrolmentSync, 0);
    auto st = a->syncOnce();
    ASSERT_TRUE(st.ok()) << st.error().message;
    EXPECT_EQ(store->counts()->activeEnrolments, 25);
    for (const auto& row : rows) {
        auto got = store->findEnrolmentByReference(row.reference);
        ASSERT_TRUE(got.ok() && got->has_value()) << row.reference;
        EXPECT_EQ((*got)->documentHash, row.documentHash);
        EXPECT_EQ((*got)->enrolledAt, row.enrolledAt);
        testutil::expectSameBiometrics(**got, row);
    }
    EXPECT_EQ(a->status().enrolmentCursor, *server.repo->latestEnrolmentCursor());
    EXPECT_EQ(a->status().lastEnrolmentSync, kNow);
    EXPECT_EQ(*store->syncValue("last_enrolment_sync"), kNow);

    // Re-enrolment of one document on the server: the lane drops the old record.
    auto renewed = makeEnrolment("E-NEW", "D1000003", kNow + 10, 99);
    ASSERT_TRUE(server.repo->putEnrolment(server.serverEnrolment(renewed), "", 0, "import:test").ok());
    clock.advance(core::Millis(60000));
    ASSERT_TRUE(a->syncOnce().ok());
    EXPECT_FALSE((*store->findEnrolmentByReference("E-P3", store::Biometrics::Without))->active);
    EXPECT_EQ((*store->findActiveEnrolmentByDocumentHash(store::documentHash("D1000003"), store::Biometrics::Without))
                  ->reference,
              "E-NEW");
    EXPECT_EQ(store->counts()->activeEnrolments, 25);
    EXPECT_EQ(a->status().lastEnrolmentSync, kNow + 60);
    EXPECT_EQ(a->status().skippedEnrolments, 0);

    // Freshness from the last complete pull.
    EXPECT_EQ(a->freshness(kNow + 60 + o.enrolmentWarnAgeS), Freshness::Fresh);
    EXPECT_EQ(a->freshness(kNow + 60 + o.enrolmentWarnAgeS + 1), Freshness::Warning);
    EXPECT_EQ(a->freshness(kNow + 60 + o.enrolmentMaxAgeS + 1), Freshness::Stale);
}

TEST_F(SyncServer, AnEnvelopeSealedWithAnotherKeyIsSkippedNotFatal) {
    auto good = makeEnrolment("E-GOOD", "G1234567", kNow, 1);
    auto alien = makeEnrolment("E-ALIEN", "A1234567", kNow, 2);
    auto rec = server.serverEnrolment(alien);
    auto wrong = sealEnrolmentForWire(alien, testutil::randomKey(5));
    ASSERT_TRUE(wrong.ok());
    rec.biometrics = (*wrong)["biometrics"].get<std::string>();
    ASSERT_TRUE(server.repo->putEnrolment(rec, "", 0, "import:test").ok());
    ASSERT_TRUE(server.repo->putEnrolment(server.serverEnrolment(good), "", 0, "import:test").ok());
    auto a = agent(server.laneOptions());
    ASSERT_TRUE(a);
    ASSERT_TRUE(a->syncOnce().ok());
    EXPECT_FALSE(store->findEnrolmentByReference("E-ALIEN")->has_value());
    EXPECT_TRUE(store->findEnrolmentByReference("E-GOOD")->has_value());
    EXPECT_EQ(a->status().skippedEnrolments, 1);
}

TEST_F(SyncServer, RegistrationMachineToLaneThroughTheServer) {
    TempStore regStore("sync-reg");
    auto reg = regStore.open();
    ASSERT_TRUE(reg);
    auto regAgent = SyncAgent::create(server.registrationOptions(), *reg, clock);
    ASSERT_TRUE(regAgent.ok()) << regAgent.error().message;
    auto row = makeEnrolment("E-REG1", "R7654321", kNow, 11);
    auto wire = sealEnrolmentForWire(row, server.templateKey);
    ASSERT_TRUE(wire.ok());
    auto seq = reg->enqueueOutbox(kNow, "enrolment", wire->dump());
    ASSERT_TRUE(seq.ok());
    auto st = (*regAgent)->syncOnce();
    ASSERT_TRUE(st.ok()) << st.error().message;
    EXPECT_EQ(*reg->outboxDepth(), 0);
    auto onServer = server.repo->enrolmentByReference("E-REG1");
    ASSERT_TRUE(onServer.ok() && onServer->has_value());
    EXPECT_EQ((*onServer)->sourceDevice, "REG-01");
    // The server holds no biometrics in clear.
    EXPECT_EQ((*onServer)->biometrics.find("right_index"), std::string::npos);

    auto a = agent(server.laneOptions());
    ASSERT_TRUE(a);
    ASSERT_TRUE(a->syncOnce().ok());
    auto got = store->findEnrolmentByReference("E-REG1");
    ASSERT_TRUE(got.ok() && got->has_value());
    testutil::expectSameBiometrics(**got, row);
}

TEST_F(SyncServer, FetchEnrolmentOnDemand) {
    auto row = makeEnrolment("E-NOW", "N1234567", kNow, 3);
    ASSERT_TRUE(server.repo->putEnrolment(server.serverEnrolment(row), "", 0, "import:test").ok());
    auto a = agent(server.laneOptions());
    ASSERT_TRUE(a);
    auto found = a->fetchEnrolment("E-NOW");
    ASSERT_TRUE(found.ok()) << found.error().message;
    EXPECT_TRUE(*found);
    auto got = store->findEnrolmentByReference("E-NOW");
    ASSERT_TRUE(got.ok() && got->has_value());
    testutil::expectSameBiometrics(**got, row);
    auto missing = a->fetchEnrolment("E-NOBODY");
    ASSERT_TRUE(missing.ok()) << missing.error().message;
    EXPECT_FALSE(*missing);
    auto bad = a->fetchEnrolment("E-1/../admin");
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().code, "sync.bad_reference");
}

TEST_F(SyncServer, FetchEnrolmentGivesUpWithinItsBudgetWhenTheServerDoesNotAnswer) {
    // A listening socket that never accepts: the TCP handshake completes (backlog), the
    // TLS handshake never does.
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(fd, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    ASSERT_EQ(::listen(fd, 16), 0);
    socklen_t len = sizeof addr;
    ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    auto o = server.laneOptions();
    o.serverUrl = "https://127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
    o.requestTimeout = core::Millis(60000);  // the budget, not this, must end the call
    auto a = agent(o);
    ASSERT_TRUE(a);
    auto r = a->fetchEnrolment("E-WAIT");
    ::close(fd);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, "sync.timeout") << r.error().message;
    EXPECT_FALSE(a->status().serverReachable);
}

TEST_F(SyncServer, CommandsAreDeliveredAnsweredAndNeverRunTwice) {
    auto a = agent(server.laneOptions());
    ASSERT_TRUE(a);
    std::vector<IncomingCommand> seen;
    a->onCommand([&](const IncomingCommand& c) {
        seen.push_back(c);
        if (c.kind == "release") return CommandAnswer{CommandResult::Refused, "nobody is held\n"};
        return CommandAnswer{CommandResult::Applied, ""};
    });
    server::LaneCommand c;
    c.deviceId = kLane;
    c.kind = "out_of_service";
    c.args = "{}";
    c.issuedBy = "officer:chan.tm";
    c.issuedAt = ServerFixture::serverNow();
    auto c1 = server.repo->enqueueCommand(c);
    c.kind = "release";
    auto c2 = server.repo->enqueueCommand(c);
    ASSERT_TRUE(c1.ok() && c2.ok());
    ASSERT_TRUE(a->syncOnce().ok());
    ASSERT_EQ(seen.size(), 2u);
    EXPECT_EQ(seen[0].id, c1->id);
    EXPECT_EQ(seen[0].kind, "out_of_service");
    EXPECT_EQ(seen[0].issuedBy, "officer:chan.tm");
    EXPECT_TRUE(seen[0].args.is_object());
    EXPECT_EQ((*server.repo->command(c1->id))->state, server::CommandState::Applied);
    auto refused = *server.repo->command(c2->id);
    EXPECT_EQ(refused->state, server::CommandState::Refused);
    EXPECT_EQ(refused->detail, "nobody is held ");

    // The answer to a third command is held past the lane's timeout (the server has
    // stored it): the round fails, nothing runs twice, the next command runs once.
    c.kind = "in_service";
    auto c3 = server.repo->enqueueCommand(c);
    ASSERT_TRUE(c3.ok());
    server.holdAnswers([](const server::Request& r) { return r.path.find("/result") != std::string::npos; });
    EXPECT_FALSE(a->syncOnce().ok());
    ASSERT_EQ(seen.size(), 3u);
    server.holdAnswers(nullptr);
    auto again = server.repo->enqueueCommand(c);
    ASSERT_TRUE(again.ok());
    ASSERT_TRUE(a->syncOnce().ok());
    EXPECT_EQ(seen.size(), 4u);
    EXPECT_EQ(seen.back().id, again->id);
    EXPECT_EQ((*server.repo->command(c3->id))->state, server::CommandState::Applied);
}

TEST_F(SyncServer, ACommandDeliveredAgainIsAnsweredFromTheStore) {
    auto a = agent(server.laneOptions());
    ASSERT_TRUE(a);
    int runs = 0;
    a->onCommand([&](const IncomingCommand&) {
        ++runs;
        return CommandAnswer{CommandResult::Applied, "done"};
    });
    server::LaneCommand c;
    c.deviceId = kLane;
    c.kind = "out_of_service";
    c.args = "{}";
    c.issuedBy = "officer:chan.tm";
    c.issuedAt = ServerFixture::serverNow();
    auto c1 = server.repo->enqueueCommand(c);
    ASSERT_TRUE(c1.ok());
    // The lane executed it and remembered the answer, then lost the connection (or
    // crashed) before the answer reached the server: the command is delivered again.
    ASSERT_TRUE(store->rememberCommandAnswer(c1->id, R"({"result":"applied","detail":"before the crash"})", kNow).ok());
    ASSERT_TRUE(a->syncOnce().ok());
    EXPECT_EQ(runs, 0);
    auto done = *server.repo->command(c1->id);
    EXPECT_EQ(done->state, server::CommandState::Applied);
    EXPECT_EQ(done->detail, "before the crash");
}

TEST_F(SyncServer, LongPollDeliversACommandWithinTheWait) {
    core::SystemClock realClock;
    auto o = server.laneOptions();
    o.commandWait = core::Millis(10000);
    o.requestTimeout = core::Millis(5000);
    auto created = SyncAgent::create(o, *store, realClock);
    ASSERT_TRUE(created.ok());
    auto a = std::move(created).value();
    std::mutex mu;
    std::condition_variable cv;
    std::vector<int64_t> ids;
    a->onCommand([&](const IncomingCommand& c) {
        std::lock_guard lock(mu);
        ids.push_back(c.id);
        cv.notify_all();
        return CommandAnswer{CommandResult::Applied, ""};
    });
    a->start();
    // Let the first long poll park, then issue through the admin path, which wakes it.
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    server::Request req;
    req.method = "POST";
    req.path = "/v1/admin/lanes/" + kLane + "/commands";
    req.headers["content-type"] = "application/json";
    req.body = R"({"kind": "out_of_service", "args": {}})";
    server::Identity admin{server::Role::Admin, "chan.tm", "01"};
    auto resp = server.api->handle(req, admin, ServerFixture::serverNow());
    ASSERT_EQ(resp.status, 201) << resp.body;
    const int64_t id = Json::parse(resp.body)["id"].get<int64_t>();
    {
        std::unique_lock lock(mu);
        ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(20), [&] { return !ids.empty(); }));
        EXPECT_EQ(ids.front(), id);
    }
    // The answer follows on the same thread.
    auto state = server::CommandState::Delivered;
    for (int i = 0; i < 200 && state != server::CommandState::Applied; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        auto cmd = server.repo->command(id);
        ASSERT_TRUE(cmd.ok() && cmd->has_value());
        state = (*cmd)->state;
    }
    EXPECT_EQ(state, server::CommandState::Applied);
    a->stop();  // with the next long poll open: returns promptly (joins within about a second)
    {
        std::lock_guard lock(mu);
        EXPECT_EQ(ids.size(), 1u);
    }
}

TEST_F(SyncServer, WatchlistTrustListAndHealthRulesArePulled) {
    const std::string doc = store::documentHash("W1234567");
    ASSERT_TRUE(server.repo->changeWatchlist(doc, true, ServerFixture::serverNow(), "admin").ok());
    const std::vector<uint8_t> list = {'s', 'i', 'g', 'n', 'e', 'd', 0, 1, 2};
    ASSERT_TRUE(server.repo->putBlob("trust_list", base64Encode(list), ServerFixture::serverNow(), "admin").ok());
    ASSERT_TRUE(server.repo->putBlob("health_rules", R"([{"from":"2026-12-01","required":false}])",
                                     ServerFixture::serverNow(), "admin").ok());
    auto a = agent(server.laneOptions());
    ASSERT_TRUE(a);
    std::vector<std::vector<uint8_t>> lists;
    std::vector<Json> rules;
    bool acceptLists = false;
    a->onTrustList([&](const std::vector<uint8_t>& l) -> core::Status {
        lists.push_back(l);
        if (!acceptLists) return core::makeError("trust.bad_signature", "refused in the test");
        return {};
    });
    a->onHealthRules([&](const Json& j) -> core::Status {
        rules.push_back(j);
        return {};
    });
    ASSERT_TRUE(a->syncOnce().ok());
    EXPECT_TRUE(*store->isWatchlisted(doc));
    ASSERT_EQ(lists.size(), 1u);
    EXPECT_EQ(lists[0], list);
    EXPECT_FALSE(store->loadTrustState()->has_value() && !(*store->loadTrustState())->signedList.empty());
    EXPECT_EQ(a->status().trustListVersion, 0);  // refused: not kept
    ASSERT_EQ(rules.size(), 1u);
    EXPECT_EQ(rules[0][0]["from"], "2026-12-01");
    EXPECT_EQ(a->status().healthRulesVersion, 1);

    // A refused version is not fetched again; a newer one is, and kept once accepted.
    ASSERT_TRUE(a->syncOnce().ok());
    EXPECT_EQ(lists.size(), 1u);
    EXPECT_EQ(rules.size(), 1u);
    acceptLists = true;
    const std::vector<uint8_t> list2 = {'v', '2'};
    ASSERT_TRUE(server.repo->putBlob("trust_list", base64Encode(list2), ServerFixture::serverNow(), "admin").ok());
    ASSERT_TRUE(server.repo->changeWatchlist(doc, false, ServerFixture::serverNow(), "admin").ok());
    ASSERT_TRUE(a->syncOnce().ok());
    ASSERT_EQ(lists.size(), 2u);
    EXPECT_EQ(a->status().trustListVersion, 2);
    auto trust = store->loadTrustState();
    ASSERT_TRUE(trust.ok() && trust->has_value());
    EXPECT_EQ((*trust)->signedList, list2);
    EXPECT_FALSE(*store->isWatchlisted(doc));
}

TEST_F(SyncServer, BackoffGrowsAndIsJitteredDeterministically) {
    // The server is away (connection refused) and the agent runs on a fake clock, so the
    // waits cost no time; the push loop's retry delays are read from its log lines.
    const uint16_t port = server.port;
    server.stopHttp();
    auto o = server.laneOptions();
    o.serverUrl = "https://127.0.0.1:" + std::to_string(port);
    o.backoffMin = core::Millis(500);
    o.backoffMax = core::Millis(30000);
    o.backoffSeed = 99;
    o.pullInterval = core::Millis(3600 * 1000);
    o.heartbeatInterval = core::Millis(3600 * 1000);
    queueEvents(*store, 3, kNow);
    std::mutex mu;
    std::condition_variable cv;
    std::vector<int64_t> delays;
    core::Logger::instance().setSink([&](const std::string& line) {
        Json j = Json::parse(line, nullptr, false);
        if (j.is_object() && j.value("event", "") == "sync.retry" && j.value("loop", "") == "push") {
            std::lock_guard lock(mu);
            delays.push_back(j["delay_ms"].get<int64_t>());
            cv.notify_all();
        }
    });
    auto a = agent(o);
    ASSERT_TRUE(a);
    a->start();
    {
        std::unique_lock lock(mu);
        cv.wait_for(lock, std::chrono::seconds(30), [&] { return delays.size() >= 10; });
    }
    a->stop();
    core::Logger::instance().setSink(nullptr);
    std::vector<int64_t> got;
    {
        std::lock_guard lock(mu);
        got.assign(delays.begin(), delays.begin() + std::min<std::size_t>(delays.size(), 10));
    }
    ASSERT_EQ(got.size(), 10u);
    // The same sequence the push loop's seeded backoff draws (seed + 1 for "push").
    Backoff expect(o.backoffMin, o.backoffMax, o.backoffSeed + 1);
    int64_t cap = 0;
    for (std::size_t i = 0; i < got.size(); ++i) {
        EXPECT_EQ(got[i], expect.next().count()) << i;
        EXPECT_GE(got[i], 500);
        EXPECT_LE(got[i], expect.cap().count());
        cap = expect.cap().count();
    }
    EXPECT_EQ(cap, 30000);
    EXPECT_GT(*std::max_element(got.begin(), got.end()), 2000);  // it grew
    EXPECT_GT(std::set<int64_t>(got.begin(), got.end()).size(), 5u);  // and is not fixed
    // Nothing was lost while the server was away (heartbeats may have been added: every
    // thread's wait advances the shared fake clock).
    int events = 0;
    auto left = store->peekOutbox(1000);
    ASSERT_TRUE(left.ok());
    for (const auto& item : *left) events += item.kind != "heartbeat";
    EXPECT_EQ(events, 3);
    EXPECT_FALSE(a->status().serverReachable);
}

TEST_F(SyncServer, SixHoursOfflineThenCatchUpWithEveryRowExactlyOnce) {
    auto o = server.laneOptions();
    o.enrolmentWarnAgeS = 3600;
    o.enrolmentMaxAgeS = 4 * 3600;
    o.heartbeatInterval = core::Millis(5000);
    auto a = agent(o);
    ASSERT_TRUE(a);
    ASSERT_TRUE(a->syncOnce().ok());  // a first complete sync
    const int64_t synced = core::toUnixSeconds(clock.wallNow());
    const uint16_t port = server.port;
    server.stopHttp();

    std::vector<int64_t> ids;
    int failures = 0;
    bool sawWarning = false, sawStale = false;
    // 6 hours in 5-minute steps: the lane journals crossings (with their outbox rows),
    // the agent tries each step and queues a heartbeat.
    for (int step = 0; step < 72; ++step) {
        clock.advance(core::Millis(5 * 60 * 1000));
        const int64_t now = core::toUnixSeconds(clock.wallNow());
        for (int k = 0; k < 3; ++k) {
            store::CrossingRecord r;
            r.time = now;
            r.laneId = kLane;
            r.outcome = store::CrossingOutcome::Passed;
            r.qrHash = store::qrHash("t" + std::to_string(step * 10 + k));
            auto id = store->appendCrossing(r, {store::OutboxMessage{"crossing", crossingPayload(step * 10 + k)}});
            ASSERT_TRUE(id.ok());
        }
        if (!a->syncOnce().ok()) ++failures;
        const Freshness f = a->freshness(now);
        sawWarning |= f == Freshness::Warning;
        sawStale |= f == Freshness::Stale;
    }
    EXPECT_EQ(failures, 72);
    EXPECT_TRUE(sawWarning);
    EXPECT_TRUE(sawStale);
    EXPECT_FALSE(a->status().serverReachable);
    EXPECT_EQ(a->status().consecutiveFailures, 72);
    auto pending = store->peekOutbox(100000);
    ASSERT_TRUE(pending.ok());
    EXPECT_EQ(pending->size(), 72u * 3 + 72);  // crossings and one heartbeat per step
    for (const auto& p : *pending) ids.push_back(p.id);
    EXPECT_EQ(server.eventsOf(kLane).size(), 1u);  // only the first heartbeat got through

    server.restartHttp();
    ASSERT_EQ(server.port, port);
    auto st = a->syncOnce();
    ASSERT_TRUE(st.ok()) << st.error().message;
    EXPECT_EQ(*store->outboxDepth(), 0);
    ids.push_back(1);
    expectExactlyOnce(ids, *store->streamId());
    EXPECT_EQ(server.eventsOf(kLane).size(), ids.size() + 0);
    const int64_t now = core::toUnixSeconds(clock.wallNow());
    EXPECT_EQ(a->freshness(now), Freshness::Fresh);
    EXPECT_GT(a->status().lastEnrolmentSync, synced);
    EXPECT_TRUE(a->status().serverReachable);
}

}  // namespace
}  // namespace kiosk::sync
#endif
