#pragma once
// Private to kiosk::sync: the SyncAgent implementation, split over sync_agent.cpp
// (lifecycle, threads, commands, heartbeat, on-demand fetch, status) and
// sync_transfer.cpp (outbox push, pulls by cursor and version).
#include <atomic>
#include <mutex>
#include <thread>

#include "kiosk/store/store.h"
#include "kiosk/sync/http_client.h"
#include "kiosk/sync/sync_agent.h"
#include "kiosk/sync/sync_backoff.h"

namespace kiosk::sync::detail {

// The error of a non-2xx answer: "sync.server_<status>" with the server's code and message.
core::Error answerError(const std::string& what, const HttpAnswer& a);
// The body of a 2xx answer as a JSON object (sync.protocol otherwise).
core::Result<core::Json> answerJson(const std::string& what, const HttpAnswer& a);

class SyncAgentImpl final : public SyncAgent {
public:
    SyncAgentImpl(SyncOptions options, store::Store& store, core::Clock& clock, std::vector<uint8_t> templateKey,
                  std::string stream, int64_t firstStart, int64_t lastEnrolmentSync);
    ~SyncAgentImpl() override;

    void onCommand(std::function<CommandAnswer(const IncomingCommand&)> f) override { onCommand_ = std::move(f); }
    void onTrustList(std::function<core::Status(const std::vector<uint8_t>&)> f) override { onTrustList_ = std::move(f); }
    void onHealthRules(std::function<core::Status(const core::Json&)> f) override { onHealthRules_ = std::move(f); }
    void heartbeatSource(std::function<core::Json()> f) override { heartbeatSource_ = std::move(f); }

    void start() override;
    void stop() override;
    core::Status syncOnce() override;
    core::Result<bool> fetchEnrolment(const std::string& reference) override;
    Freshness freshness(int64_t nowUnix) const override;
    SyncStatus status() const override;

    // --- sync_transfer.cpp ---
    core::Status pushPending();
    core::Status pullAll();
    core::Status pullEnrolments();
    core::Status pullWatchlist();
    core::Status pullTrustList();
    core::Status pullHealthRules();

    // --- sync_agent.cpp ---
    core::Status takeCommands(core::Millis wait);
    core::Status enqueueHeartbeat();
    core::Status maybeHeartbeat();

private:
    bool isLane() const { return options_.role != "registration"; }
    int64_t nowUnix() const { return core::toUnixSeconds(clock_.wallNow()); }
    // Bookkeeping after a round: reachability and the failure count.
    void noteRound(const core::Status& s);
    void noteTransport(const core::Status& s);
    core::Status answerCommand(const IncomingCommand& c);

    core::Status pushEvents(const std::vector<store::OutboxItem>& items, int& removed);
    core::Status pushEnrolment(const store::OutboxItem& item, int& removed);
    core::Status reject(const store::OutboxItem& item, const std::string& error);
    core::Result<store::UpsertOutcome> applyEnrolment(const core::Json& j, const std::string& path);

    void loop(const char* name, core::Millis interval, const std::function<core::Status()>& round, uint64_t seed);

    SyncOptions options_;
    store::Store& store_;
    core::Clock& clock_;
    std::vector<uint8_t> templateKey_;
    std::string stream_;
    int64_t firstStart_ = 0;
    std::atomic<int64_t> lastEnrolmentSync_{0};
    std::atomic<bool> stopping_{false};
    std::unique_ptr<HttpClient> http_;

    std::function<CommandAnswer(const IncomingCommand&)> onCommand_;
    std::function<core::Status(const std::vector<uint8_t>&)> onTrustList_;
    std::function<core::Status(const core::Json&)> onHealthRules_;
    std::function<core::Json()> heartbeatSource_;

    std::mutex pushMu_;     // one pusher at a time (thread and syncOnce)
    std::mutex pullMu_;
    std::mutex commandMu_;
    std::mutex heartbeatMu_;
    core::MonoTime lastHeartbeat_{};
    bool heartbeatSent_ = false;
    int64_t refusedTrustVersion_ = 0, refusedHealthVersion_ = 0;

    mutable std::mutex statusMu_;
    SyncStatus status_;

    std::vector<std::thread> threads_;
};

}  // namespace kiosk::sync::detail
