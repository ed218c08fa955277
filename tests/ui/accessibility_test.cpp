#include <gtest/gtest.h>

#include <cmath>
#include <algorithm>
#include <chrono>
#include <fstream>
#include <thread>

#include "tests/support/test_support.h"
#include "ui/layout.h"
#include "ui/palette.h"
#include "ui/voice.h"

namespace kiosk::ui {
namespace {

TEST(UiContrast, KnownValues) {
    EXPECT_NEAR(contrastRatio({255, 255, 255}, {0, 0, 0}), 21.0, 1e-9);
    EXPECT_NEAR(contrastRatio({0, 0, 0}, {255, 255, 255}), 21.0, 1e-9);
    EXPECT_NEAR(contrastRatio({119, 119, 119}, {255, 255, 255}), 4.48, 0.01);  // the classic #777 on white
    EXPECT_NEAR(contrastRatio({10, 20, 30}, {10, 20, 30}), 1.0, 1e-9);
}

TEST(UiContrast, EveryTextPairIsAtLeastSevenToOne) {
    auto pairs = textPairs();
    ASSERT_GE(pairs.size(), 8u);
    for (const auto& p : pairs)
        EXPECT_GE(contrastRatio(p.foreground, p.background), 7.0) << p.name;
}

TEST(UiLargeType, BodyTextIsAtLeast40PxAt1080p) {
    EXPECT_GE(layout::kBodyPx * layout::layoutScale(1920, 1080), 40.0);
    EXPECT_GE(layout::kBodyPx * layout::layoutScale(1080, 1920), 40.0);
    EXPECT_GE(layout::kTitlePx, layout::kBodyPx);
    EXPECT_GE(layout::kStaffPx * layout::layoutScale(1920, 1080), 40.0);
    EXPECT_DOUBLE_EQ(layout::layoutScale(960, 540), 0.5);
    EXPECT_DOUBLE_EQ(layout::layoutScale(800, 1280), std::min(800 / 1080.0, 1280 / 1920.0));
}

TEST(UiVoice, CommandLinePerLanguage) {
    auto c = espeakCommand("歡迎", Language::ZhHant);
    ASSERT_GE(c.size(), 5u);
    EXPECT_EQ(c[0], "espeak-ng");
    EXPECT_EQ(c[1], "-v");
    EXPECT_EQ(c[2], "yue");
    EXPECT_EQ(c.back(), "歡迎");
    EXPECT_EQ(c[c.size() - 2], "--");  // text can never be read as an option
    EXPECT_EQ(espeakCommand("x", Language::En)[2], "en");
    EXPECT_EQ(espeakCommand("x", Language::Pt)[2], "pt");
    auto w = espeakCommand("-rf /", Language::En, "/tmp/a.wav");
    auto it = std::find(w.begin(), w.end(), "-w");
    ASSERT_NE(it, w.end());
    EXPECT_EQ(*(it + 1), "/tmp/a.wav");
    EXPECT_EQ(w.back(), "-rf /");
}

TEST(UiVoice, SpawnsAsynchronouslyAndReportsMissingBinary) {
    auto dir = kiosk::testing::tempDir("ui_voice");
    auto script = dir / "fake-espeak";
    {
        std::ofstream f(script);
        f << "#!/bin/sh\nprintf '%s\\n' \"$@\" > " << (dir / "args.txt").string() << "\nsleep 2\n";
    }
    std::filesystem::permissions(script, std::filesystem::perms::owner_all);
    VoicePrompter v(script.string());
    auto t0 = std::chrono::steady_clock::now();
    ASSERT_TRUE(v.speak("Please proceed", Language::En));
    auto spent = std::chrono::steady_clock::now() - t0;
    EXPECT_LT(spent, std::chrono::milliseconds(500));  // did not wait for the 2 s prompt
    EXPECT_TRUE(v.speaking());
    for (int i = 0; i < 100 && !std::filesystem::exists(dir / "args.txt"); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::ifstream in(dir / "args.txt");
    std::string all((std::istreambuf_iterator<char>(in)), {});
    EXPECT_NE(all.find("-v\nen\n"), std::string::npos) << all;
    EXPECT_NE(all.find("Please proceed"), std::string::npos);
    v.stop();  // a new prompt interrupts the old one
    EXPECT_FALSE(v.speaking());

    VoicePrompter missing("/nonexistent/espeak-ng");
    EXPECT_FALSE(missing.speak("x", Language::En));
}

TEST(UiVoice, EspeakWritesAudioWhenInstalled) {
    if (std::system("command -v espeak-ng >/dev/null 2>&1") != 0) GTEST_SKIP() << "espeak-ng not installed";
    auto dir = kiosk::testing::tempDir("ui_espeak");
    for (Language l : {Language::ZhHant, Language::En, Language::Pt}) {
        auto wav = dir / (std::string(languageTag(l)) + ".wav");
        auto argv = espeakCommand(l == Language::ZhHant ? "請前行" : l == Language::En ? "Please proceed" : "Pode avançar", l,
                                  wav.string());
        std::string cmd;
        for (const auto& a : argv) cmd += "'" + a + "' ";
        ASSERT_EQ(std::system((cmd + ">/dev/null 2>&1").c_str()), 0) << cmd;
        ASSERT_TRUE(std::filesystem::exists(wav));
        EXPECT_GT(std::filesystem::file_size(wav), 4000u) << cmd;
        std::ifstream f(wav, std::ios::binary);
        char hdr[4] = {};
        f.read(hdr, 4);
        EXPECT_EQ(std::string(hdr, 4), "RIFF");
    }
}

}  // namespace
}  // namespace kiosk::ui
