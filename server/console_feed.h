#pragma once
// The live feed of the supervision console: a thread in every server process asks the
// repository for what is new (device events by id, audit rows by id) every ~150 ms and
// publishes it to the consoles' event streams. Polling the shared database is what lets
// several processes over one PostgreSQL feed their own consoles without a broker: each
// process's consoles see every lane, whichever process the lane talked to.
// Event names and JSON: docs/console.md, "Live events".
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "server/http_server.h"
#include "server/repository.h"

namespace kiosk::server {

inline constexpr const char* kConsoleTopic = "console";

struct ConsoleFeedOptions {
    std::chrono::milliseconds interval{150};
    int pageSize = 1000;
    // A reconnecting console further behind than this many device events gets one
    // "reset" event (reload everything) instead of the whole backlog.
    int replayLimit = 5000;
    // An id not seen yet below a newer one (a PostgreSQL transaction that took an id
    // earlier but committed later, or a rolled-back insert) is waited for this long.
    std::chrono::milliseconds gapWait{3000};
};

class ConsoleFeed {
public:
    // publish(id, eventName, jsonData): id > 0 for device events (replayable), 0 otherwise.
    using Publish = std::function<void(int64_t id, const std::string& name, const std::string& json)>;

    ConsoleFeed(Repository& repo, Publish publish, ConsoleFeedOptions options = {});
    ~ConsoleFeed();  // stop()

    // Starts after what is already stored: events received from `now` - 2 s on, audit rows
    // newer than the newest one now. start() runs the thread; tests call begin() and
    // pollOnce() instead.
    core::Status begin(int64_t now);
    core::Status start(int64_t now);
    void stop();

    // One round: what was published (0 when nothing was new). Errors (database away) are
    // returned; the thread logs them and tries again next round.
    core::Result<size_t> pollOnce();

    // For HttpServer's replay: the console events after `afterId`, or one "reset" event
    // when more than replayLimit device events have come since.
    std::vector<SseEvent> replay(int64_t afterId);

    int64_t eventCursor() const;

private:
    core::Result<size_t> pollEvents();
    core::Result<size_t> pollAudit();
    void run();

    Repository& repo_;
    Publish publish_;
    ConsoleFeedOptions opt_;

    mutable std::mutex mu_;  // the cursors (pollOnce may race with eventCursor())
    int64_t floorReceived_ = 0;
    int64_t eventCursor_ = 0;  // the newest event id read
    std::map<int64_t, std::chrono::steady_clock::time_point> gaps_;  // missing ids below it, since when
    int64_t auditCursor_ = 0;

    std::mutex runMu_;
    std::condition_variable cv_;
    bool stop_ = false;
    std::thread thread_;
};

// The SSE form of a device event; nullopt for kinds the console does not show (scans).
// Names: "alert", "lane" (heartbeat), "lane_state", "crossing".
std::optional<SseEvent> consoleEventOf(const DeviceEvent& e);

}  // namespace kiosk::server
