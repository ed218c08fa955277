#pragma once
// A real PostgreSQL 15 for the tests, without libpq: the server binaries of Debian's
// postgresql-15 (/usr/lib/postgresql/15/bin) run through fork/exec.
//
// One server per test process, started on first use: a copy of an initdb'd cluster (made
// once per user under /tmp, kiosk-pg-template-USER-15) + pg_ctl in a temp dir, as an
// unprivileged user (as root: the Debian `postgres` user through runuser, the folder
// chowned to it; otherwise as oneself), listening only on 127.0.0.1 at a free port and on
// a unix socket in the temp dir, trust authentication. A watchdog process stops it
// (pg_ctl stop -m immediate) and removes the folder when the test process exits, however
// it exits. Missing binaries are an error that says so: tests fail, never skip.
#include <string>

#include "core/result.h"

namespace kiosk::testing {

// "postgresql://USER@127.0.0.1:PORT/DBNAME" of a fresh, empty database.
core::Result<std::string> freshPostgresDatabase(const std::string& nameHint);

// Stop / start this process's server (fault tests); the data stays.
core::Status stopPostgres();
core::Status startPostgres();

// Runs SQL through psql (ON_ERROR_STOP) against a URL from freshPostgresDatabase and
// returns psql's unaligned, tuples-only output: for tests that reach under the API.
core::Result<std::string> runPsql(const std::string& url, const std::string& sql);

}  // namespace kiosk::testing
