#pragma once
// The PostgreSQL repository (libpqxx 6.4): several clearance-server processes over one
// database. Each call borrows a connection from a small pool and runs one transaction;
// a lost connection is dropped (reopened by the next call) and the call answers
// repo.unavailable. Writers of enrolments, the watchlist and blobs serialise on a table
// lock, so cursors come out in commit order across processes.
#include <memory>
#include <string>

#include "core/result.h"
#include "server/repository.h"

namespace kiosk::server {

struct PostgresOptions {
    int poolSize = 4;               // connections held open at most
    int connectTimeoutSeconds = 5;  // added to the URL unless it names connect_timeout
};

core::Result<std::unique_ptr<Repository>> openPostgresRepository(const std::string& connectionUrl,
                                                                 const PostgresOptions& options);

}  // namespace kiosk::server
