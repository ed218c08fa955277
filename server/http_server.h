#pragma once
// The HTTPS transport of clearance-server: mutual TLS, HTTP/1.1 keep-alive, long polls,
// server-sent events. Two listeners use it: the devices' (client certificate required) and
// the browsers' of the supervision console (server certificate only).
// http_server.cpp is the only file that includes Boost.Beast/Asio; the API behind the
// Handler never sees a socket (server/http_types.h is the seam).
//
// - A few threads run one io_context; every connection is a handful of pending async
//   operations, so thousands of idle keep-alive connections and parked long polls hold no
//   thread.
// - TLS 1.2 or newer. A client certificate from the project CA is required, checked
//   against the CA's CRL (reloaded when the file changes), so a missing, foreign or
//   revoked certificate fails in the handshake and never reaches the handler.
// - Server-sent events (Response::stream): the connection becomes a subscriber of a topic;
//   publish() queues an event on every subscriber without waiting for any of them. Each
//   subscriber has a byte cap on what it has not yet taken: past it the connection is
//   dropped (the browser reconnects with Last-Event-ID and the replay callback fills in).
// - The handler runs on an io thread: it may block on the database for a short while
//   (milliseconds), never for long (long polls park instead).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "server/http_types.h"

namespace kiosk::server {

// Devices prove who they are with a certificate; officers' browsers have none (they log in).
enum class ClientAuth { Required, None };

// One event of a server-sent-event topic, as replayed to a reconnecting subscriber.
struct SseEvent {
    int64_t id = 0;    // > 0: sent as "id: N" (the browser's Last-Event-ID); 0: no id line
    std::string name;  // "event: NAME"
    std::string data;  // one line of JSON
};

// "id: N\nevent: NAME\ndata: DATA\n\n" (no id line when id is 0; a newline in data starts
// another data line, as the format requires).
std::string formatSseEvent(int64_t id, const std::string& name, const std::string& data);

struct HttpServerOptions {
    std::string address = "0.0.0.0";  // IPv4 or IPv6 literal
    uint16_t port = 8443;              // 0: any free port (HttpServer::port() tells which)

    std::filesystem::path certFile;      // server certificate (PEM, may hold the chain)
    std::filesystem::path keyFile;       // its private key
    ClientAuth clientAuth = ClientAuth::Required;
    std::filesystem::path clientCaFile;  // the project CA (ca.cert.pem); unused with ClientAuth::None
    std::filesystem::path crlFile;       // the CA's CRL (crl.pem); empty: no revocation check
    std::chrono::milliseconds crlReload{10000};  // mtime checked at most this often

    std::size_t maxBodyBytes = 1 << 20;     // larger: 413 api.too_large, connection closed
    std::size_t maxHeaderBytes = 16 * 1024; // larger: 431, connection closed
    std::size_t maxConnections = 10000;     // more: the connection is closed at once
    std::chrono::milliseconds idleTimeout{120000};    // keep-alive wait for the next request
    std::chrono::milliseconds requestTimeout{30000};  // handshake, body, answer
    std::chrono::milliseconds maxLongPoll{30000};     // cap on Response::park->maxWait
    int threads = 2;

    // Added to every answer of this listener, errors and event streams included (the
    // console's Content-Security-Policy and friends). A handler's own header of the same
    // name wins.
    std::vector<std::pair<std::string, std::string>> responseHeaders;

    // Server-sent events. A comment line every ssePing keeps proxies and the browser from
    // timing the stream out; a subscriber with more than sseQueueBytes not yet written is
    // dropped. replay(topic, afterId): the events after a reconnecting browser's
    // Last-Event-ID (runs on an io thread; may block briefly).
    std::chrono::milliseconds ssePing{15000};
    std::size_t sseQueueBytes = 1 << 20;
    std::function<std::vector<SseEvent>(const std::string& topic, int64_t afterId)> replay;

    // Multi-process wake-up source (PostgreSQL: another server process queued a command):
    // called every `pendingKeysInterval` while requests are parked; every key it names
    // is woken as by wake(). Runs on an io thread; may block briefly.
    std::function<std::vector<std::string>()> pendingKeys;
    std::chrono::milliseconds pendingKeysInterval{250};
};

using Handler = std::function<Response(const Request&, const Identity&)>;

class HttpServer {
public:
    // Loads the certificates, binds and listens, and starts the threads. Errors:
    // http.tls (certificate, key, CA or CRL unreadable or mismatched), http.bind,
    // http.bad_option.
    static core::Result<std::unique_ptr<HttpServer>> create(HttpServerOptions options, Handler handler);
    ~HttpServer();  // stop(0 ms) if still running

    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    uint16_t port() const;         // the bound port (useful with options.port = 0)
    std::string address() const;   // the bound address

    // Calls the handler again for requests parked under `key`. Thread-safe, any thread.
    void wake(const std::string& key);

    // Stops accepting, closes idle keep-alive connections, answers parked long polls now
    // (longPollExpired = true), lets requests in flight finish with "Connection: close"
    // for up to `deadline`, then closes what is left and joins the threads. Idempotent.
    void stop(std::chrono::milliseconds deadline = std::chrono::milliseconds(5000));

    // Queues the event on every subscriber of `topic` and returns at once (the writes
    // happen on the io threads). Thread-safe, any thread. A subscriber that already had
    // this id from the replay skips it.
    void publish(const std::string& topic, int64_t eventId, const std::string& eventName, const std::string& jsonData);

    // True when the io threads run a task posted now within `timeout`: the listener is
    // not wedged (every io thread stuck in a handler). The watchdog's health probe.
    bool responsive(std::chrono::milliseconds timeout) const;

    std::size_t connections() const;     // open connections (TLS or not yet)
    std::size_t parkedRequests() const;  // long polls waiting
    std::size_t subscribers() const;     // event streams open (all topics)
    std::size_t droppedSubscribers() const;  // streams closed for being too slow, since start

    class Impl;

private:
    explicit HttpServer(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

// Percent-decoding of a query string ("a=1&b=x%20y" -> {a: "1", b: "x y"}; '+' is a
// space). A malformed escape, an empty name or a repeated name is an error (api.bad_query).
core::Result<std::map<std::string, std::string>> parseQueryString(const std::string& query);

}  // namespace kiosk::server
