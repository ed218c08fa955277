#pragma once
// The supervision console's API (docs/console.md): one request in, one response out, over
// the Repository and the ConsoleRepository. No sockets, no clock reads (the transport
// passes the time), no exceptions out of handle(). Officers log in with a name and a
// password; the session is a cookie; state changes carry a CSRF token; every role check
// is here. Routing, sessions and login: api_console.cpp; lanes, alerts, commands, stats:
// api_console_lanes.cpp; watchlist, exports, officers, audit: api_console_admin.cpp;
// password hashing and secrets: api_console_secrets.cpp (console_secrets.h).
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/result.h"
#include "server/console_repository.h"
#include "server/console_secrets.h"
#include "server/http_types.h"
#include "server/notifier.h"
#include "server/repository.h"

namespace kiosk::server {

struct ConsoleOptions {
    int64_t idleTimeoutS = 30 * 60;          // a session unused this long ends
    int64_t sessionLifetimeS = 12 * 3600;    // and at the latest this long after login
    int64_t staleAfterS = 30;                // a lane not seen this long is shown stale
    // Lockout with backoff (docs/console.md, "Lockout with backoff").
    int64_t accountLockThreshold = 5;
    int64_t accountLockBaseS = 30;
    int64_t addressLockThreshold = 20;
    int64_t addressWindowS = 15 * 60;
    int64_t addressLockBaseS = 60;
    int64_t lockMaxS = 15 * 60;
    // Health-authority exports.
    int64_t exportCodeTtlS = 15 * 60;
    int64_t exportMaxCodeFailures = 5;
    int64_t exportMaxWindowS = 31LL * 24 * 3600;
    size_t maxBodyBytes = 64 * 1024;
    PasswordCost passwordCost;               // Argon2id parameters
};

// Officer roles in rising order.
enum class OfficerRole { Officer = 1, Supervisor = 2, Admin = 3 };
const char* toString(OfficerRole r);  // "officer", "supervisor", "admin"
std::optional<OfficerRole> parseOfficerRole(const std::string& s);
bool isOfficerName(std::string_view s);         // [A-Za-z0-9._-]{1,64}
bool isAcceptablePassword(std::string_view s);  // 12-128 characters, no control characters

inline constexpr const char* kSessionCookie = "ech_session";

class ConsoleApi {
public:
    ConsoleApi(Repository& repo, ConsoleRepository& console, ConsoleOptions opt = {});

    // Never throws. `nowUnix` stamps whatever is stored (the server's clock).
    Response handle(const Request& req, int64_t nowUnix);

    // Called with the lane's id after a command was queued for it (wakes its long poll).
    void setCommandNotifier(std::function<void(const std::string& deviceId)> f);
    // Called after a console action others should see at once: `type` "alert_ack" or
    // "command", `json` an object text as the matching GET shows it (the live feed).
    void setFeedNotifier(std::function<void(const std::string& type, const std::string& json)> f);

    // Sessions past their idle or absolute limit (the server's hourly purge may call it).
    core::Result<int64_t> purgeSessions(int64_t nowUnix);

    const ConsoleOptions& options() const { return opt_; }

private:
    enum class Access { Anyone, Session, Officer, Supervisor, Admin };
    struct Call {
        const Request& req;
        int64_t now;
        std::vector<std::string> params;
        core::Json body;
        Session session;            // empty for Access::Anyone
        OfficerRole role = OfficerRole::Officer;
    };
    using Handler = Response (ConsoleApi::*)(Call&);
    struct Route {
        const char* method;
        const char* pattern;        // "{}" is one path segment
        Access access;
        Handler handler;
    };
    static const std::vector<Route>& routes();

    Response dispatch(const Request& req, int64_t now);
    std::string actor(const Call& c) const { return "officer:" + c.session.officer; }
    // Appends to the audit chain with the officer and the remote address; an error is the
    // answer to give.
    std::optional<Response> audit(const Call& c, const std::string& action, const std::string& detail,
                                  const std::string& subject = "");
    void notifyCommand(const std::string& deviceId);
    void notifyFeed(const std::string& type, const core::Json& j);

    // api_console.cpp
    Response postLogin(Call& c);
    Response postLogout(Call& c);
    Response getMe(Call& c);

    // api_console_lanes.cpp
    Response getLanes(Call& c);
    Response getLane(Call& c);
    Response postLaneCommand(Call& c);
    Response getCommand(Call& c);
    Response getAlerts(Call& c);
    Response postAlertAck(Call& c);
    Response getEnrolment(Call& c);
    Response getStats(Call& c);
    Response getStream(Call& c);

    // api_console_admin.cpp
    Response getWatchlist(Call& c);
    Response postWatchlist(Call& c);
    Response deleteWatchlist(Call& c);
    Response getExports(Call& c);
    Response postExport(Call& c);
    Response postExportCode(Call& c);
    Response postExportDownload(Call& c);
    Response getAudit(Call& c);
    Response getAuditVerify(Call& c);
    Response getOfficers(Call& c);
    Response postOfficer(Call& c);
    Response postOfficerDisable(Call& c);
    Response postOfficerEnable(Call& c);
    Response postOfficerPassword(Call& c);
    Response postOfficerRole(Call& c);
    Response officerChange(Call& c, const std::string& action);

    Repository& repo_;
    ConsoleRepository& console_;
    ConsoleOptions opt_;
    std::string dummyHash_;  // verified against when the name is unknown: same work either way
    Notifier<const std::string&> commandNotifier_;
    Notifier<const std::string&, const std::string&> feedNotifier_;
};

// Shared by the api_console*.cpp files.
namespace consoleview {
// "HZMB-CP-01" -> "HZMB-CP"; an id without a numeric last part is its own control point.
std::string controlPointOf(const std::string& laneId);
core::Json tile(const LaneSummary& s, int64_t now, int64_t staleAfterS);
core::Json alert(const AlertView& a);
core::Json command(const LaneCommand& c);
core::Json officer(const Officer& o);
core::Json exportRequest(const ExportRequest& e);
core::Json auditRow(const ChainedAuditRow& r);
}  // namespace consoleview

}  // namespace kiosk::server
