#pragma once
// Shared helpers of the system tests (fault tests, end-to-end test): the parts together
// over loopback HTTPS with mutual TLS, the real clearance-server binary as a child process.
//
//   auto pki = TestPki::create(tempDir("pki"));             // CA, server cert, template key
//   auto lane = pki->device("LANE-1", server::Role::Lane);  // client certificate files
//   auto cfg = writeServerConfig(*pki, dbUrl, dir / "server.json");
//   auto srv = ServerProcess::start(ServerProcessOptions{*cfg, dbUrl});
//   ... (*srv)->url() ..., (*srv)->kill(SIGKILL), (*srv)->restart()
//   AdminClient admin((*srv)->url(), *pki, *pki->device("admin", server::Role::Admin));
//   auto events = admin.allEvents("LANE-1");
//
// Everything returns core::Result; the caller ASSERTs. No timing: waits are bounded by
// generous deadlines and end as soon as the condition holds.
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/config.h"
#include "core/result.h"
#include "server/http_types.h"

namespace kiosk::testing {

struct DeviceCertFiles {
    std::string deviceId;
    server::Role role = server::Role::None;
    std::filesystem::path certFile, keyFile;
};

// A project CA in `dir` (server/device_ca.h), a server certificate for 127.0.0.1,
// localhost and ::1, and the fleet template key. device() issues client certificates.
struct TestPki {
    std::filesystem::path dir;          // the CA folder
    std::filesystem::path caCert, crl;  // ca.cert.pem, crl.pem
    std::filesystem::path serverCert, serverKey;
    std::filesystem::path templateKey;  // 32 bytes (sync.template_key_file)

    static core::Result<TestPki> create(const std::filesystem::path& dir);
    // Issues (once per id; later calls return the same files) a certificate CN = id, OU = role.
    core::Result<DeviceCertFiles> device(const std::string& deviceId, server::Role role) const;
};

// Writes the clearance-server configuration (docs/server.md: listen, tls, db) for `pki`
// and `dbUrl`, listening on 127.0.0.1 port 0. `overrides` is merged over the generated
// JSON (objects merged key by key), e.g. {"limits": {"max_body_bytes": 4096}}.
core::Result<std::filesystem::path> writeServerConfig(const TestPki& pki, const std::string& dbUrl,
                                                      const std::filesystem::path& file,
                                                      const core::Json& overrides = core::Json::object());

// The clearance-server binary of this build tree (build/server/clearance-server).
std::filesystem::path clearanceServerBinary();

struct ServerProcessOptions {
    ServerProcessOptions() = default;
    ServerProcessOptions(std::filesystem::path config, std::string db)
        : configFile(std::move(config)), dbUrl(std::move(db)) {}

    std::filesystem::path configFile;
    // Also in the config; passed as --db so restartWith() can change it. Both are passed
    // as `clearance-server --config FILE --db URL --port N [extraArgs...]`.
    std::string dbUrl;
    int port = 0;       // 0: any free port, told by the "listening on" line
    std::filesystem::path binary = clearanceServerBinary();
    std::vector<std::string> extraArgs;
    std::chrono::milliseconds startTimeout{30000};
    // Where the child's stdout+stderr go, line by line (empty: a file in a temp dir).
    std::filesystem::path logFile;
};

// The real clearance-server as a child process (fork/exec). start() returns once the
// child printed "clearance-server: listening on ADDRESS:PORT"; it fails with the child's
// output when the child exits first or the line does not come within startTimeout.
class ServerProcess {
public:
    static core::Result<std::unique_ptr<ServerProcess>> start(ServerProcessOptions options);
    ~ServerProcess();  // SIGKILL if still running
    ServerProcess(const ServerProcess&) = delete;
    ServerProcess& operator=(const ServerProcess&) = delete;

    int port() const { return port_; }
    std::string url() const { return "https://127.0.0.1:" + std::to_string(port_); }
    pid_t pid() const { return pid_; }
    bool running();

    // Sends `signal` and waits for the child to end; returns its wait status.
    core::Result<int> kill(int signal);
    // Starts the same binary on the same configuration and database again (after kill).
    // With options.port == 0 the new port may differ: read port() again.
    core::Status restart();
    // Same, on another database URL or port (port < 0: keep options.port).
    core::Status restartWith(const std::string& dbUrl, int port = -1);

    // What the child printed so far (stdout and stderr, all runs).
    std::string output() const;
    const std::filesystem::path& logFile() const { return options_.logFile; }

private:
    explicit ServerProcess(ServerProcessOptions options) : options_(std::move(options)) {}
    core::Status launch();
    void reap();

    ServerProcessOptions options_;
    pid_t pid_ = -1;
    int port_ = 0;
    int outFd_ = -1;
    std::thread reader_;
    mutable std::mutex mu_;
    std::string output_;
    std::string partial_;
};

struct HttpAnswer {
    long status = 0;
    core::Json body;   // parsed JSON (null when the body was empty or not JSON)
    std::string text;  // raw body
};

// A libcurl client with a client certificate (any role), for the admin endpoints and for
// probing device endpoints. One connection reused; thread-safe (one call at a time).
class HttpsClient {
public:
    HttpsClient(std::string baseUrl, const TestPki& pki, const DeviceCertFiles& cert);
    ~HttpsClient();
    HttpsClient(const HttpsClient&) = delete;
    HttpsClient& operator=(const HttpsClient&) = delete;

    void setBaseUrl(std::string baseUrl);
    // Transport failures (connection refused, TLS, timeout) are errors (http.transport);
    // any HTTP status is a value.
    core::Result<HttpAnswer> get(const std::string& pathAndQuery);
    core::Result<HttpAnswer> post(const std::string& path, const core::Json& body);
    core::Result<HttpAnswer> put(const std::string& path, const core::Json& body);

private:
    core::Result<HttpAnswer> call(const std::string& method, const std::string& pathAndQuery,
                                  const std::string* body);
    std::string baseUrl_;
    void* curl_ = nullptr;
    std::mutex mu_;
    std::string ca_, cert_, key_;
};

// The admin endpoints the tests need (docs/api.md "Admin endpoints").
class AdminClient : public HttpsClient {
public:
    using HttpsClient::HttpsClient;
    // Every event stored (GET /v1/admin/events, paged by id), oldest first; empty
    // `device`/`kind`: all.
    core::Result<std::vector<core::Json>> allEvents(const std::string& device = "", const std::string& kind = "");
    // POST /v1/admin/lanes/{device}/commands; returns the command id.
    core::Result<int64_t> issueCommand(const std::string& device, const std::string& kind,
                                       const core::Json& args = core::Json::object());
    // GET /v1/admin/commands/{id}.
    core::Result<core::Json> command(int64_t id);
    core::Result<core::Json> stats();
};

// Polls `done` every `step` until it holds or `deadline` passes; returns its last value.
bool waitUntil(const std::function<bool()>& done, std::chrono::milliseconds deadline,
               std::chrono::milliseconds step = std::chrono::milliseconds(50));

// Runs a shell command line with its stdout and stderr into `log`; returns its exit status
// (128 when it did not exit normally).
int runCommand(const std::string& cmd, const std::filesystem::path& log);

// The whole file as text ("" when it cannot be read).
std::string readText(const std::filesystem::path& file);

}  // namespace kiosk::testing
