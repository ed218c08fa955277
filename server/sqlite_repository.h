#pragma once
// The SQLite repository (one node, the default): one connection in WAL mode with
// synchronous=FULL and foreign keys on, serialised by a mutex; write calls run in
// BEGIN IMMEDIATE transactions, so cursors come out in commit order.
#include <memory>
#include <string>

#include "core/result.h"
#include "server/repository.h"

namespace kiosk::server {

struct SqliteOptions {
    // How long a call waits for another process's write lock before repo.unavailable.
    int busyTimeoutMs = 5000;
};

core::Result<std::unique_ptr<Repository>> openSqliteRepository(const std::string& path, const SqliteOptions& options);

}  // namespace kiosk::server
