#pragma once
// The clearance service's API (docs/api.md): one request in, one response out, over a
// Repository. No sockets, no clock reads (the transport passes the time), no exceptions
// out of handle(). Routing and role checks are in api.cpp, the device handlers in
// api_device.cpp, the admin handlers in api_admin.cpp, strict JSON reading in api_json.cpp.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/config.h"
#include "core/result.h"
#include "server/http_types.h"
#include "server/notifier.h"
#include "server/repository.h"

namespace kiosk::server {

struct ApiOptions {
    int maxBatch = 500;                  // events per POST /v1/device/events
    size_t maxBodyBytes = 1 << 20;       // limits.max_body_bytes
    int64_t maxLongPollMs = 30000;       // upper bound of wait_ms
    int64_t defaultLongPollMs = 20000;   // wait_ms when absent (capped by maxLongPollMs)
    int maxPage = 1000;                  // limit= upper bound for paged reads
    int defaultPage = 500;               // limit= when absent
    size_t maxBiometricsChars = 256 * 1024;  // base64 text of the sealed envelope
    // A device's last_seen is written at most this often per device and process: one
    // commit per request on top of the request's own was half the ingest cost (bench_server).
    int64_t touchEverySeconds = 10;
};

class Api {
public:
    Api(Repository& repo, ApiOptions opt = {});

    // Never throws. `nowUnix` stamps whatever is stored (the server's clock).
    Response handle(const Request& req, const Identity& who, int64_t nowUnix);

    // Called with the lane's device id after an admin enqueued a command for it, so the
    // transport can wake that lane's parked long poll.
    void setCommandNotifier(std::function<void(const std::string& deviceId)> f);

    const ApiOptions& options() const { return opt_; }

private:
    struct Call {
        const Request& req;
        const Identity& who;
        int64_t now;
        std::vector<std::string> params;  // path parameters in order
        core::Json body;                  // parsed object for POST/PUT
    };
    using Handler = Response (Api::*)(Call&);

    Response dispatch(const Request& req, const Identity& who, int64_t now);
    core::Status touchThrottled(const std::string& deviceId, Role role, int64_t now);
    void notifyCommand(const std::string& deviceId);

    // api_device.cpp
    Response postEvents(Call& c);
    Response postDeviceEnrolment(Call& c);
    Response getEnrolments(Call& c);
    Response getEnrolment(Call& c);
    Response getWatchlist(Call& c);
    Response getTrustList(Call& c);
    Response getHealthRules(Call& c);
    Response getCommands(Call& c);
    Response postCommandResult(Call& c);
    Response getHealth(Call& c);

    // api_admin.cpp
    Response postAdminEnrolment(Call& c);
    Response getAdminEnrolment(Call& c);
    Response postWatchlist(Call& c);
    Response putTrustList(Call& c);
    Response putHealthRules(Call& c);
    Response postLaneCommand(Call& c);
    Response getCommand(Call& c);
    Response getDevices(Call& c);
    Response getEvents(Call& c);
    Response getAudit(Call& c);
    Response getStats(Call& c);

    // Shared by the device and the admin enrolment endpoints.
    core::Result<EnrolmentRecord> readEnrolment(const core::Json& obj, const std::string& path) const;
    Response storeEnrolment(const EnrolmentRecord& rec, const std::string& stream, int64_t seq,
                            const std::string& actor);

    struct Route {
        const char* method;
        const char* pattern;  // "/v1/device/commands/{}/result": {} is one path segment
        std::vector<Role> roles;
        Handler handler;
    };
    static const std::vector<Route>& routes();

    Repository& repo_;
    ApiOptions opt_;
    std::mutex touchMu_;
    std::unordered_map<std::string, int64_t> lastTouch_;  // device id -> last touchDevice time
    Notifier<const std::string&> notifier_;
};

// Response helpers shared by the api*.cpp files.
namespace apiresp {
Response json(int status, const core::Json& body);
Response error(int status, const std::string& code, const std::string& message);
// From an Error with an API code (status from the code).
Response error(const core::Error& e);
// From a repository error: repo.unavailable -> 503, repo.not_found -> 404,
// repo.conflict -> 409, repo.invalid -> 422, anything else -> 500 without details.
Response repoError(const core::Error& e, const char* operation);
// An enrolment as the API shows it; `biometrics` only for lanes (never for admins).
core::Json enrolmentJson(const EnrolmentRecord& r, bool withBiometrics);
}  // namespace apiresp

// In handlers: a failed check (an Error with an API code) becomes the error response.
#define KIOSK_API_TRY(expr)                                                   \
    do {                                                                      \
        auto&& kiosk_api_r_ = (expr);                                         \
        if (!kiosk_api_r_.ok()) return ::kiosk::server::apiresp::error(kiosk_api_r_.error()); \
    } while (0)
#define KIOSK_API_ASSIGN(decl, expr) KIOSK_API_ASSIGN_IMPL_(KIOSK_CONCAT_(kiosk_api_a_, __LINE__), decl, expr)
#define KIOSK_API_ASSIGN_IMPL_(tmp, decl, expr)                                  \
    auto tmp = (expr);                                                           \
    if (!tmp.ok()) return ::kiosk::server::apiresp::error(tmp.error());          \
    decl = std::move(tmp).value()
// A repository call: its error becomes 503/404/409/500 (apiresp::repoError).
#define KIOSK_API_REPO(decl, expr, op) KIOSK_API_REPO_IMPL_(KIOSK_CONCAT_(kiosk_api_r_, __LINE__), decl, expr, op)
#define KIOSK_API_REPO_IMPL_(tmp, decl, expr, op)                                \
    auto tmp = (expr);                                                           \
    if (!tmp.ok()) return ::kiosk::server::apiresp::repoError(tmp.error(), op);  \
    decl = std::move(tmp).value()

}  // namespace kiosk::server
