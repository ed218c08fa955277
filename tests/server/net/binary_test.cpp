// The real clearance-server binary: a config in a temp dir on SQLite, certificates from the
// project CA, the "listening" line, GET /v1/health with an admin certificate, SIGTERM -> 0.
// And a bad configuration: exit 2 naming the key.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <regex>

#include "server/server_config.h"
#include "tests/server/net/net_test_support.h"

namespace kiosk::server {
namespace {

// The console port the server prints once its browser listener is up; 0 when it never does.
template <typename Process>
uint16_t waitConsolePort(Process& proc) {
    static const std::regex consoleRe(R"(clearance-server: console on 127\.0\.0\.1:(\d+)\n)");
    std::smatch m;
    std::string text;  // outlives the lambda: m points into it (ASan: heap-use-after-free)
    if (!nettest::eventually([&] {
            text = proc.stdoutText();
            return std::regex_search(text, m, consoleRe);
        }))
        return 0;
    return static_cast<uint16_t>(std::stoi(m[1]));
}

using namespace nettest;
using namespace std::chrono_literals;

fs::path serverBinary() { return kiosk::testing::buildDir() / "server" / "clearance-server"; }

std::string readAll(const fs::path& p) {
    std::ifstream in(p);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// The server as a child process, its stdout and stderr in files.
class ServerProcess {
public:
    ServerProcess(const std::vector<std::string>& args, const fs::path& dir) : out_(dir / "stdout.txt"), err_(dir / "stderr.txt") {
        pid_ = ::fork();
        if (pid_ == 0) {
            const int o = ::open(out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
            const int e = ::open(err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
            ::dup2(o, 1);
            ::dup2(e, 2);
            std::vector<std::string> all{serverBinary().string()};
            all.insert(all.end(), args.begin(), args.end());
            std::vector<char*> av;
            for (auto& a : all) av.push_back(a.data());
            av.push_back(nullptr);
            ::execv(av[0], av.data());
            ::_exit(127);
        }
    }
    ~ServerProcess() {
        if (pid_ > 0 && !exited_) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
    }
    // The exit status, waiting at most ~30 s (then -1).
    int wait() {
        for (int i = 0; i < 3000; ++i) {
            int status = 0;
            const pid_t r = ::waitpid(pid_, &status, WNOHANG);
            if (r == pid_) {
                exited_ = true;
                return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            }
            std::this_thread::sleep_for(10ms);
        }
        return -1;
    }
    // The port from "clearance-server: listening on ADDR:PORT (backend ...)", or 0.
    uint16_t waitListening(std::string* line = nullptr) {
        static const std::regex re(R"(clearance-server: listening on (\S+):(\d+) \(backend (\w+)\))");
        uint16_t port = 0;
        eventually(
            [&] {
                std::smatch m;
                const std::string text = stdoutText();
                if (std::regex_search(text, m, re)) {
                    port = static_cast<uint16_t>(std::stoi(m[2]));
                    if (line) *line = m[0];
                    return true;
                }
                int status = 0;
                return ::waitpid(pid_, &status, WNOHANG) == pid_ ? (exited_ = true) : false;
            },
            60s);
        return port;
    }
    void signal(int sig) { ::kill(pid_, sig); }
    std::string stdoutText() const { return readAll(out_); }
    std::string stderrText() const { return readAll(err_); }

private:
    pid_t pid_ = -1;
    bool exited_ = false;
    fs::path out_, err_;
};

// A config file in `dir` with paths relative to it (as the shipped one has).
fs::path writeConfig(const Pki& p, const std::string& extra = "") {
    const fs::path file = p.dir / "server.json";
    std::ofstream out(file);
    out << R"({
  // relative paths: against this file's folder
  "listen": {"address": "127.0.0.1", "port": 8443},
  "tls": {"cert_file": "server.cert.pem", "key_file": "server.key.pem",
          "client_ca_file": "ca/ca.cert.pem", "crl_file": "ca/crl.pem", "crl_reload_ms": 1000},
  "db": "sqlite:clearance.db",
  "limits": {"threads": 2)" << extra << R"(},
  "log": {"level": "info"}
})";
    return file;
}

TEST(ClearanceServerBinary, ServesHealthToAnAdminAndStopsOnSigterm) {
    ASSERT_TRUE(fs::exists(serverBinary())) << serverBinary();
    Pki pki = makePki("net-bin");
    const fs::path cfg = writeConfig(pki);
    ServerProcess proc({"--config", cfg.string(), "--port", "0"}, pki.dir);
    std::string line;
    const uint16_t port = proc.waitListening(&line);
    ASSERT_NE(port, 0) << "stdout: " << proc.stdoutText() << "\nstderr: " << proc.stderrText();
    EXPECT_NE(line.find("127.0.0.1:"), std::string::npos) << line;
    EXPECT_NE(line.find("(backend sqlite)"), std::string::npos) << line;
    EXPECT_TRUE(fs::exists(pki.dir / "clearance.db"));  // relative to the config file

    auto health = tryGet(port, clientWith(pki, pki.admin), "/v1/health");
    ASSERT_TRUE(health.reply) << health.error;
    EXPECT_EQ(health.reply->status, 200) << health.reply->body;
    auto j = core::Json::parse(health.reply->body);
    EXPECT_EQ(j["status"], "ok");
    EXPECT_EQ(j["backend"], "sqlite");

    // The API behind the transport: a lane may not use admin endpoints...
    auto lane = tryGet(port, clientWith(pki, pki.lane), "/v1/admin/stats");
    ASSERT_TRUE(lane.reply) << lane.error;
    EXPECT_EQ(lane.reply->status, 403);
    // ...and without a certificate there is no HTTP at all.
    ClientConfig none;
    none.caFile = pki.caCert();
    EXPECT_FALSE(tryGet(port, none).reply);

    proc.signal(SIGTERM);
    EXPECT_EQ(proc.wait(), 0) << proc.stderrText();
    // Logs are JSON lines; nothing about requests' contents at info level.
    EXPECT_NE(proc.stderrText().find("\"event\":\"server.stopped\""), std::string::npos) << proc.stderrText();
}

TEST(ClearanceServerBinary, UnknownConfigKeyExits2NamingIt) {
    ASSERT_TRUE(fs::exists(serverBinary()));
    Pki pki = makePki("net-bin-bad");
    const fs::path cfg = writeConfig(pki, R"(, "max_bodybytes": 1000)");
    ServerProcess proc({"--config", cfg.string()}, pki.dir);
    EXPECT_EQ(proc.wait(), 2);
    EXPECT_NE(proc.stderrText().find("limits.max_bodybytes"), std::string::npos) << proc.stderrText();
    EXPECT_EQ(proc.stdoutText().find("listening"), std::string::npos);
}

TEST(ClearanceServerBinary, BadValueAndBadCommandLineExit2) {
    ASSERT_TRUE(fs::exists(serverBinary()));
    Pki pki = makePki("net-bin-value");
    {
        ServerProcess proc({"--config", writeConfig(pki, R"(, "threads": 0)").string()}, pki.dir);
        EXPECT_EQ(proc.wait(), 2);
        EXPECT_NE(proc.stderrText().find("limits.threads"), std::string::npos) << proc.stderrText();
    }
    {
        ServerProcess proc({"--config", writeConfig(pki).string(), "--port", "http"}, pki.dir);
        EXPECT_EQ(proc.wait(), 2);
        EXPECT_NE(proc.stderrText().find("--port"), std::string::npos) << proc.stderrText();
    }
}

TEST(ClearanceServerBinary, CheckConfigReadsTheFilesWithoutStarting) {
    ASSERT_TRUE(fs::exists(serverBinary()));
    Pki pki = makePki("net-bin-check");
    const fs::path cfg = writeConfig(pki);
    {
        ServerProcess proc({"--config", cfg.string(), "--check-config"}, pki.dir);
        EXPECT_EQ(proc.wait(), 0) << proc.stderrText();
        EXPECT_NE(proc.stdoutText().find("configuration ok"), std::string::npos);
        EXPECT_FALSE(fs::exists(pki.dir / "clearance.db"));
    }
    fs::remove(pki.dir / "server.key.pem");
    {
        ServerProcess proc({"--config", cfg.string(), "--check-config"}, pki.dir);
        EXPECT_EQ(proc.wait(), 2);
        EXPECT_NE(proc.stderrText().find("tls.key_file"), std::string::npos) << proc.stderrText();
    }
}

TEST(ClearanceServerBinary, ConsoleEnabledPrintsBothLinesAndServesThePageWithoutACertificate) {
    ASSERT_TRUE(fs::exists(serverBinary()));
    Pki pki = makePki("net-bin-console");
    fs::create_directories(pki.dir / "web");
    std::ofstream(pki.dir / "web" / "index.html") << "<!doctype html><title>supervision</title>";
    const fs::path cfg = pki.dir / "server.json";
    std::ofstream(cfg) << R"({
  "listen": {"address": "127.0.0.1", "port": 0},
  "tls": {"cert_file": "server.cert.pem", "key_file": "server.key.pem",
          "client_ca_file": "ca/ca.cert.pem", "crl_file": "ca/crl.pem"},
  "db": "sqlite:clearance.db",
  "console": {"enabled": true, "listen": {"address": "127.0.0.1", "port": 0}, "static_dir": "web"}
})";
    ServerProcess proc({"--config", cfg.string()}, pki.dir);
    const uint16_t port = proc.waitListening();
    ASSERT_NE(port, 0) << proc.stdoutText() << proc.stderrText();
    const uint16_t consolePort = waitConsolePort(proc);
    ASSERT_NE(consolePort, 0) << proc.stdoutText() << proc.stderrText();
    EXPECT_NE(consolePort, 0);
    EXPECT_NE(consolePort, port);

    ClientConfig none;
    none.caFile = pki.caCert();
    auto page = tryGet(consolePort, none, "/");
    ASSERT_TRUE(page.reply) << page.error;
    EXPECT_EQ(page.reply->status, 200);
    EXPECT_NE(page.reply->body.find("<title>supervision</title>"), std::string::npos);
    EXPECT_NE(page.reply->headers["content-security-policy"].find("script-src 'self'"), std::string::npos);
    // The device listener still wants a certificate.
    EXPECT_FALSE(tryGet(port, none).reply);
    // The console API behind it, with the same headers: no session, no stream.
    for (const std::string target : {"/v1/console/me", "/v1/console/stream", "/v1/console/lanes"}) {
        auto api = tryGet(consolePort, none, target);
        ASSERT_TRUE(api.reply) << api.error;
        EXPECT_EQ(api.reply->status, 401) << target << " " << api.reply->body;
        EXPECT_EQ(api.reply->headers["cache-control"], "no-store") << target;
        EXPECT_EQ(api.reply->headers["x-content-type-options"], "nosniff") << target;
        EXPECT_NE(api.reply->headers["content-security-policy"].find("frame-ancestors 'none'"), std::string::npos) << target;
    }
    // Console endpoints are not on the device port.
    auto cross = tryGet(port, clientWith(pki, pki.admin), "/v1/console/me");
    ASSERT_TRUE(cross.reply) << cross.error;
    EXPECT_EQ(cross.reply->status, 404);

    proc.signal(SIGTERM);
    EXPECT_EQ(proc.wait(), 0) << proc.stderrText();
}

// The whole path with the real binary: an officer added with `officer add`, logged in on
// the console port, holding the event stream; a lane posts an alert on the device port and
// it comes down the stream.
TEST(ClearanceServerBinary, ConsoleStreamCarriesALanesAlertToALoggedInOfficer) {
    ASSERT_TRUE(fs::exists(serverBinary()));
    Pki pki = makePki("net-bin-console-e2e");
    fs::create_directories(pki.dir / "web");
    std::ofstream(pki.dir / "web" / "index.html") << "<!doctype html><title>supervision</title>";
    const fs::path cfg = pki.dir / "server.json";
    std::ofstream(cfg) << R"({
  "listen": {"address": "127.0.0.1", "port": 0},
  "tls": {"cert_file": "server.cert.pem", "key_file": "server.key.pem",
          "client_ca_file": "ca/ca.cert.pem", "crl_file": "ca/crl.pem"},
  "db": "sqlite:clearance.db",
  "console": {"enabled": true, "listen": {"address": "127.0.0.1", "port": 0}, "static_dir": "web", "feed_interval_ms": 50}
})";
    std::ofstream(pki.dir / "password.txt") << "a long passphrase here\n";
    {
        ServerProcess add({"--config", cfg.string(), "officer", "add", "wong.kf", "--role", "officer", "--password-file",
                           (pki.dir / "password.txt").string()},
                          pki.dir);
        ASSERT_EQ(add.wait(), 0) << add.stdoutText() << add.stderrText();
    }
    ServerProcess proc({"--config", cfg.string()}, pki.dir);
    const uint16_t port = proc.waitListening();
    ASSERT_NE(port, 0) << proc.stdoutText() << proc.stderrText();
    const uint16_t consolePort = waitConsolePort(proc);
    ASSERT_NE(consolePort, 0);

    ClientConfig none;
    none.caFile = pki.caCert();
    ClientContext browser(none);
    TlsClient login;
    ASSERT_EQ(login.connect(consolePort, browser), "");
    auto in = login.request("POST", "/v1/console/login", R"({"name": "wong.kf", "password": "a long passphrase here"})");
    ASSERT_TRUE(in) << login.error();
    ASSERT_EQ(in->status, 200) << in->body;
    const std::string setCookie = in->headers["set-cookie"];
    ASSERT_EQ(setCookie.rfind("ech_session=", 0), 0u) << setCookie;
    const std::string cookie = setCookie.substr(0, setCookie.find(';'));

    TlsClient stream;
    ASSERT_EQ(stream.connect(consolePort, browser), "");
    ASSERT_TRUE(stream.send("GET /v1/console/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: " + cookie + "\r\n\r\n"));
    auto head = stream.readResponse();
    ASSERT_TRUE(head) << stream.error();
    ASSERT_EQ(head->status, 200) << head->body;
    EXPECT_EQ(head->headers["content-type"].rfind("text/event-stream", 0), 0u);
    ASSERT_TRUE(stream.readUntil("\n\n"));  // retry

    ClientContext lane(clientWith(pki, pki.lane));
    TlsClient device;
    ASSERT_EQ(device.connect(port, lane), "");
    auto posted = device.request("POST", "/v1/device/events", R"({"stream": "6f1c0d5e9a7b4c3d8e2f1a0b9c8d7e6f", "events": [
        {"seq": 1, "kind": "alert", "time": 1795000000, "payload": {"lane": "HZMB-A-07", "reason": "lane.tailgating"}}]})");
    ASSERT_TRUE(posted) << device.error();
    ASSERT_EQ(posted->status, 200) << posted->body;

    std::string block;
    for (;;) {
        auto b = stream.readUntil("\n\n");
        ASSERT_TRUE(b) << stream.error();
        if ((*b)[0] == ':') continue;
        block = *b;
        break;
    }
    EXPECT_NE(block.find("event: alert\n"), std::string::npos) << block;
    auto data = core::Json::parse(block.substr(block.find("data: ") + 6));
    EXPECT_EQ(data["device"], "HZMB-A-07");
    EXPECT_EQ(data["seq"], 1);
    EXPECT_EQ(data["payload"]["reason"], "lane.tailgating");

    proc.signal(SIGTERM);
    EXPECT_EQ(proc.wait(), 0) << proc.stderrText();
}

TEST(ClearanceServerBinary, ConsoleWithoutItsPageIsAConfigurationError) {
    ASSERT_TRUE(fs::exists(serverBinary()));
    Pki pki = makePki("net-bin-console-nopage");
    const fs::path cfg = writeConfig(pki);
    std::string text = readAll(cfg);
    text.insert(text.rfind('}'), R"(, "console": {"enabled": true, "static_dir": "nowhere"})");
    std::ofstream(cfg) << text;
    ServerProcess proc({"--config", cfg.string(), "--check-config"}, pki.dir);
    EXPECT_EQ(proc.wait(), 2);
    EXPECT_NE(proc.stderrText().find("console.static_dir"), std::string::npos) << proc.stderrText();
}

}  // namespace
}  // namespace kiosk::server
