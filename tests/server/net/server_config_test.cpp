// clearance-server's configuration: every key read, unknown keys and bad values named,
// relative paths resolved against the file's folder; and the command line.
#include <fstream>

#include "server/server_config.h"
#include "tests/support/test_support.h"

namespace kiosk::server {
namespace {

namespace fs = std::filesystem;
using core::Json;

Json minimal() {
    return Json::parse(R"({"tls": {"cert_file": "s.cert.pem", "key_file": "s.key.pem",
                                   "client_ca_file": "ca/ca.cert.pem", "crl_file": "/etc/clearance/crl.pem"},
                           "db": "sqlite:data/c.db"})");
}

TEST(ServerConfig, DefaultsAndPathsRelativeToTheFile) {
    auto c = parseServerConfig(minimal(), "/srv/clearance");
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->listenAddress, "0.0.0.0");
    EXPECT_EQ(c->port, 8443);
    EXPECT_EQ(c->certFile, fs::path("/srv/clearance/s.cert.pem"));
    EXPECT_EQ(c->clientCaFile, fs::path("/srv/clearance/ca/ca.cert.pem"));
    EXPECT_EQ(c->crlFile, fs::path("/etc/clearance/crl.pem"));
    EXPECT_EQ(c->db, "sqlite:/srv/clearance/data/c.db");
    EXPECT_EQ(c->backendName(), "sqlite");
    EXPECT_EQ(c->maxBodyBytes, 1 << 20);
    EXPECT_EQ(c->threads, 16);
    EXPECT_EQ(c->purgeIntervalS, 3600);
    EXPECT_EQ(c->logLevel, core::LogLevel::Info);
}

TEST(ServerConfig, EveryKeyIsRead) {
    Json j = minimal();
    j["listen"] = {{"address", "127.0.0.1"}, {"port", 9443}};
    j["tls"]["crl_reload_ms"] = 500;
    j["db"] = "postgresql://clearance@db.example/clearance";
    j["limits"] = {{"max_body_bytes", 2048},   {"max_connections", 50}, {"idle_timeout_ms", 1000},
                   {"request_timeout_ms", 2000}, {"threads", 4},          {"max_long_poll_ms", 5000}};
    j["retention"] = {{"purge_interval_s", 60}};
    j["log"] = {{"level", "debug"}};
    auto c = parseServerConfig(j, "/x");
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->listenAddress, "127.0.0.1");
    EXPECT_EQ(c->port, 9443);
    EXPECT_EQ(c->crlReloadMs, 500);
    EXPECT_EQ(c->db, "postgresql://clearance@db.example/clearance");
    EXPECT_EQ(c->backendName(), "postgresql");
    EXPECT_EQ(c->maxBodyBytes, 2048);
    EXPECT_EQ(c->maxConnections, 50);
    EXPECT_EQ(c->idleTimeoutMs, 1000);
    EXPECT_EQ(c->requestTimeoutMs, 2000);
    EXPECT_EQ(c->threads, 4);
    EXPECT_EQ(c->maxLongPollMs, 5000);
    EXPECT_EQ(c->purgeIntervalS, 60);
    EXPECT_EQ(c->logLevel, core::LogLevel::Debug);
    const auto o = httpOptions(*c);
    EXPECT_EQ(o.port, 9443);
    EXPECT_EQ(o.maxBodyBytes, 2048u);
    EXPECT_EQ(o.maxConnections, 50u);
    EXPECT_EQ(o.threads, 4);
    EXPECT_EQ(o.crlReload.count(), 500);
    EXPECT_EQ(o.maxLongPoll.count(), 5000);
    EXPECT_EQ(o.crlFile, fs::path("/etc/clearance/crl.pem"));
}

TEST(ServerConfig, UnknownKeysAreNamedAtEveryLevel) {
    for (const auto& [patch, key] : std::vector<std::pair<std::string, std::string>>{
             {R"({"lisen": {}})", "lisen"},
             {R"({"listen": {"host": "x"}})", "listen.host"},
             {R"({"tls": {"crl_reload": 5}})", "tls.crl_reload"},
             {R"({"limits": {"max_bodybytes": 5}})", "limits.max_bodybytes"},
             {R"({"retention": {"days": 31}})", "retention.days"},
             {R"({"log": {"file": "x"}})", "log.file"}}) {
        Json j = minimal();
        j.merge_patch(Json::parse(patch));
        auto c = parseServerConfig(j, "/x");
        ASSERT_FALSE(c.ok()) << patch;
        EXPECT_EQ(c.error().code, "config.unknown_key") << patch;
        EXPECT_EQ(c.error().message.rfind(key + ":", 0), 0u) << c.error().message;
    }
}

// Issue 16: a misspelt key says which key was probably meant.
TEST(ServerConfig, UnknownKeysCarryADidYouMeanHint) {
    for (const auto& [patch, message] : std::vector<std::pair<std::string, std::string>>{
             {R"({"lisen": {}})", "lisen: unknown key (did you mean listen?)"},
             {R"({"listen": {"prot": 1}})", "listen.prot: unknown key (did you mean listen.port?)"},
             {R"({"console": {"enabeld": true}})", "console.enabeld: unknown key (did you mean console.enabled?)"},
             {R"({"limits": {"max_bodybytes": 5}})", "limits.max_bodybytes: unknown key (did you mean limits.max_body_bytes?)"},
             {R"({"log": {"file": "x"}})", "log.file: unknown key (docs/server.md"}}) {
        Json j = minimal();
        j.merge_patch(Json::parse(patch));
        auto c = parseServerConfig(j, "/x");
        ASSERT_FALSE(c.ok()) << patch;
        EXPECT_EQ(c.error().message.rfind(message, 0), 0u) << c.error().message;
    }
}

// Every key of docs/server.md's table is read: set to a value of the wrong kind, it is
// refused by name (never accepted, never "unknown").
TEST(ServerConfig, EveryKeyOfServerMdIsReadByName) {
    std::ifstream in(testing::sourceDir() / "docs/server.md");
    std::string line;
    bool inTable = false;
    int n = 0;
    while (std::getline(in, line)) {
        if (line.rfind("| key |", 0) == 0) {
            inTable = true;
            std::getline(in, line);
            continue;
        }
        if (line.rfind("|", 0) != 0) {
            inTable = false;
            continue;
        }
        if (!inTable) continue;
        const auto a = line.find('`'), b = line.find('`', a + 1);
        ASSERT_NE(b, std::string::npos) << line;
        const std::string key = line.substr(a + 1, b - a - 1);
        Json j = minimal();
        Json* at = &j;
        std::size_t start = 0;
        for (std::size_t dot; (dot = key.find('.', start)) != std::string::npos; start = dot + 1) {
            const std::string part = key.substr(start, dot - start);
            if (!at->contains(part)) (*at)[part] = Json::object();
            at = &(*at)[part];
        }
        (*at)[key.substr(start)] = Json{{"not", "a valid value"}};
        auto c = parseServerConfig(j, "/x");
        ASSERT_FALSE(c.ok()) << key << ": a bad value was accepted (not read)";
        EXPECT_NE(c.error().code, "config.unknown_key") << c.error().message;
        EXPECT_EQ(c.error().message.rfind(key + ":", 0), 0u) << c.error().message;
        ++n;
    }
    EXPECT_GE(n, 23);
}

TEST(ServerConfig, BadValuesAreNamed) {
    for (const auto& [patch, key] : std::vector<std::pair<std::string, std::string>>{
             {R"({"listen": {"port": 70000}})", "listen.port"},
             {R"({"listen": {"port": "8443"}})", "listen.port"},
             {R"({"listen": {"address": "localhost"}})", "listen.address"},
             {R"({"tls": {"cert_file": ""}})", "tls.cert_file"},
             {R"({"tls": {"crl_reload_ms": 1}})", "tls.crl_reload_ms"},
             {R"({"db": "mysql://x"})", "db"},
             {R"({"db": 5})", "db"},
             {R"({"limits": {"threads": 0}})", "limits.threads"},
             {R"({"limits": {"max_body_bytes": 1.5}})", "limits.max_body_bytes"},
             {R"({"retention": {"purge_interval_s": 0}})", "retention.purge_interval_s"},
             {R"({"log": {"level": "verbose"}})", "log.level"},
             {R"({"limits": []})", "limits"}}) {
        Json j = minimal();
        j.merge_patch(Json::parse(patch));
        if (patch == R"({"limits": []})") j["limits"] = Json::array();
        auto c = parseServerConfig(j, "/x");
        ASSERT_FALSE(c.ok()) << patch;
        EXPECT_EQ(c.error().message.rfind(key + ":", 0), 0u) << c.error().message;
    }
    Json j = minimal();
    j["tls"].erase("crl_file");
    auto c = parseServerConfig(j, "/x");
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.error().code, "config.missing_key");
    EXPECT_NE(c.error().message.find("tls.crl_file"), std::string::npos);
}

TEST(ServerConfig, DatabaseUrls) {
    EXPECT_EQ(resolveDbUrl("sqlite:rel.db", "/base"), "sqlite:/base/rel.db");
    EXPECT_EQ(resolveDbUrl("rel.db", "/base"), "sqlite:/base/rel.db");
    EXPECT_EQ(resolveDbUrl("sqlite:/abs.db", "/base"), "sqlite:/abs.db");
    EXPECT_EQ(resolveDbUrl("sqlite:///abs.db", "/base"), "sqlite:/abs.db");
    EXPECT_EQ(resolveDbUrl("sqlite::memory:", "/base"), "sqlite::memory:");
    EXPECT_EQ(resolveDbUrl("postgres://u@h/db", "/base"), "postgres://u@h/db");
}

TEST(ServerConfig, LoadsTheShippedDefaultConfig) {
    const fs::path file = kiosk::testing::sourceDir() / "assets/config/server.json";
    auto c = loadServerConfig(file);
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->backendName(), "sqlite");
    EXPECT_EQ(c->certFile, file.parent_path().lexically_normal() / "server-data/server.cert.pem");
}

std::vector<const char*> argv(std::initializer_list<const char*> a) {
    std::vector<const char*> v{"clearance-server"};
    v.insert(v.end(), a);
    return v;
}

TEST(ServerCommandLine, ParsesAndRefuses) {
    auto v = argv({"--config", "s.json", "--db", "sqlite:x.db", "--port", "0", "--check-config"});
    auto cl = parseCommandLine(static_cast<int>(v.size()), v.data());
    ASSERT_TRUE(cl.ok()) << cl.error().message;
    EXPECT_EQ(cl->configFile, fs::path("s.json"));
    EXPECT_EQ(*cl->db, "sqlite:x.db");
    EXPECT_EQ(*cl->port, 0);
    EXPECT_TRUE(cl->checkOnly);

    for (auto bad : {argv({}), argv({"--config"}), argv({"--config", "a", "--port", "x"}),
                     argv({"--config", "a", "--port", "65536"}), argv({"--config", "a", "--verbose"})}) {
        auto r = parseCommandLine(static_cast<int>(bad.size()), bad.data());
        EXPECT_FALSE(r.ok());
    }
    ServerConfig c;
    c.port = 8443;
    c.db = "sqlite:/a.db";
    CommandLine over;
    over.port = 0;
    over.db = "postgresql://x/y";
    applyOverrides(c, over);
    EXPECT_EQ(c.port, 0);
    EXPECT_EQ(c.db, "postgresql://x/y");
}

}  // namespace
}  // namespace kiosk::server
