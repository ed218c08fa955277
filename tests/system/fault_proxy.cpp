#include "tests/system/fault_proxy.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <deque>
#include <condition_variable>
#include <list>
#include <mutex>
#include <random>
#include <thread>

namespace kiosk::testing {
// Named, not anonymous: FaultProxy::Impl (external linkage) holds these types.
namespace fault_proxy_detail {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kReadChunk = 64 * 1024;
constexpr std::size_t kMaxQueued = 4 * 1024 * 1024;  // per direction, then stop reading

enum class Fate { Pass, DropRequest, DropAnswer, Delay };

struct Chunk {
    std::string data;
    std::size_t sent = 0;
    Clock::time_point releaseAt;
};

// Splits a TLS byte stream into records just far enough to see their content types.
struct RecordScanner {
    unsigned char header[5]{};
    std::size_t have = 0;
    std::size_t bodyLeft = 0;
    bool sawApplicationData = false;

    void feed(const char* p, std::size_t n) {
        while (n > 0) {
            if (bodyLeft > 0) {
                std::size_t k = std::min(bodyLeft, n);
                bodyLeft -= k;
                p += k;
                n -= k;
                continue;
            }
            header[have++] = static_cast<unsigned char>(*p++);
            --n;
            if (have == 5) {
                if (header[0] == 23) sawApplicationData = true;
                bodyLeft = (static_cast<std::size_t>(header[3]) << 8) | header[4];
                have = 0;
            }
        }
    }
};

struct Conn {
    int cfd = -1, sfd = -1;
    bool connecting = true;
    bool clientEof = false, serverEof = false;
    bool upShut = false, downShut = false;
    std::deque<Chunk> up, down;  // client->server, server->client
    // Turn tracking.
    bool inClientTurn = false;
    Fate fate = Fate::Pass;
    bool fateIsApp = false;
    Clock::time_point turnRelease{};
    bool answerPendingCut = false;  // DropAnswer decided: cut at the server's first byte
    bool answerCutIsApp = false;
    bool appPhase = false;          // a finished client turn carried application data
    int64_t turnBytes = 0;          // client bytes of the current turn
    RecordScanner upScan;
    bool dead = false;
};

std::size_t queued(const std::deque<Chunk>& q) {
    std::size_t n = 0;
    for (const auto& c : q) n += c.data.size() - c.sent;
    return n;
}

void setNonBlocking(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }

// Close with RST: the peer sees "connection reset", as on a real network fault.
void hardClose(int& fd) {
    if (fd < 0) return;
    linger l{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    ::close(fd);
    fd = -1;
}

void softClose(int& fd) {
    if (fd < 0) return;
    ::close(fd);
    fd = -1;
}

}  // namespace fault_proxy_detail
using namespace fault_proxy_detail;

struct FaultProxy::Impl {
    int listenFd = -1;
    int wakeRead = -1, wakeWrite = -1;
    int port = 0;
    std::atomic<bool> stopping{false};
    std::thread thread;

    mutable std::mutex mu;  // guards plan, target, counters, pendingCutAll
    FaultPlan plan;
    int targetPort = 0;
    FaultCounters counters;
    bool pendingCutAll = false;
    // setPlan/cutAll wait until the thread has applied them (no byte slips through after).
    uint64_t requestedGen = 0, appliedGen = 0;
    std::condition_variable applied;
    std::mt19937_64 rng;
    std::atomic<int> open{0};
    std::atomic<int64_t> unanswered{0};

    std::list<Conn> conns;  // proxy thread only

    ~Impl() {
        for (auto& c : conns) {
            softClose(c.cfd);
            softClose(c.sfd);
        }
        softClose(listenFd);
        softClose(wakeRead);
        softClose(wakeWrite);
    }

    void wake() {
        char b = 1;
        [[maybe_unused]] auto r = ::write(wakeWrite, &b, 1);
    }

    // Called with `mu` held by another thread than the proxy's.
    void awaitApplied(std::unique_lock<std::mutex>& lock) {
        uint64_t gen = ++requestedGen;
        wake();
        applied.wait(lock, [&] { return appliedGen >= gen || stopping.load(); });
    }

    Fate decide(bool& isApp, Conn& c) {
        std::lock_guard<std::mutex> lock(mu);
        ++counters.turns;
        isApp = c.appPhase;
        std::uniform_real_distribution<double> u(0.0, 1.0);
        double r = u(rng);
        if (r < plan.dropRequest) return Fate::DropRequest;
        r -= plan.dropRequest;
        if (r < plan.dropAnswer) return Fate::DropAnswer;
        r -= plan.dropAnswer;
        if (r < plan.delay) return Fate::Delay;
        return Fate::Pass;
    }

    void kill(Conn& c) {
        hardClose(c.cfd);
        hardClose(c.sfd);
        c.dead = true;
    }

    // False when there was nothing left to accept.
    bool acceptOne() {
        sockaddr_in addr{};
        socklen_t len = sizeof addr;
        int fd = ::accept(listenFd, reinterpret_cast<sockaddr*>(&addr), &len);
        if (fd < 0) return false;
        setNonBlocking(fd);
        int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        int target = 0;
        {
            std::lock_guard<std::mutex> lock(mu);
            ++counters.connections;
            if (plan.blockAll) {
                ++counters.blocked;
                hardClose(fd);
                return true;
            }
            target = targetPort;
        }
        int sfd = ::socket(AF_INET, SOCK_STREAM, 0);
        setNonBlocking(sfd);
        ::setsockopt(sfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        sockaddr_in to{};
        to.sin_family = AF_INET;
        to.sin_port = htons(static_cast<uint16_t>(target));
        to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        int rc = ::connect(sfd, reinterpret_cast<sockaddr*>(&to), sizeof to);
        if (rc != 0 && errno != EINPROGRESS) {
            std::lock_guard<std::mutex> lock(mu);
            ++counters.connectFailed;
            softClose(sfd);
            hardClose(fd);
            return true;
        }
        Conn c;
        c.cfd = fd;
        c.sfd = sfd;
        c.connecting = (rc != 0);
        conns.push_back(std::move(c));
        return true;
    }

    void onClientData(Conn& c, const char* p, std::size_t n) {
        auto now = Clock::now();
        if (!c.inClientTurn) {
            // A new turn: the previous one (if any) is over, so its records tell whether
            // the handshake is done.
            c.inClientTurn = true;
            c.turnBytes = 0;
            if (c.upScan.sawApplicationData) c.appPhase = true;
            bool isApp = false;
            c.fate = decide(isApp, c);
            c.fateIsApp = isApp;
            c.turnRelease = now;
            std::lock_guard<std::mutex> lock(mu);
            switch (c.fate) {
                case Fate::DropRequest:
                    ++counters.requestsDropped;
                    if (isApp) ++counters.appRequestsDropped;
                    break;
                case Fate::DropAnswer:
                    c.answerPendingCut = true;
                    c.answerCutIsApp = isApp;
                    break;
                case Fate::Delay:
                    ++counters.delayed;
                    c.turnRelease = now + plan.delayBy;
                    break;
                case Fate::Pass:
                    ++counters.passed;
                    break;
            }
        }
        if (c.fate == Fate::DropRequest) {
            kill(c);
            return;
        }
        c.upScan.feed(p, n);
        c.turnBytes += static_cast<int64_t>(n);
        c.up.push_back(Chunk{std::string(p, n), 0, std::max(now, c.turnRelease)});
    }

    void onServerData(Conn& c, const char* p, std::size_t n) {
        c.inClientTurn = false;
        if (c.answerPendingCut) {
            std::lock_guard<std::mutex> lock(mu);
            ++counters.answersDropped;
            if (c.answerCutIsApp) ++counters.appAnswersDropped;
            c.answerPendingCut = false;
            kill(c);
            return;
        }
        c.down.push_back(Chunk{std::string(p, n), 0, Clock::now()});
    }

    // Returns false when the connection must go.
    bool flush(int fd, std::deque<Chunk>& q, int64_t& bytes) {
        auto now = Clock::now();
        while (!q.empty() && q.front().releaseAt <= now) {
            Chunk& ch = q.front();
            ssize_t w = ::send(fd, ch.data.data() + ch.sent, ch.data.size() - ch.sent, MSG_NOSIGNAL);
            if (w < 0) {
                if (errno == EAGAIN || errno == EWOULDBLOCK) return true;
                return false;
            }
            ch.sent += static_cast<std::size_t>(w);
            {
                std::lock_guard<std::mutex> lock(mu);
                bytes += w;
            }
            if (ch.sent < ch.data.size()) return true;
            q.pop_front();
        }
        return true;
    }

    void run() {
        std::vector<pollfd> fds;
        std::vector<Conn*> owners;  // per pollfd: the connection (nullptr: listen / wake)
        std::vector<bool> isClient;
        char buf[kReadChunk];
        while (!stopping.load()) {
            bool cutAll = false;
            {
                std::lock_guard<std::mutex> lock(mu);
                cutAll = pendingCutAll || plan.blockAll;
                pendingCutAll = false;
                if (plan.blockAll)
                    for (auto& c : conns)
                        if (!c.dead) ++counters.blocked;
            }
            if (cutAll)
                for (auto& c : conns) kill(c);
            conns.remove_if([](const Conn& c) { return c.dead; });
            {
                std::lock_guard<std::mutex> lock(mu);
                appliedGen = requestedGen;
            }
            applied.notify_all();
            open.store(static_cast<int>(conns.size()));

            fds.clear();
            owners.clear();
            isClient.clear();
            fds.push_back({listenFd, POLLIN, 0});
            owners.push_back(nullptr);
            isClient.push_back(false);
            fds.push_back({wakeRead, POLLIN, 0});
            owners.push_back(nullptr);
            isClient.push_back(false);
            auto now = Clock::now();
            auto nextRelease = Clock::time_point::max();
            for (auto& c : conns) {
                short ce = 0, se = 0;
                if (!c.clientEof && queued(c.up) < kMaxQueued) ce |= POLLIN;
                if (!c.serverEof && !c.connecting && queued(c.down) < kMaxQueued) se |= POLLIN;
                if (c.connecting) se |= POLLOUT;
                auto wantOut = [&](std::deque<Chunk>& q, short& ev) {
                    if (q.empty()) return;
                    if (q.front().releaseAt <= now) ev |= POLLOUT;
                    else nextRelease = std::min(nextRelease, q.front().releaseAt);
                };
                if (!c.connecting) wantOut(c.up, se);
                wantOut(c.down, ce);
                fds.push_back({c.cfd, ce, 0});
                owners.push_back(&c);
                isClient.push_back(true);
                fds.push_back({c.sfd, se, 0});
                owners.push_back(&c);
                isClient.push_back(false);
            }
            int timeout = 200;
            if (nextRelease != Clock::time_point::max()) {
                auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(nextRelease - now).count() + 1;
                timeout = static_cast<int>(std::clamp<int64_t>(ms, 0, 200));
            }
            int n = ::poll(fds.data(), fds.size(), timeout);
            if (n < 0 && errno != EINTR) break;
            if (stopping.load()) break;
            if (fds[0].revents & POLLIN) {
                for (int k = 0; k < 64 && acceptOne(); ++k) {
                }
            }
            if (fds[1].revents & POLLIN) {
                char drain[64];
                while (::read(wakeRead, drain, sizeof drain) > 0) {
                }
            }
            for (std::size_t i = 2; i < fds.size(); ++i) {
                Conn& c = *owners[i];
                if (c.dead || fds[i].revents == 0) continue;
                short re = fds[i].revents;
                if (isClient[i]) {
                    if (re & (POLLIN | POLLHUP | POLLERR)) {
                        ssize_t r = ::recv(c.cfd, buf, sizeof buf, 0);
                        if (r > 0) onClientData(c, buf, static_cast<std::size_t>(r));
                        else if (r == 0) c.clientEof = true;
                        else if (errno != EAGAIN && errno != EWOULDBLOCK) kill(c);
                    }
                    if (!c.dead && (re & POLLOUT) && !flush(c.cfd, c.down, counters.bytesDown)) kill(c);
                } else {
                    if (c.connecting && (re & (POLLOUT | POLLERR | POLLHUP))) {
                        int err = 0;
                        socklen_t l = sizeof err;
                        ::getsockopt(c.sfd, SOL_SOCKET, SO_ERROR, &err, &l);
                        if (err != 0) {
                            std::lock_guard<std::mutex> lock(mu);
                            ++counters.connectFailed;
                            softClose(c.sfd);
                            hardClose(c.cfd);
                            c.dead = true;
                            continue;
                        }
                        c.connecting = false;
                        continue;  // data goes out on the next round
                    }
                    if (re & (POLLIN | POLLHUP | POLLERR)) {
                        ssize_t r = ::recv(c.sfd, buf, sizeof buf, 0);
                        if (r > 0) onServerData(c, buf, static_cast<std::size_t>(r));
                        else if (r == 0) c.serverEof = true;
                        else if (errno != EAGAIN && errno != EWOULDBLOCK) kill(c);
                    }
                    if (!c.dead && (re & POLLOUT) && !flush(c.sfd, c.up, counters.bytesUp)) kill(c);
                }
            }
            // Half-closes once everything queued in that direction went out.
            for (auto& c : conns) {
                if (c.dead) continue;
                if (c.clientEof && !c.connecting && c.up.empty() && !c.upShut) {
                    ::shutdown(c.sfd, SHUT_WR);
                    c.upShut = true;
                }
                if (c.serverEof && c.down.empty() && !c.downShut) {
                    ::shutdown(c.cfd, SHUT_WR);
                    c.downShut = true;
                }
                if (c.upShut && c.downShut) {
                    softClose(c.cfd);
                    softClose(c.sfd);
                    c.dead = true;
                }
                // The server went away while a turn was waiting for its answer.
                if (c.serverEof && c.answerPendingCut) kill(c);
            }
            int64_t largest = 0;
            for (auto& c : conns)
                if (!c.dead && c.inClientTurn && !c.connecting && c.up.empty()) largest = std::max(largest, c.turnBytes);
            unanswered.store(largest);
        }
    }
};

FaultProxy::FaultProxy(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

FaultProxy::~FaultProxy() {
    impl_->stopping.store(true);
    impl_->wake();
    if (impl_->thread.joinable()) impl_->thread.join();
}

core::Result<std::unique_ptr<FaultProxy>> FaultProxy::start(int targetPort, FaultPlan plan, int listenPort) {
    auto impl = std::make_unique<Impl>();
    impl->plan = plan;
    impl->targetPort = targetPort;
    impl->rng.seed(plan.seed);
    int pipeFds[2];
    if (::pipe(pipeFds) != 0) return core::makeError("proxy.io", std::string("pipe: ") + std::strerror(errno));
    impl->wakeRead = pipeFds[0];
    impl->wakeWrite = pipeFds[1];
    setNonBlocking(impl->wakeRead);
    setNonBlocking(impl->wakeWrite);

    impl->listenFd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (impl->listenFd < 0) return core::makeError("proxy.io", std::string("socket: ") + std::strerror(errno));
    int one = 1;
    ::setsockopt(impl->listenFd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(listenPort));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(impl->listenFd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(impl->listenFd, 128) != 0)
        return core::makeError("proxy.io", std::string("bind/listen: ") + std::strerror(errno));
    socklen_t len = sizeof addr;
    ::getsockname(impl->listenFd, reinterpret_cast<sockaddr*>(&addr), &len);
    impl->port = ntohs(addr.sin_port);
    setNonBlocking(impl->listenFd);

    Impl* raw = impl.get();
    std::unique_ptr<FaultProxy> proxy(new FaultProxy(std::move(impl)));
    raw->thread = std::thread([raw] { raw->run(); });
    return proxy;
}

int FaultProxy::port() const { return impl_->port; }
std::string FaultProxy::url() const { return "https://127.0.0.1:" + std::to_string(impl_->port); }

void FaultProxy::setPlan(const FaultPlan& plan) {
    std::unique_lock<std::mutex> lock(impl_->mu);
    impl_->plan = plan;
    impl_->rng.seed(plan.seed);
    impl_->awaitApplied(lock);
}

void FaultProxy::setTarget(int targetPort) {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->targetPort = targetPort;
}

void FaultProxy::cutAll() {
    std::unique_lock<std::mutex> lock(impl_->mu);
    impl_->pendingCutAll = true;
    impl_->awaitApplied(lock);
}

FaultCounters FaultProxy::counters() const {
    std::lock_guard<std::mutex> lock(impl_->mu);
    return impl_->counters;
}

int FaultProxy::openConnections() const { return impl_->open.load(); }

int64_t FaultProxy::largestUnansweredTurn() const { return impl_->unanswered.load(); }

}  // namespace kiosk::testing
