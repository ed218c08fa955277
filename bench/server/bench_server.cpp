// bench_server: the clearance service under the load of docs/../SYSTEM.md section 5 (1,000
// lanes, 20 registration machines, consoles), on SQLite and on PostgreSQL, over loopback.
// Starts the real clearance-server binary, drives it from one client thread (Asio/Beast,
// one TLS connection per lane and client certificate), then recounts every event it had
// acknowledged. Prints a markdown table and writes it into docs/benchmarks.md.
//
// Usage: bench_server [--duration S] [--lanes N] [--registrations N] [--ramp S]
//                     [--backend sqlite|postgresql|both] [--pg-url URL | --pg-harness] [--server PATH]
//                     [--server-threads N[,N...]] [--docs FILE | --no-docs] [--keep]
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <sqlite3.h>

#include "bench/server/bench_report.h"
#include "bench/server/console_clients.h"
#include "bench/server/load_fleet.h"
#include "bench/server/pg_instance.h"
#include "bench/server/server_process.h"
#include "core/config.h"
#include "server/console_repository.h"
#include "server/console_secrets.h"
#include "server/device_ca.h"
#include "server/repository.h"
#ifdef KIOSK_BENCH_PG_HARNESS
#include "tests/support/postgres_harness.h"
#endif

using namespace kiosk;
namespace fs = std::filesystem;

namespace {

struct Args {
    double durationS = 60, rampS = 20;
    int lanes = 1000, registrations = 20;
    std::vector<int> serverThreads{0};  // limits.threads per run; 0: the server's default
    std::string backend = "both", pgUrl, docs;
    fs::path server;
    bool noDocs = false, keep = false, pgHarness = false;
};

[[noreturn]] void die(const std::string& msg) {
    std::fprintf(stderr, "bench_server: %s\n", msg.c_str());
    std::exit(1);
}

Args parseArgs(int argc, char** argv) {
    Args a;
    for (int i = 1; i < argc; ++i) {
        const std::string k = argv[i];
        auto val = [&]() -> std::string {
            if (i + 1 >= argc) die(k + " needs a value");
            return argv[++i];
        };
        if (k == "--duration") a.durationS = std::stod(val());
        else if (k == "--ramp") a.rampS = std::stod(val());
        else if (k == "--lanes") a.lanes = std::stoi(val());
        else if (k == "--registrations") a.registrations = std::stoi(val());
        else if (k == "--server-threads") {
            // "2,16": every backend once per value.
            a.serverThreads.clear();
            std::stringstream list(val());
            for (std::string t; std::getline(list, t, ',');) a.serverThreads.push_back(std::stoi(t));
        }
        else if (k == "--backend") a.backend = val();
        else if (k == "--pg-url") a.pgUrl = val();
        else if (k == "--server") a.server = val();
        else if (k == "--docs") a.docs = val();
        else if (k == "--no-docs") a.noDocs = true;
        else if (k == "--pg-harness") a.pgHarness = true;
        else if (k == "--keep") a.keep = true;
        else die("unknown argument " + k + " (see the usage at the top of bench_server.cpp)");
    }
    if (a.backend != "sqlite" && a.backend != "postgresql" && a.backend != "both") die("--backend: sqlite, postgresql or both");
    if (a.lanes < 1 || a.durationS <= 0) die("--lanes and --duration must be positive");
    return a;
}

fs::path defaultServerBinary() {
    if (const char* b = std::getenv("BUILD_DIR")) return fs::path(b) / "server" / "clearance-server";
    return KIOSK_BENCH_SERVER_BINARY;
}

fs::path defaultDocs() {
    if (const char* s = std::getenv("KIOSK_SOURCE_DIR")) return fs::path(s) / "docs" / "benchmarks.md";
    return fs::path(KIOSK_BENCH_SOURCE_DIR) / "docs" / "benchmarks.md";
}

// What one synchronous commit costs on this disk at best: 4 KiB appended + fdatasync.
void probeFsync(const fs::path& dir, bench::RunSettings& s) {
    const auto file = dir / "fsync-probe";
    const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return;
    std::vector<double> ms;
    const std::string block(4096, 'x');
    for (int i = 0; i < 200; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        if (::write(fd, block.data(), block.size()) != static_cast<ssize_t>(block.size()) || ::fdatasync(fd) != 0) break;
        ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
    ::close(fd);
    fs::remove(file);
    const auto p = bench::percentiles(ms);
    if (p.n == 0) return;
    s.fsyncP50Ms = p.p50;
    s.fsyncP99Ms = p.p99;
    s.fsyncDir = dir.parent_path().string();
}

// The fleet's identities: one certificate per lane, registration machine and admin client.
struct Pki {
    fs::path dir, caDir, certDir, serverCert, serverKey, caCert, crl;
    std::vector<std::string> lanes, registrations, admins;
};

Pki makePki(const fs::path& dir, int lanes, int registrations, int pollers) {
    Pki p;
    p.dir = dir;
    p.caDir = dir / "ca";
    p.certDir = dir / "certs";
    fs::create_directories(p.certDir);
    if (auto s = server::initCa(p.caDir, "bench_server CA"); !s.ok()) die("initCa: " + s.error().message);
    auto sc = server::issueServerCert(p.caDir, {"localhost", "127.0.0.1"}, dir / "server");
    if (!sc.ok()) die("issueServerCert: " + sc.error().message);
    p.serverCert = sc->certFile;
    p.serverKey = sc->keyFile;
    const auto paths = server::CaPaths::in(p.caDir);
    p.caCert = paths.cert;
    p.crl = paths.crl;
    auto issue = [&](const std::string& id, server::Role role) {
        auto r = server::issueDeviceCert(p.caDir, id, role, p.certDir / id);
        if (!r.ok()) die("issueDeviceCert " + id + ": " + r.error().message);
    };
    char buf[64];
    for (int i = 1; i <= lanes; ++i) {
        std::snprintf(buf, sizeof buf, "BENCH-L%04d", i);
        p.lanes.push_back(buf);
        issue(buf, server::Role::Lane);
    }
    for (int i = 1; i <= registrations; ++i) {
        std::snprintf(buf, sizeof buf, "BENCH-R%02d", i);
        p.registrations.push_back(buf);
        issue(buf, server::Role::Registration);
    }
    for (int i = 1; i <= pollers + 2; ++i) {
        std::snprintf(buf, sizeof buf, "bench-admin-%d", i);
        p.admins.push_back(buf);
        issue(buf, server::Role::Admin);
    }
    return p;
}

// The server's configuration file (keys: docs/server.md).
fs::path writeServerConfig(const fs::path& dir, const Pki& pki, const std::string& dbUrl, int threads) {
    core::Json cfg = {
        {"listen", {{"address", "127.0.0.1"}, {"port", 0}}},
        {"db", dbUrl},
        {"tls",
         {{"cert_file", pki.serverCert.string()},
          {"key_file", pki.serverKey.string()},
          {"client_ca_file", pki.caCert.string()},
          {"crl_file", pki.crl.string()}}},
    };
    if (threads > 0) cfg["limits"] = {{"threads", threads}};
    // The supervision console on a port of its own, with the page from the source tree.
    cfg["console"] = {{"enabled", true},
                      {"listen", {{"address", "127.0.0.1"}, {"port", 0}}},
                      {"static_dir", (fs::path(KIOSK_BENCH_SOURCE_DIR) / "assets" / "console").string()}};
    const auto path = dir / "server.json";
    std::ofstream(path) << cfg.dump(2) << "\n";
    return path;
}

// The events table itself, not through the API: every row and the duplicates by key.
void readEventsTable(const std::string& backend, const std::string& dbUrl, bench::BackendReport& rep) {
    const std::string sql = "SELECT count(*), count(*) - (SELECT count(*) FROM (SELECT DISTINCT device_id, stream, seq FROM events) d) FROM events";
    if (backend == "sqlite") {
        sqlite3* db = nullptr;
        const std::string path = dbUrl.substr(std::strlen("sqlite:"));
        if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
            rep.dbReadError = sqlite3_errmsg(db);
        } else {
            sqlite3_stmt* st = nullptr;
            if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
                rep.dbRows = sqlite3_column_int64(st, 0);
                rep.dbDuplicateRows = sqlite3_column_int64(st, 1);
            } else {
                rep.dbReadError = sqlite3_errmsg(db);
            }
            sqlite3_finalize(st);
        }
        sqlite3_close(db);
        return;
    }
    auto out = bench::psql(dbUrl, sql);
    if (!out.ok()) {
        rep.dbReadError = out.error().message;
        return;
    }
    long long rows = -1, dups = -1;
    if (std::sscanf(out.value().c_str(), "%lld|%lld", &rows, &dups) == 2) {
        rep.dbRows = rows;
        rep.dbDuplicateRows = dups;
    } else {
        rep.dbReadError = "psql said: " + out.value();
    }
}

constexpr const char* kOfficer = "bench.officer";
constexpr const char* kOfficerPassword = "bench officer passphrase";

// The consoles' officer, written before the server starts (as `officer add` would).
core::Status addOfficer(const std::string& dbUrl) {
    KIOSK_ASSIGN_OR_RETURN(auto repo, server::openRepository(dbUrl));  // runs the migrations
    KIOSK_ASSIGN_OR_RETURN(auto console, server::openConsoleRepository(dbUrl));
    KIOSK_ASSIGN_OR_RETURN(std::string hash, server::hashPassword(kOfficerPassword, server::PasswordCost{}));
    server::Officer o;
    o.name = kOfficer;
    o.role = "officer";
    o.passwordHash = hash;
    o.createdAt = o.passwordChangedAt = static_cast<int64_t>(std::time(nullptr));
    return console->createOfficer(o);
}

// Each console's alert arrivals against the fleet's send times (alerts of the window).
void consoleFigures(const bench::ConsoleClients& clients, bench::BackendReport& rep) {
    const auto& sent = rep.fleet.alertsSentInWindow;
    for (const auto& arrivals : clients.arrivals()) {
        rep.consoleExpected += static_cast<int64_t>(sent.size());
        for (const auto& [key, at] : sent) {
            auto a = arrivals.find(key);
            if (a == arrivals.end()) continue;
            ++rep.consoleSeen;
            rep.consoleMs.push_back(std::chrono::duration<double, std::milli>(a->second - at).count());
            if (auto ack = rep.fleet.alertsAckedInWindow.find(key); ack != rep.fleet.alertsAckedInWindow.end())
                rep.consoleAfterAckMs.push_back(std::chrono::duration<double, std::milli>(a->second - ack->second).count());
        }
    }
    rep.consoleDuplicates = clients.duplicates();
    rep.consoleReconnects = clients.reconnects();
}

bench::BackendReport runBackend(const std::string& backend, const std::string& dbUrl, int threads, const Args& a,
                                const Pki& pki, const fs::path& runDir) {
    bench::BackendReport rep;
    rep.backend = backend;
    rep.serverThreads = threads;
    fs::create_directories(runDir);
    const auto config = writeServerConfig(runDir, pki, dbUrl, threads);
    if (auto st = addOfficer(dbUrl); !st.ok()) rep.consoleError = "officer: " + st.error().message;
    std::fprintf(stderr, "bench_server: %s: starting %s\n", backend.c_str(), a.server.c_str());
    auto proc = bench::ServerProcess::start(a.server, {"--config", config.string(), "--db", dbUrl, "--port", "0"},
                                            runDir / "server.log", std::chrono::seconds(60));
    if (!proc.ok()) {
        rep.failure = proc.error().message;
        return rep;
    }
    auto& server = *proc.value();
    std::fprintf(stderr, "bench_server: %s\n", server.listeningLine().c_str());
    const pid_t dbPid = backend == "postgresql" ? bench::pidListeningOn(bench::portOfUrl(dbUrl)) : -1;

    std::unique_ptr<bench::ConsoleClients> consoles;
    rep.consoles = 5;
    if (rep.consoleError.empty()) {
        bench::ConsoleClientOptions co;
        co.port = bench::consolePortFromLog(runDir / "server.log", std::chrono::seconds(10));
        co.caFile = pki.caCert.string();
        co.officer = kOfficer;
        co.password = kOfficerPassword;
        co.consoles = rep.consoles;
        if (co.port <= 0) {
            rep.consoleError = "no console line in the server's log";
        } else if (auto c = bench::ConsoleClients::start(co); c.ok()) {
            consoles = std::move(c).value();
            std::fprintf(stderr, "bench_server: %d consoles logged in, streams open on port %d\n", co.consoles, co.port);
        } else {
            rep.consoleError = c.error().message;
        }
    }
    if (!rep.consoleError.empty()) std::fprintf(stderr, "bench_server: consoles: %s\n", rep.consoleError.c_str());
    int64_t consoleEvents0 = 0;

    bench::FleetOptions o;
    o.server = {boost::asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(server.port())};
    o.caFile = pki.caCert;
    o.certDir = pki.certDir;
    o.laneIds = pki.lanes;
    o.registrationIds = pki.registrations;
    o.adminIds = pki.admins;
    o.rampS = a.rampS;
    o.durationS = a.durationS;

    double cpu0 = 0, db0 = 0;
    bench::WindowHooks hooks;
    hooks.onWindowStart = [&] {
        if (consoles) consoleEvents0 = consoles->events();
        cpu0 = bench::processCpuSeconds(server.pid());
        if (dbPid > 0) db0 = bench::processTreeCpuSeconds(dbPid);
        std::fprintf(stderr, "bench_server: %s: measuring for %.0f s\n", backend.c_str(), a.durationS);
    };
    hooks.onWindowEnd = [&] {
        if (consoles) rep.consoleEvents = consoles->events() - consoleEvents0;
        rep.serverCpuS = bench::processCpuSeconds(server.pid()) - cpu0;
        if (dbPid > 0) {
            rep.dbCpuS = bench::processTreeCpuSeconds(dbPid) - db0;
            rep.dbRssMiB = bench::processTreeRssMiB(dbPid);
        }
        rep.serverPeakRssMiB = bench::processPeakRssMiB(server.pid());
    };
    rep.fleet = bench::runFleet(o, hooks);
    if (consoles) {
        consoles->stop();
        consoleFigures(*consoles, rep);
    }
    const double hwm = bench::processPeakRssMiB(server.pid());
    if (hwm > rep.serverPeakRssMiB) rep.serverPeakRssMiB = hwm;
    rep.serverExit = server.stop();
    readEventsTable(backend, dbUrl, rep);
    return rep;
}

}  // namespace

int main(int argc, char** argv) {
    Args a = parseArgs(argc, argv);
    if (a.server.empty()) a.server = defaultServerBinary();
    // Two connections per lane on both sides of loopback: the server inherits this limit.
    rlimit rl{};
    getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);

    const fs::path dir = fs::temp_directory_path() / ("kiosk-bench-server-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    const auto t0 = std::chrono::steady_clock::now();
    std::fprintf(stderr, "bench_server: issuing %d lane, %d registration and 7 admin certificates\n", a.lanes,
                 a.registrations);
    const Pki pki = makePki(dir, a.lanes, a.registrations, 5);
    std::fprintf(stderr, "bench_server: certificates in %.1f s\n",
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());

    bench::RunSettings settings;
    settings.lanes = a.lanes;
    settings.registrations = a.registrations;
    settings.durationS = a.durationS;
    settings.rampS = a.rampS;
    settings.command = "build/bench/bench_server";
    for (int i = 1; i < argc; ++i) settings.command += std::string(" ") + argv[i];
    probeFsync(dir, settings);
    std::vector<bench::BackendReport> reports;
    for (int threads : a.serverThreads) {
        const std::string tag = threads > 0 ? "-t" + std::to_string(threads) : "";
        if (a.backend == "sqlite" || a.backend == "both")
            reports.push_back(runBackend("sqlite", "sqlite:" + (dir / ("sqlite" + tag) / "clearance.db").string(), threads,
                                         a, pki, dir / ("sqlite" + tag)));
        if (a.backend != "postgresql" && a.backend != "both") continue;
        // A fresh database for every run.
        std::string url = a.pgUrl;
        std::unique_ptr<bench::PgInstance> pg;
        if (!url.empty()) settings.pgSettings = "an existing PostgreSQL (--pg-url)";
        if (url.empty() && a.pgHarness) {
#ifdef KIOSK_BENCH_PG_HARNESS
            auto u = testing::freshPostgresDatabase("bench_server");
            if (u.ok()) url = u.value();
            else std::fprintf(stderr, "bench_server: PostgreSQL: %s\n", u.error().message.c_str());
            settings.pgSettings = "the test harness's PostgreSQL 15 (fsync=off, full_page_writes=off, shared_buffers 16MB)";
#else
            std::fprintf(stderr, "bench_server: built without the test harness\n");
#endif
        } else if (url.empty()) {
            auto p = bench::PgInstance::start();
            if (p.ok()) {
                pg = std::move(p).value();
                url = pg->url();
                settings.pgSettings = "a PostgreSQL 15 of its own in a temp dir, " + pg->settings();
            } else {
                std::fprintf(stderr, "bench_server: PostgreSQL: %s\n", p.error().message.c_str());
            }
        }
        if (url.empty()) {
            bench::BackendReport r;
            r.backend = "postgresql";
            r.serverThreads = threads;
            r.failure = "no PostgreSQL (see the message above)";
            reports.push_back(r);
        } else {
            reports.push_back(runBackend("postgresql", url, threads, a, pki, dir / ("postgresql" + tag)));
        }
    }

    const std::string table = bench::markdownReport(reports, settings);
    std::printf("%s", table.c_str());
    bool ok = true;
    for (const auto& r : reports)
        ok = ok && r.failure.empty() && r.fleet.recountOk && r.fleet.lost == 0 && r.fleet.duplicated == 0 &&
             r.consoleError.empty() && r.consoleSeen == r.consoleExpected;
    if (!a.noDocs) {
        const fs::path docs = a.docs.empty() ? defaultDocs() : fs::path(a.docs);
        if (auto s = bench::replaceDocsSection(docs, bench::docsSection(reports, settings, table)); !s.ok())
            std::fprintf(stderr, "bench_server: %s\n", s.error().message.c_str());
        else
            std::fprintf(stderr, "bench_server: wrote the section into %s\n", docs.c_str());
    }
    if (!a.keep) fs::remove_all(dir);
    else std::fprintf(stderr, "bench_server: kept %s\n", dir.c_str());
    return ok ? 0 : 1;
}
