#include "server/repo_migrations.h"

namespace kiosk::server::detail {

// Ids of events, commands and audit rows are never reused after a purge (consoles and
// kioskctl page by id), hence AUTOINCREMENT / sequences. Enrolment and watchlist cursors
// come from their own counters, not from max(cursor) + 1, for the same reason: a lane that
// holds cursor N must never see a new row numbered <= N.
const std::vector<std::string>& sqliteMigrations() {
    static const std::vector<std::string> steps = {
        // 1: initial schema.
        R"sql(
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE counters (
  name  TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO counters(name, value) VALUES ('enrolment_cursor', 0), ('watchlist_cursor', 0);

CREATE TABLE events (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  device_id   TEXT NOT NULL,
  stream      TEXT NOT NULL,
  seq         INTEGER NOT NULL,
  kind        TEXT NOT NULL,
  device_time INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  payload     TEXT NOT NULL,
  UNIQUE (device_id, stream, seq)
);
CREATE INDEX events_received ON events(received_at);
CREATE INDEX events_device_kind ON events(device_id, kind, id);
CREATE INDEX events_kind ON events(kind, id);

CREATE TABLE devices (
  device_id         TEXT PRIMARY KEY,
  role              TEXT NOT NULL,
  first_seen        INTEGER NOT NULL,
  last_seen         INTEGER NOT NULL,
  last_heartbeat    TEXT NOT NULL DEFAULT '',
  last_heartbeat_at INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

CREATE TABLE enrolments (
  id              INTEGER PRIMARY KEY,
  cursor          INTEGER NOT NULL UNIQUE,
  reference       TEXT NOT NULL UNIQUE,
  document_hash   TEXT NOT NULL,
  document_masked TEXT NOT NULL,
  residency       TEXT NOT NULL,
  date_of_birth   TEXT NOT NULL,
  document_expiry TEXT NOT NULL,
  channel         TEXT NOT NULL,
  enrolled_at     INTEGER NOT NULL,
  active          INTEGER NOT NULL CHECK (active IN (0, 1)),
  biometrics      TEXT NOT NULL,
  source_device   TEXT NOT NULL,
  source_stream   TEXT NOT NULL,
  source_seq      INTEGER NOT NULL,
  received_at     INTEGER NOT NULL,
  deactivated_at  INTEGER
);
CREATE UNIQUE INDEX enrolments_one_active ON enrolments(document_hash) WHERE active = 1;
CREATE UNIQUE INDEX enrolments_source ON enrolments(source_device, source_stream, source_seq) WHERE source_seq > 0;
CREATE INDEX enrolments_deactivated ON enrolments(deactivated_at) WHERE active = 0;

CREATE TABLE watchlist_changes (
  cursor        INTEGER PRIMARY KEY,
  document_hash TEXT NOT NULL,
  added         INTEGER NOT NULL CHECK (added IN (0, 1)),
  time          INTEGER NOT NULL,
  actor         TEXT NOT NULL
);
CREATE INDEX watchlist_document ON watchlist_changes(document_hash, cursor);

CREATE TABLE blobs (
  kind        TEXT NOT NULL,
  version     INTEGER NOT NULL,
  data        TEXT NOT NULL,
  uploaded_at INTEGER NOT NULL,
  actor       TEXT NOT NULL,
  PRIMARY KEY (kind, version)
) WITHOUT ROWID;

CREATE TABLE commands (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  device_id    TEXT NOT NULL,
  kind         TEXT NOT NULL,
  args         TEXT NOT NULL,
  issued_by    TEXT NOT NULL,
  issued_at    INTEGER NOT NULL,
  state        TEXT NOT NULL
               CHECK (state IN ('pending', 'delivered', 'applied', 'refused', 'failed', 'expired')),
  delivered_at INTEGER NOT NULL DEFAULT 0,
  detail       TEXT NOT NULL DEFAULT '',
  completed_at INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX commands_device_state ON commands(device_id, state, id);
CREATE INDEX commands_state ON commands(state, device_id);

CREATE TABLE audit (
  id     INTEGER PRIMARY KEY AUTOINCREMENT,
  time   INTEGER NOT NULL,
  actor  TEXT NOT NULL,
  action TEXT NOT NULL,
  detail TEXT NOT NULL
);
CREATE INDEX audit_time ON audit(time);
)sql",
        // 2: the supervision console (docs/console.md): the audit hash chain, officers,
        // sessions, login failures per address, alert acknowledgements, exports.
        R"sql(
ALTER TABLE audit ADD COLUMN subject TEXT NOT NULL DEFAULT '';
ALTER TABLE audit ADD COLUMN prev_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE audit ADD COLUMN hash TEXT NOT NULL DEFAULT '';
CREATE INDEX audit_subject ON audit(subject, id);
CREATE INDEX audit_actor ON audit(actor, id);

CREATE TABLE officers (
  name                TEXT PRIMARY KEY,
  role                TEXT NOT NULL CHECK (role IN ('officer', 'supervisor', 'admin')),
  password_hash       TEXT NOT NULL,
  disabled            INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
  failed_logins       INTEGER NOT NULL DEFAULT 0,
  locked_until        INTEGER NOT NULL DEFAULT 0,
  created_at          INTEGER NOT NULL,
  password_changed_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE console_sessions (
  id_hash        TEXT PRIMARY KEY,
  officer        TEXT NOT NULL REFERENCES officers(name),
  role           TEXT NOT NULL,
  csrf           TEXT NOT NULL,
  created_at     INTEGER NOT NULL,
  last_seen      INTEGER NOT NULL,
  expires_at     INTEGER NOT NULL,
  remote_address TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX console_sessions_officer ON console_sessions(officer);

CREATE TABLE login_addresses (
  address      TEXT PRIMARY KEY,
  failures     INTEGER NOT NULL,
  window_start INTEGER NOT NULL,
  locked_until INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE alert_acks (
  event_id   INTEGER PRIMARY KEY,
  officer    TEXT NOT NULL,
  acked_at   INTEGER NOT NULL,
  command_id INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE exports (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  lanes           TEXT NOT NULL,
  from_time       INTEGER NOT NULL,
  to_time         INTEGER NOT NULL,
  purpose         TEXT NOT NULL,
  requested_by    TEXT NOT NULL,
  requested_at    INTEGER NOT NULL,
  state           TEXT NOT NULL CHECK (state IN ('pending', 'code_issued', 'downloaded', 'void')),
  code_hash       TEXT NOT NULL DEFAULT '',
  code_issued_by  TEXT NOT NULL DEFAULT '',
  code_expires_at INTEGER NOT NULL DEFAULT 0,
  failed_codes    INTEGER NOT NULL DEFAULT 0,
  downloaded_at   INTEGER NOT NULL DEFAULT 0
);
)sql",
        // 3: audit rows erased by the retention purge from between kept rows (their time
        // is older than rows written before them) leave their link here, so the chain
        // still verifies across the gap (repo_audit_chain.h).
        R"sql(
CREATE TABLE audit_purged (
  id        INTEGER PRIMARY KEY,
  prev_hash TEXT NOT NULL,
  hash      TEXT NOT NULL
);
)sql",
    };
    return steps;
}

const std::vector<std::string>& postgresMigrations() {
    static const std::vector<std::string> steps = {
        // 1: initial schema.
        R"sql(
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

CREATE SEQUENCE enrolment_cursor_seq;
CREATE SEQUENCE watchlist_cursor_seq;

CREATE TABLE events (
  id          BIGSERIAL PRIMARY KEY,
  device_id   TEXT NOT NULL,
  stream      TEXT NOT NULL,
  seq         BIGINT NOT NULL,
  kind        TEXT NOT NULL,
  device_time BIGINT NOT NULL,
  received_at BIGINT NOT NULL,
  payload     TEXT NOT NULL,
  UNIQUE (device_id, stream, seq)
);
CREATE INDEX events_received ON events(received_at);
CREATE INDEX events_device_kind ON events(device_id, kind, id);
CREATE INDEX events_kind ON events(kind, id);

CREATE TABLE devices (
  device_id         TEXT PRIMARY KEY,
  role              TEXT NOT NULL,
  first_seen        BIGINT NOT NULL,
  last_seen         BIGINT NOT NULL,
  last_heartbeat    TEXT NOT NULL DEFAULT '',
  last_heartbeat_at BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE enrolments (
  id              BIGSERIAL PRIMARY KEY,
  cursor          BIGINT NOT NULL UNIQUE,
  reference       TEXT NOT NULL UNIQUE,
  document_hash   TEXT NOT NULL,
  document_masked TEXT NOT NULL,
  residency       TEXT NOT NULL,
  date_of_birth   TEXT NOT NULL,
  document_expiry TEXT NOT NULL,
  channel         TEXT NOT NULL,
  enrolled_at     BIGINT NOT NULL,
  active          BOOLEAN NOT NULL,
  biometrics      TEXT NOT NULL,
  source_device   TEXT NOT NULL,
  source_stream   TEXT NOT NULL,
  source_seq      BIGINT NOT NULL,
  received_at     BIGINT NOT NULL,
  deactivated_at  BIGINT
);
CREATE UNIQUE INDEX enrolments_one_active ON enrolments(document_hash) WHERE active;
CREATE UNIQUE INDEX enrolments_source ON enrolments(source_device, source_stream, source_seq) WHERE source_seq > 0;
CREATE INDEX enrolments_deactivated ON enrolments(deactivated_at) WHERE NOT active;

CREATE TABLE watchlist_changes (
  cursor        BIGINT PRIMARY KEY,
  document_hash TEXT NOT NULL,
  added         BOOLEAN NOT NULL,
  time          BIGINT NOT NULL,
  actor         TEXT NOT NULL
);
CREATE INDEX watchlist_document ON watchlist_changes(document_hash, cursor);

CREATE TABLE blobs (
  kind        TEXT NOT NULL,
  version     BIGINT NOT NULL,
  data        TEXT NOT NULL,
  uploaded_at BIGINT NOT NULL,
  actor       TEXT NOT NULL,
  PRIMARY KEY (kind, version)
);

CREATE TABLE commands (
  id           BIGSERIAL PRIMARY KEY,
  device_id    TEXT NOT NULL,
  kind         TEXT NOT NULL,
  args         TEXT NOT NULL,
  issued_by    TEXT NOT NULL,
  issued_at    BIGINT NOT NULL,
  state        TEXT NOT NULL
               CHECK (state IN ('pending', 'delivered', 'applied', 'refused', 'failed', 'expired')),
  delivered_at BIGINT NOT NULL DEFAULT 0,
  detail       TEXT NOT NULL DEFAULT '',
  completed_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX commands_device_state ON commands(device_id, state, id);
CREATE INDEX commands_state ON commands(state, device_id);

CREATE TABLE audit (
  id     BIGSERIAL PRIMARY KEY,
  time   BIGINT NOT NULL,
  actor  TEXT NOT NULL,
  action TEXT NOT NULL,
  detail TEXT NOT NULL
);
CREATE INDEX audit_time ON audit(time);
)sql",
        // 2: the supervision console (docs/console.md): the audit hash chain, officers,
        // sessions, login failures per address, alert acknowledgements, exports.
        R"sql(
ALTER TABLE audit ADD COLUMN subject TEXT NOT NULL DEFAULT '';
ALTER TABLE audit ADD COLUMN prev_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE audit ADD COLUMN hash TEXT NOT NULL DEFAULT '';
CREATE INDEX audit_subject ON audit(subject, id);
CREATE INDEX audit_actor ON audit(actor, id);

CREATE TABLE officers (
  name                TEXT PRIMARY KEY,
  role                TEXT NOT NULL CHECK (role IN ('officer', 'supervisor', 'admin')),
  password_hash       TEXT NOT NULL,
  disabled            BOOLEAN NOT NULL DEFAULT FALSE,
  failed_logins       BIGINT NOT NULL DEFAULT 0,
  locked_until        BIGINT NOT NULL DEFAULT 0,
  created_at          BIGINT NOT NULL,
  password_changed_at BIGINT NOT NULL
);

CREATE TABLE console_sessions (
  id_hash        TEXT PRIMARY KEY,
  officer        TEXT NOT NULL REFERENCES officers(name),
  role           TEXT NOT NULL,
  csrf           TEXT NOT NULL,
  created_at     BIGINT NOT NULL,
  last_seen      BIGINT NOT NULL,
  expires_at     BIGINT NOT NULL,
  remote_address TEXT NOT NULL
);
CREATE INDEX console_sessions_officer ON console_sessions(officer);

CREATE TABLE login_addresses (
  address      TEXT PRIMARY KEY,
  failures     BIGINT NOT NULL,
  window_start BIGINT NOT NULL,
  locked_until BIGINT NOT NULL
);

CREATE TABLE alert_acks (
  event_id   BIGINT PRIMARY KEY,
  officer    TEXT NOT NULL,
  acked_at   BIGINT NOT NULL,
  command_id BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE exports (
  id              BIGSERIAL PRIMARY KEY,
  lanes           TEXT NOT NULL,
  from_time       BIGINT NOT NULL,
  to_time         BIGINT NOT NULL,
  purpose         TEXT NOT NULL,
  requested_by    TEXT NOT NULL,
  requested_at    BIGINT NOT NULL,
  state           TEXT NOT NULL CHECK (state IN ('pending', 'code_issued', 'downloaded', 'void')),
  code_hash       TEXT NOT NULL DEFAULT '',
  code_issued_by  TEXT NOT NULL DEFAULT '',
  code_expires_at BIGINT NOT NULL DEFAULT 0,
  failed_codes    BIGINT NOT NULL DEFAULT 0,
  downloaded_at   BIGINT NOT NULL DEFAULT 0
);
)sql",
        // 3: audit rows erased by the retention purge from between kept rows (their time
        // is older than rows written before them) leave their link here, so the chain
        // still verifies across the gap (repo_audit_chain.h).
        R"sql(
CREATE TABLE audit_purged (
  id        BIGINT PRIMARY KEY,
  prev_hash TEXT NOT NULL,
  hash      TEXT NOT NULL
);
)sql",
    };
    return steps;
}

int latestSchemaVersion() {
    // The two lists move together; a mismatch is a programming error caught by the tests
    // (both backends report the same schemaVersion()).
    return static_cast<int>(sqliteMigrations().size());
}

}  // namespace kiosk::server::detail
