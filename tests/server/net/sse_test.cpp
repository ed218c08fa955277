// Server-sent events in the transport: subscribe, publish in order to every subscriber,
// Last-Event-ID replay without duplicates, pings, a slow subscriber dropped while the
// others keep up, 1,000 subscribers held at once.
#include <atomic>
#include <mutex>
#include <regex>
#include <thread>

#include "tests/server/net/net_test_support.h"

namespace kiosk::server {
namespace {

using namespace nettest;
using namespace std::chrono_literals;

// A console-like listener: no client certificate; GET /stream subscribes to "console"
// (Last-Event-ID from the header), anything else is a JSON answer.
HttpServerOptions sseBrowserOptions(const Pki& p) {
    HttpServerOptions o = serverOptions(p);
    o.clientAuth = ClientAuth::None;
    o.clientCaFile.clear();
    o.crlFile.clear();
    o.responseHeaders = {{"Content-Security-Policy", "default-src 'self'"}, {"X-Content-Type-Options", "nosniff"}};
    return o;
}

Response streamHandler(const Request& req, const Identity&) {
    if (req.path != "/stream") return jsonResponse(200, R"({"ok":true})");
    Response r;
    EventStream s;
    s.topic = "console";
    if (auto it = req.headers.find("last-event-id"); it != req.headers.end()) s.lastEventId = std::stoll(it->second);
    s.subscriber = "test";
    r.stream = s;
    return r;
}

struct ParsedEvent {
    int64_t id = 0;
    std::string name, data;
};

// One event block from the stream (comment-only blocks such as pings are returned with
// name ":comment").
std::optional<ParsedEvent> readEvent(TlsClient& c) {
    auto block = c.readUntil("\n\n");
    if (!block) return std::nullopt;
    ParsedEvent e;
    std::istringstream lines(*block);
    std::string line;
    bool any = false;
    while (std::getline(lines, line)) {
        if (line.empty()) continue;
        if (line[0] == ':') {
            if (!any) e.name = ":comment";
            continue;
        }
        any = true;
        if (line.rfind("id: ", 0) == 0) e.id = std::stoll(line.substr(4));
        else if (line.rfind("event: ", 0) == 0) e.name = line.substr(7);
        else if (line.rfind("data: ", 0) == 0) e.data += (e.data.empty() ? "" : "\n") + line.substr(6);
        else if (line.rfind("retry: ", 0) == 0) e.name = "retry";
    }
    return e;
}

// Connects without a certificate, opens the stream, reads the head and the retry line.
std::optional<HttpReply> openStream(TlsClient& c, uint16_t port, const ClientContext& ctx, int64_t lastId = 0,
                                    int rcvbuf = 0) {
    if (!c.connect(port, ctx, rcvbuf).empty()) return std::nullopt;
    std::string extra = "Accept: text/event-stream\r\n";
    if (lastId > 0) extra += "Last-Event-ID: " + std::to_string(lastId) + "\r\n";
    if (!c.send("GET /stream HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra + "\r\n")) return std::nullopt;
    auto head = c.readResponse();
    if (!head) return std::nullopt;
    auto retry = readEvent(c);
    if (!retry || retry->name != "retry") return std::nullopt;
    return head;
}

ClientConfig sseNoCert(const Pki& p) {
    ClientConfig c;
    c.caFile = p.caCert();
    return c;
}

TEST(SseFormat, IdNameAndEveryDataLine) {
    EXPECT_EQ(formatSseEvent(7, "alert", R"({"a":1})"), "id: 7\nevent: alert\ndata: {\"a\":1}\n\n");
    EXPECT_EQ(formatSseEvent(0, "command", "x"), "event: command\ndata: x\n\n");
    EXPECT_EQ(formatSseEvent(3, "m", "one\ntwo"), "id: 3\nevent: m\ndata: one\ndata: two\n\n");
}

TEST(Sse, SubscribersGetEveryPublishedEventInOrderWithTheStreamHeaders) {
    Pki pki = makePki("net-sse-order");
    auto srv = HttpServer::create(sseBrowserOptions(pki), streamHandler);
    ASSERT_TRUE(srv.ok()) << srv.error().message;
    HttpServer& server = **srv;
    ClientContext ctx(sseNoCert(pki));
    TlsClient a, b;
    auto headA = openStream(a, server.port(), ctx);
    auto headB = openStream(b, server.port(), ctx);
    ASSERT_TRUE(headA && headB) << a.error() << " " << b.error();
    EXPECT_EQ(headA->status, 200);
    EXPECT_EQ(headA->headers["content-type"].rfind("text/event-stream", 0), 0u) << headA->headers["content-type"];
    EXPECT_EQ(headA->headers["cache-control"], "no-store");
    EXPECT_EQ(headA->headers["content-security-policy"], "default-src 'self'");
    EXPECT_EQ(headA->headers["x-content-type-options"], "nosniff");
    EXPECT_EQ(headA->headers.count("content-length"), 0u);
    ASSERT_TRUE(eventually([&] { return server.subscribers() == 2; }));

    // Another topic's subscribers would not see these; ids and names arrive as sent.
    server.publish("other", 999, "x", "{}");
    for (int i = 1; i <= 200; ++i)
        server.publish("console", i, i % 2 ? "alert" : "lane", "{\"n\":" + std::to_string(i) + "}");
    for (TlsClient* c : {&a, &b}) {
        for (int i = 1; i <= 200; ++i) {
            auto e = readEvent(*c);
            ASSERT_TRUE(e) << "event " << i << ": " << c->error();
            EXPECT_EQ(e->id, i);
            EXPECT_EQ(e->name, i % 2 ? "alert" : "lane");
            EXPECT_EQ(e->data, "{\"n\":" + std::to_string(i) + "}");
        }
    }
    // An event without an id (command results) goes through too.
    server.publish("console", 0, "command", R"({"id":12})");
    auto cmd = readEvent(a);
    ASSERT_TRUE(cmd);
    EXPECT_EQ(cmd->id, 0);
    EXPECT_EQ(cmd->name, "command");

    // A subscriber that goes away is forgotten.
    b.close();
    server.publish("console", 201, "alert", "{}");  // the write to the closed one fails
    EXPECT_TRUE(eventually([&] {
        server.publish("console", 0, "noise", "{}");
        return server.subscribers() == 1;
    }));
    server.stop();
    EXPECT_EQ(server.subscribers(), 0u);
}

TEST(Sse, LastEventIdReplaysWhatWasMissedOnceThenLiveEvents) {
    Pki pki = makePki("net-sse-replay");
    std::mutex mu;
    std::vector<SseEvent> stored;  // what the "repository" holds
    std::atomic<int> replays{0};
    auto opts = sseBrowserOptions(pki);
    opts.replay = [&](const std::string& topic, int64_t after) {
        ++replays;
        EXPECT_EQ(topic, "console");
        std::lock_guard lock(mu);
        std::vector<SseEvent> out;
        for (const auto& e : stored)
            if (e.id > after) out.push_back(e);
        return out;
    };
    auto srv = HttpServer::create(opts, streamHandler);
    ASSERT_TRUE(srv.ok()) << srv.error().message;
    HttpServer& server = **srv;
    {
        std::lock_guard lock(mu);
        for (int i = 1; i <= 12; ++i) stored.push_back({i, "alert", "{\"n\":" + std::to_string(i) + "}"});
    }
    ClientContext ctx(sseNoCert(pki));
    TlsClient c;
    ASSERT_TRUE(openStream(c, server.port(), ctx, 4)) << c.error();
    for (int i = 5; i <= 12; ++i) {
        auto e = readEvent(c);
        ASSERT_TRUE(e) << c.error();
        EXPECT_EQ(e->id, i);
        EXPECT_EQ(e->data, "{\"n\":" + std::to_string(i) + "}");
    }
    EXPECT_EQ(replays.load(), 1);
    // The live publisher catches up with what the replay already gave: 11 and 12 are not
    // sent twice, 13 is.
    server.publish("console", 11, "alert", "dup");
    server.publish("console", 12, "alert", "dup");
    server.publish("console", 13, "alert", "{\"n\":13}");
    auto next = readEvent(c);
    ASSERT_TRUE(next) << c.error();
    EXPECT_EQ(next->id, 13);
    EXPECT_EQ(next->data, "{\"n\":13}");
    // An event that committed late (a lower id than what was sent, not in the replay) goes out.
    server.publish("console", 3, "alert", "{\"late\":true}");
    auto late = readEvent(c);
    ASSERT_TRUE(late) << c.error();
    EXPECT_EQ(late->id, 3);
    EXPECT_EQ(late->data, "{\"late\":true}");

    // A fresh stream (no Last-Event-ID) gets no replay, only new events.
    TlsClient fresh;
    ASSERT_TRUE(openStream(fresh, server.port(), ctx)) << fresh.error();
    EXPECT_EQ(replays.load(), 1);
    ASSERT_TRUE(eventually([&] { return server.subscribers() == 2; }));
    server.publish("console", 14, "alert", "{\"n\":14}");
    auto e14 = readEvent(fresh);
    ASSERT_TRUE(e14);
    EXPECT_EQ(e14->id, 14);
}

TEST(Sse, PingCommentKeepsAnIdleStreamOpen) {
    Pki pki = makePki("net-sse-ping");
    auto opts = sseBrowserOptions(pki);
    opts.ssePing = 100ms;
    opts.idleTimeout = 200ms;  // an event stream is not an idle keep-alive connection
    auto srv = HttpServer::create(opts, streamHandler);
    ASSERT_TRUE(srv.ok());
    ClientContext ctx(sseNoCert(pki));
    TlsClient c;
    ASSERT_TRUE(openStream(c, (*srv)->port(), ctx)) << c.error();
    for (int i = 0; i < 5; ++i) {
        auto e = readEvent(c);
        ASSERT_TRUE(e) << "ping " << i << ": " << c.error();
        EXPECT_EQ(e->name, ":comment");
    }
    (*srv)->publish("console", 1, "alert", "{}");
    for (;;) {
        auto e = readEvent(c);
        ASSERT_TRUE(e) << c.error();
        if (e->name == ":comment") continue;
        EXPECT_EQ(e->id, 1);
        break;
    }
}

TEST(Sse, SlowSubscriberIsDroppedWhileTheOthersGetEverything) {
    Pki pki = makePki("net-sse-slow");
    auto opts = sseBrowserOptions(pki);
    opts.sseQueueBytes = 256 * 1024;
    auto srv = HttpServer::create(opts, streamHandler);
    ASSERT_TRUE(srv.ok());
    HttpServer& server = **srv;
    ClientContext ctx(sseNoCert(pki));
    TlsClient slow, fast;
    ASSERT_TRUE(openStream(slow, server.port(), ctx, 0, 4096)) << slow.error();  // never reads again
    ASSERT_TRUE(openStream(fast, server.port(), ctx)) << fast.error();
    ASSERT_TRUE(eventually([&] { return server.subscribers() == 2; }));

    // 20 MB in all: more than the slow reader's socket buffers on both sides plus its cap.
    const int total = 10000;
    const std::string payload = "{\"pad\":\"" + std::string(2000, 'x') + "\"}";
    std::atomic<int> got{0};
    std::atomic<bool> orderOk{true};
    std::atomic<bool> readerEnded{false};
    std::thread reader([&] {
        struct Ended {
            std::atomic<bool>& flag;
            ~Ended() { flag = true; }
        } ended{readerEnded};
        for (int i = 1; i <= total; ++i) {
            auto e = readEvent(fast);
            if (!e) return;
            if (e->name == ":comment") {
                --i;
                continue;
            }
            if (e->id != i) orderOk = false;
            got = i;
        }
    });
    for (int i = 1; i <= total; ++i) {
        server.publish("console", i, "lane", payload);
        // Paced by the fast reader, not by the slow one: it is never more than 50 events
        // (~100 KB) behind, and the server counts at most one 32 KB write more than it has
        // unread, well under the 256 KB cap however slowly the server's thread writes.
        // A reader that stopped (its stream closed) ends the loop: the checks below fail
        // with the count instead of the test waiting 30 s for each of the remaining steps.
        if (i % 25 == 0 && !eventually([&] { return got.load() >= i - 25 || readerEnded.load(); }, 30s)) break;
        if (readerEnded.load()) break;
    }
    reader.join();
    EXPECT_EQ(got.load(), total) << "the fast reader stopped after " << got.load() << " events: " << fast.error();
    EXPECT_TRUE(orderOk.load());
    EXPECT_TRUE(eventually([&] { return server.droppedSubscribers() == 1; }));
    EXPECT_EQ(server.subscribers(), 1u);
    // The slow one finds its connection closed once it reads (after what was already sent).
    bool closed = false;
    for (int i = 0; i < total + 10 && !closed; ++i) closed = !readEvent(slow);
    EXPECT_TRUE(closed);
}

TEST(Sse, AThousandSubscribersHeldAndAllGetTheEvent) {
    Pki pki = makePki("net-sse-1000");
    auto opts = sseBrowserOptions(pki);
    auto srv = HttpServer::create(opts, streamHandler);
    ASSERT_TRUE(srv.ok());
    HttpServer& server = **srv;
    ClientContext ctx(sseNoCert(pki));
    const int n = 1000;
    std::vector<std::unique_ptr<TlsClient>> clients;
    for (int i = 0; i < n; ++i) {
        clients.push_back(std::make_unique<TlsClient>());
        ASSERT_TRUE(openStream(*clients.back(), server.port(), ctx)) << i << ": " << clients.back()->error();
    }
    ASSERT_TRUE(eventually([&] { return server.subscribers() == static_cast<size_t>(n); }, 30s));
    EXPECT_EQ(server.connections(), static_cast<size_t>(n));
    server.publish("console", 1, "alert", R"({"lane":"HZMB-A-07"})");
    server.publish("console", 2, "alert", R"({"lane":"HZMB-A-08"})");
    int ok = 0;
    for (auto& c : clients) {
        auto e1 = readEvent(*c);
        auto e2 = readEvent(*c);
        if (e1 && e2 && e1->id == 1 && e2->id == 2 && e2->data == R"({"lane":"HZMB-A-08"})") ++ok;
    }
    EXPECT_EQ(ok, n);
    server.stop(2000ms);
    EXPECT_EQ(server.connections(), 0u);
}

TEST(Sse, ErrorAnswerInsteadOfAStreamIsAnOrdinaryResponse) {
    Pki pki = makePki("net-sse-err");
    auto srv = HttpServer::create(sseBrowserOptions(pki), [](const Request&, const Identity&) {
        Response r = jsonResponse(401, R"({"error":{"code":"auth.required","message":"log in"}})");
        r.stream = EventStream{"console", 0, ""};  // ignored: not a 200
        return r;
    });
    ASSERT_TRUE(srv.ok());
    auto a = tryGet((*srv)->port(), sseNoCert(pki), "/stream");
    ASSERT_TRUE(a.reply) << a.error;
    EXPECT_EQ(a.reply->status, 401);
    EXPECT_EQ(a.reply->headers["content-security-policy"], "default-src 'self'");
    EXPECT_EQ((*srv)->subscribers(), 0u);
}

}  // namespace
}  // namespace kiosk::server
