#pragma once
// The real clearance server in-process for sync_tests: project CA and certificates
// (server/device_ca.h), a SQLite repository, the API, the HTTPS transport on a free
// loopback port. Hooks let a test delay answers (an answer lost on the way) or take the
// server away and bring it back on the same port.
#ifdef KIOSK_HAVE_SERVER
#include <atomic>
#include <csignal>
#include <ctime>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "server/api.h"
#include "server/device_ca.h"
#include "server/http_server.h"
#include "server/repository.h"
#include "kiosk/sync/sync_agent.h"
#include "tests/sync/sync_test_util.h"

namespace kiosk::sync::testutil {

namespace fs = std::filesystem;

struct ServerFixture {
    fs::path dir, caDir;
    server::IssuedFiles serverCert, lane, registration;
    std::vector<uint8_t> templateKey;
    fs::path templateKeyFile;
    std::unique_ptr<server::Repository> repo;
    std::unique_ptr<server::Api> api;
    std::unique_ptr<server::HttpServer> http;
    uint16_t port = 0;

    // Runs before the API answers a request (path): e.g. sleep past the client's timeout
    // after the API has stored (set `delayAfter`), so the device never sees the answer.
    std::mutex hookMu;
    std::function<bool(const server::Request&)> delayAfter;  // true: hold this answer
    std::chrono::milliseconds delay{1500};
    std::atomic<int> requests{0};

    static int64_t serverNow() { return static_cast<int64_t>(std::time(nullptr)); }

    void setUp(const std::string& tag) {
        std::signal(SIGPIPE, SIG_IGN);
        dir = kiosk::testing::tempDir(tag);
        caDir = dir / "ca";
        ASSERT_TRUE(server::initCa(caDir).ok());
        auto s = server::issueServerCert(caDir, {"localhost", "127.0.0.1"}, dir / "server");
        ASSERT_TRUE(s.ok()) << s.error().message;
        serverCert = *s;
        auto l = server::issueDeviceCert(caDir, "HZMB-A-07", server::Role::Lane, dir / "lane");
        ASSERT_TRUE(l.ok()) << l.error().message;
        lane = *l;
        auto r = server::issueDeviceCert(caDir, "REG-01", server::Role::Registration, dir / "reg");
        ASSERT_TRUE(r.ok()) << r.error().message;
        registration = *r;
        templateKey = randomKey(77);
        templateKeyFile = writeKeyFile(dir, templateKey);
        auto repoR = server::openSqliteRepository((dir / "server.sqlite").string());
        ASSERT_TRUE(repoR.ok()) << repoR.error().message;
        repo = std::move(repoR).value();
        api = std::make_unique<server::Api>(*repo);
        startHttp(0);
    }

    void startHttp(uint16_t wantPort) {
        server::HttpServerOptions o;
        o.address = "127.0.0.1";
        o.port = wantPort;
        o.certFile = serverCert.certFile;
        o.keyFile = serverCert.keyFile;
        o.clientCaFile = caDir / "ca.cert.pem";
        o.crlFile = caDir / "crl.pem";
        o.threads = 2;
        auto h = server::HttpServer::create(o, [this](const server::Request& req, const server::Identity& who) {
            ++requests;
            server::Response resp = api->handle(req, who, serverNow());
            bool hold = false;
            {
                std::lock_guard lock(hookMu);
                hold = delayAfter && delayAfter(req);
            }
            if (hold) std::this_thread::sleep_for(delay);
            return resp;
        });
        ASSERT_TRUE(h.ok()) << h.error().message;
        http = std::move(h).value();
        port = http->port();
        api->setCommandNotifier([this](const std::string& device) {
            if (http) http->wake(device);
        });
    }

    // The server goes away (connections refused) and comes back on the same port.
    void stopHttp() {
        if (http) http->stop(std::chrono::milliseconds(500));
        http.reset();
    }
    void restartHttp() { startHttp(port); }

    void holdAnswers(std::function<bool(const server::Request&)> f) {
        std::lock_guard lock(hookMu);
        delayAfter = std::move(f);
    }

    SyncOptions options(const server::IssuedFiles& cert, const std::string& deviceId, const std::string& role) const {
        SyncOptions o;
        o.serverUrl = "https://127.0.0.1:" + std::to_string(port);
        o.deviceId = deviceId;
        o.role = role;
        o.certFile = cert.certFile.string();
        o.keyFile = cert.keyFile.string();
        o.caFile = (caDir / "ca.cert.pem").string();
        o.templateKeyFile = templateKeyFile.string();
        o.requestTimeout = core::Millis(1000);
        o.connectTimeout = core::Millis(1000);
        o.onDemandBudget = core::Millis(300);
        o.commandWait = core::Millis(0);
        o.backoffSeed = 1234;
        return o;
    }
    SyncOptions laneOptions() const { return options(lane, "HZMB-A-07", "lane"); }
    SyncOptions registrationOptions() const { return options(registration, "REG-01", "registration"); }

    // An enrolment as an enrolment office would import it (sealed biometrics).
    server::EnrolmentRecord serverEnrolment(const store::EnrolmentRow& row) const {
        auto wire = sealEnrolmentForWire(row, templateKey);
        EXPECT_TRUE(wire.ok());
        server::EnrolmentRecord rec;
        rec.reference = row.reference;
        rec.documentHash = row.documentHash;
        rec.documentMasked = row.documentMasked;
        rec.residency = store::toString(row.residency);
        rec.dateOfBirth = row.dateOfBirth;
        rec.documentExpiry = row.documentExpiry;
        rec.channel = store::toString(row.channel);
        rec.enrolledAt = row.enrolledAt;
        rec.active = true;
        rec.biometrics = wire.ok() ? (*wire)["biometrics"].get<std::string>() : "";
        rec.sourceDevice = "import:test";
        rec.receivedAt = serverNow();
        return rec;
    }

    std::vector<server::DeviceEvent> eventsOf(const std::string& device) const {
        std::vector<server::DeviceEvent> all;
        server::EventQuery q;
        q.deviceId = device;
        q.limit = 1000;
        for (;;) {
            auto page = repo->events(q);
            EXPECT_TRUE(page.ok());
            if (!page.ok() || page->empty()) break;
            q.afterId = page->back().id;
            all.insert(all.end(), page->begin(), page->end());
        }
        return all;
    }

    ~ServerFixture() { stopHttp(); }
};

}  // namespace kiosk::sync::testutil
#endif
