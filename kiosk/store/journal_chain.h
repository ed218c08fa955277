#pragma once
// Private to kiosk::store: the hash chains of the journal (crossings, scans, audit rows,
// enrolment changes), their back-fill at schema step 4, verification, the prefix purge
// and the signed checkpoints (docs/store.md "Journal hash chains").
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "kiosk/store/store_impl.h"

namespace kiosk::store::detail {

enum class Chain { Crossings, Scans, Audit, Enrolments };
inline constexpr Chain kChains[] = {Chain::Crossings, Chain::Scans, Chain::Audit, Chain::Enrolments};
const char* chainName(Chain c);

struct ChainLink {
    int64_t seq = 0;
    std::string hash;  // "" for seq 0 (nothing yet)
};

Result<ChainLink> chainHead(Store::Impl& s, Chain c);
Result<ChainLink> chainAnchor(Store::Impl& s, Chain c);

// The next link of a crossing or scan about to be inserted with id `id` (caller holds
// the transaction and inserts the row with seq/prev_hash/hash, then calls setChainHead).
std::string crossingHash(int64_t seq, int64_t id, const CrossingRecord& r, const std::string& prev);
std::string scanHash(int64_t seq, int64_t id, const ScanRecord& r, const std::string& prev);
Status setChainHead(Store::Impl& s, Chain c, const ChainLink& head);

// Appends an enrolment_changes row for `reference` with the digest of the row as it is
// now ("" when it does not exist); the caller holds the transaction.
Status appendEnrolmentChangeLocked(Store::Impl& s, int64_t time, const std::string& reference,
                                   const std::string& change);

// Schema step 4: chains the rows already there (same transaction as the step's SQL).
Status backfillJournal(Store::Impl& s);

// Purges the chained tables as prefixes (rows before the first one at/after the cutoff),
// moving each chain's anchor; erases inactive enrolments with an "erase" change; restates
// ("carry") kept enrolments whose newest change is purged; signs a checkpoint when an
// anchor moved. Caller holds the transaction.
Status purgeChainsLocked(Store::Impl& s, int64_t cutoff, PurgeCounts& counts);

Result<JournalCheck> verifyJournalLocked(Store::Impl& s);
Result<AnchorCheck> checkAnchoredHeadsLocked(Store::Impl& s, const std::vector<AnchoredHead>& heads);

// Shared with journal_verify.cpp.
namespace chain {
std::string crossingCanon(int64_t seq, int64_t id, int64_t time, const std::string& lane, const std::string& outcome,
                          const std::string& ref, const std::string& qr, const std::string& durations,
                          int64_t reasonCount, const std::vector<std::string>& reasons, const std::string& prev);
std::string scanCanon(int64_t seq, int64_t id, int64_t time, const std::string& lane, const std::string& qr,
                      const std::string& verdict, const std::string& prev);
std::string changeCanon(int64_t seq, int64_t time, const std::string& ref, const std::string& change,
                        const std::string& digest, const std::string& prev);
Result<std::string> enrolmentDigest(Store::Impl& s, const std::string& reference);
bool parseCheckpoint(const std::string& body, std::string* prev, std::map<std::string, ChainLink>* anchors);
}  // namespace chain

// The public half of the journal key (hex), "" without a store key.
std::string journalPublicKeyHex(const Store::Impl& s);

}  // namespace kiosk::store::detail
