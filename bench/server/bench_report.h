#pragma once
// bench_server's results: the markdown table, and its section in docs/benchmarks.md.
#include <filesystem>
#include <string>
#include <vector>

#include "bench/server/load_fleet.h"
#include "core/result.h"

namespace kiosk::bench {

struct RunSettings {
    int lanes = 0, registrations = 0, pollers = 5, consoles = 5;
    double durationS = 0, rampS = 0;
    // The disk under the temp dir: one 4 KiB write + fdatasync, as a commit costs.
    double fsyncP50Ms = -1, fsyncP99Ms = -1;
    std::string fsyncDir;
    std::string pgSettings;  // which PostgreSQL, with which durability settings
    std::string command;     // how the bench was started
};

struct BackendReport {
    std::string backend;   // "sqlite" / "postgresql"
    std::string failure;   // set when the run could not happen
    int serverThreads = 0; // limits.threads given to the server; 0: its default
    FleetResults fleet;
    double serverCpuS = 0, serverPeakRssMiB = 0;
    double dbCpuS = -1, dbRssMiB = -1;  // PostgreSQL processes; -1 for SQLite
    std::string serverExit;
    // The events table read directly (SQLite file read-only / psql) after the server stopped.
    int64_t dbRows = -1, dbDuplicateRows = -1;
    std::string dbReadError;
    // The open consoles (SSE on the console listener): lane POST sent -> alert event read
    // on each console's stream, one sample per (console, alert) of the window.
    int consoles = 0;
    std::vector<double> consoleMs;
    std::vector<double> consoleAfterAckMs;  // from the server's answer to the lane instead
    int64_t consoleExpected = 0, consoleSeen = 0, consoleDuplicates = 0, consoleReconnects = 0, consoleEvents = 0;
    std::string consoleError;
};

std::string markdownReport(const std::vector<BackendReport>& reports, const RunSettings& s);
// The whole "## Clearance service (bench_server)" section: date, machine, settings, table.
std::string docsSection(const std::vector<BackendReport>& reports, const RunSettings& s, const std::string& table);
// Replaces that section of `docs` (up to the next "## " heading), or appends it.
core::Status replaceDocsSection(const std::filesystem::path& docs, const std::string& section);

}  // namespace kiosk::bench
