// clearance-server: configuration -> repository -> API -> HTTPS transport, an hourly
// retention purge, SIGTERM/SIGINT for a graceful stop, systemd notifications (READY=1 once
// listening; WATCHDOG=1 while the listeners' io threads take work, when the unit has
// WatchdogSec; STOPPING=1).
// With console.enabled: a second HTTPS listener for officers' browsers (the page's files,
// the console API, the live feed of server-sent events) and the feed's polling thread.
// Exit codes: 0 stopped by a signal, 1 could not start (database, certificates, port),
// 2 bad command line or configuration (the message names the key).
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <thread>

#include "core/clock.h"
#include "core/log.h"
#include "core/service_notify.h"
#include "server/api.h"
#include "server/api_console.h"
#include "server/console_repository.h"
#include "server/console_feed.h"
#include "server/console_site.h"
#include "server/http_server.h"
#include "server/officer_cli.h"
#include "server/repository.h"
#include "server/server_config.h"

namespace {

using namespace kiosk;
using namespace kiosk::server;

int64_t nowUnix() { return core::toUnixSeconds(core::SystemClock().wallNow()); }

// Erases what is older than the retention period, at start and then every interval.
class Purger {
public:
    // `alsoEach`: more to purge at the same times (the console's ended sessions).
    Purger(Repository& repo, std::chrono::seconds every, std::function<void(int64_t now)> alsoEach = {})
        : repo_(repo), every_(every), alsoEach_(std::move(alsoEach)) {
        thread_ = std::thread([this] { run(); });
    }
    ~Purger() {
        {
            std::lock_guard lock(mu_);
            stop_ = true;
        }
        cv_.notify_all();
        thread_.join();
    }

private:
    void run() {
        std::unique_lock lock(mu_);
        while (!stop_) {
            lock.unlock();
            purgeOnce();
            lock.lock();
            cv_.wait_for(lock, every_, [this] { return stop_; });
        }
    }
    void purgeOnce() {
        if (alsoEach_) alsoEach_(nowUnix());
        const int64_t cutoff = nowUnix() - kRetentionSeconds;
        auto n = repo_.purgeOlderThan(cutoff);
        if (!n.ok()) {
            core::logWarn("server.purge_failed", {{"code", n.error().code}, {"error", n.error().message}});
            return;
        }
        core::logInfo("server.purged", {{"cutoff", cutoff},
                                        {"events", n->events},
                                        {"commands", n->commands},
                                        {"audit", n->audit},
                                        {"inactive_enrolments", n->inactiveEnrolments},
                                        {"watchlist_changes", n->watchlistChanges}});
    }

    Repository& repo_;
    std::chrono::seconds every_;
    std::function<void(int64_t)> alsoEach_;
    std::mutex mu_;
    std::condition_variable cv_;
    bool stop_ = false;
    std::thread thread_;
};

// Waits for SIGTERM/SIGINT. Under a systemd watchdog it wakes every quarter interval to
// probe the server and ping while the probe succeeds.
int waitForSignal(const sigset_t& signals, core::ServiceNotifier& notifier, const std::function<bool()>& healthy) {
    const auto every = notifier.pingEvery();
    if (!every) {
        int sig = 0;
        sigwait(&signals, &sig);
        return sig;
    }
    const auto wake = std::max<std::chrono::microseconds>(*every / 2, std::chrono::milliseconds(1));
    const timespec ts{static_cast<time_t>(wake.count() / 1000000), static_cast<long>(wake.count() % 1000000) * 1000};
    for (;;) {
        if (healthy()) notifier.alive(std::chrono::steady_clock::now());
        const int sig = sigtimedwait(&signals, nullptr, &ts);
        if (sig > 0) return sig;
    }
}

}  // namespace

int main(int argc, char** argv) {
    // `officer add ...` (docs/console.md, "Bootstrap"): runs and exits instead of serving.
    if (auto rc = runOfficerCli(argc, argv)) return *rc;
    auto cl = parseCommandLine(argc, argv);
    if (!cl.ok()) {
        std::cerr << "clearance-server: " << cl.error().message << "\n" << usageText();
        return 2;
    }
    if (cl->help) {
        std::cout << usageText();
        return 0;
    }
    auto cfg = loadServerConfig(cl->configFile);
    if (!cfg.ok()) {
        std::cerr << "clearance-server: " << cl->configFile.string() << ": " << cfg.error().code << ": "
                  << cfg.error().message << "\n";
        return 2;
    }
    applyOverrides(*cfg, *cl);
    if (cl->checkOnly) {
        if (auto files = checkFiles(*cfg); !files.ok()) {
            std::cerr << "clearance-server: " << files.error().code << ": " << files.error().message << "\n";
            return 2;
        }
        std::cout << "clearance-server: configuration ok (" << cfg->backendName() << ", port " << cfg->port << ")\n";
        return 0;
    }
    core::Logger::instance().setLevel(cfg->logLevel);
    if (auto page = checkConsoleFiles(*cfg); !page.ok()) {
        std::cerr << "clearance-server: " << page.error().code << ": " << page.error().message << "\n";
        return 2;
    }

    // Signals are taken by sigwait() below; every thread started from here inherits the mask.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    ::signal(SIGPIPE, SIG_IGN);

    auto repo = openRepository(cfg->db);
    if (!repo.ok()) {
        // The URL may hold a password: only the backend is named.
        core::logError("server.db_open_failed", {{"backend", cfg->backendName()},
                                                 {"code", repo.error().code},
                                                 {"error", repo.error().message}});
        std::cerr << "clearance-server: cannot open the " << cfg->backendName() << " database: " << repo.error().message
                  << "\n";
        return 1;
    }
    Repository& db = **repo;

    ApiOptions apiOpt;
    apiOpt.maxBodyBytes = static_cast<size_t>(cfg->maxBodyBytes);
    apiOpt.maxLongPollMs = cfg->maxLongPollMs;
    apiOpt.defaultLongPollMs = std::min<int64_t>(apiOpt.defaultLongPollMs, cfg->maxLongPollMs);
    Api api(db, apiOpt);

    HttpServerOptions httpOpt = httpOptions(*cfg);
    if (cfg->backendName() == "postgresql") {
        // Another server process may have queued the command: ask the database.
        httpOpt.pendingKeys = [&db] {
            auto keys = db.devicesWithPendingCommands();
            return keys.ok() ? *keys : std::vector<std::string>{};
        };
    }
    auto server = HttpServer::create(httpOpt, [&api](const Request& req, const Identity& who) {
        return api.handle(req, who, nowUnix());
    });
    if (!server.ok()) {
        core::logError("server.start_failed", {{"code", server.error().code}, {"error", server.error().message}});
        std::cerr << "clearance-server: " << server.error().code << ": " << server.error().message << "\n";
        return 1;
    }
    HttpServer& http = **server;
    api.setCommandNotifier([&http](const std::string& deviceId) { http.wake(deviceId); });

    // The console's records (officers, sessions, acknowledgements, exports) live in the same
    // database; opened only when the console is on.
    std::unique_ptr<ConsoleRepository> consoleRepo;
    std::unique_ptr<ConsoleApi> consoleApi;
    if (cfg->consoleEnabled) {
        auto opened = openConsoleRepository(cfg->db);
        if (!opened.ok()) {
            core::logError("server.db_open_failed", {{"backend", cfg->backendName()},
                                                     {"code", opened.error().code},
                                                     {"error", opened.error().message}});
            std::cerr << "clearance-server: cannot open the console's records: " << opened.error().message << "\n";
            http.stop(std::chrono::milliseconds(0));
            return 1;
        }
        consoleRepo = std::move(opened).value();
        consoleApi = std::make_unique<ConsoleApi>(db, *consoleRepo);
        // A command from the console wakes the lane's long poll on the device listener.
        consoleApi->setCommandNotifier([&http](const std::string& deviceId) { http.wake(deviceId); });
        // (Its feed notifier stays unset: the feed thread publishes commands and
        // acknowledgements from the audit rows, on every process alike.)
    }
    std::function<void(int64_t)> purgeSessions;
    if (consoleApi)
        purgeSessions = [&consoleApi](int64_t now) {
            if (auto n = consoleApi->purgeSessions(now); !n.ok())
                core::logWarn("server.session_purge_failed", {{"code", n.error().code}});
        };
    Purger purger(db, std::chrono::seconds(cfg->purgeIntervalS), purgeSessions);

    // The console: its listener, then the feed that publishes to it.
    std::unique_ptr<ConsoleSite> site;
    std::unique_ptr<ConsoleFeed> feed;
    std::unique_ptr<HttpServer> consoleHttp;
    if (cfg->consoleEnabled) {
        ConsoleFeedOptions feedOpt;
        feedOpt.interval = std::chrono::milliseconds(cfg->consoleFeedIntervalMs);
        // consoleHttp is set before the feed starts.
        feed = std::make_unique<ConsoleFeed>(
            db, [&consoleHttp](int64_t id, const std::string& name, const std::string& json) {
                consoleHttp->publish(kConsoleTopic, id, name, json);
            },
            feedOpt);
        site = std::make_unique<ConsoleSite>(cfg->consoleStaticDir, [&consoleApi](const Request& req) {
            return consoleApi->handle(req, nowUnix());
        });
        HttpServerOptions consoleOpt = consoleHttpOptions(*cfg);
        consoleOpt.replay = [&feed](const std::string&, int64_t afterId) { return feed->replay(afterId); };
        auto created = HttpServer::create(consoleOpt, [&site](const Request& req, const Identity&) {
            return site->handle(req);
        });
        if (!created.ok()) {
            core::logError("server.console_start_failed", {{"code", created.error().code}, {"error", created.error().message}});
            std::cerr << "clearance-server: console: " << created.error().code << ": " << created.error().message << "\n";
            http.stop(std::chrono::milliseconds(0));
            return 1;
        }
        consoleHttp = std::move(created).value();
        if (auto st = feed->start(nowUnix()); !st.ok()) {
            core::logError("server.console_feed_failed", {{"code", st.error().code}, {"error", st.error().message}});
            std::cerr << "clearance-server: console feed: " << st.error().message << "\n";
            consoleHttp->stop(std::chrono::milliseconds(0));
            http.stop(std::chrono::milliseconds(0));
            return 1;
        }
    }

    core::logInfo("server.listening", {{"address", http.address()},
                                       {"port", http.port()},
                                       {"backend", db.backend()},
                                       {"schema", db.schemaVersion()}});
    std::cout << "clearance-server: listening on " << http.address() << ":" << http.port() << " (backend "
              << db.backend() << ")" << std::endl;
    if (consoleHttp) {
        core::logInfo("server.console_listening", {{"address", consoleHttp->address()},
                                                   {"port", consoleHttp->port()},
                                                   {"static_dir", cfg->consoleStaticDir.string()}});
        std::cout << "clearance-server: console on " << consoleHttp->address() << ":" << consoleHttp->port()
                  << std::endl;
    }
    core::ServiceNotifier notifier;
    notifier.ready();
    const int sig = waitForSignal(signals, notifier, [&] {
        // Wedged io threads (every one stuck in a handler) answer no one: no ping, and
        // systemd restarts the server after WatchdogSec. A database outage is not this:
        // the API answers 503 and /v1/health says so.
        const auto probe = std::chrono::duration_cast<std::chrono::milliseconds>(*notifier.pingEvery() / 2);
        return http.responsive(probe) && (!consoleHttp || consoleHttp->responsive(probe));
    });
    core::logInfo("server.stopping", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
    notifier.stopping();
    api.setCommandNotifier(nullptr);
    if (consoleApi) consoleApi->setCommandNotifier(nullptr);
    if (feed) feed->stop();
    if (consoleHttp) consoleHttp->stop(std::chrono::milliseconds(cfg->requestTimeoutMs));
    http.stop(std::chrono::milliseconds(cfg->requestTimeoutMs));
    core::logInfo("server.stopped");
    return 0;
}
