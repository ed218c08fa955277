#include "server/api_journal_anchors.h"

#include <algorithm>
#include <set>
#include <utility>

#include "core/config.h"
#include "core/log.h"

namespace kiosk::server {

namespace {

constexpr const char* kChainNames[] = {"crossings", "scans", "audit", "enrolments"};

bool isAnchor(const DeviceEvent& e) { return e.kind == "journal_anchor"; }

}  // namespace

std::optional<std::string> compareJournalAnchors(const DeviceEvent& previous, const DeviceEvent& next) {
    if (previous.stream != next.stream) return std::string(kJournalStoreReplaced);
    auto a = core::parseJsonText(previous.payload, "anchor");
    auto b = core::parseJsonText(next.payload, "anchor");
    if (!a.ok() || !b.ok() || !a->is_object() || !b->is_object()) return std::string(kJournalRewritten);
    // A store keeps its journal key for life: another key signs another journal.
    if (a->value("public_key", "") != b->value("public_key", "")) return std::string(kJournalRewritten);
    for (const char* name : kChainNames) {
        const auto& ca = (*a)["chains"][name];
        const auto& cb = (*b)["chains"][name];
        if (!ca.is_object() || !cb.is_object() || !ca["seq"].is_number_integer() || !cb["seq"].is_number_integer())
            return std::string(kJournalRewritten);
        const auto sa = ca["seq"].get<int64_t>(), sb = cb["seq"].get<int64_t>();
        if (sb < sa) return std::string(kJournalRewritten);  // rows taken back
        if (sb == sa && ca.value("hash", "") != cb.value("hash", "")) return std::string(kJournalRewritten);
    }
    return std::nullopt;
}

core::Result<std::vector<DeviceEvent>> journalAnchorAlerts(Repository& repo, const std::string& deviceId,
                                                           const std::vector<DeviceEvent>& incoming, int64_t now) {
    std::vector<const DeviceEvent*> fresh;
    for (const auto& e : incoming)
        if (isAnchor(e)) fresh.push_back(&e);
    std::vector<DeviceEvent> alerts;
    if (fresh.empty()) return alerts;

    // The device's stored anchors: one an hour, kept 31 days, so a few hundred rows.
    std::optional<DeviceEvent> last;
    std::set<std::pair<std::string, int64_t>> stored;
    EventQuery q;
    q.deviceId = deviceId;
    q.kind = "journal_anchor";
    q.limit = 1000;
    for (;;) {
        KIOSK_ASSIGN_OR_RETURN(auto page, repo.events(q));
        for (auto& e : page) {
            stored.emplace(e.stream, e.seq);
            q.afterId = e.id;
            last = std::move(e);
        }
        if (static_cast<int>(page.size()) < q.limit) break;
    }
    std::sort(fresh.begin(), fresh.end(), [](const DeviceEvent* x, const DeviceEvent* y) { return x->seq < y->seq; });
    for (const DeviceEvent* e : fresh) {
        if (stored.count({e->stream, e->seq})) continue;  // resent: compared when first stored
        if (last) {
            if (auto why = compareJournalAnchors(*last, *e)) {
                core::logWarn("api.journal_anchor_mismatch", {{"device", deviceId}, {"reason", *why}, {"seq", e->seq}});
                DeviceEvent a;
                a.deviceId = deviceId;
                a.stream = kServerAlertStream;
                a.seq = e->seq;
                a.kind = "alert";
                a.deviceTime = now;
                a.receivedAt = now;
                a.payload = core::Json{{"lane", deviceId}, {"reason", *why}, {"raised_by", "server"}, {"anchor_seq", e->seq}}
                                .dump();
                alerts.push_back(std::move(a));
            }
        }
        last = *e;
    }
    return alerts;
}

}  // namespace kiosk::server
