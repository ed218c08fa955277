#include "kiosk/store/store_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace kiosk::store {

std::filesystem::path StoreLock::lockFileFor(const std::filesystem::path& storePath) {
    return std::filesystem::path(storePath.string() + ".lock");
}

core::Result<StoreLock> StoreLock::acquire(const std::filesystem::path& storePath) {
    const auto file = lockFileFor(storePath);
    const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return core::makeError("store.lock_failed", "cannot open the lock file " + file.string() + ": " + std::strerror(errno));
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        const int e = errno;
        char buf[32] = {};
        const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
        ::close(fd);
        std::string holder = n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
        while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) holder.pop_back();
        if (e == EWOULDBLOCK)
            return core::makeError("store.locked", "the store " + storePath.string() + " is in use by another kiosk" +
                                                       (holder.empty() ? std::string() : " (pid " + holder + ")") +
                                                       "; one program per store (lock file " + file.string() + ")");
        return core::makeError("store.lock_failed", "cannot lock " + file.string() + ": " + std::strerror(e));
    }
    // The holder's pid, for the message a second start prints (informational only: the
    // lock itself is the flock, which the kernel releases when this process ends).
    const std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd, 0) == 0) {
        const ssize_t w = ::pwrite(fd, pid.data(), pid.size(), 0);
        (void)w;
    }
    return StoreLock(fd);
}

StoreLock& StoreLock::operator=(StoreLock&& o) noexcept {
    if (this != &o) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = o.fd_;
        o.fd_ = -1;
    }
    return *this;
}

StoreLock::~StoreLock() {
    if (fd_ >= 0) ::close(fd_);
}

}  // namespace kiosk::store
