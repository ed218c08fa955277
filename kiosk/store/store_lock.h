#pragma once
// One program per store: a kiosk (lane or registration machine) holds an exclusive
// flock(2) on "<store>.lock" for as long as it runs. A second kiosk on the same store
// refuses to start (store.locked, naming the file and the holder's pid) instead of
// running beside the first: two state machines on one journal, one outbox and one set of
// doors is never what the operator meant. The kernel drops the lock when the process
// ends, however it ends, so a crash leaves nothing to clean up. Read-only tools
// (kioskctl journal ...) do not take it.
#include <filesystem>

#include "core/result.h"

namespace kiosk::store {

class StoreLock {
public:
    // The lock file beside `storePath`: "<storePath>.lock".
    static std::filesystem::path lockFileFor(const std::filesystem::path& storePath);
    // Takes the lock without waiting; store.locked when another process (or another
    // StoreLock in this one) holds it, store.lock_failed when the file cannot be made.
    static core::Result<StoreLock> acquire(const std::filesystem::path& storePath);

    StoreLock(StoreLock&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
    StoreLock& operator=(StoreLock&& o) noexcept;
    StoreLock(const StoreLock&) = delete;
    StoreLock& operator=(const StoreLock&) = delete;
    ~StoreLock();

private:
    explicit StoreLock(int fd) : fd_(fd) {}
    int fd_ = -1;
};

}  // namespace kiosk::store
