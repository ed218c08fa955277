#include "kiosk/store/sqlite_db.h"

#include <sqlite3.h>

namespace kiosk::store::detail {

core::Error sqliteError(sqlite3* db, int rc, const std::string& context) {
    const int primary = rc & 0xff;
    std::string text = sqlite3_errstr(rc);
    if (db) {
        const char* m = sqlite3_errmsg(db);
        if (m && text != m) text += std::string(" (") + m + ")";
    }
    if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB)
        return core::makeError("store.corrupt", context + ": database file is corrupt or not a database: " + text);
    if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED)
        return core::makeError("store.busy", context + ": database is locked by another writer: " + text);
    if (primary == SQLITE_FULL || primary == SQLITE_IOERR || primary == SQLITE_READONLY ||
        primary == SQLITE_CANTOPEN)
        return core::makeError("store.io", context + ": " + text);
    return core::makeError("store.sql", context + ": " + text);
}

Statement::Statement(Statement&& o) noexcept : db_(o.db_), stmt_(o.stmt_) {
    o.stmt_ = nullptr;
}

Statement& Statement::operator=(Statement&& o) noexcept {
    if (this != &o) {
        if (stmt_) sqlite3_finalize(stmt_);
        db_ = o.db_;
        stmt_ = o.stmt_;
        o.stmt_ = nullptr;
    }
    return *this;
}

Statement::~Statement() {
    if (stmt_) sqlite3_finalize(stmt_);
}

Statement& Statement::bind(int index, int64_t v) {
    sqlite3_bind_int64(stmt_, index, v);
    return *this;
}

Statement& Statement::bind(int index, const std::string& v) {
    sqlite3_bind_text(stmt_, index, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
}

Statement& Statement::bindBlob(int index, const std::vector<uint8_t>& v) {
    if (v.empty())
        sqlite3_bind_zeroblob(stmt_, index, 0);
    else
        sqlite3_bind_blob(stmt_, index, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
}

Statement& Statement::bindNull(int index) {
    sqlite3_bind_null(stmt_, index);
    return *this;
}

core::Result<bool> Statement::step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return sqliteError(db_, rc, "step");
}

core::Status Statement::run() {
    for (;;) {
        KIOSK_ASSIGN_OR_RETURN(bool row, step());
        if (!row) break;
    }
    reset();
    return {};
}

void Statement::reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}

int64_t Statement::colInt(int i) const { return sqlite3_column_int64(stmt_, i); }

std::string Statement::colText(int i) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, i));
    const int n = sqlite3_column_bytes(stmt_, i);
    return p ? std::string(p, static_cast<std::size_t>(n)) : std::string();
}

std::vector<uint8_t> Statement::colBlob(int i) const {
    const auto* p = static_cast<const uint8_t*>(sqlite3_column_blob(stmt_, i));
    const int n = sqlite3_column_bytes(stmt_, i);
    return p ? std::vector<uint8_t>(p, p + n) : std::vector<uint8_t>();
}

bool Statement::colNull(int i) const { return sqlite3_column_type(stmt_, i) == SQLITE_NULL; }

core::Result<std::unique_ptr<Database>> Database::open(const std::filesystem::path& path, Mode mode) {
    sqlite3* db = nullptr;
    const int flags = (mode == Mode::ReadOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)) |
                      SQLITE_OPEN_NOMUTEX;
    const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
    if (rc != SQLITE_OK) {
        core::Error e = sqliteError(db, rc, "open " + path.filename().string());
        if (e.code != "store.corrupt") e.code = "store.open_failed";
        sqlite3_close(db);
        return e;
    }
    sqlite3_extended_result_codes(db, 1);
    return std::unique_ptr<Database>(new Database(db));
}

Database::~Database() { sqlite3_close_v2(db_); }

core::Status Database::exec(const std::string& sql) {
    char* err = nullptr;
    const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
    if (err) sqlite3_free(err);
    if (rc != SQLITE_OK) return sqliteError(db_, rc, "exec");
    return {};
}

core::Result<Statement> Database::prepare(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    const int rc = sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()), &stmt, nullptr);
    if (rc != SQLITE_OK) {
        if (stmt) sqlite3_finalize(stmt);
        return sqliteError(db_, rc, "prepare");
    }
    return Statement(db_, stmt);
}

void Database::setBusyTimeout(int ms) { sqlite3_busy_timeout(db_, ms); }

int64_t Database::lastInsertRowId() const { return sqlite3_last_insert_rowid(db_); }

int64_t Database::changes() const { return sqlite3_changes64(db_); }

core::Error Database::lastError(int rc, const std::string& context) const { return sqliteError(db_, rc, context); }

}  // namespace kiosk::store::detail
