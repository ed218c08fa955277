#include "server/server_config.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstdlib>
#include <fstream>
#include <set>

#include "server/console_site.h"

namespace kiosk::server {
namespace {

namespace fs = std::filesystem;
using core::ConfigView;
using core::Json;
using core::makeError;
using core::Result;

bool startsWith(const std::string& s, const std::string& p) { return s.rfind(p, 0) == 0; }

// The server binds exactly what it is told: no name lookups.
bool isIpLiteral(const std::string& a) {
    unsigned char buf[sizeof(in6_addr)];
    return inet_pton(AF_INET, a.c_str(), buf) == 1 || inet_pton(AF_INET6, a.c_str(), buf) == 1;
}

// Every key of `v` must be in `allowed` (config.unknown_key with a "did you mean" hint).
core::Status onlyKeys(const ConfigView& v, std::initializer_list<const char*> allowed) {
    return v.onlyKeys(std::vector<std::string>(allowed.begin(), allowed.end()), "docs/server.md");
}

// An optional section: absent is an empty object.
Result<ConfigView> section(const ConfigView& root, const std::string& key, const Json& empty) {
    if (!root.has(key)) return ConfigView(empty, root.keyPath(key));
    return root.child(key);
}

Result<fs::path> pathKey(const ConfigView& v, const std::string& key, const fs::path& base) {
    KIOSK_ASSIGN_OR_RETURN(std::string s, v.string(key));
    if (s.empty()) return v.bad(key, "must not be empty");
    fs::path p(s);
    return (p.is_absolute() ? p : base / p).lexically_normal();
}

}  // namespace

std::string ServerConfig::backendName() const {
    return startsWith(db, "postgresql://") || startsWith(db, "postgres://") ? "postgresql" : "sqlite";
}

std::string resolveDbUrl(const std::string& url, const fs::path& baseDir) {
    if (startsWith(url, "postgresql://") || startsWith(url, "postgres://")) return url;
    if (url.find("://") != std::string::npos && !startsWith(url, "sqlite://")) return url;  // refused when opened
    std::string path = startsWith(url, "sqlite:") ? url.substr(7) : url;
    if (startsWith(path, "//")) path = path.substr(2);
    if (path.empty() || path == ":memory:") return "sqlite:" + path;
    const fs::path p(path);
    return "sqlite:" + (p.is_absolute() ? p : baseDir / p).lexically_normal().string();
}

Result<ServerConfig> parseServerConfig(const Json& j, const fs::path& baseDir) {
    static const Json empty = Json::object();
    ServerConfig c;
    const ConfigView root(j);
    KIOSK_TRY(onlyKeys(root, {"listen", "tls", "db", "limits", "retention", "log", "console"}));

    KIOSK_ASSIGN_OR_RETURN(ConfigView listen, section(root, "listen", empty));
    KIOSK_TRY(onlyKeys(listen, {"address", "port"}));
    KIOSK_ASSIGN_OR_RETURN(c.listenAddress, listen.stringOr("address", c.listenAddress));
    if (!isIpLiteral(c.listenAddress))
        return listen.bad("address", "'" + c.listenAddress + "' is not an IPv4 or IPv6 address (e.g. 0.0.0.0, ::, 127.0.0.1)");
    KIOSK_ASSIGN_OR_RETURN(int64_t port, listen.integerOr("port", c.port, 0, 65535));
    c.port = static_cast<int>(port);

    KIOSK_ASSIGN_OR_RETURN(ConfigView tls, root.child("tls"));
    KIOSK_TRY(onlyKeys(tls, {"cert_file", "key_file", "client_ca_file", "crl_file", "crl_reload_ms"}));
    KIOSK_ASSIGN_OR_RETURN(c.certFile, pathKey(tls, "cert_file", baseDir));
    KIOSK_ASSIGN_OR_RETURN(c.keyFile, pathKey(tls, "key_file", baseDir));
    KIOSK_ASSIGN_OR_RETURN(c.clientCaFile, pathKey(tls, "client_ca_file", baseDir));
    KIOSK_ASSIGN_OR_RETURN(c.crlFile, pathKey(tls, "crl_file", baseDir));
    KIOSK_ASSIGN_OR_RETURN(c.crlReloadMs, tls.integerOr("crl_reload_ms", c.crlReloadMs, 100, 3600000));

    KIOSK_ASSIGN_OR_RETURN(std::string db, root.string("db"));
    if (db.empty()) return root.bad("db", "must not be empty");
    if (!startsWith(db, "postgresql://") && !startsWith(db, "postgres://") && !startsWith(db, "sqlite:") &&
        db.find("://") != std::string::npos)
        return root.bad("db", "use sqlite:PATH or postgresql://...");
    c.db = resolveDbUrl(db, baseDir);

    KIOSK_ASSIGN_OR_RETURN(ConfigView limits, section(root, "limits", empty));
    KIOSK_TRY(onlyKeys(limits, {"max_body_bytes", "max_connections", "idle_timeout_ms", "request_timeout_ms", "threads",
                                "max_long_poll_ms"}));
    KIOSK_ASSIGN_OR_RETURN(c.maxBodyBytes, limits.integerOr("max_body_bytes", c.maxBodyBytes, 1024, 64LL << 20));
    KIOSK_ASSIGN_OR_RETURN(c.maxConnections, limits.integerOr("max_connections", c.maxConnections, 1, 1000000));
    KIOSK_ASSIGN_OR_RETURN(c.idleTimeoutMs, limits.integerOr("idle_timeout_ms", c.idleTimeoutMs, 100, 3600000));
    KIOSK_ASSIGN_OR_RETURN(c.requestTimeoutMs, limits.integerOr("request_timeout_ms", c.requestTimeoutMs, 100, 600000));
    KIOSK_ASSIGN_OR_RETURN(c.threads, limits.integerOr("threads", c.threads, 1, 64));
    KIOSK_ASSIGN_OR_RETURN(c.maxLongPollMs, limits.integerOr("max_long_poll_ms", c.maxLongPollMs, 0, 300000));

    KIOSK_ASSIGN_OR_RETURN(ConfigView retention, section(root, "retention", empty));
    KIOSK_TRY(onlyKeys(retention, {"purge_interval_s"}));
    KIOSK_ASSIGN_OR_RETURN(c.purgeIntervalS, retention.integerOr("purge_interval_s", c.purgeIntervalS, 10, 86400));

    KIOSK_ASSIGN_OR_RETURN(ConfigView console, section(root, "console", empty));
    KIOSK_TRY(onlyKeys(console, {"enabled", "listen", "static_dir", "feed_interval_ms", "ping_s", "max_queue_bytes"}));
    KIOSK_ASSIGN_OR_RETURN(c.consoleEnabled, console.booleanOr("enabled", c.consoleEnabled));
    KIOSK_ASSIGN_OR_RETURN(ConfigView clisten, section(console, "listen", empty));
    KIOSK_TRY(onlyKeys(clisten, {"address", "port"}));
    KIOSK_ASSIGN_OR_RETURN(c.consoleAddress, clisten.stringOr("address", c.consoleAddress));
    if (!isIpLiteral(c.consoleAddress))
        return clisten.bad("address", "'" + c.consoleAddress + "' is not an IPv4 or IPv6 address (e.g. 0.0.0.0, ::, 127.0.0.1)");
    KIOSK_ASSIGN_OR_RETURN(int64_t cport, clisten.integerOr("port", c.consolePort, 0, 65535));
    c.consolePort = static_cast<int>(cport);
    if (console.has("static_dir")) {
        KIOSK_ASSIGN_OR_RETURN(c.consoleStaticDir, pathKey(console, "static_dir", baseDir));
    } else if (const char* assets = std::getenv("KIOSK_ASSETS_DIR"); assets && *assets) {
        c.consoleStaticDir = (fs::path(assets) / "console").lexically_normal();
    } else {
        // The shipped layout: assets/config/server.json next to assets/console/.
        c.consoleStaticDir = (baseDir / ".." / "console").lexically_normal();
    }
    KIOSK_ASSIGN_OR_RETURN(c.consoleFeedIntervalMs, console.integerOr("feed_interval_ms", c.consoleFeedIntervalMs, 20, 5000));
    KIOSK_ASSIGN_OR_RETURN(c.consolePingS, console.integerOr("ping_s", c.consolePingS, 1, 300));
    KIOSK_ASSIGN_OR_RETURN(c.consoleQueueBytes,
                           console.integerOr("max_queue_bytes", c.consoleQueueBytes, 16 * 1024, 256LL << 20));
    if (c.consoleEnabled && c.consolePort != 0 && c.consolePort == c.port && c.consoleAddress == c.listenAddress)
        return clisten.bad("port", "must differ from listen.port");

    KIOSK_ASSIGN_OR_RETURN(ConfigView log, section(root, "log", empty));
    KIOSK_TRY(onlyKeys(log, {"level"}));
    KIOSK_ASSIGN_OR_RETURN(std::string level, log.oneOf("level", {"debug", "info", "warn", "error"}, "info"));
    c.logLevel = level == "debug"  ? core::LogLevel::Debug
                 : level == "warn" ? core::LogLevel::Warn
                 : level == "error" ? core::LogLevel::Error
                                    : core::LogLevel::Info;
    return c;
}

Result<ServerConfig> loadServerConfig(const fs::path& file) {
    KIOSK_ASSIGN_OR_RETURN(Json j, core::loadJsonFile(file));
    const fs::path abs = fs::absolute(file).lexically_normal();
    KIOSK_ASSIGN_OR_RETURN(ServerConfig c, parseServerConfig(j, abs.parent_path()));
    c.configFile = abs;
    return c;
}

const char* usageText() {
    return "usage: clearance-server --config FILE [--db URL] [--port N] [--console-port N] [--check-config]\n"
           "  --config FILE   JSON configuration (docs/server.md)\n"
           "  --db URL        sqlite:PATH or postgresql://... instead of the file's \"db\"\n"
           "  --port N        listen on N instead of the file's listen.port (0: any free port)\n"
           "  --console-port N  the console's port instead of console.listen.port (0: any free port)\n"
           "  --check-config  read and check the configuration and its files, then exit\n";
}

Result<CommandLine> parseCommandLine(int argc, const char* const* argv) {
    CommandLine cl;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&](const std::string& name) -> Result<std::string> {
            if (i + 1 >= argc) return makeError("usage", name + " needs a value");
            return std::string(argv[++i]);
        };
        if (a == "--config") {
            KIOSK_ASSIGN_OR_RETURN(std::string v, value(a));
            cl.configFile = v;
        } else if (a == "--db") {
            KIOSK_ASSIGN_OR_RETURN(std::string v, value(a));
            if (v.empty()) return makeError("usage", "--db: empty URL");
            cl.db = v;
        } else if (a == "--port") {
            KIOSK_ASSIGN_OR_RETURN(std::string v, value(a));
            int p = -1;
            try {
                size_t used = 0;
                p = std::stoi(v, &used);
                if (used != v.size()) p = -1;
            } catch (...) {
                p = -1;
            }
            if (p < 0 || p > 65535) return makeError("usage", "--port: '" + v + "' is not a port number (0-65535)");
            cl.port = p;
        } else if (a == "--console-port") {
            KIOSK_ASSIGN_OR_RETURN(std::string v, value(a));
            int p = -1;
            try {
                size_t used = 0;
                p = std::stoi(v, &used);
                if (used != v.size()) p = -1;
            } catch (...) {
                p = -1;
            }
            if (p < 0 || p > 65535) return makeError("usage", "--console-port: '" + v + "' is not a port number (0-65535)");
            cl.consolePort = p;
        } else if (a == "--check-config") {
            cl.checkOnly = true;
        } else if (a == "--help" || a == "-h") {
            cl.help = true;
        } else {
            return makeError("usage", "unknown argument '" + a + "'");
        }
    }
    if (!cl.help && cl.configFile.empty()) return makeError("usage", "--config FILE is required");
    return cl;
}

void applyOverrides(ServerConfig& c, const CommandLine& cl) {
    if (cl.db) c.db = resolveDbUrl(*cl.db, fs::current_path());
    if (cl.port) c.port = *cl.port;
    if (cl.consolePort) c.consolePort = *cl.consolePort;
}

core::Status checkFiles(const ServerConfig& c) {
    const std::pair<const char*, const fs::path*> files[] = {{"tls.cert_file", &c.certFile},
                                                              {"tls.key_file", &c.keyFile},
                                                              {"tls.client_ca_file", &c.clientCaFile},
                                                              {"tls.crl_file", &c.crlFile}};
    for (const auto& [key, p] : files) {
        std::ifstream in(*p);
        if (!in) return makeError("config.bad_value", std::string(key) + ": cannot read " + p->string());
    }
    return checkConsoleFiles(c);
}

core::Status checkConsoleFiles(const ServerConfig& c) {
    if (!c.consoleEnabled) return {};
    std::ifstream index(c.consoleStaticDir / "index.html");
    if (!index) return makeError("config.bad_value", "console.static_dir: no index.html in " + c.consoleStaticDir.string());
    return {};
}

HttpServerOptions httpOptions(const ServerConfig& c) {
    HttpServerOptions o;
    o.address = c.listenAddress;
    o.port = static_cast<uint16_t>(c.port);
    o.certFile = c.certFile;
    o.keyFile = c.keyFile;
    o.clientCaFile = c.clientCaFile;
    o.crlFile = c.crlFile;
    o.crlReload = std::chrono::milliseconds(c.crlReloadMs);
    o.maxBodyBytes = static_cast<size_t>(c.maxBodyBytes);
    o.maxConnections = static_cast<size_t>(c.maxConnections);
    o.idleTimeout = std::chrono::milliseconds(c.idleTimeoutMs);
    o.requestTimeout = std::chrono::milliseconds(c.requestTimeoutMs);
    o.maxLongPoll = std::chrono::milliseconds(c.maxLongPollMs);
    o.threads = static_cast<int>(c.threads);
    return o;
}

HttpServerOptions consoleHttpOptions(const ServerConfig& c) {
    HttpServerOptions o = httpOptions(c);
    o.address = c.consoleAddress;
    o.port = static_cast<uint16_t>(c.consolePort);
    o.clientAuth = ClientAuth::None;
    o.clientCaFile.clear();
    o.crlFile.clear();
    // Threads as the devices' listener (limits.threads): a login's Argon2 hash takes one
    // for tens of milliseconds, and the event streams must keep flowing meanwhile.
    o.responseHeaders = consoleSecurityHeaders();
    o.ssePing = std::chrono::seconds(c.consolePingS);
    o.sseQueueBytes = static_cast<size_t>(c.consoleQueueBytes);
    return o;
}

}  // namespace kiosk::server
