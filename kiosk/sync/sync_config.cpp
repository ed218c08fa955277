// The "sync" section of the kiosk configuration (docs/sync.md lists every key).
#include <filesystem>
#include <vector>

#include "kiosk/sync/sync_agent.h"

namespace kiosk::sync {

using core::makeError;
using core::Millis;
using core::Result;

namespace {

const std::vector<std::string>& knownKeys() {
    static const std::vector<std::string> keys = {
        "server",           "cert_file",         "key_file",           "ca_file",
        "template_key_file", "push_interval_ms",  "pull_interval_ms",   "heartbeat_interval_ms",
        "request_timeout_ms", "connect_timeout_ms", "on_demand_budget_ms", "backoff_min_ms",
        "backoff_max_ms",   "command_wait_ms",   "batch_size",         "enrolment_warn_age_s",
        "enrolment_max_age_s"};
    return keys;
}

Result<std::string> existingFile(const core::ConfigView& v, const std::string& key, const std::string& baseDir) {
    KIOSK_ASSIGN_OR_RETURN(std::string value, v.string(key));
    if (value.empty()) return v.bad(key, "must name a file");
    std::filesystem::path p(value);
    if (p.is_relative() && !baseDir.empty()) p = std::filesystem::path(baseDir) / p;
    std::error_code ec;
    if (!std::filesystem::is_regular_file(p, ec)) return v.bad(key, "file " + p.string() + " does not exist");
    return p.string();
}

}  // namespace

Result<SyncOptions> syncOptionsFromConfig(const core::ConfigView& v, const std::string& deviceId,
                                          const std::string& baseDir) {
    if (!v.json().is_object()) return makeError("config.bad_value", (v.path().empty() ? "sync" : v.path()) + ": must be an object");
    KIOSK_TRY(v.onlyKeys(knownKeys(), "docs/sync.md"));
    if (deviceId.empty()) return makeError("config.missing_key", "the device id (lane id) is needed for the sync");

    SyncOptions o;
    o.deviceId = deviceId;
    KIOSK_ASSIGN_OR_RETURN(o.serverUrl, v.string("server"));
    if (o.serverUrl.rfind("https://", 0) != 0 || o.serverUrl.size() <= 8)
        return v.bad("server", "must be an https:// URL, e.g. https://clearance.example:8443");
    KIOSK_ASSIGN_OR_RETURN(o.certFile, existingFile(v, "cert_file", baseDir));
    KIOSK_ASSIGN_OR_RETURN(o.keyFile, existingFile(v, "key_file", baseDir));
    KIOSK_ASSIGN_OR_RETURN(o.caFile, existingFile(v, "ca_file", baseDir));
    KIOSK_ASSIGN_OR_RETURN(o.templateKeyFile, existingFile(v, "template_key_file", baseDir));

    auto ms = [&](const char* key, Millis fallback, int64_t lo, int64_t hi) -> Result<Millis> {
        KIOSK_ASSIGN_OR_RETURN(int64_t n, v.integerOr(key, fallback.count(), lo, hi));
        return Millis(n);
    };
    KIOSK_ASSIGN_OR_RETURN(o.pushInterval, ms("push_interval_ms", o.pushInterval, 10, 3600000));
    KIOSK_ASSIGN_OR_RETURN(o.pullInterval, ms("pull_interval_ms", o.pullInterval, 100, 86400000));
    KIOSK_ASSIGN_OR_RETURN(o.heartbeatInterval, ms("heartbeat_interval_ms", o.heartbeatInterval, 1000, 3600000));
    KIOSK_ASSIGN_OR_RETURN(o.requestTimeout, ms("request_timeout_ms", o.requestTimeout, 100, 120000));
    KIOSK_ASSIGN_OR_RETURN(o.connectTimeout, ms("connect_timeout_ms", o.connectTimeout, 50, 60000));
    KIOSK_ASSIGN_OR_RETURN(o.onDemandBudget, ms("on_demand_budget_ms", o.onDemandBudget, 50, 10000));
    KIOSK_ASSIGN_OR_RETURN(o.backoffMin, ms("backoff_min_ms", o.backoffMin, 10, 600000));
    KIOSK_ASSIGN_OR_RETURN(o.backoffMax, ms("backoff_max_ms", o.backoffMax, 10, 3600000));
    if (o.backoffMax < o.backoffMin) return v.bad("backoff_max_ms", "must not be below backoff_min_ms");
    KIOSK_ASSIGN_OR_RETURN(o.commandWait, ms("command_wait_ms", o.commandWait, 0, 30000));
    KIOSK_ASSIGN_OR_RETURN(int64_t batch, v.integerOr("batch_size", o.batchSize, 1, 500));
    o.batchSize = static_cast<int>(batch);
    KIOSK_ASSIGN_OR_RETURN(o.enrolmentWarnAgeS, v.integerOr("enrolment_warn_age_s", o.enrolmentWarnAgeS, 60, 31LL * 86400));
    KIOSK_ASSIGN_OR_RETURN(o.enrolmentMaxAgeS, v.integerOr("enrolment_max_age_s", o.enrolmentMaxAgeS, 60, 31LL * 86400));
    if (o.enrolmentMaxAgeS < o.enrolmentWarnAgeS)
        return v.bad("enrolment_max_age_s", "must not be below enrolment_warn_age_s");
    return o;
}

}  // namespace kiosk::sync
