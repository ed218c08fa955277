// Issue 16, defects 2 and 3, through the real kiosk binary:
// - the lane in --live mode refuses a store whose key file is missing, wrong or readable by
//   others (it used to make a new key silently, leaving every template unreadable);
// - a headless demo run keeps no key on disk, and the folder a killed run leaves in the
//   temporary directory is removed by the next run.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "kiosk/store/store.h"
#include "system_support.h"
#include "tests/support/test_support.h"

extern char** environ;

namespace kiosk::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// The kiosk binary as a child with extra environment variables, output into `log`.
class Proc {
public:
    Proc(const std::vector<std::string>& args, const fs::path& log, const std::vector<std::string>& extraEnv = {}) {
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        env_ = extraEnv;
        for (char** e = environ; *e; ++e) env_.emplace_back(*e);  // the first of a name wins in getenv
        std::vector<char*> envp;
        for (auto& e : env_) envp.push_back(e.data());
        envp.push_back(nullptr);
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        posix_spawn_file_actions_adddup2(&fa, 1, 2);
        if (posix_spawn(&pid_, argv[0], &fa, nullptr, argv.data(), envp.data()) != 0) pid_ = -1;
        posix_spawn_file_actions_destroy(&fa);
    }
    ~Proc() { kill(); }
    pid_t pid() const { return pid_; }
    bool running() {
        poll();
        return pid_ > 0 && !status_;
    }
    std::optional<int> waitFor(std::chrono::milliseconds deadline) {
        waitUntil([this] { return !running(); }, deadline);
        return status_;
    }
    void kill() {
        if (pid_ > 0 && !status_) {
            ::kill(pid_, SIGKILL);
            int st = 0;
            ::waitpid(pid_, &st, 0);
            status_ = st;
        }
    }

private:
    void poll() {
        if (pid_ <= 0 || status_) return;
        int st = 0;
        if (::waitpid(pid_, &st, WNOHANG) == pid_) status_ = st;
    }
    std::vector<std::string> env_;
    pid_t pid_ = -1;
    std::optional<int> status_;
};

bool prerequisites(const fs::path& kiosk) {
    return fs::exists(kiosk) && fs::exists(buildDir() / "models/dlib_face_recognition_resnet.dat");
}

// A live lane on simulated devices with its store and key in `dir`.
void writeLiveConfig(const fs::path& file, const fs::path& db, const fs::path& key) {
    core::Json j = {{"mode", "live"},
                    {"lane_id", "HZMB-KEY-01"},
                    {"face", {{"recogniser", "onnx"}}},
                    {"fingerprint", {{"backend", "virtual_image"}}},
                    {"devices",
                     {{"qr", {{"backend", "sim"}}},
                      {"document", {{"backend", "sim"}}},
                      {"camera", {{"backend", "sim"}}},
                      {"gate", {{"backend", "sim"}}}}},
                    {"store", {{"path", db.string()}, {"key_file", key.string()}}}};
    std::ofstream(file) << j.dump(2);
}

// A store holding one enrolment whose face and finger templates are sealed with `key`.
void makeSealedStore(const fs::path& db, const fs::path& key) {
    ASSERT_TRUE(store::Store::createKeyFile(key).ok());
    store::StoreOptions o;
    o.keyFile = key;
    auto s = store::Store::open(db, o);
    ASSERT_TRUE(s.ok()) << s.error().message;
    store::EnrolmentRow r;
    r.reference = "E-KEYTEST1";
    r.documentHash = store::documentHash("K7654321");
    r.documentMasked = "K765****";
    r.dateOfBirth = "1980-01-01";
    r.enrolledAt = 1795000000;
    r.documentExpiry = "2030-01-01";
    r.faceDescriptors.push_back(store::FaceDescriptor(128, 0.0f));
    r.fingers.push_back(store::FingerTemplate{"right_index", 1, "1.94.5", std::vector<uint8_t>(64, 7)});
    ASSERT_TRUE((*s)->enrol(r, "system").ok());
}

// Runs the live lane; it must stop by itself with a store.bad_key naming `mention`.
void expectRefused(const fs::path& dir, const fs::path& config, const std::string& tag, const std::string& mention) {
    const fs::path log = dir / (tag + ".log");
    Proc lane({(buildDir() / "kiosk/kiosk").string(), "--live", "--headless", "--config", config.string()}, log);
    ASSERT_GT(lane.pid(), 0);
    auto status = lane.waitFor(60s);
    ASSERT_TRUE(status.has_value()) << tag << ": the lane started on that key\n" << readText(log);
    ASSERT_TRUE(WIFEXITED(*status)) << readText(log);
    EXPECT_NE(WEXITSTATUS(*status), 0) << readText(log);
    const std::string out = readText(log);
    EXPECT_NE(out.find("store.bad_key"), std::string::npos) << tag << "\n" << out;
    EXPECT_NE(out.find(mention), std::string::npos) << tag << "\n" << out;
}

TEST(KeyHandling, Defect2_LiveLaneRefusesAStoreWhoseKeyIsMissingWrongOrReadableByOthers) {
    const fs::path dir = tempDir("key-live");
    if (!prerequisites(buildDir() / "kiosk/kiosk")) GTEST_SKIP() << "kiosk binary or face model missing (run scripts/setup)";
    fs::create_directories(dir / "data");
    fs::create_directories(dir / "keys");
    const fs::path db = dir / "data/kiosk.sqlite", key = dir / "keys/biometrics.key";
    makeSealedStore(db, key);
    writeLiveConfig(dir / "lane.json", db, key);

    // Missing: refused, and no new key appears.
    fs::rename(key, dir / "saved.key");
    expectRefused(dir, dir / "lane.json", "missing", key.string());
    EXPECT_FALSE(fs::exists(key)) << "a new key was made beside the existing store";

    // Wrong (a different 32-byte key, mode 0600).
    ASSERT_TRUE(store::Store::createKeyFile(key).ok());
    expectRefused(dir, dir / "lane.json", "wrong", "wrong key");

    // The right key, but readable by others.
    fs::remove(key);
    fs::rename(dir / "saved.key", key);
    ASSERT_EQ(::chmod(key.c_str(), 0644), 0);
    expectRefused(dir, dir / "lane.json", "mode", "chmod 600");

    // The templates are still readable with the restored key.
    ASSERT_EQ(::chmod(key.c_str(), 0600), 0);
    store::StoreOptions o;
    o.keyFile = key;
    auto s = store::Store::open(db, o);
    ASSERT_TRUE(s.ok()) << s.error().message;
    auto got = (*s)->findEnrolmentByReference("E-KEYTEST1");
    ASSERT_TRUE(got.ok()) << got.error().message;
    ASSERT_TRUE(got->has_value());
    EXPECT_EQ((*got)->fingers.size(), 1u);
}

TEST(KeyHandling, Defect3_HeadlessDemoKeepsNoKeyOnDiskAndTheNextRunRemovesAKilledRunsFolder) {
    const fs::path tmp = tempDir("key-demo");
    const fs::path kiosk = buildDir() / "kiosk/kiosk";
    if (!prerequisites(kiosk)) GTEST_SKIP() << "kiosk binary or face model missing (run scripts/setup)";
    const std::vector<std::string> env = {"TMPDIR=" + tmp.string()};
    const std::vector<std::string> args = {kiosk.string(), "--headless", "--config",
                                           (sourceDir() / "assets/config/kiosk.json").string()};

    Proc first(args, tmp.parent_path() / (tmp.filename().string() + "-first.log"), env);
    ASSERT_GT(first.pid(), 0);
    const fs::path firstDir = tmp / ("kiosk-run-" + std::to_string(first.pid()));
    ASSERT_TRUE(waitUntil([&] { return fs::exists(firstDir / "scenario.sqlite") || !first.running(); }, 120s))
        << "no run folder " << firstDir;
    ASSERT_TRUE(fs::exists(firstDir / "scenario.sqlite")) << "the run ended before its store was seen";
    first.kill();  // a crash: nothing of the run cleans up
    ASSERT_TRUE(fs::exists(firstDir));
    for (const auto& e : fs::directory_iterator(firstDir))
        EXPECT_EQ(e.path().filename().string().rfind("scenario.sqlite", 0), 0u)
            << "the killed run left " << e.path() << " beside its database";
    EXPECT_FALSE(fs::exists(firstDir / "biometrics.key"));

    // A run folder of a process that is alive is not touched.
    const fs::path alive = tmp / ("kiosk-run-" + std::to_string(::getpid()));
    fs::create_directories(alive);

    Proc second(args, tmp.parent_path() / (tmp.filename().string() + "-second.log"), env);
    ASSERT_GT(second.pid(), 0);
    const fs::path secondDir = tmp / ("kiosk-run-" + std::to_string(second.pid()));
    ASSERT_TRUE(waitUntil([&] { return fs::exists(secondDir) || !second.running(); }, 120s));
    EXPECT_FALSE(fs::exists(firstDir)) << "the folder of the killed run is still there";
    EXPECT_TRUE(fs::exists(alive));
    second.kill();
}

}  // namespace
}  // namespace kiosk::testing
