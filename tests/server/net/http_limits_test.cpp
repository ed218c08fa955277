// HTTP framing and limits of the transport: body size (413 before the body is read),
// malformed requests (400, connection closed), query strings, and many idle keep-alive
// connections held without a thread each.
#include <atomic>
#include <mutex>

#include "tests/server/net/net_test_support.h"

namespace kiosk::server {
namespace {

using namespace nettest;
using namespace std::chrono_literals;

class HttpLimitsTest : public ::testing::Test {
protected:
    void SetUp() override { pki = makePki("net-limits"); }
    std::unique_ptr<HttpServer> start(HttpServerOptions o) {
        auto s = HttpServer::create(std::move(o), [this](const Request& r, const Identity&) {
            ++calls;
            std::lock_guard lock(mu);
            lastBody = r.body;
            return jsonResponse(200, R"({"n":)" + std::to_string(r.body.size()) + "}");
        });
        EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
        return s.ok() ? std::move(*s) : nullptr;
    }
    Pki pki;
    std::atomic<int> calls{0};
    std::mutex mu;
    std::string lastBody;
};

TEST_F(HttpLimitsTest, OversizedContentLengthIsAnswered413WithoutReadingTheBody) {
    auto o = serverOptions(pki);
    o.maxBodyBytes = 1024;
    o.requestTimeout = 60s;  // were the server waiting for the body, the client would time out first
    auto server = start(o);
    ASSERT_TRUE(server);
    ClientContext ctx(clientWith(pki, pki.lane));
    TlsClient c;
    ASSERT_EQ(c.connect(server->port(), ctx), "");
    ASSERT_TRUE(c.send("POST /v1/device/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                       "Content-Length: 50000000\r\n\r\n{\"start\":"));
    auto r = c.readResponse();
    ASSERT_TRUE(r) << c.error();
    EXPECT_EQ(r->status, 413);
    EXPECT_NE(r->body.find("api.too_large"), std::string::npos) << r->body;
    EXPECT_EQ(r->headers["connection"], "close");
    EXPECT_TRUE(c.closedByPeer());
    EXPECT_EQ(calls, 0);
}

TEST_F(HttpLimitsTest, ABodyAtTheLimitIsPassedOnAndOneByteMoreIsNot) {
    auto o = serverOptions(pki);
    o.maxBodyBytes = 1024;
    auto server = start(o);
    ASSERT_TRUE(server);
    ClientContext ctx(clientWith(pki, pki.lane));
    TlsClient c;
    ASSERT_EQ(c.connect(server->port(), ctx), "");
    const std::string body(1024, 'a');
    auto r = c.request("POST", "/v1/device/events", body);
    ASSERT_TRUE(r) << c.error();
    EXPECT_EQ(r->status, 200);
    {
        std::lock_guard lock(mu);
        EXPECT_EQ(lastBody, body);
    }
    auto big = c.request("POST", "/v1/device/events", body + "b");
    ASSERT_TRUE(big) << c.error();
    EXPECT_EQ(big->status, 413);
    EXPECT_EQ(calls, 1);
}

TEST_F(HttpLimitsTest, ChunkedBodyOverTheLimitIs413) {
    auto o = serverOptions(pki);
    o.maxBodyBytes = 100;
    auto server = start(o);
    ASSERT_TRUE(server);
    ClientContext ctx(clientWith(pki, pki.lane));
    TlsClient c;
    ASSERT_EQ(c.connect(server->port(), ctx), "");
    const std::string chunk(80, 'x');
    ASSERT_TRUE(c.send("POST /v1/device/events HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n50\r\n" + chunk +
                       "\r\n50\r\n" + chunk + "\r\n0\r\n\r\n"));
    auto r = c.readResponse();
    ASSERT_TRUE(r) << c.error();
    EXPECT_EQ(r->status, 413);
    EXPECT_EQ(calls, 0);
}

TEST_F(HttpLimitsTest, ExpectContinueGetsTheInterimAnswerAndTheBodyIsRead) {
    auto server = start(serverOptions(pki));
    ASSERT_TRUE(server);
    ClientContext ctx(clientWith(pki, pki.lane));
    TlsClient c;
    ASSERT_EQ(c.connect(server->port(), ctx), "");
    ASSERT_TRUE(c.send("POST /v1/device/events HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n"));
    // The interim "100 Continue" comes before we send the body.
    auto interim = c.readResponse(/*skipInterim=*/false);
    ASSERT_TRUE(interim) << c.error();
    EXPECT_EQ(interim->status, 100);
    ASSERT_TRUE(c.send("{}"));
    auto r = c.readResponse();
    ASSERT_TRUE(r) << c.error();
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, R"({"n":2})");
}

TEST_F(HttpLimitsTest, MalformedHttpIs400AndTheConnectionIsClosed) {
    auto server = start(serverOptions(pki));
    ASSERT_TRUE(server);
    for (const std::string garbage : {"this is not http\r\n\r\n", "GET /v1/health HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
                                      "GET /v1/health HTTP/1.1\r\nBad Header Without Colon\r\n\r\n",
                                      "POST /v1/device/events HTTP/1.1\r\nContent-Length: abc\r\n\r\n"}) {
        ClientContext ctx(clientWith(pki, pki.lane));
        TlsClient c;
        ASSERT_EQ(c.connect(server->port(), ctx), "");
        ASSERT_TRUE(c.send(garbage));
        auto r = c.readResponse();
        ASSERT_TRUE(r) << c.error() << " for " << garbage;
        EXPECT_EQ(r->status, 400) << garbage;
        EXPECT_NE(r->body.find("api.bad_request"), std::string::npos);
        EXPECT_TRUE(c.closedByPeer()) << garbage;
    }
    EXPECT_EQ(calls, 0);
}

TEST_F(HttpLimitsTest, OversizedHeaderIs431) {
    auto o = serverOptions(pki);
    o.maxHeaderBytes = 2048;
    auto server = start(o);
    ASSERT_TRUE(server);
    ClientContext ctx(clientWith(pki, pki.lane));
    TlsClient c;
    ASSERT_EQ(c.connect(server->port(), ctx), "");
    auto r = c.request("GET", "/v1/health", "", "X-Big: " + std::string(4096, 'h') + "\r\n");
    ASSERT_TRUE(r) << c.error();
    EXPECT_EQ(r->status, 431);
    EXPECT_EQ(calls, 0);
}

TEST_F(HttpLimitsTest, BadQueryStringIs400AndTheConnectionStaysUsable) {
    auto server = start(serverOptions(pki));
    ASSERT_TRUE(server);
    ClientContext ctx(clientWith(pki, pki.lane));
    TlsClient c;
    ASSERT_EQ(c.connect(server->port(), ctx), "");
    for (const std::string target : {"/v1/x?a=%zz", "/v1/x?a=1&a=2", "/v1/x?=3", "/v1/x?a=%4"}) {
        auto r = c.request("GET", target);
        ASSERT_TRUE(r) << c.error();
        EXPECT_EQ(r->status, 400) << target;
        EXPECT_NE(r->body.find("api.bad_query"), std::string::npos) << r->body;
    }
    auto ok = c.request("GET", "/v1/x?a=%41&b");
    ASSERT_TRUE(ok) << c.error();
    EXPECT_EQ(ok->status, 200);
    EXPECT_EQ(calls, 1);
}

TEST(QueryString, DecodesAndRefuses) {
    auto q = parseQueryString("cursor=5&limit=10&s=a%2Fb%26c+d&flag");
    ASSERT_TRUE(q.ok());
    EXPECT_EQ(q->at("cursor"), "5");
    EXPECT_EQ(q->at("s"), "a/b&c d");
    EXPECT_EQ(q->at("flag"), "");
    EXPECT_TRUE(parseQueryString("").ok());
    EXPECT_TRUE(parseQueryString("a=1&&b=2").ok());
    EXPECT_FALSE(parseQueryString("a=%G1").ok());
    EXPECT_FALSE(parseQueryString("a=%").ok());
    EXPECT_EQ(parseQueryString("a=1&a=1").error().code, "api.bad_query");
}

TEST_F(HttpLimitsTest, AThousandIdleKeepAliveConnectionsWhileAnotherIsServed) {
    auto o = serverOptions(pki);
    o.threads = 2;
    auto server = start(o);
    ASSERT_TRUE(server);
    ClientContext ctx(clientWith(pki, pki.lane));
    constexpr int kIdle = 1000;
    std::vector<std::unique_ptr<TlsClient>> idle;
    idle.reserve(kIdle);
    for (int i = 0; i < kIdle; ++i) {
        auto c = std::make_unique<TlsClient>();
        ASSERT_EQ(c->connect(server->port(), ctx), "") << "connection " << i;
        auto r = c->request("GET", "/v1/health");
        ASSERT_TRUE(r) << "connection " << i << ": " << c->error();
        ASSERT_EQ(r->status, 200);
        idle.push_back(std::move(c));
    }
    EXPECT_GE(server->connections(), static_cast<size_t>(kIdle));

    TlsClient busy;
    ASSERT_EQ(busy.connect(server->port(), ctx), "");
    for (int i = 0; i < 50; ++i) {
        auto r = busy.request("POST", "/v1/device/events", "{\"i\":" + std::to_string(i) + "}");
        ASSERT_TRUE(r) << busy.error();
        EXPECT_EQ(r->status, 200);
    }
    // The idle ones were held open, not dropped: each still answers on its connection.
    for (int i = 0; i < kIdle; i += 97) {
        auto r = idle[i]->request("GET", "/v1/health");
        ASSERT_TRUE(r) << "idle connection " << i << ": " << idle[i]->error();
        EXPECT_EQ(r->status, 200);
    }
    EXPECT_GE(server->connections(), static_cast<size_t>(kIdle + 1));
}

TEST_F(HttpLimitsTest, ConnectionsOverTheLimitAreRefused) {
    auto o = serverOptions(pki);
    o.maxConnections = 3;
    auto server = start(o);
    ASSERT_TRUE(server);
    ClientContext ctx(clientWith(pki, pki.lane));
    std::vector<std::unique_ptr<TlsClient>> held;
    for (int i = 0; i < 3; ++i) {
        held.push_back(std::make_unique<TlsClient>());
        ASSERT_EQ(held.back()->connect(server->port(), ctx), "");
        ASSERT_TRUE(held.back()->request("GET", "/v1/health"));
    }
    auto extra = tryGet(server->port(), clientWith(pki, pki.lane));
    EXPECT_FALSE(extra.reply);
    held.pop_back();  // one closes: room for a new one
    EXPECT_TRUE(eventually([&] { return tryGet(server->port(), clientWith(pki, pki.lane)).reply.has_value(); }));
}

TEST_F(HttpLimitsTest, IdleConnectionsAreClosedAfterTheIdleTimeout) {
    auto o = serverOptions(pki);
    o.idleTimeout = 200ms;
    auto server = start(o);
    ASSERT_TRUE(server);
    ClientContext ctx(clientWith(pki, pki.lane));
    TlsClient c;
    ASSERT_EQ(c.connect(server->port(), ctx), "");
    ASSERT_TRUE(c.request("GET", "/v1/health"));
    EXPECT_TRUE(c.closedByPeer());
    EXPECT_TRUE(eventually([&] { return server->connections() == 0; }));
}

TEST_F(HttpLimitsTest, HandlerExceptionIs500AndTheServerGoesOn) {
    auto s = HttpServer::create(serverOptions(pki), [](const Request& r, const Identity&) -> Response {
        if (r.path == "/throw") throw std::runtime_error("boom");
        return jsonResponse(200, "{}");
    });
    ASSERT_TRUE(s.ok());
    ClientContext ctx(clientWith(pki, pki.lane));
    TlsClient c;
    ASSERT_EQ(c.connect((*s)->port(), ctx), "");
    auto r = c.request("GET", "/throw");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 500);
    EXPECT_EQ(r->body.find("boom"), std::string::npos);
    auto ok = c.request("GET", "/fine");
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok->status, 200);
}

}  // namespace
}  // namespace kiosk::server
