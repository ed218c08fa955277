#pragma once
// A PostgreSQL 15 of bench_server's own, in a temp dir, with PostgreSQL's default
// durability (fsync, synchronous_commit, full_page_writes on). The test harness
// (tests/support/postgres_harness.h) runs with fsync=off, right for tests, wrong for a
// benchmark that compares commit latency with SQLite at synchronous=FULL.
// As root the server runs as the Debian `postgres` user through runuser.
#include <filesystem>
#include <memory>
#include <string>

#include "core/result.h"

namespace kiosk::bench {

class PgInstance {
public:
    static core::Result<std::unique_ptr<PgInstance>> start(const std::string& extraOptions = "");
    ~PgInstance();  // pg_ctl stop -m fast, folder removed
    const std::string& url() const { return url_; }
    const std::string& settings() const { return settings_; }

private:
    std::filesystem::path dir_;
    std::string user_, url_, settings_;
    bool running_ = false;
};

// Runs `sql` through psql (unaligned, tuples only) against `url`.
core::Result<std::string> psql(const std::string& url, const std::string& sql);

}  // namespace kiosk::bench
