#pragma once
// A loopback TCP proxy that injects network faults between a device and the clearance
// server (the fault tests of the sync). It passes the TLS bytes through untouched: it
// never decrypts; it only decides, per "turn", what happens to them.
//
// A turn is a burst of client->server bytes that starts a connection or follows bytes
// the server sent (HTTP/1.1 is request/answer, so on a kept-alive connection each request
// is one turn; the TLS handshake is one or two turns first). At the first chunk of every
// turn a seeded RNG decides:
//   - drop the request: the connection is cut (RST) before the bytes are forwarded;
//   - drop the answer: the bytes are forwarded, and the connection is cut as soon as the
//     server starts answering, discarding what it sent (the server did the work, the
//     client never learns it);
//   - delay: the turn's bytes are held back for `delayBy`;
//   - pass.
// The counters say what was done. "app" counters count only turns after the TLS
// handshake (a previous client turn carried an application-data record, type 23), so
// they are certainly HTTP requests / answers and not handshake messages.
//
// Real time (steady clock) only: the proxy is test scaffolding, not the system under test.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "core/result.h"

namespace kiosk::testing {

struct FaultPlan {
    // Shares of turns (0..1). The default affects 30 % of turns, in three equal parts.
    double dropRequest = 0.10;
    double dropAnswer = 0.10;
    double delay = 0.10;
    std::chrono::milliseconds delayBy{300};
    uint64_t seed = 1;
    // Every new connection is cut at once and every open one is cut (a lane "offline").
    bool blockAll = false;

    static FaultPlan none() { return FaultPlan{0, 0, 0}; }
};

struct FaultCounters {
    int64_t connections = 0;        // accepted from clients
    int64_t connectFailed = 0;      // the server was not there (client cut)
    int64_t blocked = 0;            // connections cut because of blockAll
    int64_t turns = 0;              // decisions made
    int64_t passed = 0;
    int64_t requestsDropped = 0;
    int64_t answersDropped = 0;     // the server's answer was discarded (it had sent bytes)
    int64_t delayed = 0;
    int64_t appRequestsDropped = 0; // of requestsDropped, after the TLS handshake
    int64_t appAnswersDropped = 0;  // of answersDropped, after the TLS handshake
    int64_t bytesUp = 0, bytesDown = 0;  // forwarded
};

class FaultProxy {
public:
    // Listens on 127.0.0.1:`listenPort` (0: any free port) and forwards to
    // 127.0.0.1:`targetPort`. Starts its thread.
    static core::Result<std::unique_ptr<FaultProxy>> start(int targetPort, FaultPlan plan = FaultPlan::none(),
                                                           int listenPort = 0);
    ~FaultProxy();  // stops the thread, closes every connection
    FaultProxy(const FaultProxy&) = delete;
    FaultProxy& operator=(const FaultProxy&) = delete;

    int port() const;
    std::string url() const;  // "https://127.0.0.1:<port>"

    // Both take effect for the next decision / the next connection; a plan with blockAll
    // also cuts every open connection. setPlan reseeds the RNG with plan.seed.
    void setPlan(const FaultPlan& plan);
    void setTarget(int targetPort);
    // Cuts every open connection (the next request of a client opens a new one).
    void cutAll();

    FaultCounters counters() const;
    int openConnections() const;
    // Bytes of the largest client turn fully forwarded to the server and not answered yet
    // (0: none): a test waits for a large one to kill the server in the middle of a batch.
    int64_t largestUnansweredTurn() const;

    struct Impl;

private:
    explicit FaultProxy(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace kiosk::testing
