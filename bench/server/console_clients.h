#pragma once
// The open consoles of bench_server: N officers' browsers, each logged in through
// POST /v1/console/login and holding GET /v1/console/stream (server-sent events) on the
// console's listener, as an EventSource would. Each runs on its own thread with a
// blocking TLS connection (no client certificate), and notes when every `alert` event
// arrives, keyed by (lane, seq), so bench_server can measure event-to-screen time against
// the moment the lane's request left.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/result.h"

namespace kiosk::bench {

struct ConsoleClientOptions {
    int port = 0;                  // the console listener on 127.0.0.1
    std::string caFile;            // to verify the server's certificate
    std::string officer, password;
    int consoles = 5;
};

class ConsoleClients {
public:
    using Clock = std::chrono::steady_clock;
    using AlertKey = std::pair<std::string, int64_t>;  // lane, seq

    // Logs every console in and opens its stream; an error when any cannot.
    static core::Result<std::unique_ptr<ConsoleClients>> start(const ConsoleClientOptions& o);
    ~ConsoleClients();  // stop()
    void stop();

    // Per console: when each alert arrived (the first time; a repeat is counted apart).
    std::vector<std::map<AlertKey, Clock::time_point>> arrivals() const;
    int64_t duplicates() const { return duplicates_.load(); }
    int64_t events() const { return events_.load(); }
    int64_t reconnects() const { return reconnects_.load(); }

private:
    struct Console;
    ConsoleClients() = default;
    void run(Console& c);

    ConsoleClientOptions opt_;
    std::vector<std::unique_ptr<Console>> consoles_;
    std::atomic<bool> stop_{false};
    std::atomic<int64_t> duplicates_{0}, events_{0}, reconnects_{0};
    mutable std::mutex mu_;
};

}  // namespace kiosk::bench
