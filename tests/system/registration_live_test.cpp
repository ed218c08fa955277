// The registration machine in live mode with the real binaries: `kiosk --mode registration
// --live --headless` on simulated devices (real libfprint, real dlib, real SQLite store)
// against the real clearance-server over mutual TLS. It reports itself (heartbeats with the
// registration role) and stops cleanly on SIGTERM. A store whose key file went missing is
// refused rather than given a new key.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "system_support.h"
#include "tests/support/test_support.h"

extern char** environ;

namespace kiosk::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string logText(const fs::path& p) {
    std::ifstream in(p);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

void writeConfig(const fs::path& p, const core::Json& j) {
    std::ofstream f(p);
    f << j.dump(2);
}

// The kiosk binary as a child, stdout+stderr into `log`.
class Child {
public:
    Child(const std::vector<std::string>& args, const fs::path& log) {
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        posix_spawn_file_actions_adddup2(&fa, 1, 2);
        if (posix_spawn(&pid_, argv[0], &fa, nullptr, argv.data(), environ) != 0) pid_ = -1;
        posix_spawn_file_actions_destroy(&fa);
    }
    ~Child() {
        if (pid_ > 0 && !status_) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
    }
    bool started() const { return pid_ > 0; }
    bool running() {
        poll();
        return pid_ > 0 && !status_;
    }
    void signal(int s) { ::kill(pid_, s); }
    // The wait status once the child ended within `deadline`.
    std::optional<int> waitFor(std::chrono::milliseconds deadline) {
        waitUntil([this] { return !running(); }, deadline);
        return status_;
    }

private:
    void poll() {
        if (pid_ <= 0 || status_) return;
        int st = 0;
        if (::waitpid(pid_, &st, WNOHANG) == pid_) status_ = st;
    }
    pid_t pid_ = -1;
    std::optional<int> status_;
};

bool livePrerequisites(const fs::path& kiosk) {
    return fs::exists(kiosk) && fs::exists(buildDir() / "models/dlib_face_recognition_resnet.dat");
}

core::Json liveConfig(const fs::path& dir) {
    return {{"mode", "registration"},
            {"strings", (sourceDir() / "assets/strings/strings.json").string()},
            {"face", {{"recogniser", "onnx"}}},
            {"fingerprint", {{"backend", "virtual_image"}}},
            {"devices",
             {{"document", {{"backend", "sim"}}},
              {"camera", {{"backend", "sim"}}},
              {"printer", {{"backend", "sim"}, {"out_dir", (dir / "receipts").string()}}}}},
            {"store", {{"path", (dir / "data/registration.sqlite").string()}, {"key_file", (dir / "data/bio.key").string()}}}};
}

TEST(RegistrationLive, ReportsToTheServerAsARegistrationMachineAndStopsOnSigterm) {
    const fs::path dir = tempDir("reg-live");
    const fs::path kiosk = buildDir() / "kiosk/kiosk";
    if (!livePrerequisites(kiosk)) GTEST_SKIP() << "kiosk binary or face model missing (run scripts/setup)";

    auto pki = TestPki::create(dir / "pki");
    ASSERT_TRUE(pki.ok()) << pki.error().message;
    const std::string regId = "REG-LIVE-01";
    auto regCert = pki->device(regId, server::Role::Registration);
    auto adminCert = pki->device("admin-1", server::Role::Admin);
    ASSERT_TRUE(regCert.ok() && adminCert.ok());
    const std::string dbUrl = "sqlite:" + (dir / "clearance.sqlite").string();
    auto cfg = writeServerConfig(*pki, dbUrl, dir / "server.json");
    ASSERT_TRUE(cfg.ok()) << cfg.error().message;
    auto srv = ServerProcess::start(ServerProcessOptions{*cfg, dbUrl});
    ASSERT_TRUE(srv.ok()) << srv.error().message;

    core::Json conf = liveConfig(dir);
    conf["registration"] = {{"device_id", regId}};
    conf["sync"] = {{"server", (*srv)->url()},
                    {"cert_file", regCert->certFile.string()},
                    {"key_file", regCert->keyFile.string()},
                    {"ca_file", pki->caCert.string()},
                    {"template_key_file", pki->templateKey.string()},
                    {"push_interval_ms", 100},
                    {"heartbeat_interval_ms", 1000}};
    writeConfig(dir / "registration-live.json", conf);

    const fs::path log = dir / "kiosk.log";
    Child machine({kiosk.string(), "--mode", "registration", "--live", "--headless", "--config",
                   (dir / "registration-live.json").string()},
                  log);
    ASSERT_TRUE(machine.started());

    // The server knows the machine by its certificate's role and has its heartbeat.
    AdminClient admin((*srv)->url(), *pki, *adminCert);
    core::Json seen;
    const bool reported = waitUntil(
        [&] {
            auto d = admin.get("/v1/admin/devices");
            if (!d.ok() || d->status != 200) return false;
            for (const auto& dev : d->body.at("devices"))
                if (dev.value("device", "") == regId && dev.at("heartbeat").is_object()) {
                    seen = dev;
                    return true;
                }
            return false;
        },
        60s, 200ms);
    ASSERT_TRUE(reported) << "no heartbeat from " << regId << "\n" << logText(log);
    EXPECT_TRUE(machine.running()) << logText(log);
    EXPECT_EQ(seen.value("role", ""), "registration") << seen.dump();
    EXPECT_EQ(seen.at("heartbeat").value("lane", ""), regId) << seen.dump();
    EXPECT_TRUE(seen.at("heartbeat").contains("state")) << seen.dump();
    auto heartbeats = admin.allEvents(regId, "heartbeat");
    ASSERT_TRUE(heartbeats.ok()) << heartbeats.error().message;
    EXPECT_GE(heartbeats->size(), 1u);

    machine.signal(SIGTERM);
    auto status = machine.waitFor(20s);
    ASSERT_TRUE(status.has_value()) << "still running after SIGTERM\n" << logText(log);
    ASSERT_TRUE(WIFEXITED(*status)) << "wait status " << *status << "\n" << logText(log);
    EXPECT_EQ(WEXITSTATUS(*status), 0) << logText(log);
    const std::string out = logText(log);
    EXPECT_NE(out.find("registration machine " + regId + " running"), std::string::npos) << out;
    EXPECT_NE(out.find("registration machine stopped"), std::string::npos) << out;
    // It made its store and the key beside it.
    EXPECT_TRUE(fs::exists(dir / "data/registration.sqlite"));
    EXPECT_TRUE(fs::exists(dir / "data/bio.key"));
}

TEST(RegistrationLive, RefusesAStoreWhoseKeyFileIsMissing) {
    const fs::path dir = tempDir("reg-live-key");
    const fs::path kiosk = buildDir() / "kiosk/kiosk";
    if (!livePrerequisites(kiosk)) GTEST_SKIP() << "kiosk binary or face model missing (run scripts/setup)";
    writeConfig(dir / "registration-live.json", liveConfig(dir));

    // First start without a server: makes the store and its key, stops on SIGTERM.
    {
        Child machine({kiosk.string(), "--mode", "registration", "--live", "--headless", "--config",
                       (dir / "registration-live.json").string()},
                      dir / "first.log");
        ASSERT_TRUE(machine.started());
        ASSERT_TRUE(waitUntil([&] { return logText(dir / "first.log").find("running") != std::string::npos || !machine.running(); },
                              60s));
        machine.signal(SIGTERM);
        auto status = machine.waitFor(20s);
        ASSERT_TRUE(status && WIFEXITED(*status)) << logText(dir / "first.log");
        EXPECT_EQ(WEXITSTATUS(*status), 0) << logText(dir / "first.log");
        EXPECT_NE(logText(dir / "first.log").find("enrolments stay in this machine's store"), std::string::npos)
            << logText(dir / "first.log");
    }
    ASSERT_TRUE(fs::exists(dir / "data/registration.sqlite"));
    ASSERT_TRUE(fs::exists(dir / "data/bio.key"));

    // The key is lost: the machine refuses instead of making a new one.
    fs::remove(dir / "data/bio.key");
    Child again({kiosk.string(), "--mode", "registration", "--live", "--headless", "--config",
                 (dir / "registration-live.json").string()},
                dir / "second.log");
    ASSERT_TRUE(again.started());
    auto status = again.waitFor(60s);
    ASSERT_TRUE(status && WIFEXITED(*status)) << logText(dir / "second.log");
    EXPECT_EQ(WEXITSTATUS(*status), 3) << logText(dir / "second.log");
    EXPECT_NE(logText(dir / "second.log").find("store.bad_key"), std::string::npos) << logText(dir / "second.log");
    EXPECT_FALSE(fs::exists(dir / "data/bio.key"));
}

}  // namespace
}  // namespace kiosk::testing
