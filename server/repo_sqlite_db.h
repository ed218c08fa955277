#pragma once
// A thin RAII wrapper over the SQLite C API for the server's repository (the same shape as
// the kiosk store's, with repo.* error codes). Only repo_sqlite_db.cpp includes sqlite3.h.
#include <cstdint>
#include <memory>
#include <string>

#include "core/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace kiosk::server::detail {

class SqliteStatement {
public:
    SqliteStatement() = default;
    SqliteStatement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
    SqliteStatement(SqliteStatement&& o) noexcept;
    SqliteStatement& operator=(SqliteStatement&& o) noexcept;
    SqliteStatement(const SqliteStatement&) = delete;
    SqliteStatement& operator=(const SqliteStatement&) = delete;
    ~SqliteStatement();

    SqliteStatement& bind(int index, int64_t v);
    SqliteStatement& bind(int index, const std::string& v);
    SqliteStatement& bindNull(int index);

    core::Result<bool> step();  // true: a row is available
    core::Status run();         // steps to completion
    void reset();

    int64_t colInt(int i) const;
    std::string colText(int i) const;
    bool colNull(int i) const;

private:
    sqlite3* db_ = nullptr;
    sqlite3_stmt* stmt_ = nullptr;
};

class SqliteDb {
public:
    static core::Result<std::unique_ptr<SqliteDb>> open(const std::string& path);
    ~SqliteDb();
    SqliteDb(const SqliteDb&) = delete;
    SqliteDb& operator=(const SqliteDb&) = delete;

    core::Status exec(const std::string& sql);
    core::Result<SqliteStatement> prepare(const std::string& sql);
    void setBusyTimeout(int ms);
    int64_t lastInsertRowId() const;
    int64_t changes() const;

private:
    explicit SqliteDb(sqlite3* db) : db_(db) {}
    sqlite3* db_;
};

// repo.unavailable for a lock held too long by another process, repo.sql otherwise.
core::Error sqliteError(sqlite3* db, int rc, const std::string& context);

}  // namespace kiosk::server::detail
