// The registration machine's voice follows "ui.voice" like the lane's (issue 17): absent or
// true = the choose-language screen is spoken; false = nothing is spawned. Offscreen, a fake
// espeak-ng that logs its arguments. Built only when kiosk/ is (KIOSK_HAVE_REGISTRATION_UI).
#ifdef KIOSK_HAVE_REGISTRATION_UI
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "kiosk/registration/registration_ui_bridge.h"
#include "tests/support/test_support.h"

namespace kiosk::registration {
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
        for (int i = 0; i < 500; ++i) {  // a spawned process writes the log: wait for it (up to 5 s)
            out.clear();
            std::ifstream in(log);
            for (std::string l; std::getline(in, l);) out.push_back(l);
            if (out.size() >= atLeast) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        return out;
    }
};

std::unique_ptr<RegistrationUiBridge> bridge(const std::string& uiJson) {
    static core::Json j;
    j = core::Json::parse(uiJson);
    auto b = RegistrationUiBridge::create(core::ConfigView(j, "ui"), false, {}, RegistrationUiContext{});
    EXPECT_TRUE(b.ok()) << (b.ok() ? "" : b.error().message);
    return b.ok() ? std::move(b).value() : nullptr;
}

TEST(RegistrationVoiceConfig, OnByDefaultTheFirstScreenIsSpoken) {
    FakeEspeak fake("reg_voice_on");
    auto b = bridge(R"({"display": "offscreen", "sounds": false, "voice_binary": ")" + fake.script.string() + "\"}");
    ASSERT_TRUE(b);
    b->tick(RegistrationState{});  // ChooseLanguage
    auto lines = fake.lines(1);
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_NE(lines[0].find("-v yue"), std::string::npos) << lines[0];
}

TEST(RegistrationVoiceConfig, OffInTheConfigurationNothingIsSpoken) {
    FakeEspeak fake("reg_voice_off");
    auto b = bridge(R"({"display": "offscreen", "sounds": false, "voice": false, "voice_binary": ")" +
                    fake.script.string() + "\"}");
    ASSERT_TRUE(b);
    RegistrationState s;
    b->tick(s);
    s.state = State::InsertCard;
    s.inSession = true;
    b->tick(s);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // a wrong spawn would have logged by now
    EXPECT_FALSE(std::filesystem::exists(fake.log));
}

}  // namespace
}  // namespace kiosk::registration
#endif
