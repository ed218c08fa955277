// The systemd notifier against a real notify socket: what it sends, when, and that it
// stays silent outside a unit or without a watchdog.
#include "core/service_notify.h"

#include <unistd.h>

#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

#include "tests/support/notify_socket.h"
#include "tests/support/test_support.h"

namespace kiosk::core {
namespace {

using namespace std::chrono_literals;
using kiosk::testing::NotifySocket;

// Sets the variables for one test and removes them after it.
class NotifyEnv : public ::testing::Test {
protected:
    void TearDown() override {
        ::unsetenv("NOTIFY_SOCKET");
        ::unsetenv("WATCHDOG_USEC");
        ::unsetenv("WATCHDOG_PID");
    }
    void set(const std::string& socket, const char* usec, const std::string& pid = "") {
        ::setenv("NOTIFY_SOCKET", socket.c_str(), 1);
        if (usec) ::setenv("WATCHDOG_USEC", usec, 1);
        else ::unsetenv("WATCHDOG_USEC");
        if (!pid.empty()) ::setenv("WATCHDOG_PID", pid.c_str(), 1);
        else ::unsetenv("WATCHDOG_PID");
    }
};

TEST_F(NotifyEnv, ReadyWatchdogAtHalfTheIntervalAndStopping) {
    NotifySocket sock(kiosk::testing::tempDir("notify-all"));
    ASSERT_TRUE(sock.ok()) << sock.path();
    set(sock.path().string(), "2000000", std::to_string(::getpid()));

    ServiceNotifier n;
    ASSERT_TRUE(n.active());
    ASSERT_TRUE(n.watchdogInterval());
    EXPECT_EQ(*n.watchdogInterval(), 2s);
    EXPECT_EQ(*n.pingEvery(), 1s);

    n.ready("lane HZMB-A-07 in service");
    const auto t0 = std::chrono::steady_clock::time_point{} + 100s;
    EXPECT_TRUE(n.alive(t0));             // the first turn pings at once
    EXPECT_FALSE(n.alive(t0 + 999ms));    // not again before half the interval
    EXPECT_TRUE(n.alive(t0 + 1000ms));    // then again
    EXPECT_FALSE(n.alive(t0 + 1500ms));
    EXPECT_TRUE(n.alive(t0 + 5000ms));    // a late turn pings (systemd would have restarted us)
    n.stopping();

    sock.drain(2s);
    sock.drain();
    ASSERT_EQ(sock.messages().size(), 5u);
    EXPECT_EQ(sock.messages()[0], "READY=1\nSTATUS=lane HZMB-A-07 in service");
    EXPECT_EQ(sock.count("WATCHDOG=1"), 3u);
    EXPECT_EQ(sock.messages()[4], "STOPPING=1");
}

TEST_F(NotifyEnv, NoWatchdogAskedMeansNoPingsButReadyStillGoes) {
    NotifySocket sock(kiosk::testing::tempDir("notify-nowd"));
    ASSERT_TRUE(sock.ok());
    set(sock.path().string(), nullptr);
    ServiceNotifier n;
    EXPECT_TRUE(n.active());
    EXPECT_FALSE(n.watchdogInterval());
    EXPECT_FALSE(n.pingEvery());
    n.ready();
    EXPECT_FALSE(n.alive(std::chrono::steady_clock::now()));
    sock.drain(2s);
    ASSERT_EQ(sock.messages().size(), 1u);
    EXPECT_EQ(sock.messages()[0], "READY=1");
}

TEST_F(NotifyEnv, AWatchdogMeantForAnotherProcessIsNotOurs) {
    NotifySocket sock(kiosk::testing::tempDir("notify-pid"));
    ASSERT_TRUE(sock.ok());
    set(sock.path().string(), "2000000", std::to_string(::getpid() + 1));
    ServiceNotifier n;
    EXPECT_FALSE(n.watchdogInterval());
    EXPECT_FALSE(n.alive(std::chrono::steady_clock::now()));
}

TEST_F(NotifyEnv, OutsideAUnitEveryCallIsSilent) {
    ::unsetenv("NOTIFY_SOCKET");
    ::setenv("WATCHDOG_USEC", "2000000", 1);  // a watchdog without a socket is no watchdog
    ServiceNotifier n;
    EXPECT_FALSE(n.active());
    EXPECT_FALSE(n.watchdogInterval());
    n.ready();
    EXPECT_FALSE(n.alive(std::chrono::steady_clock::now()));
    n.stopping();
}

}  // namespace
}  // namespace kiosk::core
