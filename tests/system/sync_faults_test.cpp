// Fault tests of the sync (docs/sync.md, SYSTEM.md section 5): the real clearance-server
// binary on SQLite and on PostgreSQL, a lane = SyncAgent over a real Store in a temp dir,
// the fault proxy in between. Every test ends with a full count of rows on both sides:
// every outbox row the lane made is on the server exactly once (by (device, stream, seq)
// and by payload), the lane's outbox is empty, and the server holds no row the lane did
// not send.
#include <signal.h>

#include <map>
#include <set>

#include <gtest/gtest.h>

#include "core/clock.h"
#include "kiosk/store/store.h"
#include "kiosk/sync/sync_agent.h"
#include "tests/support/postgres_harness.h"
#include "tests/support/test_support.h"
#include "tests/system/fault_proxy.h"
#include "tests/system/system_support.h"

namespace kiosk::testing {
namespace {

namespace fs = std::filesystem;
using core::Json;
using namespace std::chrono_literals;

enum class Backend { Sqlite, Postgres };

std::string backendName(const ::testing::TestParamInfo<Backend>& info) {
    return info.param == Backend::Sqlite ? "Sqlite" : "Postgres";
}

core::Result<std::string> freshDatabase(Backend b, const fs::path& dir, const std::string& hint) {
    if (b == Backend::Sqlite) return "sqlite:" + (dir / (hint + ".db")).string();
    return freshPostgresDatabase(hint);
}

// The lane side: a real store, the agent, and a record of every outbox row made.
struct LaneSide {
    std::string laneId;
    fs::path dir;
    std::unique_ptr<store::Store> store;
    std::unique_ptr<sync::SyncAgent> agent;
    std::string stream;
    struct Row {
        Json payload;
        int64_t seq = 0;  // the outbox id, when known (rows made before the agent ran)
    };
    std::map<std::string, Row> rows;  // by reference (unique per crossing)
    std::vector<std::string> order;   // references in creation order
    std::atomic<int> commandsExecuted{0};

    // One crossing with its outbox row, in one transaction (as the lane does).
    void addCrossing(int64_t time) {
        char ref[32];
        std::snprintf(ref, sizeof ref, "F-%06zu", order.size() + 1);
        Json payload = {{"lane", laneId},        {"outcome", "passed"},
                        {"reasons", Json::array()}, {"reference", ref},
                        {"qr_hash", std::string(64, 'a')}, {"lane_ms", static_cast<int64_t>(order.size() % 20000)}};
        store::CrossingRecord rec;
        rec.time = time;
        rec.laneId = laneId;
        rec.outcome = store::CrossingOutcome::Passed;
        rec.enrolmentReference = ref;
        rec.qrHash = std::string(64, 'a');
        auto id = store->appendCrossing(rec, {store::OutboxMessage{"crossing", payload.dump()}});
        ASSERT_TRUE(id.ok()) << id.error().message;
        rows[ref] = Row{payload, 0};
        order.push_back(ref);
    }

    // Reads the outbox ids of the rows still queued (only while no agent pushes).
    void learnSeqs() {
        auto items = store->peekOutbox(1000000);
        ASSERT_TRUE(items.ok());
        for (const auto& it : *items) {
            auto p = Json::parse(it.payload);
            rows.at(p.at("reference").get<std::string>()).seq = it.id;
        }
    }

    int64_t outboxDepth() { return store->outboxDepth().valueOr(-1); }
    // Crossings made and no longer in the outbox (acknowledged by the server).
    int64_t crossingsAcked() {
        auto items = store->peekOutbox(1000000);
        if (!items.ok()) return -1;
        int64_t queued = 0;
        for (const auto& it : *items) queued += it.kind == "crossing";
        return static_cast<int64_t>(order.size()) - queued;
    }
};

// A push of a 50-event batch is ~12 KB of TLS; anything else the lane sends is < 2 KB.
constexpr int64_t kBatchBytes = 6000;

// The count at the end of every test.
struct FullCount {
    int64_t made = 0, journal = 0, outboxLeft = 0, rejected = 0;
    int64_t serverEvents = 0, serverCrossings = 0, serverOther = 0;
    int64_t missing = 0, duplicated = 0, foreign = 0, payloadMismatch = 0, seqMismatch = 0, keyRepeats = 0;
    int64_t gaps = 0;  // outbox ids 1..max of the lane's stream not on the server
};

FullCount countBothSides(LaneSide& lane, AdminClient& admin) {
    FullCount c;
    c.made = static_cast<int64_t>(lane.order.size());
    auto journal = lane.store->crossings(store::CrossingQuery{INT64_MIN, INT64_MAX, lane.laneId, 1000000});
    c.journal = journal.ok() ? static_cast<int64_t>(journal->size()) : -1;
    c.outboxLeft = lane.outboxDepth();
    auto rejected = lane.store->rejectedOutbox(1000000);
    c.rejected = rejected.ok() ? static_cast<int64_t>(rejected->size()) : -1;

    auto all = admin.allEvents();  // every device: a row from anyone else is foreign
    EXPECT_TRUE(all.ok()) << (all.ok() ? "" : all.error().message);
    if (!all.ok()) return c;
    c.serverEvents = static_cast<int64_t>(all->size());
    std::map<std::string, int> seen;
    std::set<std::tuple<std::string, std::string, int64_t>> keys;
    for (const Json& e : *all) {
        auto key = std::make_tuple(e.value("device", ""), e.value("stream", ""), e.value("seq", int64_t{-1}));
        if (!keys.insert(key).second) ++c.keyRepeats;
        if (e.value("device", "") != lane.laneId || e.value("stream", "") != lane.stream) {
            ++c.foreign;
            continue;
        }
        if (e.value("kind", "") != "crossing") {
            // The agent's own heartbeats are rows the lane sent; nothing else is expected.
            if (e.value("kind", "") == "heartbeat") ++c.serverOther;
            else ++c.foreign;
            continue;
        }
        ++c.serverCrossings;
        const Json& p = e.at("payload");
        std::string ref = p.value("reference", "");
        auto it = lane.rows.find(ref);
        if (it == lane.rows.end()) {
            ++c.foreign;
            continue;
        }
        if (++seen[ref] > 1) ++c.duplicated;
        if (p != it->second.payload) ++c.payloadMismatch;
        int64_t seq = e.value("seq", int64_t{0});
        if (it->second.seq != 0 && it->second.seq != seq) ++c.seqMismatch;
    }
    for (const auto& ref : lane.order)
        if (!seen.count(ref)) ++c.missing;
    // Outbox ids start at 1 and are never reused or skipped (AUTOINCREMENT; a rolled-back
    // insert takes its number back), so with the outbox empty the stream's seqs on the
    // server must be exactly 1..N: every row the lane made, heartbeats included.
    std::set<int64_t> streamSeqs;
    for (const Json& e : *all)
        if (e.value("device", "") == lane.laneId && e.value("stream", "") == lane.stream)
            streamSeqs.insert(e.value("seq", int64_t{0}));
    int64_t maxSeq = streamSeqs.empty() ? 0 : *streamSeqs.rbegin();
    c.gaps = maxSeq - static_cast<int64_t>(streamSeqs.size()) + (streamSeqs.count(0) ? 1 : 0);
    // Seqs follow the creation order (outbox ids are handed out in order, never reused).
    std::map<std::string, int64_t> seqOf;
    for (const Json& e : *all)
        if (e.value("kind", "") == "crossing" && e.value("device", "") == lane.laneId)
            seqOf[e["payload"].value("reference", "")] = e.value("seq", int64_t{0});
    int64_t prev = 0;
    for (const auto& ref : lane.order) {
        auto it = seqOf.find(ref);
        if (it == seqOf.end()) continue;
        if (it->second <= prev) ++c.seqMismatch;
        prev = it->second;
    }
    std::printf("[count] made=%lld journal=%lld outbox_left=%lld rejected=%lld | server events=%lld crossings=%lld "
                "heartbeats=%lld | missing=%lld duplicated=%lld foreign=%lld payload_mismatch=%lld "
                "seq_mismatch=%lld key_repeats=%lld gaps=%lld\n",
                (long long)c.made, (long long)c.journal, (long long)c.outboxLeft, (long long)c.rejected,
                (long long)c.serverEvents, (long long)c.serverCrossings, (long long)c.serverOther,
                (long long)c.missing, (long long)c.duplicated, (long long)c.foreign, (long long)c.payloadMismatch,
                (long long)c.seqMismatch, (long long)c.keyRepeats, (long long)c.gaps);
    return c;
}

void expectExactCount(const FullCount& c) {
    EXPECT_GT(c.made, 0);
    EXPECT_EQ(c.journal, c.made);
    EXPECT_EQ(c.outboxLeft, 0);
    EXPECT_EQ(c.rejected, 0);
    EXPECT_EQ(c.serverCrossings, c.made);
    EXPECT_EQ(c.serverEvents, c.serverCrossings + c.serverOther);
    EXPECT_EQ(c.missing, 0);
    EXPECT_EQ(c.duplicated, 0);
    EXPECT_EQ(c.foreign, 0);
    EXPECT_EQ(c.payloadMismatch, 0);
    EXPECT_EQ(c.seqMismatch, 0);
    EXPECT_EQ(c.keyRepeats, 0);
    EXPECT_EQ(c.gaps, 0);
}

class SyncFaults : public ::testing::TestWithParam<Backend> {
protected:
    void SetUp() override {
        dir_ = tempDir("sync-faults");
        auto pki = TestPki::create(dir_ / "pki");
        ASSERT_TRUE(pki.ok()) << pki.error().message;
        pki_ = *pki;
        auto admin = pki_.device("admin.test", server::Role::Admin);
        ASSERT_TRUE(admin.ok()) << admin.error().message;
        adminCert_ = *admin;
        auto db = freshDatabase(GetParam(), dir_, "faults");
        ASSERT_TRUE(db.ok()) << db.error().message;
        dbUrl_ = *db;
        startServer();
    }

    void startServer() {
        auto cfg = writeServerConfig(pki_, dbUrl_, dir_ / "server.json");
        ASSERT_TRUE(cfg.ok()) << cfg.error().message;
        ServerProcessOptions so;
        so.configFile = *cfg;
        so.dbUrl = dbUrl_;
        auto srv = ServerProcess::start(so);
        ASSERT_TRUE(srv.ok()) << srv.error().message;
        server_ = std::move(*srv);
        admin_ = std::make_unique<AdminClient>(server_->url(), pki_, adminCert_);
        auto proxy = FaultProxy::start(server_->port());
        ASSERT_TRUE(proxy.ok()) << proxy.error().message;
        proxy_ = std::move(*proxy);
    }

    // A lane whose agent talks to the server through the proxy.
    void makeLane(LaneSide& lane, core::Clock& clock, const std::string& laneId = "LANE-F1") {
        lane.laneId = laneId;
        lane.dir = dir_ / laneId;
        fs::create_directories(lane.dir);
        ASSERT_TRUE(store::Store::createKeyFile(lane.dir / "store.key").ok());
        store::StoreOptions so;
        so.keyFile = lane.dir / "store.key";
        auto st = store::Store::open(lane.dir / "lane.db", so);
        ASSERT_TRUE(st.ok()) << st.error().message;
        lane.store = std::move(*st);
        auto stream = lane.store->streamId();
        ASSERT_TRUE(stream.ok());
        lane.stream = *stream;
        auto cert = pki_.device(laneId, server::Role::Lane);
        ASSERT_TRUE(cert.ok()) << cert.error().message;
        sync::SyncOptions o;
        o.serverUrl = proxy_->url();
        o.deviceId = laneId;
        o.certFile = cert->certFile.string();
        o.keyFile = cert->keyFile.string();
        o.caFile = pki_.caCert.string();
        o.templateKeyFile = pki_.templateKey.string();
        o.pushInterval = 50ms;
        o.pullInterval = 300ms;
        o.heartbeatInterval = 1000ms;
        o.requestTimeout = 3000ms;
        o.connectTimeout = 1000ms;
        o.backoffMin = 20ms;
        o.backoffMax = 400ms;
        o.commandWait = 300ms;
        o.batchSize = 50;
        o.enrolmentWarnAgeS = laneWarnAge_;
        o.enrolmentMaxAgeS = laneMaxAge_;
        auto agent = sync::SyncAgent::create(o, *lane.store, clock);
        ASSERT_TRUE(agent.ok()) << agent.error().message;
        lane.agent = std::move(*agent);
        LaneSide* l = &lane;
        lane.agent->onCommand([l](const sync::IncomingCommand&) {
            ++l->commandsExecuted;
            return sync::CommandAnswer{sync::CommandResult::Applied, ""};
        });
        lane.agent->heartbeatSource([laneId] {
            return Json{{"lane", laneId}, {"state", "ReadCredential"}, {"in_service", true}};
        });
    }

    // Waits (real time) until the lane's outbox is empty and the server has every crossing.
    bool waitDrained(LaneSide& lane, std::chrono::milliseconds deadline = 180s) {
        return waitUntil(
            [&] {
                if (lane.outboxDepth() != 0) return false;
                auto n = admin_->allEvents(lane.laneId, "crossing");
                return n.ok() && n->size() >= lane.order.size();
            },
            deadline, 100ms);
    }

    // Stops the agent and flushes what it queued itself meanwhile (a last heartbeat).
    void settle(LaneSide& lane) {
        lane.agent->stop();
        proxy_->setPlan(FaultPlan::none());
        for (int i = 0; i < 10 && lane.outboxDepth() != 0; ++i) (void)lane.agent->syncOnce();
    }

    fs::path dir_;
    TestPki pki_;
    DeviceCertFiles adminCert_;
    std::string dbUrl_;
    std::unique_ptr<ServerProcess> server_;
    std::unique_ptr<AdminClient> admin_;
    std::unique_ptr<FaultProxy> proxy_;
    int64_t laneWarnAge_ = 3600, laneMaxAge_ = 86400;
};

// (a) SIGKILL of the server in the middle of the pushes, restart on the same database.
TEST_P(SyncFaults, ServerKilledMidBatchAndRestartedLosesAndDuplicatesNothing) {
    core::SystemClock clock;
    LaneSide lane;
    makeLane(lane, clock);
    const int n = 3000;
    int64_t t0 = core::toUnixSeconds(clock.wallNow()) - n;
    for (int i = 0; i < n; ++i) ASSERT_NO_FATAL_FAILURE(lane.addCrossing(t0 + i));
    lane.learnSeqs();

    lane.agent->start();
    // Kill once the first acks came back, at a moment when a batch (a large request) has
    // reached the server and is not answered yet.
    ASSERT_TRUE(waitUntil([&] { return lane.outboxDepth() <= n - 300; }, 120s, 5ms));
    ASSERT_TRUE(waitUntil([&] { return proxy_->largestUnansweredTurn() >= kBatchBytes; }, 60s, 1ms));
    auto killed = server_->kill(SIGKILL);
    ASSERT_TRUE(killed.ok());
    int64_t ackedAtKill = lane.crossingsAcked();
    // The lane notices (failures pile up, the outbox stays).
    ASSERT_TRUE(waitUntil([&] { return lane.agent->status().consecutiveFailures >= 2; }, 30s));
    int64_t ackedWhileDown = lane.crossingsAcked();
    EXPECT_LT(ackedWhileDown, n);

    ASSERT_TRUE(server_->restart().ok()) << server_->output();
    proxy_->setTarget(server_->port());
    admin_->setBaseUrl(server_->url());
    auto storedAtRestart = admin_->allEvents(lane.laneId, "crossing");
    ASSERT_TRUE(storedAtRestart.ok());
    std::printf("[kill] crossings acked at kill=%lld (after: %lld), stored on the server at restart=%lld "
                "(stored but unacknowledged: %lld)\n",
                (long long)ackedAtKill, (long long)ackedWhileDown, (long long)storedAtRestart->size(),
                (long long)storedAtRestart->size() - (long long)ackedWhileDown);
    // Every acknowledged row was durably stored before the ack.
    EXPECT_GE(static_cast<int64_t>(storedAtRestart->size()), ackedWhileDown);

    ASSERT_TRUE(waitDrained(lane)) << "outbox left: " << lane.outboxDepth();
    settle(lane);
    expectExactCount(countBothSides(lane, *admin_));
}

// (b) 30 % of the turns dropped (request or answer) or delayed while crossings are made.
TEST_P(SyncFaults, ThirtyPercentDroppedOrDelayedLosesAndDuplicatesNothing) {
    core::SystemClock clock;
    LaneSide lane;
    makeLane(lane, clock);
    FaultPlan plan;  // 10 % requests dropped, 10 % answers dropped, 10 % delayed
    plan.delayBy = 400ms;
    plan.seed = 20261201;
    proxy_->setPlan(plan);
    lane.agent->start();
    const int n = 600;
    for (int i = 0; i < n; ++i) {
        ASSERT_NO_FATAL_FAILURE(lane.addCrossing(core::toUnixSeconds(clock.wallNow())));
        std::this_thread::sleep_for(5ms);
    }
    ASSERT_TRUE(waitDrained(lane)) << "outbox left: " << lane.outboxDepth();
    auto pc = proxy_->counters();
    auto st = lane.agent->status();
    settle(lane);
    std::printf("[proxy] connections=%lld turns=%lld passed=%lld requests_dropped=%lld (app %lld) "
                "answers_dropped=%lld (app %lld) delayed=%lld | agent pushed=%lld duplicate_acks=%lld\n",
                (long long)pc.connections, (long long)pc.turns, (long long)pc.passed, (long long)pc.requestsDropped,
                (long long)pc.appRequestsDropped, (long long)pc.answersDropped, (long long)pc.appAnswersDropped,
                (long long)pc.delayed, (long long)st.pushedEvents, (long long)st.duplicateAcks);
    // The faults really happened, of both kinds, after the TLS handshake too.
    EXPECT_GT(pc.appRequestsDropped, 0);
    EXPECT_GT(pc.appAnswersDropped, 0);
    EXPECT_GT(pc.delayed, 0);
    // A lost answer to a push means the server stored rows the lane sent again.
    EXPECT_GT(st.duplicateAcks, 0);
    expectExactCount(countBothSides(lane, *admin_));
}

// (c) Six hours offline on a fake clock: the lane keeps recording, freshness degrades at
// the configured ages, and the catch-up loses and duplicates nothing.
TEST_P(SyncFaults, SixHoursOfflineThenCatchUp) {
    laneWarnAge_ = 3600;       // Warning from 1 h
    laneMaxAge_ = 4 * 3600;    // Stale from 4 h (within the 6 h)
    core::FakeClock clock(core::fromUnixSeconds(1795000000));
    LaneSide lane;
    makeLane(lane, clock);
    ASSERT_TRUE(lane.agent->syncOnce().ok());
    const int64_t synced = lane.agent->status().lastEnrolmentSync;
    ASSERT_GT(synced, 0);
    EXPECT_EQ(lane.agent->freshness(core::toUnixSeconds(clock.wallNow())), sync::Freshness::Fresh);

    // First 3 h: the network is gone (proxy cuts everything); next 3 h: the server is down.
    FaultPlan block = FaultPlan::none();
    block.blockAll = true;
    proxy_->setPlan(block);
    const int64_t start = core::toUnixSeconds(clock.wallNow());
    int failedRounds = 0, rounds = 0;
    bool serverDown = false;
    int64_t lastRound = start;
    while (core::toUnixSeconds(clock.wallNow()) < start + 6 * 3600) {
        clock.advance(7s);
        int64_t now = core::toUnixSeconds(clock.wallNow());
        ASSERT_NO_FATAL_FAILURE(lane.addCrossing(now));
        if (!serverDown && now >= start + 3 * 3600) {
            ASSERT_TRUE(server_->kill(SIGKILL).ok());
            proxy_->setPlan(FaultPlan::none());
            serverDown = true;
        }
        // The state the lane shows, exactly by the configured ages ("past" the age).
        int64_t age = now - synced;
        auto expected = age > laneMaxAge_ ? sync::Freshness::Stale
                        : age > laneWarnAge_ ? sync::Freshness::Warning
                                             : sync::Freshness::Fresh;
        ASSERT_EQ(lane.agent->freshness(now), expected) << "age " << age;
        if (now - lastRound >= 600) {  // a sync round every 10 simulated minutes fails
            lastRound = now;
            ++rounds;
            if (!lane.agent->syncOnce().ok()) ++failedRounds;
        }
    }
    // The boundaries to the second.
    EXPECT_EQ(lane.agent->freshness(synced + laneWarnAge_), sync::Freshness::Fresh);
    EXPECT_EQ(lane.agent->freshness(synced + laneWarnAge_ + 1), sync::Freshness::Warning);
    EXPECT_EQ(lane.agent->freshness(synced + laneMaxAge_), sync::Freshness::Warning);
    EXPECT_EQ(lane.agent->freshness(synced + laneMaxAge_ + 1), sync::Freshness::Stale);
    EXPECT_EQ(failedRounds, rounds);
    EXPECT_GE(lane.outboxDepth(), static_cast<int64_t>(lane.order.size()));  // nothing left the lane
    EXPECT_GT(lane.order.size(), 3000u);

    ASSERT_TRUE(server_->restart().ok()) << server_->output();
    proxy_->setTarget(server_->port());
    admin_->setBaseUrl(server_->url());
    int catchUpRounds = 0;
    while (lane.outboxDepth() != 0 && catchUpRounds < 200) {
        (void)lane.agent->syncOnce();
        ++catchUpRounds;
    }
    std::printf("[offline] crossings=%zu failed rounds=%d/%d catch-up rounds=%d\n", lane.order.size(), failedRounds,
                rounds, catchUpRounds);
    EXPECT_EQ(lane.agent->freshness(core::toUnixSeconds(clock.wallNow())), sync::Freshness::Fresh);
    expectExactCount(countBothSides(lane, *admin_));
}

// (d) Commands: one queued while the lane is offline arrives once it is back and runs
// once; one whose answer is lost (request or answer direction) is answered again from the
// lane's store, never executed twice.
TEST_P(SyncFaults, CommandsSurviveFaultsAndRunOnce) {
    core::FakeClock clock(core::fromUnixSeconds(1795000000));
    LaneSide lane;
    makeLane(lane, clock);
    ASSERT_TRUE(lane.agent->syncOnce().ok());
    lane.addCrossing(core::toUnixSeconds(clock.wallNow()));

    // Offline: the command waits on the server.
    FaultPlan block = FaultPlan::none();
    block.blockAll = true;
    proxy_->setPlan(block);
    auto id1 = admin_->issueCommand(lane.laneId, "out_of_service");
    ASSERT_TRUE(id1.ok()) << id1.error().message;
    EXPECT_FALSE(lane.agent->syncOnce().ok());
    EXPECT_EQ(lane.commandsExecuted.load(), 0);
    proxy_->setPlan(FaultPlan::none());
    ASSERT_TRUE(lane.agent->syncOnce().ok());
    EXPECT_EQ(lane.commandsExecuted.load(), 1);
    auto c1 = admin_->command(*id1);
    ASSERT_TRUE(c1.ok());
    EXPECT_EQ(c1->value("state", ""), "applied");

    // The lane's answer never reaches the server (request dropped after the execution).
    FaultProxy* proxy = proxy_.get();
    auto faultAfterExecution = [&](FaultPlan after) {
        lane.agent->onCommand([&, proxy, after](const sync::IncomingCommand&) {
            ++lane.commandsExecuted;
            proxy->setPlan(after);
            return sync::CommandAnswer{sync::CommandResult::Applied, ""};
        });
    };
    faultAfterExecution(FaultPlan{1.0, 0, 0});
    auto id2 = admin_->issueCommand(lane.laneId, "in_service");
    ASSERT_TRUE(id2.ok());
    (void)lane.agent->syncOnce();
    EXPECT_EQ(lane.commandsExecuted.load(), 2);
    auto c2 = admin_->command(*id2);
    ASSERT_TRUE(c2.ok());
    EXPECT_EQ(c2->value("state", ""), "delivered");  // executed at the lane, not yet known here
    proxy_->setPlan(FaultPlan::none());
    ASSERT_TRUE(lane.agent->syncOnce().ok());
    EXPECT_EQ(lane.commandsExecuted.load(), 2);  // answered again from the store, not run again
    c2 = admin_->command(*id2);
    EXPECT_EQ(c2->value("state", ""), "applied");

    // The server's reply to the lane's answer is lost: stored there, unknown to the lane.
    faultAfterExecution(FaultPlan{0, 1.0, 0});
    auto id3 = admin_->issueCommand(lane.laneId, "out_of_service");
    ASSERT_TRUE(id3.ok());
    (void)lane.agent->syncOnce();
    EXPECT_EQ(lane.commandsExecuted.load(), 3);
    proxy_->setPlan(FaultPlan::none());
    ASSERT_TRUE(lane.agent->syncOnce().ok());
    ASSERT_TRUE(lane.agent->syncOnce().ok());
    EXPECT_EQ(lane.commandsExecuted.load(), 3);
    auto c3 = admin_->command(*id3);
    ASSERT_TRUE(c3.ok());
    EXPECT_EQ(c3->value("state", ""), "applied");
    auto pc = proxy_->counters();
    EXPECT_GT(pc.appRequestsDropped, 0);
    EXPECT_GT(pc.appAnswersDropped, 0);

    for (int i = 0; i < 5 && lane.outboxDepth() != 0; ++i) (void)lane.agent->syncOnce();
    expectExactCount(countBothSides(lane, *admin_));
}

// 3. Two server processes over one PostgreSQL database; the one the lane talks to is
// killed during the pushes and the lane is pointed at the other.
class SyncFaultsTwoServers : public SyncFaults {};

TEST_P(SyncFaultsTwoServers, OneOfTwoServersKilledMidBatchLaneMovesToTheOther) {
    auto cfgB = writeServerConfig(pki_, dbUrl_, dir_ / "server-b.json");
    ASSERT_TRUE(cfgB.ok());
    ServerProcessOptions so;
    so.configFile = *cfgB;
    so.dbUrl = dbUrl_;
    auto b = ServerProcess::start(so);
    ASSERT_TRUE(b.ok()) << b.error().message;
    std::unique_ptr<ServerProcess> serverB = std::move(*b);

    core::SystemClock clock;
    LaneSide lane;
    makeLane(lane, clock);
    const int n = 3000;
    int64_t t0 = core::toUnixSeconds(clock.wallNow()) - n;
    for (int i = 0; i < n; ++i) ASSERT_NO_FATAL_FAILURE(lane.addCrossing(t0 + i));
    lane.learnSeqs();
    lane.agent->start();
    ASSERT_TRUE(waitUntil([&] { return lane.outboxDepth() <= n - 300; }, 120s, 5ms));
    ASSERT_TRUE(waitUntil([&] { return proxy_->largestUnansweredTurn() >= kBatchBytes; }, 60s, 1ms));
    ASSERT_TRUE(server_->kill(SIGKILL).ok());
    int64_t ackedAtKill = lane.crossingsAcked();
    // The lane is pointed at the other process (as a load balancer would after a health check).
    proxy_->setTarget(serverB->port());
    admin_->setBaseUrl(serverB->url());
    ASSERT_TRUE(waitDrained(lane)) << "outbox left: " << lane.outboxDepth();
    settle(lane);
    std::printf("[two servers] acked by A before its kill=%lld\n", (long long)ackedAtKill);
    expectExactCount(countBothSides(lane, *admin_));
}

INSTANTIATE_TEST_SUITE_P(Backends, SyncFaults, ::testing::Values(Backend::Sqlite, Backend::Postgres), backendName);
INSTANTIATE_TEST_SUITE_P(Backends, SyncFaultsTwoServers, ::testing::Values(Backend::Postgres), backendName);

}  // namespace
}  // namespace kiosk::testing
