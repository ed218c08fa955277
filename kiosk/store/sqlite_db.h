#pragma once
// Thin RAII wrapper over the SQLite C API. The only place that includes sqlite3.h; every
// SQLite failure becomes a core::Error (store.corrupt for SQLITE_CORRUPT/NOTADB,
// store.sql otherwise).
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace kiosk::store::detail {

class Statement {
public:
    Statement() = default;
    Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
    Statement(Statement&& o) noexcept;
    Statement& operator=(Statement&& o) noexcept;
    ~Statement();

    Statement& bind(int index, int64_t v);
    Statement& bind(int index, const std::string& v);
    Statement& bindBlob(int index, const std::vector<uint8_t>& v);
    Statement& bindNull(int index);

    // true: a row is available; false: done.
    core::Result<bool> step();
    // Steps to completion (for INSERT/UPDATE/DELETE).
    core::Status run();
    void reset();

    int64_t colInt(int i) const;
    std::string colText(int i) const;
    std::vector<uint8_t> colBlob(int i) const;
    bool colNull(int i) const;

private:
    sqlite3* db_ = nullptr;
    sqlite3_stmt* stmt_ = nullptr;
};

class Database {
public:
    enum class Mode { ReadWriteCreate, ReadOnly };
    static core::Result<std::unique_ptr<Database>> open(const std::filesystem::path& path, Mode mode);
    ~Database();

    core::Status exec(const std::string& sql);
    core::Result<Statement> prepare(const std::string& sql);
    void setBusyTimeout(int ms);
    int64_t lastInsertRowId() const;
    int64_t changes() const;
    // Error from the connection's last failure; code by SQLite result code.
    core::Error lastError(int rc, const std::string& context) const;

private:
    explicit Database(sqlite3* db) : db_(db) {}
    sqlite3* db_;
};

core::Error sqliteError(sqlite3* db, int rc, const std::string& context);

}  // namespace kiosk::store::detail
