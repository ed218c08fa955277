#include "tests/support/notify_socket.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <sstream>

namespace kiosk::testing {

NotifySocket::NotifySocket(const std::filesystem::path& dir) : path_(dir / "notify.sock") {
    std::error_code ec;
    std::filesystem::remove(path_, ec);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path_.string().size() >= sizeof(addr.sun_path)) return;
    std::strcpy(addr.sun_path, path_.c_str());
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
        ::close(fd_);
        fd_ = -1;
    }
}

NotifySocket::~NotifySocket() {
    if (fd_ >= 0) ::close(fd_);
    std::error_code ec;
    std::filesystem::remove(path_, ec);
}

void NotifySocket::drain(std::chrono::milliseconds wait) {
    if (fd_ < 0) return;
    int timeout = static_cast<int>(wait.count());
    for (;;) {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, timeout) <= 0) return;
        char buf[4096];
        const ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
        if (n <= 0) return;
        messages_.emplace_back(buf, static_cast<std::size_t>(n));
        timeout = 0;
    }
}

bool NotifySocket::has(const std::string& state, std::size_t fromIndex) const {
    for (std::size_t i = fromIndex; i < messages_.size(); ++i) {
        std::istringstream lines(messages_[i]);
        for (std::string line; std::getline(lines, line);)
            if (line == state) return true;
    }
    return false;
}

bool NotifySocket::waitFor(const std::string& state, std::chrono::milliseconds deadline, std::size_t fromIndex) {
    const auto end = std::chrono::steady_clock::now() + deadline;
    for (;;) {
        if (has(state, fromIndex)) return true;
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
        if (left.count() <= 0) return false;
        drain(std::min(left, std::chrono::milliseconds(100)));
    }
}

std::size_t NotifySocket::count(const std::string& state) const {
    std::size_t n = 0;
    for (const auto& m : messages_) {
        std::istringstream lines(m);
        for (std::string line; std::getline(lines, line);) n += line == state;
    }
    return n;
}

}  // namespace kiosk::testing
