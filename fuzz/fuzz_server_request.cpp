// The clearance service's API on any request: method, path, query and body from the input,
// each role, over a real SQLite repository (in /dev/shm when there is one, so fsync is
// free). Input: first line "<role> <METHOD> <path>[?k=v&k=v]", the rest is the body.
// Role letters L, R, A, N (lane, registration, admin, none); lower case sends a non-JSON
// Content-Type; a METHOD ending in '!' marks the long poll as expired.
// Besides the sanitizers, the target aborts on what the API must never do: a 500, an
// answer that is not a JSON object, an admin answer holding biometrics, a parked answer
// anywhere but the lane's command poll.
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
#include "server/sqlite_repository.h"

namespace {

using namespace kiosk::server;

struct Env {
    std::filesystem::path dir;
    std::unique_ptr<Repository> repo;
    std::unique_ptr<Api> api;
    int runs = 0;

    Env() {
        kiosk::core::Logger::instance().setSink([](const std::string&) {});
        const std::filesystem::path base = std::filesystem::exists("/dev/shm") ? "/dev/shm" : "/tmp";
        dir = base / ("fuzz_server_request." + std::to_string(::getpid()));
        reopen();
    }
    ~Env() {
        api.reset();
        repo.reset();
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }
    // A fresh database now and then keeps every run's cost about the same.
    void reopen() {
        api.reset();
        repo.reset();
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
        std::filesystem::create_directories(dir);
        auto r = openSqliteRepository((dir / "server.db").string(), SqliteOptions{});
        if (!r.ok()) {
            std::fprintf(stderr, "cannot open the repository: %s\n", r.error().message.c_str());
            std::abort();
        }
        repo = std::move(r).value();
        api = std::make_unique<Api>(*repo, ApiOptions{});
        api->setCommandNotifier([](const std::string&) {});
    }
};

void fail(const char* what, const Request& req, const Response& r) {
    std::fprintf(stderr, "API invariant broken: %s\n%s %s -> %d %s\n", what, req.method.c_str(), req.path.c_str(),
                 r.status, r.body.substr(0, 500).c_str());
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static Env env;
    if (++env.runs % 5000 == 0) env.reopen();

    const std::string_view in(reinterpret_cast<const char*>(data), size);
    const size_t nl = in.find('\n');
    const std::string_view head = in.substr(0, nl);
    Request req;
    req.body = nl == std::string_view::npos ? std::string() : std::string(in.substr(nl + 1));

    Identity who;
    char roleChar = head.empty() ? 'N' : head[0];
    switch (roleChar | 0x20) {
        case 'l': who = {Role::Lane, "HZMB-A-07", "01"}; break;
        case 'r': who = {Role::Registration, "REG-01", "02"}; break;
        case 'a': who = {Role::Admin, "ops.fuzz", "03"}; break;
        default: who = {Role::None, "", ""}; break;
    }
    std::string_view rest = head.size() > 2 ? head.substr(2) : std::string_view();
    const size_t sp = rest.find(' ');
    std::string method(rest.substr(0, sp));
    std::string_view target = sp == std::string_view::npos ? std::string_view() : rest.substr(sp + 1);
    if (!method.empty() && method.back() == '!') {
        method.pop_back();
        req.longPollExpired = true;
    }
    req.method = method;
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
    req.headers["content-type"] = (roleChar >= 'a' && roleChar <= 'z') ? "text/plain" : "application/json";

    const Response r = env.api->handle(req, who, 1795000000 + env.runs);

    switch (r.status) {
        case 200: case 201: case 400: case 401: case 403: case 404: case 405:
        case 409: case 413: case 415: case 422: break;
        default: fail("unexpected status", req, r);
    }
    if (r.park) {
        if (who.role != Role::Lane || req.path != "/v1/device/commands" || req.longPollExpired)
            fail("parked outside the command poll", req, r);
        return 0;
    }
    const auto j = nlohmann::json::parse(r.body, nullptr, false);
    if (j.is_discarded() || !j.is_object()) fail("answer is not a JSON object", req, r);
    if (r.status >= 400 && !(j.contains("error") && j["error"].contains("code") && j["error"]["code"].is_string()))
        fail("error answer without error.code", req, r);
    if (who.role == Role::Admin && r.body.find("\"biometrics\"") != std::string::npos)
        fail("biometrics in an admin answer", req, r);
    return 0;
}
