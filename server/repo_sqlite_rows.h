#pragma once
// What both SQLite repositories (the devices' and the console's) do the same way over
// repo_sqlite_db.h: one transaction around a call, rows mapped to values, and the event row.
#include <vector>

#include "core/result.h"
#include "server/repo_sqlite_db.h"
#include "server/repository.h"

namespace kiosk::server::detail {

enum class SqliteTx { Read, Write };

// Runs f (returning Result<T> or Status) in one transaction; rolls back when f fails.
// Write transactions take the write lock at BEGIN (IMMEDIATE). The caller holds its mutex.
template <typename F>
auto sqliteTransaction(SqliteDb& db, SqliteTx kind, F&& f) -> decltype(f()) {
    core::Status b = db.exec(kind == SqliteTx::Write ? "BEGIN IMMEDIATE" : "BEGIN");
    if (!b.ok()) return b.error();
    auto r = f();
    if (!r.ok()) {
        (void)db.exec("ROLLBACK");
        return r;
    }
    core::Status c = db.exec("COMMIT");
    if (!c.ok()) {
        (void)db.exec("ROLLBACK");
        return c.error();
    }
    return r;
}

// Steps `st` to its end, mapping each row with `read`.
template <typename F>
auto collectRows(SqliteStatement& st, F read) -> core::Result<std::vector<decltype(read(st))>> {
    std::vector<decltype(read(st))> out;
    for (;;) {
        KIOSK_ASSIGN_OR_RETURN(bool row, st.step());
        if (!row) break;
        out.push_back(read(st));
    }
    return out;
}

// Columns: id, device_id, stream, seq, kind, device_time, received_at, payload.
inline DeviceEvent readEventRow(const SqliteStatement& st) {
    DeviceEvent e;
    e.id = st.colInt(0);
    e.deviceId = st.colText(1);
    e.stream = st.colText(2);
    e.seq = st.colInt(3);
    e.kind = st.colText(4);
    e.deviceTime = st.colInt(5);
    e.receivedAt = st.colInt(6);
    e.payload = st.colText(7);
    return e;
}

}  // namespace kiosk::server::detail
