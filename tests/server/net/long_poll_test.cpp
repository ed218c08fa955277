// Long poll in the transport: a parked request holds no thread, is answered when wake()
// names its key (or the pendingKeys source does), or with longPollExpired after the wait.
// Graceful stop: idle connections closed, parked polls answered, in-flight requests finished.
#include <atomic>
#include <future>
#include <mutex>
#include <map>

#include "tests/server/net/net_test_support.h"

namespace kiosk::server {
namespace {

using namespace nettest;
using namespace std::chrono_literals;

// A lane's command queue as the API would see it: park while empty.
struct Commands {
    std::mutex mu;
    std::map<std::string, int> ready;  // commands waiting per device id
    std::atomic<int> calls{0}, expiredCalls{0};
    std::chrono::milliseconds wait{30000};

    Handler handler() {
        return [this](const Request& r, const Identity& who) {
            ++calls;
            if (r.longPollExpired) ++expiredCalls;
            std::lock_guard lock(mu);
            if (ready[who.deviceId] > 0) {
                --ready[who.deviceId];
                return jsonResponse(200, R"({"commands":[{"id":1}]})");
            }
            if (r.longPollExpired) return jsonResponse(200, R"({"commands":[]})");
            Response res;
            res.park = LongPoll{who.deviceId, wait};
            return res;
        };
    }
    void add(const std::string& id) {
        std::lock_guard lock(mu);
        ++ready[id];
    }
};

class LongPollTest : public ::testing::Test {
protected:
    void SetUp() override { pki = makePki("net-poll"); }
    std::unique_ptr<HttpServer> start(HttpServerOptions o, Handler h) {
        auto s = HttpServer::create(std::move(o), std::move(h));
        EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
        return s.ok() ? std::move(*s) : nullptr;
    }
    // Sends a request on `c` and returns the future answer.
    static std::future<std::optional<HttpReply>> ask(TlsClient& c, const std::string& target = "/v1/device/commands") {
        return std::async(std::launch::async, [&c, target] { return c.request("GET", target); });
    }
    Pki pki;
    Commands cmds;
};

TEST_F(LongPollTest, ParkedRequestIsAnsweredWhenWoken) {
    auto server = start(serverOptions(pki), cmds.handler());
    ASSERT_TRUE(server);
    ClientContext ctx(clientWith(pki, pki.lane));
    TlsClient c;
    ASSERT_EQ(c.connect(server->port(), ctx), "");
    auto answer = ask(c);
    ASSERT_TRUE(eventually([&] { return server->parkedRequests() == 1; }));
    EXPECT_EQ(cmds.calls, 1);

    server->wake("HZMB-A-99");  // someone else's key: nothing happens
    EXPECT_EQ(server->parkedRequests(), 1u);

    cmds.add("HZMB-A-07");
    server->wake("HZMB-A-07");
    auto r = answer.get();
    ASSERT_TRUE(r) << c.error();
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, R"({"commands":[{"id":1}]})");
    EXPECT_EQ(cmds.calls, 2);
    EXPECT_EQ(cmds.expiredCalls, 0);
    EXPECT_EQ(server->parkedRequests(), 0u);

    // The connection goes on after a long poll.
    cmds.add("HZMB-A-07");
    auto again = c.request("GET", "/v1/device/commands");
    ASSERT_TRUE(again);
    EXPECT_EQ(again->body, R"({"commands":[{"id":1}]})");
}

TEST_F(LongPollTest, ParkedRequestExpiresWithAnEmptyAnswer) {
    cmds.wait = 200ms;
    auto server = start(serverOptions(pki), cmds.handler());
    ASSERT_TRUE(server);
    ClientContext ctx(clientWith(pki, pki.lane));
    TlsClient c;
    ASSERT_EQ(c.connect(server->port(), ctx), "");
    auto r = c.request("GET", "/v1/device/commands");
    ASSERT_TRUE(r) << c.error();
    EXPECT_EQ(r->body, R"({"commands":[]})");
    EXPECT_EQ(cmds.calls, 2);
    EXPECT_EQ(cmds.expiredCalls, 1);
}

TEST_F(LongPollTest, TheServerCapsTheWait) {
    cmds.wait = std::chrono::hours(1);
    auto o = serverOptions(pki);
    o.maxLongPoll = 200ms;
    auto server = start(o, cmds.handler());
    ASSERT_TRUE(server);
    ClientContext ctx(clientWith(pki, pki.lane));
    TlsClient c;
    ASSERT_EQ(c.connect(server->port(), ctx), "");
    auto r = c.request("GET", "/v1/device/commands");  // the client's 10 s socket timeout would fail this
    ASSERT_TRUE(r) << c.error();
    EXPECT_EQ(cmds.expiredCalls, 1);
}

TEST_F(LongPollTest, PendingKeysSourceWakesParkedRequests) {
    std::atomic<bool> announce{false};
    auto o = serverOptions(pki);
    o.pendingKeysInterval = 50ms;
    o.pendingKeys = [&] { return announce ? std::vector<std::string>{"HZMB-A-07"} : std::vector<std::string>{}; };
    auto server = start(o, cmds.handler());
    ASSERT_TRUE(server);
    ClientContext ctx(clientWith(pki, pki.lane));
    TlsClient c;
    ASSERT_EQ(c.connect(server->port(), ctx), "");
    auto answer = ask(c);
    ASSERT_TRUE(eventually([&] { return server->parkedRequests() == 1; }));
    cmds.add("HZMB-A-07");  // as if another server process had queued it
    announce = true;
    auto r = answer.get();
    ASSERT_TRUE(r) << c.error();
    EXPECT_EQ(r->body, R"({"commands":[{"id":1}]})");
    EXPECT_EQ(cmds.expiredCalls, 0);
}

TEST_F(LongPollTest, ManyParkedRequestsHoldNoThreadAndAreAllWoken) {
    auto o = serverOptions(pki);
    o.threads = 2;
    auto server = start(o, cmds.handler());
    ASSERT_TRUE(server);
    ClientContext ctx(clientWith(pki, pki.lane));
    constexpr int kParked = 200;
    std::vector<std::unique_ptr<TlsClient>> clients;
    std::vector<std::future<std::optional<HttpReply>>> answers;
    for (int i = 0; i < kParked; ++i) {
        clients.push_back(std::make_unique<TlsClient>());
        ASSERT_EQ(clients.back()->connect(server->port(), ctx), "");
        ASSERT_TRUE(clients.back()->send("GET /v1/device/commands HTTP/1.1\r\nHost: x\r\n\r\n"));
    }
    ASSERT_TRUE(eventually([&] { return server->parkedRequests() == kParked; }));
    // Two io threads, 200 parked requests: another request is still answered at once.
    {
        ClientContext other(clientWith(pki, pki.lane2));
        TlsClient c;
        ASSERT_EQ(c.connect(server->port(), other), "");
        cmds.add("HZMB-A-08");
        auto r = c.request("GET", "/v1/device/commands");
        ASSERT_TRUE(r);
        EXPECT_EQ(r->body, R"({"commands":[{"id":1}]})");
    }
    // One wake answers the first parked request with the command; the others re-park
    // (the API found nothing for them) until their own turn.
    int answered = 0;
    for (int i = 0; i < kParked; ++i) {
        cmds.add("HZMB-A-07");
        server->wake("HZMB-A-07");
        ASSERT_TRUE(eventually([&] { return server->parkedRequests() == static_cast<size_t>(kParked - i - 1); }))
            << "after wake " << i << ": " << server->parkedRequests() << " parked";
    }
    for (auto& c : clients) {
        auto r = c->readResponse();
        ASSERT_TRUE(r) << c->error();
        EXPECT_EQ(r->body, R"({"commands":[{"id":1}]})");
        ++answered;
    }
    EXPECT_EQ(answered, kParked);
    EXPECT_EQ(cmds.expiredCalls, 0);
}

TEST_F(LongPollTest, GracefulStopAnswersParkedFinishesInFlightAndClosesIdle) {
    std::promise<void> entered;
    std::atomic<bool> enteredSet{false};
    std::promise<void> release;
    auto released = release.get_future().share();
    auto o = serverOptions(pki);
    auto server = start(o, [&](const Request& r, const Identity& who) {
        if (r.path == "/slow") {
            if (!enteredSet.exchange(true)) entered.set_value();
            released.wait();
            return jsonResponse(200, R"({"slow":"done"})");
        }
        if (r.path == "/v1/device/commands") return cmds.handler()(r, who);
        return jsonResponse(200, "{}");
    });
    ASSERT_TRUE(server);
    const uint16_t port = server->port();
    ClientContext ctx(clientWith(pki, pki.lane));

    TlsClient idle, parked, slow;
    ASSERT_EQ(idle.connect(port, ctx), "");
    ASSERT_TRUE(idle.request("GET", "/v1/health"));
    ASSERT_EQ(parked.connect(port, ctx), "");
    auto parkedAnswer = ask(parked);
    ASSERT_TRUE(eventually([&] { return server->parkedRequests() == 1; }));
    ASSERT_EQ(slow.connect(port, ctx), "");
    auto slowAnswer = ask(slow, "/slow");
    entered.get_future().wait();

    auto stopped = std::async(std::launch::async, [&] { server->stop(std::chrono::seconds(20)); });
    // Stop waits for the request in flight...
    EXPECT_EQ(stopped.wait_for(200ms), std::future_status::timeout);
    // ...while the parked poll is answered now and the idle connection is closed.
    auto p = parkedAnswer.get();
    ASSERT_TRUE(p) << parked.error();
    EXPECT_EQ(p->body, R"({"commands":[]})");
    EXPECT_EQ(p->headers["connection"], "close");
    EXPECT_TRUE(idle.closedByPeer());

    release.set_value();
    auto s = slowAnswer.get();
    ASSERT_TRUE(s) << slow.error();
    EXPECT_EQ(s->status, 200);
    EXPECT_EQ(s->body, R"({"slow":"done"})");
    EXPECT_EQ(s->headers["connection"], "close");
    stopped.get();
    EXPECT_EQ(server->connections(), 0u);

    // Nothing is accepted any more.
    auto late = tryGet(port, clientWith(pki, pki.lane));
    EXPECT_FALSE(late.reply);
}

TEST_F(LongPollTest, StopGivesUpOnRequestsPastTheDeadline) {
    std::promise<void> release;
    auto released = release.get_future().share();
    std::atomic<bool> inside{false};
    auto server = start(serverOptions(pki), [&](const Request&, const Identity&) {
        inside = true;
        released.wait();
        return jsonResponse(200, "{}");
    });
    ASSERT_TRUE(server);
    ClientContext ctx(clientWith(pki, pki.lane));
    TlsClient c;
    ASSERT_EQ(c.connect(server->port(), ctx), "");
    ASSERT_TRUE(c.send("GET /stuck HTTP/1.1\r\nHost: x\r\n\r\n"));
    ASSERT_TRUE(eventually([&] { return inside.load(); }));
    // The handler is stuck: stop must still return (after its deadline), once the
    // handler lets go of the io thread it occupies.
    auto stopped = std::async(std::launch::async, [&] { server->stop(100ms); });
    EXPECT_EQ(stopped.wait_for(300ms), std::future_status::timeout);  // joining the stuck thread
    release.set_value();
    stopped.get();
}

}  // namespace
}  // namespace kiosk::server
