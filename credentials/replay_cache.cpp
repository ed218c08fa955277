#include "credentials/replay_cache.h"

#include <fstream>
#include <sstream>

#include "core/log.h"
#include "credentials/crossing_qr.h"
#include "credentials/cwt.h"

namespace kiosk::credentials {
namespace {
using Key = std::pair<int, std::string>;
Key keyOf(const ReplayEntry& e) { return {static_cast<int>(e.kind), e.key}; }
}  // namespace

ReplayCache::ReplayCache(ReplayOptions options) : options_(options) {
    if (options_.maxEntries < 2) options_.maxEntries = 2;
}

void ReplayCache::insertLocked(const ReplayEntry& e) {
    const Key k = keyOf(e);
    auto it = entries_.find(k);
    if (it != entries_.end()) {
        auto range = bySeen_.equal_range(it->second.seenAt);
        for (auto r = range.first; r != range.second; ++r)
            if (r->second == k) {
                bySeen_.erase(r);
                break;
            }
        entries_.erase(it);
    }
    entries_.emplace(k, e);
    bySeen_.emplace(e.seenAt, k);
    evictLocked();
}

void ReplayCache::evictLocked() {
    while (entries_.size() > options_.maxEntries && !bySeen_.empty()) {
        auto oldest = bySeen_.begin();
        entries_.erase(oldest->second);
        bySeen_.erase(oldest);
    }
}

void ReplayCache::purgeExpired(int64_t nowUnix) {
    std::lock_guard lock(mu_);
    for (auto it = bySeen_.begin(); it != bySeen_.end();) {
        auto e = entries_.find(it->second);
        if (e == entries_.end() || e->second.expiresAt < nowUnix) {
            if (e != entries_.end()) entries_.erase(e);
            it = bySeen_.erase(it);
        } else {
            ++it;
        }
    }
}

core::Status ReplayCache::check(const CrossingClaims& claims, std::string_view qrText, int64_t nowUnix) {
    return checkToken(claims.issuer, claims.tokenId, claims.expiresAt, qrText, nowUnix);
}

core::Status ReplayCache::checkToken(std::string_view issuer, std::string_view tokenId, int64_t expiresAt,
                                     std::string_view qrText, int64_t nowUnix) {
    const std::string textKey = core::sha256Hex(std::string(qrText));
    const std::string ctiKey = std::string(issuer) + "/" + std::string(tokenId);
    std::lock_guard lock(mu_);
    // Lazily drop a few expired entries from the oldest end (bounded work per call).
    for (int i = 0; i < 8 && !bySeen_.empty(); ++i) {
        auto oldest = bySeen_.begin();
        auto e = entries_.find(oldest->second);
        if (e != entries_.end() && e->second.expiresAt >= nowUnix) break;
        if (e != entries_.end()) entries_.erase(e);
        bySeen_.erase(oldest);
    }
    auto t = entries_.find({static_cast<int>(ReplayEntryKind::Text), textKey});
    if (t != entries_.end() && t->second.expiresAt >= nowUnix &&
        nowUnix - t->second.seenAt <= options_.duplicateWindowSeconds)
        return core::makeError("qr.duplicate_scan", "same QR scanned again within " +
                                                        std::to_string(options_.duplicateWindowSeconds / 60) + " minutes");
    auto c = entries_.find({static_cast<int>(ReplayEntryKind::TokenId), ctiKey});
    if (c != entries_.end() && c->second.expiresAt >= nowUnix)
        return core::makeError("qr.replayed", "token id seen before");
    insertLocked({ReplayEntryKind::Text, textKey, nowUnix, nowUnix + options_.duplicateWindowSeconds});
    insertLocked({ReplayEntryKind::TokenId, ctiKey, nowUnix,
                  std::max(expiresAt + options_.clockSkewSeconds, nowUnix + options_.clockSkewSeconds)});
    return {};
}

std::size_t ReplayCache::size() const {
    std::lock_guard lock(mu_);
    return entries_.size();
}

std::vector<ReplayEntry> ReplayCache::exportEntries() const {
    std::lock_guard lock(mu_);
    std::vector<ReplayEntry> out;
    out.reserve(entries_.size());
    for (const auto& [seen, k] : bySeen_) out.push_back(entries_.at(k));
    return out;
}

std::vector<ReplayEntry> ReplayCache::exportEntriesSince(int64_t seenAtOrAfter) const {
    std::lock_guard lock(mu_);
    std::vector<ReplayEntry> out;
    for (auto it = bySeen_.lower_bound(seenAtOrAfter); it != bySeen_.end(); ++it) out.push_back(entries_.at(it->second));
    return out;
}

void ReplayCache::importEntries(const std::vector<ReplayEntry>& entries, int64_t nowUnix) {
    std::lock_guard lock(mu_);
    for (const auto& e : entries) {
        if (e.expiresAt < nowUnix || e.key.empty()) continue;
        auto it = entries_.find(keyOf(e));
        if (it != entries_.end() && it->second.expiresAt >= e.expiresAt) continue;
        insertLocked(e);
    }
}

core::Status ReplayCache::saveFile(const std::filesystem::path& file) const {
    std::ostringstream ss;
    ss << "# kiosk replay cache v1\n";
    for (const auto& e : exportEntries())
        ss << (e.kind == ReplayEntryKind::TokenId ? "cti" : "text") << ' ' << e.seenAt << ' ' << e.expiresAt << ' '
           << toHex(e.key) << '\n';
    std::filesystem::path tmp = file;
    tmp += ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out << ss.str();
        if (!out) return core::makeError("io.write_failed", "cannot write " + tmp.string());
    }
    std::error_code ec;
    std::filesystem::rename(tmp, file, ec);
    if (ec) return core::makeError("io.write_failed", "cannot replace " + file.string());
    return {};
}

core::Status ReplayCache::loadFile(const std::filesystem::path& file, int64_t nowUnix) {
    std::ifstream in(file);
    if (!in) return core::makeError("io.read_failed", "cannot read " + file.string());
    std::vector<ReplayEntry> entries;
    std::string line;
    int lineNo = 0;
    while (std::getline(in, line)) {
        ++lineNo;
        if (line.empty() || line[0] == '#') continue;
        std::istringstream ls(line);
        std::string kind, hex;
        ReplayEntry e;
        if (!(ls >> kind >> e.seenAt >> e.expiresAt >> hex) || (kind != "cti" && kind != "text"))
            return core::makeError("io.bad_format", file.string() + ":" + std::to_string(lineNo) + ": bad entry");
        auto key = fromHex(hex);
        if (!key) return core::makeError("io.bad_format", file.string() + ":" + std::to_string(lineNo) + ": bad key");
        e.kind = kind == "cti" ? ReplayEntryKind::TokenId : ReplayEntryKind::Text;
        e.key = std::move(key).value();
        entries.push_back(std::move(e));
    }
    importEntries(entries, nowUnix);
    return {};
}

}  // namespace kiosk::credentials
