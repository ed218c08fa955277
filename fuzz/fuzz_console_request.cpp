// The supervision console's API (docs/console.md) on any request: method, path, query and
// body from the input, as no one or as one of three logged-in officers, over a real SQLite
// Repository + ConsoleRepository (in /dev/shm when there is one, so fsync is free; a fresh
// database every 3000 runs). At start a registration desk stores an enrolment with
// biometrics and a lane sends a crossing, a heartbeat and an alert, so the wall, the lane
// page, alerts, stats and the enrolment look-up have something to show.
//
// Input: first line "<who> <METHOD> <path>[?k=v&k=v] [token]", the rest is the body.
//   who: n (no session), o, s, a (officer, supervisor, admin) with a suffix for the CSRF
//   header: none = the session's own token, '-' = no header, 'x' = another session's token;
//   k = the Cookie header is [token] verbatim (no CSRF header). For the others [token] is
//   sent as Last-Event-ID. A lower-case METHOD ('post') is sent upper case with a
//   text/plain Content-Type.
// FUZZ_CONSOLE_TRACE=1 prints each request's answer (to check what the seeds reach).
// Besides the sanitizers, the target aborts on what the console must never do: a 500 (or
// any status the docs do not list), an answer that is not a JSON object (but the CSV
// export and the event stream), an error without error.code, the key "biometrics" or the
// stored biometrics anywhere, a state change that succeeds without the session's CSRF
// token, a Set-Cookie on anything but login/logout, a stream for anything but
// GET /v1/console/stream with a session.
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "core/log.h"
#include "server/api.h"
#include "server/api_console.h"
#include "server/console_repository.h"
#include "server/console_secrets.h"
#include "server/sqlite_repository.h"

namespace {

using namespace kiosk::server;
using Json = nlohmann::json;

constexpr int64_t kStart = 1795000000;
constexpr const char* kPassword = "correct horse battery";
constexpr const char* kBiometrics = "c2VhbGVkIGVudmVsb3BlIGZ1enpfY29uc29sZQ==";  // never to be shown
constexpr const char* kStream = "6f1c0d5e9a7b4c3d8e2f1a0b9c8d7e6f";
constexpr const char* kFuzzAddress = "10.0.0.9";   // the fuzzer's logins
constexpr const char* kOwnAddress = "10.0.0.1";    // the harness's logins (never locked by the fuzzer)

[[noreturn]] void die(const std::string& what) {
    std::fprintf(stderr, "fuzz_console_request setup: %s\n", what.c_str());
    std::abort();
}

struct Browser {
    const char* name;
    const char* role;
    std::string token;
    std::string csrf;
};

struct Env {
    std::filesystem::path dir;
    std::unique_ptr<Repository> repo;
    std::unique_ptr<ConsoleRepository> console;
    std::unique_ptr<Api> deviceApi;
    std::unique_ptr<ConsoleApi> api;
    ConsoleOptions options;
    std::string passwordHash;
    Browser browsers[3] = {{"officer", "officer", "", ""}, {"supervisor", "supervisor", "", ""},
                           {"admin", "admin", "", ""}};
    int64_t runs = 0;

    Env() {
        kiosk::core::Logger::instance().setSink([](const std::string&) {});
        const std::filesystem::path base = std::filesystem::exists("/dev/shm") ? "/dev/shm" : "/tmp";
        dir = base / ("fuzz_console_request." + std::to_string(::getpid()));
        options.passwordCost = PasswordCost{1, 1024, 1};  // the rules are the same; runs are cheaper
        auto h = hashPassword(kPassword, options.passwordCost);
        if (!h.ok()) die(h.error().message);
        passwordHash = *h;
        reopen();
    }
    ~Env() {
        api.reset();
        deviceApi.reset();
        console.reset();
        repo.reset();
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }

    int64_t now() const { return kStart + runs; }

    void reopen() {
        api.reset();
        deviceApi.reset();
        console.reset();
        repo.reset();
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
        std::filesystem::create_directories(dir);
        const std::string path = (dir / "server.db").string();
        auto r = openSqliteRepository(path, SqliteOptions{});
        if (!r.ok()) die(r.error().message);
        repo = std::move(r).value();
        auto c = openSqliteConsoleRepository(path);
        if (!c.ok()) die(c.error().message);
        console = std::move(c).value();
        deviceApi = std::make_unique<Api>(*repo, ApiOptions{});
        deviceApi->setCommandNotifier([](const std::string&) {});
        api = std::make_unique<ConsoleApi>(*repo, *console, options);
        api->setCommandNotifier([](const std::string&) {});
        api->setFeedNotifier([](const std::string&, const std::string&) {});
        seedRecords();
        for (auto& b : browsers) {
            Officer o;
            o.name = b.name;
            o.role = b.role;
            o.passwordHash = passwordHash;
            o.createdAt = o.passwordChangedAt = now();
            if (auto st = console->createOfficer(o); !st.ok()) die(st.error().message);
            login(b);
        }
    }

    void device(const Identity& who, const std::string& path, const Json& body) {
        Request req;
        req.method = "POST";
        req.path = path;
        req.headers["content-type"] = "application/json";
        req.body = body.dump();
        const Response r = deviceApi->handle(req, who, now());
        if (r.status != 200 && r.status != 201) die(path + " -> " + std::to_string(r.status) + " " + r.body);
    }

    void seedRecords() {
        device({Role::Registration, "REG-01", "02"}, "/v1/device/enrolments",
               Json{{"stream", kStream},
                    {"seq", 1},
                    {"enrolment",
                     {{"reference", "E-7Q2M9K"},
                      {"document_hash", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"},
                      {"document_masked", "K1*****(8)"},
                      {"residency", "hk_permanent"},
                      {"date_of_birth", "1990-04-01"},
                      {"document_expiry", "2031-04-01"},
                      {"channel", "machine"},
                      {"enrolled_at", kStart - 100},
                      {"biometrics", kBiometrics}}}});
        const std::string lane = "HZMB-CP-01";
        device({Role::Lane, lane, "01"}, "/v1/device/events",
               Json{{"stream", kStream},
                    {"events",
                     Json::array(
                         {Json{{"seq", 1}, {"kind", "crossing"}, {"time", kStart - 5},
                               {"payload", {{"lane", lane}, {"outcome", "refused"}, {"reasons", {"elig.watchlist"}},
                                            {"reference", "E-7Q2M9K"},
                                            {"qr_hash", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"},
                                            {"lane_ms", 14000}}}},
                          Json{{"seq", 2}, {"kind", "heartbeat"}, {"time", kStart - 4},
                               {"payload", {{"lane", lane}, {"state", "ReadCredential"}, {"in_service", true}}}},
                          Json{{"seq", 3}, {"kind", "alert"}, {"time", kStart - 3},
                               {"payload", {{"lane", lane}, {"reason", "lane.tailgating"}}}},
                          Json{{"seq", 4}, {"kind", "scan"}, {"time", kStart - 2},
                               {"payload", {{"lane", lane},
                                            {"qr_hash", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"},
                                            {"verdict", "accepted"}}}}})}});
    }

    void login(Browser& b) {
        Request req;
        req.method = "POST";
        req.path = "/v1/console/login";
        req.headers["content-type"] = "application/json";
        req.body = Json{{"name", b.name}, {"password", kPassword}}.dump();
        req.remoteAddress = kOwnAddress;
        const Response r = api->handle(req, now());
        if (r.status != 200) die(std::string("login of ") + b.name + " -> " + std::to_string(r.status) + " " + r.body);
        b.token.clear();
        for (const auto& [k, v] : r.headers)
            if (k == "Set-Cookie") {
                const size_t eq = v.find('='), semi = v.find(';');
                if (eq != std::string::npos && semi != std::string::npos) b.token = v.substr(eq + 1, semi - eq - 1);
            }
        b.csrf = Json::parse(r.body).value("csrf", "");
        if (b.token.empty() || b.csrf.empty()) die("login answer without cookie or csrf");
    }

    bool sessionAlive(const Browser& b) {
        Request req;
        req.method = "GET";
        req.path = "/v1/console/me";
        req.headers["cookie"] = std::string(kSessionCookie) + "=" + b.token;
        req.remoteAddress = kOwnAddress;
        return api->handle(req, now()).status == 200;
    }

    // What the fuzzer may have done to the three accounts (logout, disable, role, password,
    // lockout) is undone, and a dead session replaced, so later runs still reach past the
    // session check.
    void restore(Browser& b) {
        if (sessionAlive(b)) return;
        auto o = console->officer(b.name);
        if (!o.ok() || !*o) die(std::string("officer vanished: ") + b.name);
        const Officer& cur = **o;
        if (cur.disabled)
            if (auto st = console->setOfficerDisabled(b.name, false); !st.ok()) die(st.error().message);
        if (cur.role != b.role)
            if (auto st = console->setOfficerRole(b.name, b.role); !st.ok()) die(st.error().message);
        if (!verifyPassword(kPassword, cur.passwordHash))
            if (auto st = console->setOfficerPassword(b.name, passwordHash, now()); !st.ok()) die(st.error().message);
        if (cur.failedLogins != 0 || cur.lockedUntil != 0)
            if (auto st = console->setOfficerLock(b.name, 0, 0); !st.ok()) die(st.error().message);
        login(b);
    }
};

void fail(const char* what, const Request& req, const Response& r) {
    std::fprintf(stderr, "console invariant broken: %s\n%s %s -> %d %s\n", what, req.method.c_str(), req.path.c_str(),
                 r.status, r.body.substr(0, 500).c_str());
    std::abort();
}

bool hasKey(const Json& j, const char* key, int depth = 0) {
    if (depth > 64) return false;
    if (j.is_object()) {
        for (auto it = j.begin(); it != j.end(); ++it)
            if (it.key() == key || hasKey(it.value(), key, depth + 1)) return true;
    } else if (j.is_array()) {
        for (const auto& v : j)
            if (hasKey(v, key, depth + 1)) return true;
    }
    return false;
}

// A plain loop, not std::string::find: libFuzzer hooks memcmp and would learn the secret
// from the comparison, type it into a body and find it echoed back (a false finding).
bool containsSecret(const std::string& text, const char* secret) {
    const size_t n = std::char_traits<char>::length(secret);
    for (size_t i = 0; i + n <= text.size(); ++i) {
        size_t k = 0;
        while (k < n && text[i + k] == secret[k]) ++k;
        if (k == n) return true;
    }
    return false;
}

std::string_view nextToken(std::string_view& s) {
    const size_t sp = s.find(' ');
    std::string_view t = s.substr(0, sp);
    s = sp == std::string_view::npos ? std::string_view() : s.substr(sp + 1);
    return t;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static Env env;
    if (++env.runs % 3000 == 0) env.reopen();

    const std::string_view in(reinterpret_cast<const char*>(data), size);
    const size_t nl = in.find('\n');
    std::string_view head = in.substr(0, nl);
    Request req;
    req.body = nl == std::string_view::npos ? std::string() : std::string(in.substr(nl + 1));
    req.remoteAddress = kFuzzAddress;

    const std::string_view who = nextToken(head);
    std::string method(nextToken(head));
    const std::string_view target = nextToken(head);
    const std::string_view token = nextToken(head);

    bool textPlain = false;
    for (char& ch : method)
        if (ch >= 'a' && ch <= 'z') {
            ch = static_cast<char>(ch - 'a' + 'A');
            textPlain = true;
        }
    req.method = method;
    req.headers["content-type"] = textPlain ? "text/plain" : "application/json";

    const size_t q = target.find('?');
    req.path = std::string(target.substr(0, q));
    if (q != std::string_view::npos) {
        std::string_view qs = target.substr(q + 1);
        while (!qs.empty()) {
            const size_t amp = qs.find('&');
            std::string_view kv = qs.substr(0, amp);
            const size_t eq = kv.find('=');
            req.query[std::string(kv.substr(0, eq))] = eq == std::string_view::npos ? "" : std::string(kv.substr(eq + 1));
            if (amp == std::string_view::npos) break;
            qs = qs.substr(amp + 1);
        }
    }

    Browser* b = nullptr;
    const char w = who.empty() ? 'n' : who[0];
    const char csrfMode = who.size() > 1 ? who[1] : '=';
    if (w == 'o') b = &env.browsers[0];
    else if (w == 's') b = &env.browsers[1];
    else if (w == 'a') b = &env.browsers[2];
    bool rightCsrf = false;
    if (b) {
        req.headers["cookie"] = "theme=dark; " + std::string(kSessionCookie) + "=" + b->token;
        if (csrfMode == '-') {
        } else if (csrfMode == 'x') {
            req.headers["x-csrf-token"] = env.browsers[(b - env.browsers + 1) % 3].csrf;
        } else {
            req.headers["x-csrf-token"] = b->csrf;
            rightCsrf = true;
        }
        if (!token.empty()) req.headers["last-event-id"] = std::string(token);
    } else if (w == 'k') {
        req.headers["cookie"] = std::string(token);
    }

    const Response r = env.api->handle(req, env.now());
    static const bool trace = std::getenv("FUZZ_CONSOLE_TRACE") != nullptr;  // to check the seeds
    if (trace) std::fprintf(stderr, "%s %s -> %d %s\n", req.method.c_str(), req.path.c_str(), r.status, r.body.substr(0, 200).c_str());

    switch (r.status) {
        case 200: case 201: case 400: case 401: case 403: case 404: case 405:
        case 409: case 413: case 415: case 422: case 429: break;
        default: fail("unexpected status", req, r);
    }
    const bool changes = req.method != "GET" && req.method != "HEAD";
    const bool isLogin = req.method == "POST" && req.path == "/v1/console/login";
    const bool isLogout = req.method == "POST" && req.path == "/v1/console/logout";
    if (r.status < 300 && changes && !isLogin && !rightCsrf) fail("a state change without the CSRF token", req, r);
    for (const auto& [k, v] : r.headers) {
        std::string lower(k);
        for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        if (lower == "set-cookie" && !((isLogin || isLogout) && r.status == 200)) fail("Set-Cookie elsewhere", req, r);
    }
    if (r.stream) {
        if (req.method != "GET" || req.path != "/v1/console/stream" || !b) fail("a stream elsewhere", req, r);
        if (r.status != 200) fail("a stream with an error status", req, r);
    } else if (r.park) {
        fail("a parked console answer", req, r);
    }
    if (containsSecret(r.body, kBiometrics)) fail("the stored biometrics in an answer", req, r);

    const bool csv = r.contentType.rfind("text/csv", 0) == 0;
    if (csv) {
        if (r.status != 200 || req.method != "POST" || req.path.rfind("/v1/console/exports/", 0) != 0 ||
            req.path.size() < 9 || req.path.compare(req.path.size() - 9, 9, "/download") != 0)
            fail("CSV outside the export download", req, r);
    } else if (!r.stream) {
        if (r.contentType != "application/json") fail("an answer that is not application/json", req, r);
        const auto j = Json::parse(r.body, nullptr, false);
        if (j.is_discarded() || !j.is_object()) fail("answer is not a JSON object", req, r);
        if (r.status >= 400 && !(j.contains("error") && j["error"].is_object() && j["error"].contains("code") &&
                                 j["error"]["code"].is_string()))
            fail("error answer without error.code", req, r);
        if (hasKey(j, "biometrics")) fail("biometrics in an answer", req, r);
    }

    // The fuzzer may have ended or locked one of the three; bring them back for later runs.
    if ((b && r.status == 401) || (r.status < 300 && (isLogout || req.path.rfind("/v1/console/officers/", 0) == 0)))
        for (auto& br : env.browsers) env.restore(br);
    return 0;
}
