#pragma once
// The kiosk's local records in one SQLite file (WAL, synchronous=FULL): enrolment cache
// with encrypted biometrics, crossing journal, scan log, audit log (hash chain), replay
// cache and trust-list state, outbox to the clearance service, watchlist.
//
// Rules kept here:
// - No clock reads: every time is a parameter (unix seconds, UTC).
// - No clear document numbers: a SHA-256 hash (documentHash()) and a masked form only.
// - No QR text: its SHA-256 (qrHash()).
// - Biometric blobs are AES-256-GCM encrypted at rest (random 96-bit nonce per blob,
//   AAD = enrolment reference + column name); the 32-byte key lives in a separate file.
// - Every call is one transaction: a crossing appears with all its reasons or not at all.
// - Thread-safe (one connection behind a mutex).
#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace kiosk::store {

// Error codes (Error::code) produced by the store.
//   store.open_failed     the file cannot be opened/created (permissions, missing folder)
//   store.corrupt         not a SQLite database, or failed the integrity check
//   store.newer_schema    the file was written by a newer kiosk (schema version too high)
//   store.migration_failed
//   store.bad_key         key file missing, unreadable, not exactly 32 bytes, readable by
//                         group/others, or not the key this store's data was sealed with
//   store.no_key          a biometric column was needed but no key file was configured
//   store.decrypt_failed  wrong key or tampered ciphertext
//   store.key_exists      createKeyFile(): the file already exists (never overwritten)
//   store.busy            another process held the write lock longer than busyTimeoutMs
//   store.io              disk full, I/O error, read-only file system
//   store.crypto          the crypto library failed (random source, cipher setup)
//   store.sql             any other SQLite failure (message has the SQLite text)
//   store.not_found       the row named does not exist
//   store.invalid         a bad argument (empty reference, wrong blob size, ...)
//   store.audit_broken    verifyAuditChain(): a row was modified, deleted or inserted
//   store.journal_broken  verifyJournal(): the first modified, deleted, inserted, reordered
//                         or truncated row of each broken chain, named

inline constexpr int64_t kRetentionDays = 31;
inline constexpr int64_t kRetentionSeconds = kRetentionDays * 24 * 3600;
inline constexpr std::size_t kKeyBytes = 32;

using FaceDescriptor = std::vector<float>;  // as devices::FaceDescriptor: 128 (dlib) or 512 (ONNX) floats
// enrol()/upsertEnrolment() take at most this many descriptors per enrolment, each of 128 or
// 512 finite floats and all of one size (store.invalid otherwise).
inline constexpr std::size_t kMaxFaceDescriptors = 64;

enum class EnrolmentChannel { Machine, Office };
enum class Residency { HongKongPermanent, MacauPermanent, HongKongNonPermanent, MacauNonPermanent, Other };

std::string toString(EnrolmentChannel c);   // "machine" / "office"
std::string toString(Residency r);          // "hk_permanent", "mo_permanent", "hk_non_permanent", "mo_non_permanent", "other"
core::Result<EnrolmentChannel> parseEnrolmentChannel(const std::string& s);
core::Result<Residency> parseResidency(const std::string& s);

// SHA-256 hex of the normalised document number (upper case, only A-Z and 0-9 kept, so
// "k123456(7)" and "K1234567" hash the same). This is the only form used for lookups.
std::string documentHash(const std::string& documentNumber);
// SHA-256 hex of the QR text exactly as scanned.
std::string qrHash(const std::string& qrText);

struct FingerTemplate {
    std::string finger;            // position, e.g. "right_index", "left_thumb"
    int formatVersion = 1;         // version of the template format (ours)
    std::string libfprintVersion;  // libfprint version that produced it, e.g. "1.94.5"
    std::vector<uint8_t> data;     // fp_print_serialize() blob; plaintext only in memory
};

struct EnrolmentRow {
    int64_t id = 0;                 // assigned by the store
    std::string reference;          // opaque `sub` of the crossing QR (unique)
    std::string documentHash;       // documentHash(number)
    std::string documentMasked;     // core::maskDocumentNumber(number)
    Residency residency = Residency::HongKongPermanent;
    std::string dateOfBirth;        // "YYYY-MM-DD"
    EnrolmentChannel channel = EnrolmentChannel::Machine;
    int64_t enrolledAt = 0;         // unix s
    bool active = true;
    std::string documentExpiry;     // "YYYY-MM-DD"
    std::vector<FaceDescriptor> faceDescriptors;  // encrypted at rest
    std::vector<FingerTemplate> fingers;          // template bytes encrypted at rest
};

struct EnrolResult {
    EnrolmentRow row;                                // as stored (id set)
    std::optional<std::string> replacedReference;    // the old active enrolment, now inactive
};

// Reading an enrolment without its biometrics needs no key and is cheaper (eligibility
// checks); With decrypts them.
enum class Biometrics { Without, With };
enum class EnrolmentState { Active, Inactive };

enum class CrossingOutcome { Passed, Refused, Aborted, Fault };
std::string toString(CrossingOutcome o);  // "passed", "refused", "aborted", "fault"
core::Result<CrossingOutcome> parseCrossingOutcome(const std::string& s);

struct StageDuration {
    std::string stage;  // "qr", "eligibility", "face", "finger", "door1", "door2", "total", ...
    int64_t ms = 0;
    bool operator==(const StageDuration&) const = default;
};

struct CrossingRecord {
    int64_t id = 0;                   // assigned by the store
    int64_t time = 0;                 // unix s, the decision time
    std::string laneId;
    CrossingOutcome outcome = CrossingOutcome::Refused;
    std::vector<std::string> reasons; // shared reason codes, in order
    std::string enrolmentReference;   // opaque; empty when unknown
    std::string qrHash;               // qrHash(text); never the text
    std::vector<StageDuration> durations;
};

struct CrossingQuery {
    int64_t fromTime = INT64_MIN;  // inclusive
    int64_t toTime = INT64_MAX;    // inclusive
    std::string laneId;            // empty: all lanes
    int limit = 1000;              // newest first
};

struct ScanRecord {
    int64_t id = 0;
    int64_t time = 0;      // unix s
    std::string laneId;
    std::string qrHash;
    std::string verdict;   // "accepted" or a reason code ("qr.expired", ...)
};

struct AuditEntry {
    int64_t id = 0;        // consecutive, assigned by the store
    int64_t time = 0;      // unix s
    std::string actor;     // officer id or "system"
    std::string action;    // "enrolment.replace", "lane.open", ...
    std::string detail;    // no personal data (references, masked numbers, counts)
    std::string prevHash;  // hash of the previous row (or the purge anchor)
    std::string hash;      // SHA-256 hex over the canonical text of this row
};

struct AuditCheck {
    int64_t rowsChecked = 0;
    int64_t anchorId = 0;       // last purged row id (0: none purged)
    std::string anchorHash;     // its hash ("" when none)
    std::string headHash;       // hash of the newest row
};

// One hash chain of the journal (verifyJournal()).
struct ChainState {
    std::string name;        // "crossings", "scans", "audit", "enrolments" (enrolment changes)
    int64_t anchorSeq = 0;   // last purged position (0: nothing purged)
    std::string anchorHash;
    int64_t headSeq = 0;     // newest position
    std::string headHash;
    int64_t rowsChecked = 0;
};

struct JournalCheck {
    std::vector<ChainState> chains;
    int64_t enrolmentsChecked = 0;  // enrolment rows compared with their newest change
    int64_t checkpoints = 0;        // signed purge checkpoints verified
    std::string publicKey;          // hex Ed25519 journal key that signed them ("" none)
    bool publicKeyChecked = false;  // ... and it is the one derived from the store key given
};

// One chain head from a journal_anchor event (docs/api.md).
struct AnchoredHead {
    std::string chain;  // "crossings", "scans", "audit", "enrolments"
    int64_t seq = 0;
    std::string hash;
};

struct AnchorCheck {
    int64_t compared = 0;  // heads whose row (or purge anchor) has the stored hash
    int64_t purged = 0;    // heads before the kept rows: nothing left to compare with
    int64_t empty = 0;     // heads at seq 0 (the chain had no row yet)
};

struct ReplayEntry {
    std::string cti;       // token id (hex or text)
    int64_t expiresAt = 0; // unix s: when the entry can be forgotten
    std::string qrHash;
    int64_t seenAt = 0;    // unix s
    bool operator==(const ReplayEntry&) const = default;
};

struct TrustState {
    std::vector<uint8_t> signedList;  // the signed trust list exactly as received
    int64_t fetchedAt = 0;            // unix s when it was obtained
    int64_t latestTimeSeen = 0;       // anti clock-rollback high-water mark (never lowered)
};

struct OutboxMessage {
    std::string kind;
    std::string payload;
};

struct OutboxItem {
    int64_t id = 0;
    int64_t createdAt = 0;  // unix s
    std::string kind;       // "crossing", "lane_status", ...
    std::string payload;    // usually JSON
    int attempts = 0;
};

// What upsertEnrolment() did with a record received from the clearance service.
enum class UpsertOutcome {
    Inserted,     // new reference, now active
    Updated,      // known reference, fields or biometrics replaced
    Unchanged,    // known reference, same content: nothing written
    Deactivated,  // the record is inactive on the server: the local row was deactivated
    Ignored,      // inactive record not held here (or already inactive): nothing to do
};

struct UpsertResult {
    UpsertOutcome outcome = UpsertOutcome::Unchanged;
    std::optional<std::string> replacedReference;  // another active row of the same document, now inactive
};

// An outbox row the server refused (see Store::rejectOutbox).
struct RejectedOutboxItem {
    OutboxItem item;
    int64_t rejectedAt = 0;
    std::string error;  // "<code>: <message>" from the server; no personal data
};

struct PurgeCounts {
    int64_t crossings = 0, scans = 0, outbox = 0, replay = 0, audit = 0;
    int64_t inactiveEnrolments = 0;  // replaced/deactivated before the cutoff, with their biometrics
    int64_t rejectedOutbox = 0, answeredCommands = 0;
};

struct StoreCounts {
    int64_t enrolments = 0, activeEnrolments = 0, crossings = 0, scans = 0, audit = 0, outbox = 0,
            replay = 0, watchlist = 0;
};

// What the connection actually runs with (for `kioskctl journal show --what stats` and tests).
struct StoreSettings {
    std::string journalMode;  // "wal"
    int synchronous = 0;      // 2 = FULL
    bool foreignKeys = false;
    int busyTimeoutMs = 0;
    int64_t pageCount = 0, pageSize = 0;
    int pageCacheKiB = 0;
};

enum class IntegrityCheck { None, Quick };

// What a missing StoreOptions::keyFile means.
enum class MissingKey {
    Refuse,                // store.bad_key naming the file (kioskctl, tests)
    CreateForUnkeyedStore  // made (0600; a folder it creates is 0700) unless the store
                           // already holds data sealed with a key, which is refused
};

struct StoreOptions {
    // 32-byte AES-256 key file (see Store::createKeyFile). It must be a file with no
    // group/other permission bits (0600 or 0400), else store.bad_key. A key that is not
    // the one this store's biometrics were sealed with is store.bad_key as well (the
    // store keeps an HMAC key-check value in meta). Empty (and no keyBytes): the store
    // opens, but any call that reads or writes biometrics fails with store.no_key.
    std::filesystem::path keyFile;
    // The key itself, for runs that keep no key on disk (the headless demo and scenario
    // runs: their store is thrown away, so the key lives in memory only). When set,
    // keyFile is not used.
    std::vector<uint8_t> keyBytes;
    MissingKey missingKey = MissingKey::Refuse;
    int busyTimeoutMs = 5000;
    // SQLite's page cache per connection (PRAGMA cache_size). Small, so the lane's memory
    // is flat after its first few hundred crossings: its writes are appends and its reads
    // index lookups, and the kernel's page cache holds the rest of the file.
    int pageCacheKiB = 512;
    IntegrityCheck integrityCheck = IntegrityCheck::Quick;  // on open
    // Tests only: called inside the open transaction of appendCrossing() after the
    // crossing row and before its reasons ("crossing.row_written"), and of enrol() after
    // the enrolment row and before its outbox messages ("enrolment.row_written").
    std::function<void(std::string_view point)> testHook;
};

// Where a key file goes when the configuration names none: never beside the data.
// Root (a service): /etc/kiosk/<name>; anyone else: $XDG_CONFIG_HOME/kiosk/<name>, or
// $HOME/.config/kiosk/<name>.
std::filesystem::path defaultKeyFile(const std::string& name = "biometrics.key");

class Store {
public:
    // Opens (creating if absent) and migrates the database at `path`.
    static core::Result<std::unique_ptr<Store>> open(const std::filesystem::path& path, StoreOptions options = {});
    // Writes a new random 32-byte key with mode 0600; refuses to overwrite an existing file.
    static core::Status createKeyFile(const std::filesystem::path& path);
    // A new random 32-byte key (for StoreOptions::keyBytes).
    static core::Result<std::vector<uint8_t>> generateKey();
    static int latestSchemaVersion();

    ~Store();
    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;

    int schemaVersion() const;
    const std::filesystem::path& path() const;
    core::Result<StoreCounts> counts();
    core::Result<StoreSettings> settings();

    // --- Enrolments ---------------------------------------------------------------
    // Inserts a new active enrolment. An active enrolment with the same document hash is
    // deactivated in the same transaction, and an audit row records the replacement
    // (time = row.enrolledAt). Every enrolment gets an audit row "enrolment.add".
    // With `outbox` (a registration machine's "enrolment" for the clearance service), the
    // messages are queued in the same transaction (created_at = row.enrolledAt): both or neither.
    core::Result<EnrolResult> enrol(EnrolmentRow row, const std::string& actor,
                                    const std::vector<OutboxMessage>& outbox = {});
    core::Result<std::optional<EnrolmentRow>> findEnrolmentByReference(const std::string& reference,
                                                                       Biometrics biometrics = Biometrics::With);
    // The active enrolment for the document, or nullopt.
    core::Result<std::optional<EnrolmentRow>> findActiveEnrolmentByDocumentHash(
        const std::string& documentHash, Biometrics biometrics = Biometrics::With);
    core::Status setEnrolmentState(const std::string& reference, EnrolmentState state, int64_t time,
                                   const std::string& actor);

    // --- Crossing journal (append-only) -------------------------------------------
    // With `outbox`, the messages (e.g. the crossing for the clearance service) are queued
    // in the same transaction (created_at = record.time): both or neither.
    core::Result<int64_t> appendCrossing(const CrossingRecord& record, const std::vector<OutboxMessage>& outbox = {});
    core::Result<std::vector<CrossingRecord>> crossings(const CrossingQuery& query = {});

    // --- Scan log -----------------------------------------------------------------
    core::Result<int64_t> appendScan(const ScanRecord& record);
    // Scans with time in [from, to], newest first.
    core::Result<std::vector<ScanRecord>> scansBetween(int64_t fromUnix, int64_t toUnix);
    // Scans in the 12 hours up to `nowUnix` (inclusive), newest first.
    core::Result<std::vector<ScanRecord>> scansLast12Hours(int64_t nowUnix);

    // --- Audit log (hash chain) ---------------------------------------------------
    core::Result<int64_t> appendAudit(int64_t time, const std::string& actor, const std::string& action,
                                      const std::string& detail);
    core::Result<std::vector<AuditEntry>> auditEntries(int64_t afterId = 0, int limit = 1000);
    // Recomputes every hash; store.audit_broken names the first bad row.
    core::Result<AuditCheck> verifyAuditChain();

    // --- Tamper-evident journal (journal_chain.cpp, docs/store.md) ------------------
    // Crossings, scans, audit rows and enrolment changes are each a hash chain; every
    // enrolment row must match its newest change; purges leave a signed checkpoint.
    core::Result<JournalCheck> verifyJournal();
    // Queues a "journal_anchor" outbox event (docs/api.md): the head of every chain and
    // the journal public key, so the clearance service holds what the lane cannot rewrite.
    core::Result<int64_t> enqueueJournalAnchor(int64_t time, const std::string& device);
    // The hex Ed25519 public key that signs this store's checkpoints ("" without a key).
    std::string journalPublicKey() const;
    // Compares chain heads the clearance service stored (its journal_anchor events) with
    // this journal's rows: the row at each head's seq must have that hash. Together with
    // verifyJournal() this shows the journal is the one the server saw, also when it was
    // rewritten consistently with the key. store.journal_broken names the first head that
    // differs, whose row is missing, or that lies beyond the journal's head (rows deleted);
    // store.invalid for an unknown chain name. Heads before a purge anchor are not checkable.
    core::Result<AnchorCheck> checkAnchoredHeads(const std::vector<AnchoredHead>& heads);

    // --- Replay cache / trust list -------------------------------------------------
    // Upserts by cti (rows that did not change are not rewritten, so saving the whole
    // cache after each scan costs reads, not writes).
    core::Status saveReplayEntries(const std::vector<ReplayEntry>& entries);
    core::Result<std::vector<ReplayEntry>> loadReplayEntries();
    // Drops entries whose expiresAt < nowUnix; returns how many.
    core::Result<int64_t> dropExpiredReplayEntries(int64_t nowUnix);

    // Stores the trust list; latestTimeSeen = max(stored, given).
    core::Status saveTrustState(const TrustState& state);
    core::Result<std::optional<TrustState>> loadTrustState();
    // Raises the high-water mark only (max); returns the resulting mark.
    core::Result<int64_t> noteTimeSeen(int64_t unixTime);

    // --- Outbox ---------------------------------------------------------------------
    core::Result<int64_t> enqueueOutbox(int64_t createdAt, const std::string& kind, const std::string& payload);
    // Oldest first.
    core::Result<std::vector<OutboxItem>> peekOutbox(int limit = 100);
    core::Status ackOutbox(int64_t id);
    core::Status markOutboxAttempt(int64_t id);

    // --- Sync with the clearance service (store_sync.cpp, docs/sync.md) --------------
    // A scan and its outbox messages (created_at = record.time) in one transaction.
    core::Result<int64_t> appendScan(const ScanRecord& record, const std::vector<OutboxMessage>& outbox);
    // This store's outbox stream id: 32 random hex digits, made once (schema step 3) and
    // kept for the life of the file. Events are idempotent by (device, stream, outbox id).
    core::Result<std::string> streamId();
    // When this store was first started: nowUnix on the first call, the same value after.
    core::Result<int64_t> firstStart(int64_t nowUnix);
    // Named sync counters kept in meta ("enrolment_cursor", "watchlist_cursor",
    // "trust_list_version", "health_rules_version", "last_enrolment_sync", ...); 0 when
    // never set. Names: [a-z0-9_.]+.
    core::Result<int64_t> syncValue(const std::string& name);
    core::Status setSyncValue(const std::string& name, int64_t value);
    // Commands received from the server and already executed: the answer given (JSON
    // text), or nullopt. A repeat delivery is answered from here, not executed again.
    core::Result<std::optional<std::string>> commandAnswer(int64_t commandId);
    // Keeps the newest 1000 answers (commands are answered within seconds).
    core::Status rememberCommandAnswer(int64_t commandId, const std::string& answer, int64_t answeredAt);
    // Moves an outbox row the server refused to outbox_rejected (never resent, so one bad
    // row cannot block the queue); store.not_found when it is not in the outbox.
    core::Status rejectOutbox(int64_t id, const std::string& error, int64_t rejectedAt);
    core::Result<std::vector<RejectedOutboxItem>> rejectedOutbox(int limit = 100);
    core::Result<int64_t> outboxDepth();
    // An enrolment received from the clearance service, by reference (one transaction):
    // - active: inserted, or the row's fields and biometrics replaced (Unchanged when
    //   identical); another active row of the same document is deactivated at `time`
    //   with an audit row "enrolment.replace".
    // - inactive: the local row, if active, is deactivated ("enrolment.deactivate").
    // Biometrics are re-encrypted with this store's key.
    core::Result<UpsertResult> upsertEnrolment(EnrolmentRow row, int64_t time, const std::string& actor);

    // --- Watchlist (document hashes) ---------------------------------------------------
    core::Status addToWatchlist(const std::string& documentHash, int64_t addedAt);
    core::Status removeFromWatchlist(const std::string& documentHash);
    // Replaces the whole list (a sync from the clearance service), one transaction.
    core::Status replaceWatchlist(const std::vector<std::string>& documentHashes, int64_t addedAt);
    core::Result<bool> isWatchlisted(const std::string& documentHash);

    // --- Retention --------------------------------------------------------------------
    // Erases crossings, scans, outbox rows, replay entries (by seenAt) and audit rows with
    // time < cutoffUnix (a row exactly at the cutoff stays), and enrolments that became
    // inactive (replaced or deactivated) before the cutoff, biometrics included. The hash of the last purged
    // audit row becomes the chain anchor, so verifyAuditChain() still passes.
    // Callers pass now - kRetentionSeconds.
    core::Result<PurgeCounts> purgeOlderThan(int64_t cutoffUnix);

    struct Impl;

private:
    explicit Store(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace kiosk::store
