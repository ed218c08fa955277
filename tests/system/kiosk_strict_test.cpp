// Issue 16 (defects 4-7) through the real `kiosk` binary on simulated devices: a bad ui.*
// value, a missing font or a misspelt key stops it naming the key (it used to run
// headless, or with the store in the default folder); --live without a display stops
// instead of running headless; a second kiosk on the same store refuses to start; a live
// lane without a trust list stays out of service with trust.missing.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
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

std::string text(const fs::path& p) {
    std::ifstream in(p);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

void writeJson(const fs::path& p, const core::Json& j) { std::ofstream(p) << j.dump(2); }

// The binary as a child (stdout+stderr into `log`), with DISPLAY/WAYLAND_DISPLAY/
// SDL_VIDEODRIVER removed from its environment: no display, whatever this machine has.
class Kiosk {
public:
    Kiosk(std::vector<std::string> args, const fs::path& log) {
        args.insert(args.begin(), (buildDir() / "kiosk/kiosk").string());
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        // No display for the child (nor for this test process, which needs none).
        for (const char* v : {"DISPLAY", "WAYLAND_DISPLAY", "SDL_VIDEODRIVER"}) ::unsetenv(v);
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        posix_spawn_file_actions_adddup2(&fa, 1, 2);
        if (posix_spawn(&pid_, argv[0], &fa, nullptr, argv.data(), environ) != 0) pid_ = -1;
        posix_spawn_file_actions_destroy(&fa);
    }
    ~Kiosk() {
        if (pid_ > 0 && !status_) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
    }
    bool running() {
        poll();
        return pid_ > 0 && !status_;
    }
    bool started() const { return pid_ > 0; }
    // Only ever the child itself (never kill(-1) or kill(0)).
    void signal(int s) {
        if (pid_ > 0 && !status_) ::kill(pid_, s);
    }
    // The exit code once it ended within `deadline` (-1: killed by a signal).
    std::optional<int> exitWithin(std::chrono::milliseconds deadline) {
        waitUntil([this] { return !running(); }, deadline);
        if (!status_) return std::nullopt;
        return WIFEXITED(*status_) ? WEXITSTATUS(*status_) : -1;
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

bool strictPrerequisites() {
    return fs::exists(buildDir() / "kiosk/kiosk") && fs::exists(buildDir() / "models/dlib_face_recognition_resnet.dat");
}

// A live lane on simulated devices, its store in `dir` (the key in a folder of its own).
core::Json liveLane(const fs::path& dir) {
    fs::create_directories(dir / "keys");
    return {{"mode", "live"},
            {"lane_id", "LANE-STRICT-01"},
            {"face", {{"recognition_model", ""}, {"match_threshold", 0.50}}},
            {"fingerprint", {{"backend", "virtual_image"}}},
            {"store", {{"path", (dir / "data/kiosk.sqlite").string()}, {"key_file", (dir / "keys/bio.key").string()}}},
            {"ui", {{"display", "fullscreen"}}}};
}

#define KIOSK_STRICT_PREREQUISITES() \
    if (!strictPrerequisites()) GTEST_SKIP() << "kiosk binary or face model missing (run scripts/setup)"

// Defect 4.
TEST(KioskStrict, LiveWithABadUiValueOrAMissingFontStopsNamingTheKeyInsteadOfRunningHeadless) {
    KIOSK_STRICT_PREREQUISITES();
    const fs::path dir = tempDir("strict-ui");
    const std::vector<std::pair<core::Json, std::string>> cases = {
        {{{"officer_pin_hash", "abc"}}, "ui.officer_pin_hash"},
        {{{"font", (dir / "no-such-font.ttc").string()}}, "ui.font"}};
    int i = 0;
    for (const auto& [ui, key] : cases) {
        core::Json cfg = liveLane(dir);
        cfg["ui"] = ui;
        const fs::path file = dir / ("lane" + std::to_string(i) + ".json"), log = dir / ("ui" + std::to_string(i++) + ".log");
        writeJson(file, cfg);
        Kiosk k({"--live", "--config", file.string()}, log);
        auto code = k.exitWithin(60s);
        ASSERT_TRUE(code.has_value()) << key << ": still running (headless?)\n" << text(log);
        EXPECT_EQ(*code, 2) << text(log);
        EXPECT_NE(text(log).find("config.bad_value: " + key + ": "), std::string::npos) << text(log);
        EXPECT_EQ(text(log).find("headless"), std::string::npos) << text(log);
        EXPECT_FALSE(fs::exists(dir / "data/kiosk.sqlite")) << "started before the check";
    }
}

// Defect 4: --live with no display never runs headless.
TEST(KioskStrict, LiveWithoutADisplayStopsInsteadOfRunningHeadless) {
    KIOSK_STRICT_PREREQUISITES();
    const fs::path dir = tempDir("strict-nodisplay");
    writeJson(dir / "lane.json", liveLane(dir));
    Kiosk k({"--live", "--config", (dir / "lane.json").string()}, dir / "k.log");
    auto code = k.exitWithin(60s);
    ASSERT_TRUE(code.has_value()) << "still running (headless?)\n" << text(dir / "k.log");
    EXPECT_EQ(*code, 3) << text(dir / "k.log");
    EXPECT_NE(text(dir / "k.log").find("ui.no_display"), std::string::npos) << text(dir / "k.log");
    EXPECT_NE(text(dir / "k.log").find("never runs headless"), std::string::npos) << text(dir / "k.log");
}

// Defect 5: "stor" used to be ignored and the store went to kiosk-data/ beside the config.
TEST(KioskStrict, AMisspeltStoreKeyStopsTheLaneBeforeAnythingIsMade) {
    KIOSK_STRICT_PREREQUISITES();
    const fs::path dir = tempDir("strict-stor");
    core::Json cfg = liveLane(dir);
    cfg["stor"] = cfg["store"];
    cfg.erase("store");
    writeJson(dir / "lane.json", cfg);
    Kiosk k({"--live", "--headless", "--config", (dir / "lane.json").string()}, dir / "k.log");
    auto code = k.exitWithin(60s);
    ASSERT_TRUE(code.has_value()) << "still running\n" << text(dir / "k.log");
    EXPECT_EQ(*code, 2) << text(dir / "k.log");
    EXPECT_NE(text(dir / "k.log").find("config.unknown_key: stor: unknown key (did you mean store?)"), std::string::npos)
        << text(dir / "k.log");
    EXPECT_FALSE(fs::exists(dir / "kiosk-data")) << "the store went to the default folder";
}

// Defect 6.
TEST(KioskStrict, ASecondLaneOnTheSameStoreRefusesToStart) {
    KIOSK_STRICT_PREREQUISITES();
    const fs::path dir = tempDir("strict-lock");
    writeJson(dir / "lane.json", liveLane(dir));
    Kiosk first({"--live", "--headless", "--config", (dir / "lane.json").string()}, dir / "first.log");
    ASSERT_TRUE(waitUntil([&] { return text(dir / "first.log").find("running on its configured devices") != std::string::npos ||
                                       !first.running(); },
                          90s))
        << text(dir / "first.log");
    ASSERT_TRUE(first.running()) << text(dir / "first.log");

    Kiosk second({"--live", "--headless", "--config", (dir / "lane.json").string()}, dir / "second.log");
    auto code = second.exitWithin(90s);
    ASSERT_TRUE(code.has_value()) << "the second lane runs too\n" << text(dir / "second.log");
    EXPECT_NE(*code, 0);
    EXPECT_NE(text(dir / "second.log").find("store.locked"), std::string::npos) << text(dir / "second.log");
    EXPECT_EQ(text(dir / "second.log").find("running on its configured devices"), std::string::npos);
    EXPECT_TRUE(first.running()) << text(dir / "first.log");

    first.signal(SIGTERM);
    auto firstCode = first.exitWithin(30s);
    ASSERT_TRUE(firstCode.has_value());
    EXPECT_EQ(*firstCode, 0) << text(dir / "first.log");
    // Once the first has stopped, the store is free again.
    Kiosk third({"--live", "--headless", "--config", (dir / "lane.json").string()}, dir / "third.log");
    EXPECT_TRUE(waitUntil([&] { return text(dir / "third.log").find("running on its configured devices") != std::string::npos; },
                          90s))
        << text(dir / "third.log");
    third.signal(SIGTERM);
    (void)third.exitWithin(30s);
}

// Defect 7: no trust list -> out of service with trust.missing (journal, outbox), not in
// service refusing every QR.
TEST(KioskStrict, ALiveLaneWithoutATrustListStaysOutOfServiceWithTrustMissing) {
    KIOSK_STRICT_PREREQUISITES();
    const fs::path dir = tempDir("strict-trust");
    writeJson(dir / "lane.json", liveLane(dir));
    Kiosk k({"--live", "--headless", "--config", (dir / "lane.json").string()}, dir / "k.log");
    ASSERT_TRUE(waitUntil([&] { return text(dir / "k.log").find("running on its configured devices") != std::string::npos ||
                                       !k.running(); },
                          90s))
        << text(dir / "k.log");
    // The lane's first device check runs at once; give it a few seconds of real time.
    std::this_thread::sleep_for(3s);
    k.signal(SIGTERM);
    auto code = k.exitWithin(30s);
    ASSERT_TRUE(code.has_value());
    EXPECT_EQ(*code, 0) << text(dir / "k.log");

    store::StoreOptions so;
    so.keyFile = dir / "keys/bio.key";
    auto st = store::Store::open(dir / "data/kiosk.sqlite", so);
    ASSERT_TRUE(st.ok()) << st.error().message;
    auto items = (*st)->peekOutbox(1000);
    ASSERT_TRUE(items.ok());
    bool stopped = false, alerted = false;
    for (const auto& i : *items) {
        const auto p = core::Json::parse(i.payload);
        if (i.kind == "lane_state" && p.value("to", "") == "OutOfService" && p.value("reason", "") == "trust.missing")
            stopped = true;
        if (i.kind == "alert" && p.value("reason", "") == "trust.missing") alerted = true;
    }
    EXPECT_TRUE(stopped) << "no lane_state to OutOfService with trust.missing\n" << text(dir / "k.log");
    EXPECT_TRUE(alerted) << "no trust.missing alert for the officer";
    // It never served: no crossing was recorded.
    for (const auto& i : *items) EXPECT_NE(i.kind, "crossing");
}

}  // namespace
}  // namespace kiosk::testing
