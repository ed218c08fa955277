#pragma once
// Comparing a device's journal anchors (docs/store.md "Anchors to the clearance service"):
// each anchor holds the heads of the device's four journal hash chains. The server cannot
// check a chain without its rows, but it can tell that a device went back on what it sent
// before: a chain whose head moved backwards, the same head seq with another hash, or a
// new signing key are a rewritten journal; a new store stream is a store that was
// replaced. Either raises an alert for the officers (a server-raised `alert` event).
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "server/repository.h"

namespace kiosk::server {

// The stream of alerts the server raises itself; refused as a device's stream.
inline constexpr const char* kServerAlertStream = "00000000000000000000000000000000";

inline constexpr const char* kJournalRewritten = "journal.rewritten";
inline constexpr const char* kJournalStoreReplaced = "journal.store_replaced";

// Why `next` cannot follow `previous` (both journal_anchor events of one device, payloads
// as the API checked them): kJournalRewritten, kJournalStoreReplaced, or nullopt when it
// can. A payload that does not parse is a rewrite as well (it was checked when stored).
std::optional<std::string> compareJournalAnchors(const DeviceEvent& previous, const DeviceEvent& next);

// The alerts to store with a batch of `incoming` events of one device: each new anchor
// compared with the one before it (stored, or earlier in the batch). Anchors already
// stored (a resent batch) are skipped. The alerts' payload: lane, reason, raised_by
// "server", the anchor's seq; keyed (device, kServerAlertStream, the anchor's seq).
core::Result<std::vector<DeviceEvent>> journalAnchorAlerts(Repository& repo, const std::string& deviceId,
                                                           const std::vector<DeviceEvent>& incoming, int64_t now);

}  // namespace kiosk::server
