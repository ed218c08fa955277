#include "server/repo_sqlite_db.h"

#include <sqlite3.h>

#include <filesystem>
#include <system_error>

namespace kiosk::server::detail {

core::Error sqliteError(sqlite3* db, int rc, const std::string& context) {
    const int primary = rc & 0xff;
    std::string text = sqlite3_errstr(rc);
    if (db) {
        const char* m = sqlite3_errmsg(db);
        if (m && text != m) text += std::string(" (") + m + ")";
    }
    // Another process kept the write lock past the busy timeout: a retry will succeed.
    if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED)
        return core::makeError("repo.unavailable", context + ": database is locked by another writer: " + text);
    return core::makeError("repo.sql", context + ": " + text);
}

SqliteStatement::SqliteStatement(SqliteStatement&& o) noexcept : db_(o.db_), stmt_(o.stmt_) { o.stmt_ = nullptr; }

SqliteStatement& SqliteStatement::operator=(SqliteStatement&& o) noexcept {
    if (this != &o) {
        if (stmt_) sqlite3_finalize(stmt_);
        db_ = o.db_;
        stmt_ = o.stmt_;
        o.stmt_ = nullptr;
    }
    return *this;
}

SqliteStatement::~SqliteStatement() {
    if (stmt_) sqlite3_finalize(stmt_);
}

SqliteStatement& SqliteStatement::bind(int index, int64_t v) {
    sqlite3_bind_int64(stmt_, index, v);
    return *this;
}

SqliteStatement& SqliteStatement::bind(int index, const std::string& v) {
    sqlite3_bind_text(stmt_, index, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
}

SqliteStatement& SqliteStatement::bindNull(int index) {
    sqlite3_bind_null(stmt_, index);
    return *this;
}

core::Result<bool> SqliteStatement::step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return sqliteError(db_, rc, "step");
}

core::Status SqliteStatement::run() {
    for (;;) {
        KIOSK_ASSIGN_OR_RETURN(bool row, step());
        if (!row) break;
    }
    reset();
    return {};
}

void SqliteStatement::reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}

int64_t SqliteStatement::colInt(int i) const { return sqlite3_column_int64(stmt_, i); }

std::string SqliteStatement::colText(int i) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, i));
    const int n = sqlite3_column_bytes(stmt_, i);
    return p ? std::string(p, static_cast<std::size_t>(n)) : std::string();
}

bool SqliteStatement::colNull(int i) const { return sqlite3_column_type(stmt_, i) == SQLITE_NULL; }

core::Result<std::unique_ptr<SqliteDb>> SqliteDb::open(const std::string& path) {
    sqlite3* db = nullptr;
    // NOMUTEX: the repository serialises calls on its connection itself.
    const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
    if (rc != SQLITE_OK) {
        // Name the file, and a missing folder (the usual cause before the first start,
        // e.g. `clearance-server officer add` before systemd made its StateDirectory).
        core::Error e = sqliteError(db, rc, "open " + path);
        e.code = "repo.open_failed";
        std::error_code ec;
        const std::filesystem::path parent = std::filesystem::path(path).parent_path();
        if (!parent.empty() && !std::filesystem::is_directory(parent, ec))
            e.message += " (the folder " + parent.string() + " does not exist)";
        sqlite3_close(db);
        return e;
    }
    sqlite3_extended_result_codes(db, 1);
    return std::unique_ptr<SqliteDb>(new SqliteDb(db));
}

SqliteDb::~SqliteDb() { sqlite3_close_v2(db_); }

core::Status SqliteDb::exec(const std::string& sql) {
    char* err = nullptr;
    const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
    if (err) sqlite3_free(err);
    if (rc != SQLITE_OK) return sqliteError(db_, rc, "exec");
    return {};
}

core::Result<SqliteStatement> SqliteDb::prepare(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    const int rc = sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()), &stmt, nullptr);
    if (rc != SQLITE_OK) {
        if (stmt) sqlite3_finalize(stmt);
        return sqliteError(db_, rc, "prepare");
    }
    return SqliteStatement(db_, stmt);
}

void SqliteDb::setBusyTimeout(int ms) { sqlite3_busy_timeout(db_, ms); }

int64_t SqliteDb::lastInsertRowId() const { return sqlite3_last_insert_rowid(db_); }

int64_t SqliteDb::changes() const { return sqlite3_changes64(db_); }

}  // namespace kiosk::server::detail
