// The lane's voice follows the configuration (issue 17: voice was off although
// docs/configuration.md says on): "ui.voice" absent or true = the welcome screen is
// spoken; false = nothing is spawned. Offscreen window, a fake espeak-ng that logs.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "kiosk/lane/ui_bridge.h"
#include "tests/support/test_support.h"

namespace kiosk::lane {
namespace {

struct FakeEspeak {
    std::filesystem::path script, log;
    explicit FakeEspeak(const std::string& tag) {
        auto dir = kiosk::testing::tempDir(tag);
        script = dir / "fake-espeak";
        log = dir / "calls.txt";
        std::ofstream f(script);
        f << "#!/bin/sh\necho \"$*\" >> " << log.string() << "\n";
        f.close();
        std::filesystem::permissions(script, std::filesystem::perms::owner_all);
    }
    std::vector<std::string> lines(std::size_t atLeast) const {
        std::vector<std::string> out;
        // a spawned process writes the log: wait for it (up to 5 s), not a timing assertion
        for (int i = 0; i < 500; ++i) {
            out.clear();
            std::ifstream in(log);
            for (std::string l; std::getline(in, l);) out.push_back(l);
            if (out.size() >= atLeast) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        return out;
    }
};

std::unique_ptr<UiBridge> bridge(const std::string& uiJson) {
    static core::Json j;
    j = core::Json::parse(uiJson);
    auto b = UiBridge::create(core::ConfigView(j, "ui"), false, {}, "01");
    EXPECT_TRUE(b.ok()) << (b.ok() ? "" : b.error().message);
    if (!b.ok()) return nullptr;
    (*b)->setPacing(0);
    return std::move(b).value();
}

TEST(LaneVoice, OnByDefaultTheWelcomeScreenIsSpokenInCantonese) {
    FakeEspeak fake("lane_voice_on");
    auto b = bridge(R"({"display": "offscreen", "sounds": false, "voice_binary": ")" + fake.script.string() + "\"}");
    ASSERT_TRUE(b);
    LaneState s;
    s.state = State::Idle;
    b->show(s);
    auto lines = fake.lines(1);
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_NE(lines[0].find("-v yue"), std::string::npos) << lines[0];
    EXPECT_NE(lines[0].find("歡迎"), std::string::npos) << lines[0];
}

TEST(LaneVoice, OffInTheConfigurationNothingIsSpoken) {
    FakeEspeak fake("lane_voice_off");
    auto b = bridge(R"({"display": "offscreen", "sounds": false, "voice": false, "voice_binary": ")" +
                    fake.script.string() + "\"}");
    ASSERT_TRUE(b);
    LaneState s;
    s.state = State::Idle;
    b->show(s);
    s.state = State::Door2Open;
    b->show(s);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // a wrong spawn would have logged by now
    EXPECT_FALSE(std::filesystem::exists(fake.log));
}

}  // namespace
}  // namespace kiosk::lane
