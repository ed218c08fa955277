#include "kiosk/store/migrations.h"

namespace kiosk::store::detail {

const std::vector<std::string>& migrations() {
    static const std::vector<std::string> steps = {
        // 1: initial schema.
        R"sql(
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE enrolments (
  id               INTEGER PRIMARY KEY,
  reference        TEXT NOT NULL UNIQUE,
  document_hash    TEXT NOT NULL,
  document_masked  TEXT NOT NULL,
  residency        TEXT NOT NULL,
  date_of_birth    TEXT NOT NULL,
  channel          TEXT NOT NULL CHECK (channel IN ('machine', 'office')),
  enrolled_at      INTEGER NOT NULL,
  active           INTEGER NOT NULL CHECK (active IN (0, 1)),
  document_expiry  TEXT NOT NULL,
  face_descriptors BLOB            -- AES-256-GCM; NULL when none
);
CREATE INDEX enrolments_document ON enrolments(document_hash, active);
-- At most one active enrolment per document.
CREATE UNIQUE INDEX enrolments_one_active ON enrolments(document_hash) WHERE active = 1;

CREATE TABLE enrolment_fingers (
  enrolment_id      INTEGER NOT NULL REFERENCES enrolments(id) ON DELETE CASCADE,
  finger            TEXT NOT NULL,
  format_version    INTEGER NOT NULL,
  libfprint_version TEXT NOT NULL,
  template          BLOB NOT NULL, -- AES-256-GCM
  PRIMARY KEY (enrolment_id, finger)
);

CREATE TABLE crossings (
  id                  INTEGER PRIMARY KEY,
  time                INTEGER NOT NULL,
  lane_id             TEXT NOT NULL,
  outcome             TEXT NOT NULL CHECK (outcome IN ('passed', 'refused', 'aborted', 'fault')),
  enrolment_reference TEXT NOT NULL,
  qr_hash             TEXT NOT NULL,
  durations           TEXT NOT NULL,  -- JSON object stage -> ms, in order
  reason_count        INTEGER NOT NULL
);
CREATE INDEX crossings_time ON crossings(time);

CREATE TABLE crossing_reasons (
  crossing_id INTEGER NOT NULL REFERENCES crossings(id) ON DELETE CASCADE,
  position    INTEGER NOT NULL,
  code        TEXT NOT NULL,
  PRIMARY KEY (crossing_id, position)
) WITHOUT ROWID;

CREATE TRIGGER crossings_no_update BEFORE UPDATE ON crossings
BEGIN SELECT RAISE(ABORT, 'crossing journal is append-only'); END;
CREATE TRIGGER crossing_reasons_no_update BEFORE UPDATE ON crossing_reasons
BEGIN SELECT RAISE(ABORT, 'crossing journal is append-only'); END;

CREATE TABLE scans (
  id      INTEGER PRIMARY KEY,
  time    INTEGER NOT NULL,
  lane_id TEXT NOT NULL,
  qr_hash TEXT NOT NULL,
  verdict TEXT NOT NULL
);
CREATE INDEX scans_time ON scans(time);
CREATE INDEX scans_qr ON scans(qr_hash, time);

CREATE TABLE audit (
  id        INTEGER PRIMARY KEY,
  time      INTEGER NOT NULL,
  actor     TEXT NOT NULL,
  action    TEXT NOT NULL,
  detail    TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash      TEXT NOT NULL
);

CREATE TABLE replay (
  cti        TEXT PRIMARY KEY,
  expires_at INTEGER NOT NULL,
  qr_hash    TEXT NOT NULL,
  seen_at    INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX replay_seen ON replay(seen_at);

CREATE TABLE trust_state (
  id               INTEGER PRIMARY KEY CHECK (id = 1),
  signed_list      BLOB NOT NULL,
  fetched_at       INTEGER NOT NULL
);
-- trust.latest_time_seen (anti clock-rollback mark) and audit.* chain state live in meta.

CREATE TABLE outbox (
  id         INTEGER PRIMARY KEY,
  created_at INTEGER NOT NULL,
  kind       TEXT NOT NULL,
  payload    TEXT NOT NULL,
  attempts   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX outbox_created ON outbox(created_at);

CREATE TABLE watchlist (
  document_hash TEXT PRIMARY KEY,
  added_at      INTEGER NOT NULL
) WITHOUT ROWID;
)sql",
        // 2: when an enrolment stopped being active (replaced or deactivated), so the
        // retention purge can erase inactive enrolments and their biometrics.
        R"sql(
ALTER TABLE enrolments ADD COLUMN deactivated_at INTEGER;
UPDATE enrolments SET deactivated_at = enrolled_at WHERE active = 0;
CREATE INDEX enrolments_deactivated ON enrolments(deactivated_at) WHERE active = 0;
)sql",
        // 3: sync with the clearance service (docs/sync.md). The server deduplicates
        // events by (device, stream, outbox id), so an outbox id must never come back:
        // without AUTOINCREMENT SQLite reuses ids once the table has been emptied, and
        // the server would drop those new events as repeats. The table is rebuilt with
        // AUTOINCREMENT keeping its rows (sqlite_sequence starts at their largest id).
        // The stream id is random per store file, so a rebuilt store never collides
        // with the numbers of the old one.
        R"sql(
CREATE TABLE outbox_v3 (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  created_at INTEGER NOT NULL,
  kind       TEXT NOT NULL,
  payload    TEXT NOT NULL,
  attempts   INTEGER NOT NULL DEFAULT 0
);
INSERT INTO outbox_v3(id, created_at, kind, payload, attempts)
  SELECT id, created_at, kind, payload, attempts FROM outbox ORDER BY id;
DROP TABLE outbox;
ALTER TABLE outbox_v3 RENAME TO outbox;
CREATE INDEX outbox_created ON outbox(created_at);

-- Outbox rows the server refused (4xx for that one row): kept for the operator, never
-- resent, erased by the retention purge.
CREATE TABLE outbox_rejected (
  id          INTEGER PRIMARY KEY,
  created_at  INTEGER NOT NULL,
  kind        TEXT NOT NULL,
  payload     TEXT NOT NULL,
  attempts    INTEGER NOT NULL,
  rejected_at INTEGER NOT NULL,
  error       TEXT NOT NULL
);

-- Commands from the server already executed, with the answer given, so a repeat
-- delivery (answer lost on the way) is answered again without running it twice.
CREATE TABLE answered_commands (
  id          INTEGER PRIMARY KEY,
  answer      TEXT NOT NULL,
  answered_at INTEGER NOT NULL
);

INSERT OR IGNORE INTO meta(key, value) VALUES('sync.stream_id', lower(hex(randomblob(16))));
)sql",
        // 4: the tamper-evident journal (docs/store.md "Journal hash chains"). Crossings and
        // scans get their place in a hash chain (seq, prev_hash, hash); enrolment changes
        // get a chained table of their own; signed purge checkpoints. The rows already
        // there are chained by journal_chain.cpp's backfill in the same transaction, which
        // then adds the unique seq indexes and puts the append-only trigger back.
        R"sql(
DROP TRIGGER crossings_no_update;
ALTER TABLE crossings ADD COLUMN seq INTEGER;
ALTER TABLE crossings ADD COLUMN prev_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE crossings ADD COLUMN hash TEXT NOT NULL DEFAULT '';
ALTER TABLE scans ADD COLUMN seq INTEGER;
ALTER TABLE scans ADD COLUMN prev_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE scans ADD COLUMN hash TEXT NOT NULL DEFAULT '';

-- Every change to an enrolment (add, update, activate, deactivate, erase, and "carry":
-- restated at a purge so the newest state of a kept enrolment is never purged) with the
-- SHA-256 digest of the row and its fingers as stored after the change.
CREATE TABLE enrolment_changes (
  seq       INTEGER PRIMARY KEY,
  time      INTEGER NOT NULL,
  reference TEXT NOT NULL,
  change    TEXT NOT NULL,
  digest    TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash      TEXT NOT NULL
);
CREATE INDEX enrolment_changes_reference ON enrolment_changes(reference, seq);

-- One per purge that cut a chain: the anchors (last purged seq and hash) of every chain,
-- signed with the journal key (Ed25519, derived from the store key).
CREATE TABLE journal_checkpoints (
  id         INTEGER PRIMARY KEY,
  time       INTEGER NOT NULL,
  body       TEXT NOT NULL,
  public_key TEXT NOT NULL,
  signature  TEXT NOT NULL
);
)sql",
    };
    return steps;
}

}  // namespace kiosk::store::detail
