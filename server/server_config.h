#pragma once
// clearance-server's JSON configuration and command line (docs/server.md lists every key).
// Unknown keys and bad values are errors that name the key; relative paths are relative to
// the configuration file's folder (so a config and its certificates travel together).
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "core/config.h"
#include "core/log.h"
#include "core/result.h"
#include "server/http_server.h"

namespace kiosk::server {

struct ServerConfig {
    std::filesystem::path configFile;

    std::string listenAddress = "0.0.0.0";
    int port = 8443;

    std::filesystem::path certFile, keyFile, clientCaFile, crlFile;
    int64_t crlReloadMs = 10000;

    std::string db;  // "sqlite:/abs/path.db" (resolved) or "postgresql://..."

    int64_t maxBodyBytes = 1 << 20;
    int64_t maxConnections = 10000;
    int64_t idleTimeoutMs = 120000;
    int64_t requestTimeoutMs = 30000;
    // Handlers wait on the database on these threads: 16 met the ingest and console figures
    // on both backends where 2 did not (docs/benchmarks.md, bench_server).
    int64_t threads = 16;
    int64_t maxLongPollMs = 30000;

    int64_t purgeIntervalS = 3600;

    // The supervision console: a second HTTPS listener for officers' browsers (server
    // certificate only, same limits), the page's files and the live feed.
    bool consoleEnabled = false;
    std::string consoleAddress = "0.0.0.0";
    int consolePort = 8444;
    std::filesystem::path consoleStaticDir;  // default: $KIOSK_ASSETS_DIR/console, else <config folder>/../console
    int64_t consoleFeedIntervalMs = 150;
    int64_t consolePingS = 15;
    int64_t consoleQueueBytes = 1 << 20;

    core::LogLevel logLevel = core::LogLevel::Info;

    std::string backendName() const;  // "postgresql" or "sqlite", from the db URL
};

// `baseDir`: what relative paths are relative to (the config file's folder).
core::Result<ServerConfig> parseServerConfig(const core::Json& j, const std::filesystem::path& baseDir);
core::Result<ServerConfig> loadServerConfig(const std::filesystem::path& file);

// "sqlite:rel.db" / "rel.db" -> "sqlite:<baseDir>/rel.db"; PostgreSQL URLs and
// "sqlite::memory:" unchanged.
std::string resolveDbUrl(const std::string& url, const std::filesystem::path& baseDir);

// clearance-server --config FILE [--db URL] [--port N] [--console-port N] [--check-config]
struct CommandLine {
    std::filesystem::path configFile;
    std::optional<std::string> db;
    std::optional<int> port;
    std::optional<int> consolePort;
    bool checkOnly = false;
    bool help = false;
};
core::Result<CommandLine> parseCommandLine(int argc, const char* const* argv);
const char* usageText();

// The command line's --db and --port over the file's values (a --db path is relative to
// the current folder, as usual on a command line).
void applyOverrides(ServerConfig& c, const CommandLine& cl);

// Readable certificate, key, CA and CRL files (what --check-config verifies beyond the JSON).
core::Status checkFiles(const ServerConfig& c);
// With console.enabled: the page's folder holds index.html (checked at every start too).
core::Status checkConsoleFiles(const ServerConfig& c);

HttpServerOptions httpOptions(const ServerConfig& c);
// The browsers' listener: the same certificate and limits, no client certificate, the
// console's security headers on every answer.
HttpServerOptions consoleHttpOptions(const ServerConfig& c);

}  // namespace kiosk::server
