// The fault proxy itself, over a plain TCP echo server: every exchange the client sees
// fail is one the proxy says it cut, and the echo server saw exactly the requests the
// proxy let through (including those whose answer it then discarded).
#include "tests/system/fault_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace kiosk::testing {
namespace {

// Echoes every line back; counts the lines it received.
class EchoServer {
public:
    EchoServer() {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        int one = 1;
        ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
        ::listen(fd_, 64);
        socklen_t len = sizeof a;
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
        port_ = ntohs(a.sin_port);
        acceptor_ = std::thread([this] { acceptLoop(); });
    }
    ~EchoServer() {
        stop_ = true;
        ::shutdown(fd_, SHUT_RDWR);
        acceptor_.join();
        std::lock_guard<std::mutex> lock(mu_);
        for (auto& t : workers_) t.join();
        ::close(fd_);
    }
    int port() const { return port_; }
    int64_t lines() const { return lines_.load(); }

private:
    void acceptLoop() {
        while (!stop_) {
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, 100) <= 0) continue;
            int c = ::accept(fd_, nullptr, nullptr);
            if (c < 0) continue;
            std::lock_guard<std::mutex> lock(mu_);
            workers_.emplace_back([this, c] { serve(c); });
        }
    }
    void serve(int c) {
        std::string pending;
        char buf[4096];
        while (!stop_) {
            pollfd p{c, POLLIN, 0};
            if (::poll(&p, 1, 100) <= 0) continue;
            ssize_t r = ::recv(c, buf, sizeof buf, 0);
            if (r <= 0) break;
            pending.append(buf, static_cast<std::size_t>(r));
            std::size_t nl;
            while ((nl = pending.find('\n')) != std::string::npos) {
                std::string line = pending.substr(0, nl + 1);
                pending.erase(0, nl + 1);
                ++lines_;
                ::send(c, line.data(), line.size(), MSG_NOSIGNAL);
            }
        }
        ::close(c);
    }

    int fd_ = -1;
    int port_ = 0;
    std::atomic<bool> stop_{false};
    std::atomic<int64_t> lines_{0};
    std::thread acceptor_;
    std::mutex mu_;
    std::vector<std::thread> workers_;
};

int connectTo(int port) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

// Sends `msg` (ending in '\n') and reads one line back; false when the connection broke.
bool roundTrip(int fd, const std::string& msg) {
    if (::send(fd, msg.data(), msg.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(msg.size())) return false;
    std::string got;
    char buf[256];
    while (got.find('\n') == std::string::npos) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 5000) <= 0) return false;
        ssize_t r = ::recv(fd, buf, sizeof buf, 0);
        if (r <= 0) return false;
        got.append(buf, static_cast<std::size_t>(r));
    }
    return got == msg;
}

TEST(FaultProxy, PassesBytesThroughUntouchedWithoutFaults) {
    EchoServer echo;
    auto proxy = FaultProxy::start(echo.port());
    ASSERT_TRUE(proxy.ok()) << proxy.error().message;
    int fd = connectTo((*proxy)->port());
    ASSERT_GE(fd, 0);
    std::string big(200000, 'x');
    big += '\n';
    EXPECT_TRUE(roundTrip(fd, big));
    for (int i = 0; i < 50; ++i) EXPECT_TRUE(roundTrip(fd, "line " + std::to_string(i) + "\n"));
    ::close(fd);
    auto c = (*proxy)->counters();
    EXPECT_EQ(c.connections, 1);
    EXPECT_EQ(c.turns, 51);
    EXPECT_EQ(c.passed, 51);
    EXPECT_EQ(c.requestsDropped + c.answersDropped + c.delayed, 0);
    int64_t sent = static_cast<int64_t>(big.size());
    for (int i = 0; i < 50; ++i) sent += static_cast<int64_t>(("line " + std::to_string(i) + "\n").size());
    // The proxy counts after send() returns, which may be after the peer read the bytes.
    for (int i = 0; i < 500 && (*proxy)->counters().bytesDown < sent; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    c = (*proxy)->counters();
    EXPECT_EQ(c.bytesUp, sent);
    EXPECT_EQ(c.bytesDown, sent);
    EXPECT_EQ(echo.lines(), 51);
}

// One exchange per new connection: each connection is one turn, so the proxy's decisions
// and what the client and the server saw must agree exactly.
TEST(FaultProxy, DropsRequestsAndAnswersAndDelaysTheShareAskedAndCountsThem) {
    EchoServer echo;
    FaultPlan plan;  // the default: 30 % of turns, 10 % each
    plan.delayBy = std::chrono::milliseconds(20);
    plan.seed = 42;
    auto proxy = FaultProxy::start(echo.port(), plan);
    ASSERT_TRUE(proxy.ok());
    const int n = 400;
    int failed = 0;
    for (int i = 0; i < n; ++i) {
        int fd = connectTo((*proxy)->port());
        ASSERT_GE(fd, 0);
        if (!roundTrip(fd, "request " + std::to_string(i) + "\n")) ++failed;
        ::close(fd);
    }
    auto c = (*proxy)->counters();
    EXPECT_EQ(c.connections, n);
    EXPECT_EQ(c.turns, n);
    EXPECT_EQ(c.passed + c.delayed + c.requestsDropped + c.answersDropped, n);
    EXPECT_EQ(failed, c.requestsDropped + c.answersDropped);
    // The server saw every request the proxy forwarded, answered or not.
    EXPECT_EQ(echo.lines(), n - c.requestsDropped);
    // Around 10 % each (binomial, n = 400: 40 +- 6; bounds far outside that).
    for (int64_t k : {c.requestsDropped, c.answersDropped, c.delayed}) {
        EXPECT_GT(k, 15);
        EXPECT_LT(k, 80);
    }
    EXPECT_EQ(c.connectFailed, 0);
}

TEST(FaultProxy, SameSeedSameDecisions) {
    EchoServer echo;
    FaultPlan plan;
    plan.delayBy = std::chrono::milliseconds(1);
    plan.seed = 7;
    std::vector<bool> outcomes[2];
    for (int run = 0; run < 2; ++run) {
        auto proxy = FaultProxy::start(echo.port(), plan);
        ASSERT_TRUE(proxy.ok());
        for (int i = 0; i < 60; ++i) {
            int fd = connectTo((*proxy)->port());
            outcomes[run].push_back(roundTrip(fd, "x\n"));
            ::close(fd);
        }
    }
    EXPECT_EQ(outcomes[0], outcomes[1]);
}

TEST(FaultProxy, KeptAliveConnectionIsDecidedPerRequest) {
    EchoServer echo;
    FaultPlan plan;
    plan.dropRequest = 0.2;
    plan.dropAnswer = 0.2;
    plan.delay = 0;
    plan.seed = 3;
    auto proxy = FaultProxy::start(echo.port(), plan);
    ASSERT_TRUE(proxy.ok());
    int fd = -1, reconnects = 0, failed = 0;
    const int n = 200;
    for (int i = 0; i < n; ++i) {
        if (fd < 0) {
            fd = connectTo((*proxy)->port());
            ++reconnects;
        }
        if (!roundTrip(fd, "req\n")) {
            ++failed;
            ::close(fd);
            fd = -1;
        }
    }
    if (fd >= 0) ::close(fd);
    auto c = (*proxy)->counters();
    EXPECT_EQ(c.turns, n);
    EXPECT_EQ(c.connections, reconnects);
    EXPECT_EQ(failed, c.requestsDropped + c.answersDropped);
    EXPECT_GT(c.requestsDropped, 0);
    EXPECT_GT(c.answersDropped, 0);
    EXPECT_EQ(echo.lines(), n - c.requestsDropped);
}

TEST(FaultProxy, DelayHoldsTheRequestBack) {
    EchoServer echo;
    FaultPlan plan{0, 0, 1.0, std::chrono::milliseconds(150)};
    auto proxy = FaultProxy::start(echo.port(), plan);
    ASSERT_TRUE(proxy.ok());
    int fd = connectTo((*proxy)->port());
    auto t0 = std::chrono::steady_clock::now();
    EXPECT_TRUE(roundTrip(fd, "slow\n"));
    // A lower bound only: the proxy cannot deliver before the delay it was asked for.
    EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(150));
    ::close(fd);
    EXPECT_EQ((*proxy)->counters().delayed, 1);
}

TEST(FaultProxy, TellsTheSizeOfARequestTheServerHasNotAnswered) {
    // A server that reads and never answers.
    EchoServer echo;
    FaultPlan plan = FaultPlan::none();
    auto proxy = FaultProxy::start(echo.port(), plan);
    ASSERT_TRUE(proxy.ok());
    EXPECT_EQ((*proxy)->largestUnansweredTurn(), 0);
    int fd = connectTo((*proxy)->port());
    std::string partial(5000, 'p');  // no '\n': the echo server keeps waiting
    ASSERT_EQ(::send(fd, partial.data(), partial.size(), MSG_NOSIGNAL), 5000);
    for (int i = 0; i < 500 && (*proxy)->largestUnansweredTurn() < 5000; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    EXPECT_EQ((*proxy)->largestUnansweredTurn(), 5000);
    // Completing the line brings the answer (the whole line back).
    ASSERT_EQ(::send(fd, "\n", 1, MSG_NOSIGNAL), 1);
    std::size_t got = 0;
    char buf[8192];
    while (got < 5001) {
        pollfd p{fd, POLLIN, 0};
        ASSERT_GT(::poll(&p, 1, 5000), 0);
        ssize_t r = ::recv(fd, buf, sizeof buf, 0);
        ASSERT_GT(r, 0);
        got += static_cast<std::size_t>(r);
    }
    for (int i = 0; i < 500 && (*proxy)->largestUnansweredTurn() != 0; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    EXPECT_EQ((*proxy)->largestUnansweredTurn(), 0);
    ::close(fd);
}

TEST(FaultProxy, BlockAllCutsOpenAndNewConnectionsUntilLifted) {
    EchoServer echo;
    auto proxy = FaultProxy::start(echo.port());
    ASSERT_TRUE(proxy.ok());
    int fd = connectTo((*proxy)->port());
    ASSERT_TRUE(roundTrip(fd, "before\n"));
    FaultPlan block = FaultPlan::none();
    block.blockAll = true;
    (*proxy)->setPlan(block);
    EXPECT_FALSE(roundTrip(fd, "during\n"));
    ::close(fd);
    for (int i = 0; i < 5; ++i) {
        int f = connectTo((*proxy)->port());
        EXPECT_FALSE(roundTrip(f, "during\n"));
        ::close(f);
    }
    EXPECT_EQ((*proxy)->counters().blocked, 6);
    (*proxy)->setPlan(FaultPlan::none());
    fd = connectTo((*proxy)->port());
    EXPECT_TRUE(roundTrip(fd, "after\n"));
    ::close(fd);
    EXPECT_EQ(echo.lines(), 2);
}

TEST(FaultProxy, NoServerBehindCutsTheClientAndRetargetingReachesTheNewOne) {
    // A port with nothing listening: bind, read the port, close.
    int probe = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(probe, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(probe, reinterpret_cast<sockaddr*>(&a), &len);
    int deadPort = ntohs(a.sin_port);
    ::close(probe);

    auto proxy = FaultProxy::start(deadPort);
    ASSERT_TRUE(proxy.ok());
    int fd = connectTo((*proxy)->port());
    EXPECT_FALSE(roundTrip(fd, "nobody\n"));
    ::close(fd);
    EXPECT_EQ((*proxy)->counters().connectFailed, 1);

    EchoServer echo;
    (*proxy)->setTarget(echo.port());
    fd = connectTo((*proxy)->port());
    EXPECT_TRUE(roundTrip(fd, "somebody\n"));
    ::close(fd);
}

// TLS records in clear headers: type 22 (handshake) turns are not "app"; once a client
// turn carried a type 23 record, later drops count as application requests/answers.
TEST(FaultProxy, CountsApplicationTurnsAfterTheTlsHandshake) {
    // One TLS record per line: 5-byte header (type, version, length) + body ending in '\n'.
    auto rec = [](char type, const std::string& text) {
        std::string body = text + "\n";
        std::string r{type, '\x03', '\x03', '\0', static_cast<char>(body.size())};
        return r + body;
    };
    EchoServer echo;
    auto proxy = FaultProxy::start(echo.port());
    ASSERT_TRUE(proxy.ok());
    const FaultPlan dropRequests{1.0, 0, 0};
    const FaultPlan dropAnswers{0, 1.0, 0};

    int fd = connectTo((*proxy)->port());
    ASSERT_TRUE(roundTrip(fd, rec(22, "client hello")));
    (*proxy)->setPlan(dropRequests);
    // Still in the handshake: the drop is not an application one.
    EXPECT_FALSE(roundTrip(fd, rec(22, "finished")));
    ::close(fd);

    (*proxy)->setPlan(FaultPlan::none());
    fd = connectTo((*proxy)->port());
    ASSERT_TRUE(roundTrip(fd, rec(22, "client hello")));
    ASSERT_TRUE(roundTrip(fd, rec(23, "finished")));
    (*proxy)->setPlan(dropRequests);
    EXPECT_FALSE(roundTrip(fd, rec(23, "GET /")));
    ::close(fd);
    auto c = (*proxy)->counters();
    EXPECT_EQ(c.requestsDropped, 2);
    EXPECT_EQ(c.appRequestsDropped, 1);

    (*proxy)->setPlan(FaultPlan::none());
    fd = connectTo((*proxy)->port());
    ASSERT_TRUE(roundTrip(fd, rec(23, "finished")));
    (*proxy)->setPlan(dropAnswers);
    EXPECT_FALSE(roundTrip(fd, rec(23, "POST /")));
    ::close(fd);
    c = (*proxy)->counters();
    EXPECT_EQ(c.answersDropped, 1);
    EXPECT_EQ(c.appAnswersDropped, 1);
    EXPECT_EQ(echo.lines(), 5);  // every line but the two dropped requests
}

}  // namespace
}  // namespace kiosk::testing
