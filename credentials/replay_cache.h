#pragma once
// Replay protection: a cti seen before is refused (qr.replayed); the same QR text again
// within 5 minutes raises the duplicate alert (qr.duplicate_scan). Bounded: entries
// expire (cti: token exp + skew; text: seen + 5 min) and a hard cap evicts oldest first.
// Thread-safe. Persist with exportEntries()/importEntries() (plain values).
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace kiosk::credentials {

struct CrossingClaims;

struct ReplayOptions {
    int64_t duplicateWindowSeconds = 300;
    int64_t clockSkewSeconds = 30;
    std::size_t maxEntries = 100000;
};

enum class ReplayEntryKind { TokenId, Text };

struct ReplayEntry {
    ReplayEntryKind kind = ReplayEntryKind::TokenId;
    std::string key;        // TokenId: issuer + "/" + cti hex; Text: SHA-256 hex of the QR text
    int64_t seenAt = 0;     // unix seconds
    int64_t expiresAt = 0;  // unix seconds; dropped after this
    bool operator==(const ReplayEntry&) const = default;
};

class ReplayCache {
public:
    explicit ReplayCache(ReplayOptions options = {});

    // qr.duplicate_scan when the same text was seen within the window (checked first),
    // qr.replayed when the cti was seen; on success records both.
    core::Status check(const CrossingClaims& claims, std::string_view qrText, int64_t nowUnix);
    // Same for any token (e.g. the health-code token): issuer + token id + its exp.
    core::Status checkToken(std::string_view issuer, std::string_view tokenId, int64_t expiresAt,
                            std::string_view qrText, int64_t nowUnix);

    void purgeExpired(int64_t nowUnix);
    std::size_t size() const;
    std::vector<ReplayEntry> exportEntries() const;
    // Entries first seen at or after `seenAtOrAfter` (what a scan just added), without
    // walking the whole cache.
    std::vector<ReplayEntry> exportEntriesSince(int64_t seenAtOrAfter) const;
    // Merges (keeps the later expiry); expired entries are dropped; the cap applies.
    void importEntries(const std::vector<ReplayEntry>& entries, int64_t nowUnix);
    // Plain text, one entry per line ("cti|text <seenAt> <expiresAt> <key>"); atomic replace.
    core::Status saveFile(const std::filesystem::path& file) const;
    core::Status loadFile(const std::filesystem::path& file, int64_t nowUnix);

private:
    void insertLocked(const ReplayEntry& e);
    void evictLocked();
    ReplayOptions options_;
    mutable std::mutex mu_;
    std::map<std::pair<int, std::string>, ReplayEntry> entries_;
    std::multimap<int64_t, std::pair<int, std::string>> bySeen_;  // oldest first
};

}  // namespace kiosk::credentials
