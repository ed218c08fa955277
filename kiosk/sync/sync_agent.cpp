// SyncAgent: lifecycle, background loops, commands, heartbeat, on-demand fetch, status.
// The transfers themselves (push, pulls) are in sync_transfer.cpp.
#include <filesystem>

#include <openssl/crypto.h>

#include "core/log.h"
#include "kiosk/sync/biometric_envelope.h"
#include "kiosk/sync/enrolment_wire.h"
#include "kiosk/sync/sync_agent_impl.h"

namespace kiosk::sync {

using core::Json;
using core::makeError;
using core::Result;
using core::Status;

namespace detail {

namespace {

const char* toString(CommandResult r) {
    switch (r) {
        case CommandResult::Applied: return "applied";
        case CommandResult::Refused: return "refused";
        case CommandResult::Failed: return "failed";
    }
    return "failed";
}

// What the server accepts as a detail: at most 200 characters of plain text.
std::string cleanDetail(std::string s) {
    for (char& c : s)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
    std::size_t chars = 0, i = 0;
    for (; i < s.size(); ++i) {
        if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
            if (chars == 200) break;
            ++chars;
        }
    }
    s.resize(i);
    return s;
}

bool isTransportCode(const std::string& code) {
    return code == "sync.unreachable" || code == "sync.timeout" || code == "sync.tls";
}

}  // namespace

core::Error answerError(const std::string& what, const HttpAnswer& a) {
    std::string detail;
    try {
        const Json j = Json::parse(a.body);
        if (j.is_object() && j.contains("error") && j["error"].is_object()) {
            const Json& e = j["error"];
            if (e.contains("code") && e["code"].is_string()) detail = e["code"].get<std::string>();
            if (e.contains("message") && e["message"].is_string()) detail += ": " + e["message"].get<std::string>();
        }
    } catch (const std::exception&) {
    }
    const std::string code = a.status >= 500 ? "sync.server_error" : "sync.refused";
    return makeError(code, what + ": HTTP " + std::to_string(a.status) + (detail.empty() ? "" : " " + detail));
}

Result<Json> answerJson(const std::string& what, const HttpAnswer& a) {
    try {
        Json j = Json::parse(a.body);
        if (!j.is_object()) return makeError("sync.protocol", what + ": the answer is not a JSON object");
        return j;
    } catch (const std::exception&) {
        return makeError("sync.protocol", what + ": the answer is not JSON");
    }
}

SyncAgentImpl::SyncAgentImpl(SyncOptions options, store::Store& store, core::Clock& clock,
                             std::vector<uint8_t> templateKey, std::string stream, int64_t firstStart,
                             int64_t lastEnrolmentSync)
    : options_(std::move(options)),
      store_(store),
      clock_(clock),
      templateKey_(std::move(templateKey)),
      stream_(std::move(stream)),
      firstStart_(firstStart),
      lastEnrolmentSync_(lastEnrolmentSync) {
    HttpClientOptions h;
    h.baseUrl = options_.serverUrl;
    h.certFile = options_.certFile;
    h.keyFile = options_.keyFile;
    h.caFile = options_.caFile;
    h.connectTimeout = options_.connectTimeout;
    h.requestTimeout = options_.requestTimeout;
    h.cancel = &stopping_;
    http_ = std::make_unique<HttpClient>(std::move(h));
}

SyncAgentImpl::~SyncAgentImpl() {
    stop();
    if (!templateKey_.empty()) OPENSSL_cleanse(templateKey_.data(), templateKey_.size());
}

void SyncAgentImpl::noteRound(const Status& s) {
    std::lock_guard lock(statusMu_);
    if (s.ok()) {
        status_.consecutiveFailures = 0;
        status_.serverReachable = true;
    } else {
        ++status_.consecutiveFailures;
        if (isTransportCode(s.error().code)) status_.serverReachable = false;
    }
}

void SyncAgentImpl::noteTransport(const Status& s) {
    // Only a verdict either way counts: a cancelled or oversized transfer says nothing.
    std::lock_guard lock(statusMu_);
    if (s.ok())
        status_.serverReachable = true;
    else if (isTransportCode(s.error().code))
        status_.serverReachable = false;
}

void SyncAgentImpl::loop(const char* name, core::Millis interval, const std::function<Status()>& round,
                         uint64_t seed) {
    Backoff backoff(options_.backoffMin, options_.backoffMax, seed);
    const bool network = std::string(name) != "heartbeat";
    while (!stopping_.load()) {
        Status s = round();
        if (stopping_.load()) break;
        if (network) noteRound(s);
        if (s.ok()) {
            if (backoff.failures() > 0) core::logInfo("sync.recovered", {{"loop", name}, {"failures", backoff.failures()}});
            backoff.reset();
            waitFor(clock_, interval, stopping_);
            continue;
        }
        const core::Millis delay = backoff.next();
        core::logWarn("sync.retry", {{"loop", name},
                                     {"code", s.error().code},
                                     {"message", s.error().message},
                                     {"failures", backoff.failures()},
                                     {"delay_ms", delay.count()}});
        waitFor(clock_, delay, stopping_);
    }
}

void SyncAgentImpl::start() {
    if (!threads_.empty()) return;
    stopping_ = false;
    const uint64_t seed = seedOrRandom(options_.backoffSeed);
    threads_.emplace_back([this, seed] { loop("push", options_.pushInterval, [this] { return pushPending(); }, seed + 1); });
    threads_.emplace_back([this, seed] { loop("pull", options_.pullInterval, [this] { return pullAll(); }, seed + 2); });
    if (isLane()) {
        const core::Millis after = options_.commandWait.count() > 0 ? core::Millis(0) : options_.pullInterval;
        threads_.emplace_back([this, seed, after] {
            loop("commands", after, [this] { return takeCommands(options_.commandWait); }, seed + 3);
        });
    }
    threads_.emplace_back([this, seed] {
        loop("heartbeat", options_.heartbeatInterval, [this] { return enqueueHeartbeat(); }, seed + 4);
    });
    core::logInfo("sync.started", {{"device", options_.deviceId}, {"role", options_.role}, {"server", options_.serverUrl}});
}

void SyncAgentImpl::stop() {
    if (threads_.empty()) return;
    stopping_ = true;
    for (auto& t : threads_)
        if (t.joinable()) t.join();
    threads_.clear();
    stopping_ = false;
    core::logInfo("sync.stopped", {{"device", options_.deviceId}});
}

Status SyncAgentImpl::syncOnce() {
    Status first;
    auto keep = [&first](Status s) {
        if (first.ok() && !s.ok()) first = std::move(s);
    };
    keep(maybeHeartbeat());
    keep(pushPending());
    keep(pullAll());
    if (isLane()) keep(takeCommands(core::Millis(0)));
    noteRound(first);
    return first;
}

// --- Heartbeat ----------------------------------------------------------------------------

Status SyncAgentImpl::enqueueHeartbeat() {
    std::lock_guard lock(heartbeatMu_);
    Json p = heartbeatSource_ ? heartbeatSource_() : Json();
    if (!p.is_object()) p = Json{{"lane", options_.deviceId}, {"state", "Idle"}, {"in_service", false}};
    const int64_t now = nowUnix();
    KIOSK_ASSIGN_OR_RETURN(p["enrolment_cursor"], store_.syncValue("enrolment_cursor"));
    const int64_t last = lastEnrolmentSync_.load();
    p["enrolment_age_s"] = last > 0 ? std::max<int64_t>(0, now - last) : int64_t{-1};
    KIOSK_ASSIGN_OR_RETURN(p["outbox_depth"], store_.outboxDepth());
    KIOSK_ASSIGN_OR_RETURN(p["trust_list_version"], store_.syncValue("trust_list_version"));
    KIOSK_TRY(store_.enqueueOutbox(now, "heartbeat", p.dump()));
    lastHeartbeat_ = clock_.monoNow();
    heartbeatSent_ = true;
    return {};
}

Status SyncAgentImpl::maybeHeartbeat() {
    {
        std::lock_guard lock(heartbeatMu_);
        if (heartbeatSent_ && clock_.monoNow() - lastHeartbeat_ < options_.heartbeatInterval) return {};
    }
    return enqueueHeartbeat();
}

// --- Commands -----------------------------------------------------------------------------

Status SyncAgentImpl::takeCommands(core::Millis wait) {
    std::lock_guard lock(commandMu_);
    const std::string what = "GET /v1/device/commands";
    auto a = http_->get("/v1/device/commands?wait_ms=" + std::to_string(wait.count()), wait + options_.requestTimeout);
    noteTransport(a.ok() ? Status() : Status(a.error()));
    if (!a.ok()) return a.error();
    if (a->status != 200) return answerError(what, *a);
    KIOSK_ASSIGN_OR_RETURN(Json j, answerJson(what, *a));
    if (!j.contains("commands") || !j["commands"].is_array())
        return makeError("sync.protocol", what + ": no \"commands\" array");
    for (const Json& c : j["commands"]) {
        if (!c.is_object() || !c.contains("id") || !c["id"].is_number_integer() || !c.contains("kind") ||
            !c["kind"].is_string())
            return makeError("sync.protocol", what + ": a command without id or kind");
        IncomingCommand in;
        in.id = c["id"].get<int64_t>();
        in.kind = c["kind"].get<std::string>();
        in.args = c.contains("args") && c["args"].is_object() ? c["args"] : Json::object();
        if (c.contains("issued_by") && c["issued_by"].is_string()) in.issuedBy = c["issued_by"].get<std::string>();
        if (c.contains("issued_at") && c["issued_at"].is_number_integer()) in.issuedAt = c["issued_at"].get<int64_t>();
        KIOSK_TRY(answerCommand(in));
    }
    return {};
}

Status SyncAgentImpl::answerCommand(const IncomingCommand& c) {
    KIOSK_ASSIGN_OR_RETURN(auto prior, store_.commandAnswer(c.id));
    std::string answer;
    if (prior) {
        // Executed before; only the answer was lost on the way.
        answer = *prior;
        core::logInfo("sync.command_repeat", {{"id", c.id}, {"kind", c.kind}});
    } else {
        CommandAnswer a{CommandResult::Refused, "the lane has no command handler"};
        if (onCommand_) a = onCommand_(c);
        answer = Json{{"result", toString(a.result)}, {"detail", cleanDetail(a.detail)}}.dump();
        KIOSK_TRY(store_.rememberCommandAnswer(c.id, answer, nowUnix()));
        core::logInfo("sync.command", {{"id", c.id}, {"kind", c.kind}, {"result", toString(a.result)}});
    }
    const std::string path = "/v1/device/commands/" + std::to_string(c.id) + "/result";
    auto r = http_->post(path, answer);
    noteTransport(r.ok() ? Status() : Status(r.error()));
    if (!r.ok()) return r.error();
    if (r->status == 200) return {};
    if (r->status == 404 || r->status == 409) {
        // Unknown or another lane's: nothing this lane can do about it.
        core::logWarn("sync.command_answer_refused", {{"id", c.id}, {"status", r->status}});
        return {};
    }
    if (r->status == 400 || r->status == 422) {
        // The detail was refused: the result alone still closes the command.
        Json bare = Json::parse(answer, nullptr, false);
        Json retry{{"result", bare.is_object() && bare.contains("result") ? bare["result"] : Json("failed")},
                   {"detail", ""}};
        auto r2 = http_->post(path, retry.dump());
        if (r2.ok() && r2->status == 200) return {};
        core::logError("sync.command_answer_refused", {{"id", c.id}, {"status", r->status}});
        return {};
    }
    return answerError("POST /v1/device/commands/{id}/result", *r);
}

// --- On demand ----------------------------------------------------------------------------

Result<bool> SyncAgentImpl::fetchEnrolment(const std::string& reference) {
    if (!isWireReference(reference)) return makeError("sync.bad_reference", "not a valid enrolment reference");
    const std::string what = "GET /v1/device/enrolments/{reference}";
    auto a = http_->get("/v1/device/enrolments/" + reference, options_.onDemandBudget);
    noteTransport(a.ok() ? Status() : Status(a.error()));
    if (!a.ok()) {
        core::logWarn("sync.fetch_failed", {{"reference", reference}, {"code", a.error().code}});
        return a.error();
    }
    if (a->status == 404) return false;
    if (a->status != 200) return answerError(what, *a);
    KIOSK_ASSIGN_OR_RETURN(Json j, answerJson(what, *a));
    auto outcome = applyEnrolment(j, "enrolment");
    if (!outcome.ok()) {
        core::logError("sync.fetch_unusable", {{"reference", reference}, {"code", outcome.error().code},
                                               {"message", outcome.error().message}});
        return outcome.error();
    }
    core::logInfo("sync.fetched", {{"reference", reference}});
    return *outcome != store::UpsertOutcome::Ignored && *outcome != store::UpsertOutcome::Deactivated;
}

// --- State --------------------------------------------------------------------------------

Freshness SyncAgentImpl::freshness(int64_t now) const {
    const int64_t last = lastEnrolmentSync_.load();
    // Never synced: the age counts from the store's first start, so a lane that has never
    // reached the server goes out of service once that is longer ago than the limit.
    const int64_t since = last > 0 ? last : firstStart_;
    const int64_t age = now - since;
    if (age > options_.enrolmentMaxAgeS) return Freshness::Stale;
    if (age > options_.enrolmentWarnAgeS) return Freshness::Warning;
    return Freshness::Fresh;
}

SyncStatus SyncAgentImpl::status() const {
    SyncStatus s;
    {
        std::lock_guard lock(statusMu_);
        s = status_;
    }
    s.lastEnrolmentSync = lastEnrolmentSync_.load();
    s.enrolmentCursor = store_.syncValue("enrolment_cursor").valueOr(0);
    s.outboxDepth = store_.outboxDepth().valueOr(-1);
    s.trustListVersion = store_.syncValue("trust_list_version").valueOr(0);
    s.healthRulesVersion = store_.syncValue("health_rules_version").valueOr(0);
    return s;
}

}  // namespace detail

// --- Factory ------------------------------------------------------------------------------

Result<std::unique_ptr<SyncAgent>> SyncAgent::create(SyncOptions o, store::Store& store, core::Clock& clock) {
    auto bad = [](const std::string& why) { return makeError("sync.config", why); };
    if (o.serverUrl.rfind("https://", 0) != 0) return bad("server: must be an https:// URL");
    if (o.deviceId.empty()) return bad("the device id is empty");
    if (o.role != "lane" && o.role != "registration") return bad("role: must be \"lane\" or \"registration\"");
    if (o.batchSize < 1 || o.batchSize > 500) return bad("batch_size: must be in [1, 500]");
    if (o.backoffMin.count() < 1 || o.backoffMax < o.backoffMin) return bad("backoff_min_ms/backoff_max_ms: need 1 <= min <= max");
    if (o.enrolmentMaxAgeS < o.enrolmentWarnAgeS) return bad("enrolment_max_age_s: must not be below enrolment_warn_age_s");
    for (const auto& [key, path] : {std::pair<const char*, const std::string*>{"cert_file", &o.certFile},
                                    {"key_file", &o.keyFile},
                                    {"ca_file", &o.caFile},
                                    {"template_key_file", &o.templateKeyFile}}) {
        std::error_code ec;
        if (path->empty() || !std::filesystem::is_regular_file(*path, ec))
            return bad(std::string(key) + ": file " + *path + " does not exist");
    }
    KIOSK_ASSIGN_OR_RETURN(std::vector<uint8_t> key, loadTemplateKey(o.templateKeyFile));
    KIOSK_ASSIGN_OR_RETURN(std::string stream, store.streamId());
    const int64_t now = core::toUnixSeconds(clock.wallNow());
    KIOSK_ASSIGN_OR_RETURN(int64_t firstStart, store.firstStart(now));
    KIOSK_ASSIGN_OR_RETURN(int64_t last, store.syncValue("last_enrolment_sync"));
    return std::unique_ptr<SyncAgent>(
        new detail::SyncAgentImpl(std::move(o), store, clock, std::move(key), std::move(stream), firstStart, last));
}

}  // namespace kiosk::sync
