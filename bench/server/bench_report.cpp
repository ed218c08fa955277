#include "bench/server/bench_report.h"

#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <functional>
#include <sstream>

namespace kiosk::bench {

namespace {

std::string fmt(const char* f, double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, f, v);
    return buf;
}

std::string pcts(const std::vector<double>& v, bool withMax) {
    const auto p = percentiles(v);
    if (p.n == 0) return "no samples";
    std::string s = fmt("%.1f", p.p50) + " / " + fmt("%.1f", p.p99);
    if (withMax) s += " / " + fmt("%.1f", p.max);
    return s + " (n=" + std::to_string(p.n) + ")";
}

std::string errors(const FleetResults& f) {
    if (f.errors.empty()) return "none";
    std::string s;
    for (const auto& [k, n] : f.errors) s += (s.empty() ? "" : ", ") + k + ": " + std::to_string(n);
    return s;
}

std::string firstLineOf(const char* path, const std::string& key) {
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line))
        if (line.rfind(key, 0) == 0) {
            const auto colon = line.find(':');
            auto v = line.substr(colon + 1);
            v.erase(0, v.find_first_not_of(" \t"));
            return v;
        }
    return "?";
}

}  // namespace

std::string markdownReport(const std::vector<BackendReport>& reports, const RunSettings& s) {
    std::ostringstream o;
    o << "| metric |";
    for (const auto& r : reports)
        o << ' ' << (r.backend == "sqlite" ? "SQLite" : "PostgreSQL")
          << (r.serverThreads > 0 ? ", threads " + std::to_string(r.serverThreads) : std::string(", default threads")) << " |";
    o << " target (SYSTEM.md 5) |\n|---|";
    for (std::size_t i = 0; i < reports.size(); ++i) o << "---|";
    o << "---|\n";
    auto row = [&](const std::string& name, const std::function<std::string(const BackendReport&)>& f,
                   const std::string& target) {
        o << "| " << name << " |";
        for (const auto& r : reports) o << ' ' << (r.failure.empty() ? f(r) : "not run") << " |";
        o << ' ' << target << " |\n";
    };
    const double offered = s.lanes * (1.0 / 5 + 1.0 / 7 * (1 + 1.0 / 70));
    row("events accepted per s (measured window)",
        [](const BackendReport& r) { return fmt("%.0f", r.fleet.windowS > 0 ? r.fleet.eventsStoredInWindow / r.fleet.windowS : 0); },
        fmt("%.0f offered", offered));
    row("event batch ingest p50 / p99 / max (ms)", [](const BackendReport& r) { return pcts(r.fleet.batchMs, true); },
        "p99 <= 250");
    row("enrolment POST, ~10 KB blob, p50 / p99 (ms)", [](const BackendReport& r) { return pcts(r.fleet.enrolmentMs, false); }, "");
    row("alert -> on each open console's event stream (SSE), p50 / p99 / max (ms)", [](const BackendReport& r) {
        if (!r.consoleError.empty()) return "not measured: " + r.consoleError;
        return pcts(r.consoleMs, true);
    }, "p99 <= 1000");
    row("  of which after the lane had the server's answer (feed poll + SSE), p50 / p99 (ms)", [](const BackendReport& r) {
        if (!r.consoleError.empty()) return std::string("-");
        return pcts(r.consoleAfterAckMs, false);
    }, "");
    row("console alerts received / expected (consoles x alerts sent in the window); repeats; reconnects",
        [](const BackendReport& r) {
            if (!r.consoleError.empty()) return std::string("-");
            return std::to_string(r.consoleSeen) + " / " + std::to_string(r.consoleExpected) + "; " +
                   std::to_string(r.consoleDuplicates) + "; " + std::to_string(r.consoleReconnects);
        }, "all; 0; 0");
    row("events on each console stream per s (window, all kinds)", [](const BackendReport& r) {
        if (!r.consoleError.empty() || r.consoles == 0) return std::string("-");
        return fmt("%.0f", r.fleet.windowS > 0 ? r.consoleEvents / std::max(1, r.consoles) / r.fleet.windowS : 0);
    }, "");
    row("alert -> seen by an admin poller (GET /v1/admin/events every 200 ms) p50 / p99 (ms)",
        [](const BackendReport& r) { return pcts(r.fleet.alertMs, false); }, "");
    row("command -> lane long poll returns it p50 / p99 (ms)", [](const BackendReport& r) { return pcts(r.fleet.commandMs, false); },
        "< 2000");
    row("recount: lost / duplicated", [](const BackendReport& r) {
        if (!r.fleet.recountOk) return "recount failed: " + r.fleet.recountError;
        return std::to_string(r.fleet.lost) + " / " + std::to_string(r.fleet.duplicated);
    }, "0 / 0");
    row("events acked / held on the server / unacked at end", [](const BackendReport& r) {
        return std::to_string(r.fleet.eventsAcked) + " / " + std::to_string(r.fleet.serverEvents) + " / " +
               std::to_string(r.fleet.eventsUnacked);
    }, "");
    row("events table read directly: rows / duplicate (device, stream, seq) rows", [](const BackendReport& r) {
        if (r.dbRows < 0) return "not read: " + r.dbReadError;
        return std::to_string(r.dbRows) + " / " + std::to_string(r.dbDuplicateRows);
    }, "");
    row("enrolments acked / held on the server", [](const BackendReport& r) {
        return std::to_string(r.fleet.enrolmentsAcked) + " / " + std::to_string(r.fleet.serverEnrolments);
    }, "");
    row("errors by status", [](const BackendReport& r) { return errors(r.fleet); }, "");
    row("server CPU (% of one core, window)",
        [](const BackendReport& r) { return fmt("%.0f %%", 100 * r.serverCpuS / std::max(1e-9, r.fleet.windowS)); }, "");
    row("PostgreSQL processes CPU (% of one core) / RSS (MiB)", [](const BackendReport& r) {
        if (r.dbCpuS < 0) return std::string("-");
        return fmt("%.0f %%", 100 * r.dbCpuS / std::max(1e-9, r.fleet.windowS)) + " / " + fmt("%.0f", r.dbRssMiB);
    }, "");
    row("server peak RSS (MiB)", [](const BackendReport& r) { return fmt("%.1f", r.serverPeakRssMiB); }, "");
    row("client CPU, one thread (% of one core, window)",
        [](const BackendReport& r) { return fmt("%.0f %%", 100 * r.fleet.clientCpuS / std::max(1e-9, r.fleet.windowS)); }, "");
    row("TLS connections opened by the client", [](const BackendReport& r) { return std::to_string(r.fleet.connects); }, "");
    if (s.fsyncP50Ms >= 0)
        o << "\nDisk under " << s.fsyncDir << ": 4 KiB write + fdatasync p50 " << fmt("%.2f", s.fsyncP50Ms) << " ms, p99 "
          << fmt("%.2f", s.fsyncP99Ms) << " ms (200 writes, before the runs): at most ~"
          << fmt("%.0f", 1000 / std::max(0.01, s.fsyncP50Ms)) << " synchronous commits/s.\n";
    for (const auto& r : reports)
        if (!r.failure.empty()) o << "\n" << r.backend << ": not run: " << r.failure << "\n";
    o << "\nThreads: the server's `limits.threads` (io threads that also run the handlers, which block on the "
         "database for each request); \"default\" is what clearance-server uses when the key is absent.\n";
    return o.str();
}

std::string docsSection(const std::vector<BackendReport>& reports, const RunSettings& s, const std::string& table) {
    char date[32];
    const std::time_t t = std::time(nullptr);
    std::strftime(date, sizeof date, "%Y-%m-%d", std::localtime(&t));
    double load[3] = {0, 0, 0};
    getloadavg(load, 3);
    std::ostringstream o;
    o << "## Clearance service (bench_server)\n\n";
    o << "`./scripts/bench bench_server` (`" << s.command << "`), " << date << ", " << firstLineOf("/proc/cpuinfo", "model name")
      << ", " << sysconf(_SC_NPROCESSORS_ONLN) << " cores, " << firstLineOf("/proc/meminfo", "MemTotal")
      << " RAM; load average " << fmt("%.1f", load[0]) << " at the end of the run (the machine is shared with other builds).\n\n";
    o << "The real `clearance-server` binary on loopback, a fresh temp dir / fresh database per backend (SQLite file, "
         "WAL, synchronous=FULL; PostgreSQL: " << (s.pgSettings.empty() ? std::string("not run") : s.pgSettings) << "). Load, from one client thread (Boost.Beast "
         "async, one TLS connection per lane with its own client certificate, keep-alive): "
      << s.lanes << " lanes, each a heartbeat every 5 s and a crossing every 7 s (+-20 %), ~1 alert per 70 crossings, "
         "its outbox pushed every 1 s as one batch (POST /v1/device/events), plus a second connection per lane holding "
         "the command long poll (wait_ms=20000); "
      << s.registrations << " registration machines posting an enrolment every ~3 s with a 10 KB base64 sealed "
         "biometrics blob; " << s.consoles << " open consoles: an officer logged in through POST /v1/console/login on "
         "the console listener (no client certificate), each holding GET /v1/console/stream (server-sent events, "
         "one thread each with a blocking TLS connection, as a browser's EventSource); the event-to-screen figure is "
         "\"the lane's POST with the alert left -> the alert event read on that console's stream\", one sample per "
         "console and alert, so it includes the ingest of the lane's batch, the server's feed poll (every 150 ms) and the "
         "write to 5 streams (the row below it starts at the lane's answer instead, leaving only the console path; "
         "it can be negative by a few ms when the feed publishes before the answer reaches the lane); also "
         << s.pollers << " admin pollers (GET /v1/admin/events?kind=alert every 200 ms) as before; an admin "
         "enqueues a command for a random lane every 1 s (POST /v1/admin/lanes/{id}/commands), timed until that "
         "lane's long poll returns it. Lanes start over " << fmt("%.0f", s.rampS) << " s, then 5 s settle, then "
      << fmt("%.0f", s.durationS) << " s measured; latencies are from requests sent inside the window. After the "
         "window the lanes drain their outboxes and the bench reads every event back (GET /v1/admin/events paging) "
         "and compares with every (lane, stream, seq) the server acknowledged. Not in this load: the lanes' pulls "
         "(enrolment deltas every 5 s, watchlist, trust list).\n\n";
    o << table << "\n";
    return o.str();
}

core::Status replaceDocsSection(const std::filesystem::path& docs, const std::string& section) {
    std::ifstream in(docs);
    if (!in) return core::makeError("bench.io", "cannot read " + docs.string());
    std::vector<std::string> lines;
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    in.close();
    const std::string heading = "## Clearance service (bench_server)";
    std::size_t begin = lines.size(), end = lines.size();
    for (std::size_t i = 0; i < lines.size(); ++i)
        if (lines[i] == heading) {
            begin = i;
            for (end = i + 1; end < lines.size() && lines[end].rfind("## ", 0) != 0; ++end) {
            }
            break;
        }
    std::ostringstream out;
    for (std::size_t i = 0; i < begin; ++i) out << lines[i] << "\n";
    if (begin == lines.size() && !lines.empty() && !lines.back().empty()) out << "\n";
    out << section;
    if (end < lines.size()) out << "\n";
    for (std::size_t i = end; i < lines.size(); ++i) out << lines[i] << "\n";
    const auto tmp = docs.string() + ".tmp";
    std::ofstream(tmp) << out.str();
    std::error_code ec;
    std::filesystem::rename(tmp, docs, ec);
    if (ec) return core::makeError("bench.io", "cannot write " + docs.string() + ": " + ec.message());
    return {};
}

}  // namespace kiosk::bench
