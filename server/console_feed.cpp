#include "server/console_feed.h"

#include <cinttypes>
#include <cstdio>

#include "core/config.h"
#include "core/log.h"
#include "server/api_console.h"

namespace kiosk::server {
namespace {

using core::Json;
using SteadyClock = std::chrono::steady_clock;

Json parsedOr(const std::string& text, Json fallback) {
    auto j = Json::parse(text, nullptr, false);
    return j.is_discarded() ? fallback : j;
}

const char* eventNameOf(const std::string& kind) {
    if (kind == "alert") return "alert";
    if (kind == "heartbeat") return "lane";
    if (kind == "lane_state") return "lane_state";
    if (kind == "crossing") return "crossing";
    return nullptr;
}

// "command 12 applied" / "command 12 out_of_service to HZMB-A-07" (repo_common.cpp).
std::optional<int64_t> commandIdOf(const std::string& detail) {
    long long id = 0;
    if (std::sscanf(detail.c_str(), "command %lld", &id) != 1 || id <= 0) return std::nullopt;
    return static_cast<int64_t>(id);
}

// The console's own audit row of an acknowledgement (api_console_lanes.cpp):
// "alert 815 of HZMB-CP-01 acknowledged, command 13 from 10.0.0.5", actor "officer:NAME".
std::optional<Json> alertAckOf(const AuditRow& a) {
    long long alert = 0, command = 0;
    char lane[65] = {0};
    if (std::sscanf(a.detail.c_str(), "alert %lld of %64s acknowledged, command %lld", &alert, lane, &command) != 3)
        return std::nullopt;
    const std::string prefix = "officer:";
    const std::string by = a.actor.rfind(prefix, 0) == 0 ? a.actor.substr(prefix.size()) : a.actor;
    return Json{{"id", alert}, {"lane", lane}, {"acked", true}, {"acked_by", by}, {"acked_at", a.time}, {"command", command}};
}

}  // namespace

std::optional<SseEvent> consoleEventOf(const DeviceEvent& e) {
    const char* name = eventNameOf(e.kind);
    if (!name) return std::nullopt;
    Json j{{"id", e.id},
           {"device", e.deviceId},
           {"seq", e.seq},
           {"kind", e.kind},
           {"time", e.deviceTime},
           {"received_at", e.receivedAt},
           {"payload", parsedOr(e.payload, Json::object())}};
    return SseEvent{e.id, name, j.dump()};
}

ConsoleFeed::ConsoleFeed(Repository& repo, Publish publish, ConsoleFeedOptions options)
    : repo_(repo), publish_(std::move(publish)), opt_(options) {}

ConsoleFeed::~ConsoleFeed() { stop(); }

core::Status ConsoleFeed::begin(int64_t now) {
    // Device events: from a little before now (the received_at index keeps it cheap).
    int64_t cursor = 0;
    for (;;) {
        EventQuery q;
        q.afterId = cursor;
        q.fromReceived = now - 2;
        q.limit = opt_.pageSize;
        KIOSK_ASSIGN_OR_RETURN(auto rows, repo_.events(q));
        if (rows.empty()) break;
        cursor = rows.back().id;
        if (static_cast<int>(rows.size()) < opt_.pageSize) break;
    }
    // Audit rows have no time filter: the newest id by doubling then halving (a few dozen
    // one-row reads instead of paging through 31 days).
    auto exists = [&](int64_t after) -> core::Result<bool> {
        KIOSK_ASSIGN_OR_RETURN(auto rows, repo_.audit(after, 1));
        return !rows.empty();
    };
    int64_t lo = 0, hi = 1;
    for (;;) {
        KIOSK_ASSIGN_OR_RETURN(bool more, exists(hi));
        if (!more) break;
        lo = hi;
        hi *= 2;
    }
    // Invariant: a row above lo exists (or lo = 0), none above hi.
    while (hi - lo > 1) {
        const int64_t mid = lo + (hi - lo) / 2;
        KIOSK_ASSIGN_OR_RETURN(bool more, exists(mid));
        (more ? lo : hi) = mid;
    }
    KIOSK_ASSIGN_OR_RETURN(bool any, exists(lo));
    std::lock_guard lock(mu_);
    floorReceived_ = now - 2;
    eventCursor_ = cursor;
    auditCursor_ = any ? hi : lo;
    gaps_.clear();
    return {};
}

core::Status ConsoleFeed::start(int64_t now) {
    KIOSK_TRY(begin(now));
    {
        std::lock_guard lock(runMu_);
        stop_ = false;
    }
    thread_ = std::thread([this] { run(); });
    return {};
}

void ConsoleFeed::stop() {
    {
        std::lock_guard lock(runMu_);
        stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void ConsoleFeed::run() {
    bool failing = false;
    std::unique_lock lock(runMu_);
    while (!stop_) {
        lock.unlock();
        auto n = pollOnce();
        if (!n.ok() && !failing) core::logWarn("console.feed_failed", {{"code", n.error().code}, {"error", n.error().message}});
        if (n.ok() && failing) core::logInfo("console.feed_recovered");
        failing = !n.ok();
        lock.lock();
        // A full page: go on at once, the consoles are behind.
        if (n.ok() && *n >= static_cast<size_t>(opt_.pageSize)) continue;
        cv_.wait_for(lock, opt_.interval, [this] { return stop_; });
    }
}

int64_t ConsoleFeed::eventCursor() const {
    std::lock_guard lock(mu_);
    return eventCursor_;
}

core::Result<size_t> ConsoleFeed::pollOnce() {
    KIOSK_ASSIGN_OR_RETURN(size_t events, pollEvents());
    KIOSK_ASSIGN_OR_RETURN(size_t audit, pollAudit());
    return events + audit;
}

core::Result<size_t> ConsoleFeed::pollEvents() {
    std::lock_guard lock(mu_);
    EventQuery q;
    q.afterId = eventCursor_;
    q.fromReceived = floorReceived_;
    q.limit = opt_.pageSize;
    KIOSK_ASSIGN_OR_RETURN(auto rows, repo_.events(q));
    const auto now = SteadyClock::now();
    size_t published = 0;
    auto publishRow = [&](const DeviceEvent& e) {
        if (auto ev = consoleEventOf(e)) {
            publish_(ev->id, ev->name, ev->data);
            ++published;
        }
    };
    for (const auto& e : rows) {
        // Ids skipped below a newer one may still commit (PostgreSQL): wait for them a while.
        if (e.id - eventCursor_ > 1 && e.id - eventCursor_ <= 10000)
            for (int64_t id = eventCursor_ + 1; id < e.id; ++id) gaps_.emplace(id, now);
        eventCursor_ = e.id;
        publishRow(e);
    }
    if (!gaps_.empty()) {
        // One read over the whole span of missing ids; rows not missing are skipped.
        const int64_t lo = gaps_.begin()->first, hi = gaps_.rbegin()->first;
        EventQuery g;
        g.afterId = lo - 1;
        g.fromReceived = floorReceived_;
        g.limit = static_cast<int>(std::min<int64_t>(hi - lo + 1, 20000));
        KIOSK_ASSIGN_OR_RETURN(auto late, repo_.events(g));
        for (const auto& e : late) {
            auto it = gaps_.find(e.id);
            if (it == gaps_.end()) continue;
            gaps_.erase(it);
            publishRow(e);
        }
        for (auto it = gaps_.begin(); it != gaps_.end();)
            it = now - it->second >= opt_.gapWait ? gaps_.erase(it) : std::next(it);
    }
    // A full page: the caller polls again at once.
    return rows.size() >= static_cast<size_t>(opt_.pageSize) ? static_cast<size_t>(opt_.pageSize) : published;
}

core::Result<size_t> ConsoleFeed::pollAudit() {
    int64_t after;
    {
        std::lock_guard lock(mu_);
        after = auditCursor_;
    }
    KIOSK_ASSIGN_OR_RETURN(auto rows, repo_.audit(after, opt_.pageSize));
    size_t published = 0;
    for (const auto& a : rows) {
        after = a.id;
        if (a.action == "command.issue" || a.action == "command.result") {
            auto id = commandIdOf(a.detail);
            if (!id) continue;
            KIOSK_ASSIGN_OR_RETURN(auto cmd, repo_.command(*id));
            if (!cmd) continue;
            publish_(0, "command", consoleview::command(*cmd).dump());
        } else if (a.action == "console.alert_ack") {
            auto ack = alertAckOf(a);
            if (!ack) continue;
            publish_(0, "alert_ack", ack->dump());
        } else {
            // Other audit rows (logins, watchlist, exports) are not for every officer's
            // screen: the audit page (supervisor) reads them through the API.
            continue;
        }
        ++published;
    }
    std::lock_guard lock(mu_);
    auditCursor_ = after;
    return published;
}

std::vector<SseEvent> ConsoleFeed::replay(int64_t afterId) {
    std::vector<SseEvent> out;
    EventQuery q;
    q.afterId = afterId;
    q.limit = opt_.replayLimit + 1;
    auto rows = repo_.events(q);
    if (!rows.ok()) {
        core::logWarn("console.replay_failed", {{"code", rows.error().code}, {"error", rows.error().message}});
        // The stream still opens; the page reloads what it shows when told so.
        out.push_back(SseEvent{0, "reset", Json{{"reason", "unavailable"}}.dump()});
        return out;
    }
    if (static_cast<int>(rows->size()) > opt_.replayLimit) {
        // Moves the browser's Last-Event-ID forward so the next reconnect starts from here.
        out.push_back(SseEvent{eventCursor(), "reset", Json{{"reason", "too_far_behind"}}.dump()});
        return out;
    }
    for (const auto& e : *rows)
        if (auto ev = consoleEventOf(e)) out.push_back(std::move(*ev));
    return out;
}

}  // namespace kiosk::server
