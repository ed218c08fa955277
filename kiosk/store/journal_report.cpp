#include "kiosk/store/journal_report.h"

#include <cinttypes>
#include <cstdarg>
#include <cstdio>

#include "core/clock.h"

namespace kiosk::store {

namespace {

std::string iso(int64_t t) { return core::formatIsoUtc(core::fromUnixSeconds(t)); }

void appendf(std::string& out, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
void appendf(std::string& out, const char* fmt, ...) {
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    const int n = std::vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n > 0) out.append(buf, static_cast<std::size_t>(std::min<int>(n, sizeof buf - 1)));
}

std::string join(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
    return out.empty() ? "-" : out;
}

std::string shortHash(const std::string& h) { return h.empty() ? "-" : h.substr(0, 16); }

}  // namespace

core::Result<JournalView> parseJournalView(const std::string& s) {
    if (s == "crossings") return JournalView::Crossings;
    if (s == "scans") return JournalView::Scans;
    if (s == "audit") return JournalView::Audit;
    if (s == "outbox") return JournalView::Outbox;
    if (s == "stats") return JournalView::Stats;
    return core::makeError("store.invalid", "view must be crossings, scans, audit, outbox or stats (got '" + s + "')");
}

core::Result<std::string> journalReport(Store& st, const JournalReportOptions& o) {
    std::string out;
    const int limit = o.limit < 1 ? 1 : o.limit;
    switch (o.view) {
        case JournalView::Crossings: {
            CrossingQuery q;
            q.fromTime = o.since;
            q.laneId = o.laneId;
            q.limit = limit;
            KIOSK_ASSIGN_OR_RETURN(auto rows, st.crossings(q));
            appendf(out, "%-8s %-20s %-10s %-8s %-16s %-16s %s\n", "id", "time", "lane", "outcome", "enrolment", "qr",
                    "reasons");
            for (const auto& c : rows) {
                std::string durations;
                for (const auto& d : c.durations) durations += " " + d.stage + "=" + std::to_string(d.ms) + "ms";
                appendf(out, "%-8" PRId64 " %-20s %-10s %-8s %-16s %-16s %s%s\n", c.id, iso(c.time).c_str(),
                        c.laneId.c_str(), toString(c.outcome).c_str(),
                        c.enrolmentReference.empty() ? "-" : c.enrolmentReference.substr(0, 16).c_str(),
                        shortHash(c.qrHash).c_str(), join(c.reasons).c_str(), durations.c_str());
            }
            break;
        }
        case JournalView::Scans: {
            KIOSK_ASSIGN_OR_RETURN(auto rows, st.scansBetween(o.since, INT64_MAX));
            appendf(out, "%-8s %-20s %-10s %-16s %s\n", "id", "time", "lane", "qr", "verdict");
            int n = 0;
            for (const auto& r : rows) {
                if (n++ >= limit) break;
                appendf(out, "%-8" PRId64 " %-20s %-10s %-16s %s\n", r.id, iso(r.time).c_str(), r.laneId.c_str(),
                        shortHash(r.qrHash).c_str(), r.verdict.c_str());
            }
            break;
        }
        case JournalView::Audit: {
            KIOSK_ASSIGN_OR_RETURN(auto rows, st.auditEntries(0, 1 << 30));
            appendf(out, "%-8s %-20s %-12s %-22s %-16s %s\n", "id", "time", "actor", "action", "hash", "detail");
            std::vector<const AuditEntry*> shown;
            for (auto it = rows.rbegin(); it != rows.rend() && static_cast<int>(shown.size()) < limit; ++it)
                if (it->time >= o.since) shown.push_back(&*it);
            for (auto it = shown.rbegin(); it != shown.rend(); ++it) {
                const AuditEntry& a = **it;
                appendf(out, "%-8" PRId64 " %-20s %-12s %-22s %-16s %s\n", a.id, iso(a.time).c_str(), a.actor.c_str(),
                        a.action.c_str(), shortHash(a.hash).c_str(), a.detail.c_str());
            }
            break;
        }
        case JournalView::Outbox: {
            KIOSK_ASSIGN_OR_RETURN(auto rows, st.peekOutbox(limit));
            appendf(out, "%-8s %-20s %-14s %-8s %s\n", "id", "created", "kind", "attempts", "bytes");
            for (const auto& i : rows)
                if (i.createdAt >= o.since)
                    appendf(out, "%-8" PRId64 " %-20s %-14s %-8d %zu\n", i.id, iso(i.createdAt).c_str(), i.kind.c_str(),
                            i.attempts, i.payload.size());
            break;
        }
        case JournalView::Stats: {
            KIOSK_ASSIGN_OR_RETURN(auto c, st.counts());
            KIOSK_ASSIGN_OR_RETURN(auto s, st.settings());
            appendf(out, "schema version     %d\n", st.schemaVersion());
            appendf(out, "journal mode       %s, synchronous=%d, foreign_keys=%d\n", s.journalMode.c_str(), s.synchronous,
                    s.foreignKeys ? 1 : 0);
            appendf(out, "size               %.1f KiB\n", static_cast<double>(s.pageCount * s.pageSize) / 1024.0);
            appendf(out, "enrolments         %" PRId64 " (%" PRId64 " active)\n", c.enrolments, c.activeEnrolments);
            appendf(out, "crossings          %" PRId64 "\n", c.crossings);
            appendf(out, "scans              %" PRId64 "\n", c.scans);
            appendf(out, "audit rows         %" PRId64 "\n", c.audit);
            appendf(out, "outbox             %" PRId64 "\n", c.outbox);
            appendf(out, "replay entries     %" PRId64 "\n", c.replay);
            appendf(out, "watchlist          %" PRId64 "\n", c.watchlist);
            break;
        }
    }
    return out;
}

core::Result<PurgeCounts> purgeWithAudit(Store& st, int64_t nowUnix, int64_t days, const std::string& actor) {
    if (days < 1 || days > 3650) return core::makeError("store.invalid", "retention days must be in [1, 3650]");
    const int64_t cutoff = nowUnix - days * 24 * 3600;
    KIOSK_ASSIGN_OR_RETURN(PurgeCounts n, st.purgeOlderThan(cutoff));
    const std::string detail = "cutoff=" + iso(cutoff) + " crossings=" + std::to_string(n.crossings) +
                               " scans=" + std::to_string(n.scans) + " outbox=" + std::to_string(n.outbox) +
                               " replay=" + std::to_string(n.replay) + " audit=" + std::to_string(n.audit) +
                               " inactive_enrolments=" + std::to_string(n.inactiveEnrolments);
    KIOSK_TRY(st.appendAudit(nowUnix, actor.empty() ? "system" : actor, "retention.purge", detail));
    return n;
}

}  // namespace kiosk::store
