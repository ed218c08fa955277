#pragma once
// The seam between the HTTP/TLS transport (http_server.cpp, the only file that includes
// Boost.Beast/Asio) and the API (api.cpp, pure request -> response over a Repository).
// The API never sees a socket; the transport never parses JSON bodies.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace kiosk::server {

enum class Role { None, Lane, Registration, Admin };
const char* toString(Role r);            // "none", "lane", "registration", "admin"
std::optional<Role> parseRole(const std::string& s);

// Who is calling, from the verified client certificate (mutual TLS): subject CN = device
// id, subject OU = role. A revoked or unknown-CA certificate never reaches the API.
struct Identity {
    Role role = Role::None;
    std::string deviceId;     // CN; for admin certificates the operator's name
    std::string certSerial;   // hex, for the audit trail
};

struct Request {
    std::string method;                          // "GET", "POST", "PUT", "DELETE"
    std::string path;                            // "/v1/device/events" (no query)
    std::map<std::string, std::string> query;    // decoded query parameters
    std::map<std::string, std::string> headers;  // lower-case names
    std::string body;
    // Set by the transport when it calls handle() again for a parked long poll whose
    // wait ran out: the API must answer now (e.g. an empty command list).
    bool longPollExpired = false;
    // The peer's address ("127.0.0.1"), for login lockout and the audit trail.
    std::string remoteAddress;
};

// Long poll: the API has nothing to return yet. The transport parks the request (no
// thread held) and calls handle() again when wake(key) is called or pending keys say so,
// or with longPollExpired = true after maxWait.
struct LongPoll {
    std::string key;  // device id
    std::chrono::milliseconds maxWait{0};
};

// Server-sent events (the supervision console): instead of closing the answer, the
// transport keeps the connection as a `text/event-stream` subscriber of `topic` and writes
// what HttpServer::publish(topic, ...) sends, starting with the events after
// `lastEventId` that the replay callback returns (a reconnecting browser's Last-Event-ID).
struct EventStream {
    std::string topic;        // "console"
    int64_t lastEventId = 0;  // 0: only new events
    std::string subscriber;   // who (officer name), for logs
};

struct Response {
    int status = 200;
    std::string body;  // JSON text
    std::string contentType = "application/json";
    std::vector<std::pair<std::string, std::string>> headers;
    std::optional<LongPoll> park;
    std::optional<EventStream> stream;
};

}  // namespace kiosk::server
