#include "tests/system/system_support.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <condition_variable>
#include <cstring>
#include <fstream>

#include <curl/curl.h>

#include "server/device_ca.h"
#include "tests/support/test_support.h"

namespace kiosk::testing {

namespace fs = std::filesystem;
using core::Json;
using core::makeError;

// --- PKI ----------------------------------------------------------------------------------

core::Result<TestPki> TestPki::create(const fs::path& dir) {
    TestPki pki;
    pki.dir = dir;
    KIOSK_TRY(server::initCa(dir, "system test CA"));
    auto paths = server::CaPaths::in(dir);
    pki.caCert = paths.cert;
    pki.crl = paths.crl;
    auto srv = server::issueServerCert(dir, {"127.0.0.1", "localhost", "::1"}, dir / "server");
    if (!srv) return srv.error();
    pki.serverCert = srv->certFile;
    pki.serverKey = srv->keyFile;
    pki.templateKey = dir / "template.key";
    KIOSK_TRY(server::makeTemplateKey(pki.templateKey));
    return pki;
}

core::Result<DeviceCertFiles> TestPki::device(const std::string& deviceId, server::Role role) const {
    DeviceCertFiles f;
    f.deviceId = deviceId;
    f.role = role;
    fs::path prefix = dir / ("device-" + deviceId + "-" + server::toString(role));
    f.certFile = fs::path(prefix.string() + ".cert.pem");
    f.keyFile = fs::path(prefix.string() + ".key.pem");
    if (fs::exists(f.certFile) && fs::exists(f.keyFile)) return f;
    auto issued = server::issueDeviceCert(dir, deviceId, role, prefix);
    if (!issued) return issued.error();
    f.certFile = issued->certFile;
    f.keyFile = issued->keyFile;
    return f;
}

// --- Server configuration and process ---------------------------------------------------

namespace {

void mergeInto(Json& base, const Json& over) {
    for (auto it = over.begin(); it != over.end(); ++it) {
        if (it->is_object() && base.contains(it.key()) && base[it.key()].is_object())
            mergeInto(base[it.key()], *it);
        else
            base[it.key()] = *it;
    }
}

}  // namespace

core::Result<fs::path> writeServerConfig(const TestPki& pki, const std::string& dbUrl, const fs::path& file,
                                         const Json& overrides) {
    Json cfg = {
        {"listen", {{"address", "127.0.0.1"}, {"port", 0}}},
        {"db", dbUrl},
        {"tls",
         {{"cert_file", pki.serverCert.string()},
          {"key_file", pki.serverKey.string()},
          {"client_ca_file", pki.caCert.string()},
          {"crl_file", pki.crl.string()}}},
    };
    mergeInto(cfg, overrides);
    std::ofstream out(file);
    out << cfg.dump(2) << "\n";
    if (!out) return makeError("test.io", "cannot write " + file.string());
    return file;
}

fs::path clearanceServerBinary() { return buildDir() / "server" / "clearance-server"; }

core::Result<std::unique_ptr<ServerProcess>> ServerProcess::start(ServerProcessOptions options) {
    if (options.logFile.empty()) options.logFile = tempDir("server-log") / "clearance-server.log";
    std::unique_ptr<ServerProcess> p(new ServerProcess(std::move(options)));
    KIOSK_TRY(p->launch());
    return p;
}

ServerProcess::~ServerProcess() {
    if (pid_ > 0) (void)kill(SIGKILL);
    if (reader_.joinable()) reader_.join();
}

core::Status ServerProcess::launch() {
    if (reader_.joinable()) reader_.join();
    if (!fs::exists(options_.binary))
        return makeError("test.no_binary", options_.binary.string() + " is missing (build target clearance-server)");
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return makeError("test.io", std::string("pipe: ") + std::strerror(errno));

    std::vector<std::string> args = {options_.binary.string(), "--config", options_.configFile.string(),
                                     "--db", options_.dbUrl, "--port", std::to_string(options_.port)};
    args.insert(args.end(), options_.extraArgs.begin(), options_.extraArgs.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);

    pid_t pid = ::fork();
    if (pid < 0) return makeError("test.io", std::string("fork: ") + std::strerror(errno));
    if (pid == 0) {
        // The child dies with the test process, whatever ends it.
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        ::dup2(fds[1], 1);
        ::dup2(fds[1], 2);
        ::execv(argv[0], argv.data());
        std::fprintf(stderr, "exec %s: %s\n", argv[0], std::strerror(errno));
        ::_exit(127);
    }
    ::close(fds[1]);
    pid_ = pid;
    port_ = 0;

    // The reader keeps draining the pipe for the life of the child (a full pipe would
    // block the server's logging) and reports the "listening on" line.
    auto state = std::make_shared<std::pair<std::mutex, std::condition_variable>>();
    auto portSeen = std::make_shared<int>(0);
    auto ended = std::make_shared<bool>(false);
    int readFd = fds[0];
    fs::path logPath = options_.logFile;
    reader_ = std::thread([this, readFd, state, portSeen, ended, logPath] {
        std::ofstream log(logPath, std::ios::app);
        char buf[4096];
        const std::string marker = "clearance-server: listening on ";
        for (;;) {
            ssize_t r = ::read(readFd, buf, sizeof buf);
            if (r < 0 && errno == EINTR) continue;
            if (r <= 0) break;
            log.write(buf, r);
            log.flush();
            std::lock_guard<std::mutex> lock(mu_);
            output_.append(buf, static_cast<std::size_t>(r));
            partial_.append(buf, static_cast<std::size_t>(r));
            std::size_t nl;
            while ((nl = partial_.find('\n')) != std::string::npos) {
                std::string line = partial_.substr(0, nl);
                partial_.erase(0, nl + 1);
                // "clearance-server: listening on ADDRESS:PORT (backend ...)"; an IPv6
                // address has colons too, so the port is after the token's last one.
                auto at = line.find(marker);
                if (at == std::string::npos) continue;
                std::string token = line.substr(at + marker.size());
                token = token.substr(0, token.find(' '));
                auto colon = token.rfind(':');
                if (colon == std::string::npos) continue;
                int port = std::atoi(token.c_str() + colon + 1);
                if (port <= 0) continue;
                std::lock_guard<std::mutex> l2(state->first);
                *portSeen = port;
                state->second.notify_all();
            }
        }
        ::close(readFd);
        std::lock_guard<std::mutex> l2(state->first);
        *ended = true;
        state->second.notify_all();
    });

    std::unique_lock<std::mutex> lock(state->first);
    bool ok = state->second.wait_for(lock, options_.startTimeout, [&] { return *portSeen > 0 || *ended; });
    if (ok && *portSeen > 0) {
        port_ = *portSeen;
        return {};
    }
    lock.unlock();
    (void)kill(SIGKILL);
    return makeError("test.server_start", std::string(ok ? "clearance-server exited" : "no 'listening on' line") +
                                              "; output:\n" + output());
}

bool ServerProcess::running() {
    if (pid_ <= 0) return false;
    int status = 0;
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
        pid_ = -1;
        return false;
    }
    return true;
}

core::Result<int> ServerProcess::kill(int signal) {
    if (pid_ <= 0) return makeError("test.not_running", "clearance-server is not running");
    ::kill(pid_, signal);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
    if (reader_.joinable()) reader_.join();
    return status;
}

core::Status ServerProcess::restart() { return launch(); }

core::Status ServerProcess::restartWith(const std::string& dbUrl, int port) {
    options_.dbUrl = dbUrl;
    if (port >= 0) options_.port = port;
    return launch();
}

std::string ServerProcess::output() const {
    std::lock_guard<std::mutex> lock(mu_);
    return output_;
}

// --- HTTPS client --------------------------------------------------------------------------

namespace {

std::once_flag curlInit;

size_t collect(char* p, size_t size, size_t n, void* user) {
    static_cast<std::string*>(user)->append(p, size * n);
    return size * n;
}

}  // namespace

HttpsClient::HttpsClient(std::string baseUrl, const TestPki& pki, const DeviceCertFiles& cert)
    : baseUrl_(std::move(baseUrl)), ca_(pki.caCert.string()), cert_(cert.certFile.string()),
      key_(cert.keyFile.string()) {
    std::call_once(curlInit, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    curl_ = curl_easy_init();
}

HttpsClient::~HttpsClient() {
    if (curl_) curl_easy_cleanup(static_cast<CURL*>(curl_));
}

void HttpsClient::setBaseUrl(std::string baseUrl) {
    std::lock_guard<std::mutex> lock(mu_);
    baseUrl_ = std::move(baseUrl);
}

core::Result<HttpAnswer> HttpsClient::call(const std::string& method, const std::string& pathAndQuery,
                                           const std::string* body) {
    std::lock_guard<std::mutex> lock(mu_);
    CURL* c = static_cast<CURL*>(curl_);
    curl_easy_reset(c);
    std::string url = baseUrl_ + pathAndQuery;
    std::string text;
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_CAINFO, ca_.c_str());
    curl_easy_setopt(c, CURLOPT_SSLCERT, cert_.c_str());
    curl_easy_setopt(c, CURLOPT_SSLKEY, key_.c_str());
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 30000L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &text);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
    struct curl_slist* headers = nullptr;
    if (body) {
        headers = curl_slist_append(headers, "Content-Type: application/json");
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body->c_str());
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(body->size()));
    } else {
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method == "GET" ? nullptr : method.c_str());
    }
    headers = curl_slist_append(headers, "Expect:");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    CURLcode rc = curl_easy_perform(c);
    curl_slist_free_all(headers);
    if (rc != CURLE_OK)
        return makeError("http.transport", method + " " + url + ": " + curl_easy_strerror(rc));
    HttpAnswer a;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &a.status);
    a.text = std::move(text);
    a.body = Json::parse(a.text, nullptr, /*allow_exceptions=*/false);
    if (a.body.is_discarded()) a.body = nullptr;
    return a;
}

core::Result<HttpAnswer> HttpsClient::get(const std::string& pathAndQuery) { return call("GET", pathAndQuery, nullptr); }

core::Result<HttpAnswer> HttpsClient::post(const std::string& path, const Json& body) {
    std::string text = body.dump();
    return call("POST", path, &text);
}

core::Result<HttpAnswer> HttpsClient::put(const std::string& path, const Json& body) {
    std::string text = body.dump();
    return call("PUT", path, &text);
}

namespace {

core::Error badAnswer(const std::string& what, const HttpAnswer& a) {
    return makeError("http.status", what + ": HTTP " + std::to_string(a.status) + " " + a.text);
}

}  // namespace

core::Result<std::vector<Json>> AdminClient::allEvents(const std::string& device, const std::string& kind) {
    std::vector<Json> all;
    int64_t after = 0;
    for (;;) {
        std::string q = "/v1/admin/events?limit=1000&after=" + std::to_string(after);
        if (!device.empty()) q += "&device=" + device;
        if (!kind.empty()) q += "&kind=" + kind;
        auto a = get(q);
        if (!a) return a.error();
        if (a->status != 200 || !a->body.is_object() || !a->body.contains("events")) return badAnswer(q, *a);
        const Json& events = a->body["events"];
        for (const auto& e : events) {
            all.push_back(e);
            after = std::max<int64_t>(after, e.value("id", int64_t{0}));
        }
        if (!a->body.value("more", false) || events.empty()) break;
    }
    return all;
}

core::Result<int64_t> AdminClient::issueCommand(const std::string& device, const std::string& kind,
                                                const Json& args) {
    std::string path = "/v1/admin/lanes/" + device + "/commands";
    auto a = post(path, Json{{"kind", kind}, {"args", args}});
    if (!a) return a.error();
    if (a->status != 201 || !a->body.is_object() || !a->body.contains("id")) return badAnswer(path, *a);
    return a->body["id"].get<int64_t>();
}

core::Result<Json> AdminClient::command(int64_t id) {
    std::string path = "/v1/admin/commands/" + std::to_string(id);
    auto a = get(path);
    if (!a) return a.error();
    if (a->status != 200 || !a->body.is_object()) return badAnswer(path, *a);
    return a->body;
}

core::Result<Json> AdminClient::stats() {
    auto a = get("/v1/admin/stats");
    if (!a) return a.error();
    if (a->status != 200 || !a->body.is_object()) return badAnswer("/v1/admin/stats", *a);
    return a->body;
}

bool waitUntil(const std::function<bool()>& done, std::chrono::milliseconds deadline,
               std::chrono::milliseconds step) {
    auto end = std::chrono::steady_clock::now() + deadline;
    for (;;) {
        if (done()) return true;
        if (std::chrono::steady_clock::now() >= end) return done();
        std::this_thread::sleep_for(step);
    }
}

int runCommand(const std::string& cmd, const fs::path& log) {
    const std::string full = cmd + " > '" + log.string() + "' 2>&1";
    const int st = std::system(full.c_str());
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

std::string readText(const fs::path& file) {
    std::ifstream in(file);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace kiosk::testing
