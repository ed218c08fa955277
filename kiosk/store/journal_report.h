#pragma once
// Text views of the store for operators (kioskctl journal ...): references, hashes and
// reason codes only — never biometrics, document numbers or QR text.
#include <cstdint>
#include <string>

#include "core/result.h"
#include "kiosk/store/store.h"

namespace kiosk::store {

enum class JournalView { Crossings, Scans, Audit, Outbox, Stats };
core::Result<JournalView> parseJournalView(const std::string& s);  // "crossings", "scans", ...

struct JournalReportOptions {
    JournalView view = JournalView::Crossings;
    int64_t since = INT64_MIN;  // unix s
    std::string laneId;         // crossings only; empty: all
    int limit = 50;             // newest rows
};

// A plain-text table.
core::Result<std::string> journalReport(Store& store, const JournalReportOptions& options);

// The retention run: purge rows older than now - days, then one audit row
// "retention.purge" (time = now) with the counts.
core::Result<PurgeCounts> purgeWithAudit(Store& store, int64_t nowUnix, int64_t days, const std::string& actor);

}  // namespace kiosk::store
