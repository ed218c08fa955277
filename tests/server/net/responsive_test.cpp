// HttpServer::responsive(), the health probe behind clearance-server's systemd watchdog:
// false while every io thread is stuck in a handler, true again once they are free.
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "tests/server/net/net_test_support.h"

namespace kiosk::server {
namespace {

using namespace nettest;
using namespace std::chrono_literals;

TEST(HttpServerResponsive, WedgedIoThreadsAreNotResponsiveAndFreedOnesAre) {
    Pki pki = makePki("net-responsive");
    std::mutex mu;
    std::condition_variable cv;
    bool release = false;
    std::atomic<int> inside{0};
    auto o = serverOptions(pki);
    o.threads = 2;
    auto created = HttpServer::create(o, [&](const Request&, const Identity&) {
        ++inside;
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return release; });
        return jsonResponse(200, "{}");
    });
    ASSERT_TRUE(created.ok()) << created.error().message;
    HttpServer& server = **created;
    EXPECT_TRUE(server.responsive(30s));

    // Two requests hold both io threads inside the handler.
    std::vector<std::thread> clients;
    std::atomic<int> answered{0};
    for (int i = 0; i < 2; ++i)
        clients.emplace_back([&] {
            auto a = tryGet(server.port(), clientWith(pki, pki.lane), "/v1/health");
            if (a.reply && a.reply->status == 200) ++answered;
        });
    ASSERT_TRUE(eventually([&] { return inside.load() == 2; }, 60s));
    EXPECT_FALSE(server.responsive(300ms));

    {
        std::lock_guard lock(mu);
        release = true;
    }
    cv.notify_all();
    for (auto& t : clients) t.join();
    EXPECT_EQ(answered, 2);
    EXPECT_TRUE(server.responsive(30s));

    server.stop(0ms);
    EXPECT_FALSE(server.responsive(1s));  // a stopped server feeds no watchdog
}

}  // namespace
}  // namespace kiosk::server
