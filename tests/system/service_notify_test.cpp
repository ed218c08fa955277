// The programs under systemd's notify protocol, as their units (deploy/systemd/) run them:
// Type=notify and WatchdogSec. The test plays the service manager: a notify socket in
// NOTIFY_SOCKET and WATCHDOG_USEC in the child's environment; it reads READY=1, repeated
// WATCHDOG=1 pings from the running program and STOPPING=1 on SIGTERM, then exit 0.
// Also: the running lane has no listening socket.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include "system_support.h"
#include "tests/support/notify_socket.h"
#include "tests/support/test_support.h"

namespace kiosk::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// 0.4 s: several pings within any generous deadline, on a loaded machine too.
constexpr const char* kWatchdogUsec = "400000";

// A child started with NOTIFY_SOCKET and WATCHDOG_USEC set (WATCHDOG_PID: itself).
class NotifiedChild {
public:
    NotifiedChild(const std::vector<std::string>& argv, const fs::path& socket, const fs::path& log) {
        pid_ = ::fork();
        if (pid_ == 0) {
            const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
            ::dup2(fd, 1);
            ::dup2(fd, 2);
            ::setenv("NOTIFY_SOCKET", socket.c_str(), 1);
            ::setenv("WATCHDOG_USEC", kWatchdogUsec, 1);
            ::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1);
            std::vector<char*> av;
            std::vector<std::string> copy = argv;
            for (auto& a : copy) av.push_back(a.data());
            av.push_back(nullptr);
            ::execv(av[0], av.data());
            ::_exit(127);
        }
    }
    ~NotifiedChild() {
        if (pid_ > 0 && !exited_) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
    }
    pid_t pid() const { return pid_; }
    bool running() {
        if (exited_) return false;
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            exited_ = true;
            status_ = status;
        }
        return !exited_;
    }
    // SIGTERM, then the exit code (128+signal when killed; -1 if it did not end in 60 s).
    int terminate() {
        if (running()) ::kill(pid_, SIGTERM);
        if (!waitUntil([&] { return !running(); }, 60s, 20ms)) return -1;
        return WIFEXITED(status_) ? WEXITSTATUS(status_) : 128 + WTERMSIG(status_);
    }

private:
    pid_t pid_ = -1;
    bool exited_ = false;
    int status_ = 0;
};

// The TCP sockets in LISTEN state and the bound UDP sockets among `pid`'s open files
// (/proc/PID/fd -> socket:[inode], matched in /proc/net/{tcp,tcp6,udp,udp6}).
std::vector<std::string> listeningSockets(pid_t pid) {
    std::set<std::string> inodes;
    std::error_code ec;
    for (const auto& fd : fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec)) {
        const std::string target = fs::read_symlink(fd.path(), ec).string();
        if (target.rfind("socket:[", 0) == 0) inodes.insert(target.substr(8, target.size() - 9));
    }
    std::vector<std::string> found;
    for (const char* table : {"tcp", "tcp6", "udp", "udp6"}) {
        std::ifstream in(std::string("/proc/net/") + table);
        std::string line;
        std::getline(in, line);  // header
        while (std::getline(in, line)) {
            std::istringstream f(line);
            std::string sl, local, remote, state, queues, timer, retr, uid, timeout, inode;
            f >> sl >> local >> remote >> state >> queues >> timer >> retr >> uid >> timeout >> inode;
            const bool tcp = table[0] == 't';
            if (inodes.count(inode) && (!tcp || state == "0A")) found.push_back(std::string(table) + " " + local);
        }
    }
    return found;
}

// READY=1 first, then pings from the running program (at least two, so they repeat).
void expectReadyAndPings(NotifySocket& sock, const std::function<std::string()>& log) {
    ASSERT_TRUE(sock.waitFor("READY=1", 120s)) << log();
    ASSERT_TRUE(waitUntil([&] { sock.drain(100ms); return sock.count("WATCHDOG=1") >= 2; }, 60s, 10ms)) << log();
    std::size_t ready = 0;
    while (ready < sock.messages().size() && sock.messages()[ready].rfind("READY=1", 0) != 0) ++ready;
    std::size_t firstPing = 0;
    while (firstPing < sock.messages().size() && sock.messages()[firstPing] != "WATCHDOG=1") ++firstPing;
    EXPECT_LT(ready, firstPing) << "the first ping came before READY=1";
}

TEST(ServiceNotify, ClearanceServerIsReadyPingsItsWatchdogAndSaysStopping) {
    const fs::path dir = tempDir("notify-server");
    auto pki = TestPki::create(dir / "pki");
    ASSERT_TRUE(pki.ok()) << pki.error().message;
    auto cfg = writeServerConfig(*pki, "sqlite:" + (dir / "clearance.sqlite").string(), dir / "server.json");
    ASSERT_TRUE(cfg.ok()) << cfg.error().message;
    NotifySocket sock(dir);
    ASSERT_TRUE(sock.ok()) << sock.path();
    const fs::path log = dir / "server.log";
    NotifiedChild server({clearanceServerBinary().string(), "--config", cfg->string(), "--port", "0"}, sock.path(), log);
    expectReadyAndPings(sock, [&] { return readText(log); });
    // The check below can fail: the server's own listener is found.
    EXPECT_FALSE(listeningSockets(server.pid()).empty());
    EXPECT_EQ(server.terminate(), 0) << readText(log);
    EXPECT_TRUE(sock.waitFor("STOPPING=1", 10s)) << readText(log);
}

TEST(ServiceNotify, LiveLaneIsReadyPingsItsWatchdogFromItsLoopAndSaysStopping) {
    const fs::path dir = tempDir("notify-lane");
    const fs::path kiosk = buildDir() / "kiosk/kiosk";
    ASSERT_TRUE(fs::exists(kiosk)) << kiosk;
    ASSERT_TRUE(fs::exists(buildDir() / "models/dlib_face_recognition_resnet.dat")) << "run scripts/setup";
    // A live lane on the simulated devices, its store in the test's folder.
    const fs::path cfg = dir / "lane.json";
    std::ofstream(cfg) << R"({
  "mode": "live", "lane_id": "HZMB-NOTIFY-01",
  "store": {"path": ")" << (dir / "data/kiosk.sqlite").string() << R"(", "key_file": ")"
                       << (dir / "keys/biometrics.key").string() << R"("},
  "fingerprint": {"backend": "virtual_image"},
  "devices": {"qr": {"backend": "sim"}, "document": {"backend": "sim"}, "camera": {"backend": "sim"}, "gate": {"backend": "sim"}}
})";
    fs::create_directories(dir / "keys");
    fs::permissions(dir / "keys", fs::perms::owner_all, fs::perm_options::replace);
    NotifySocket sock(dir);
    ASSERT_TRUE(sock.ok()) << sock.path();
    const fs::path log = dir / "lane.log";
    NotifiedChild lane({kiosk.string(), "--live", "--headless", "--config", cfg.string()}, sock.path(), log);
    expectReadyAndPings(sock, [&] { return readText(log); });
    // The lane calls out; it never listens (docs/sync.md), so nothing on the network can call it.
    EXPECT_EQ(listeningSockets(lane.pid()), std::vector<std::string>{});
    bool named = false;
    for (const auto& m : sock.messages()) named = named || m.find("STATUS=lane HZMB-NOTIFY-01") != std::string::npos;
    EXPECT_TRUE(named) << "READY=1 carries the lane's id as its status";
    EXPECT_EQ(lane.terminate(), 0) << readText(log);
    EXPECT_TRUE(sock.waitFor("STOPPING=1", 10s)) << readText(log);
}

}  // namespace
}  // namespace kiosk::testing
