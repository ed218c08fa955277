#pragma once
// Golden screenshots: render a view model offscreen, write it to <build>/tests/ui/screenshots/
// and compare with tests/ui/golden/<name>.png (lane and registration screens).
//   KIOSK_UPDATE_GOLDENS=1 ./scripts/test -R Screenshot   refreshes them
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "tests/support/test_support.h"
#include "tests/ui/ui_test_support.h"
#include "ui/app.h"
#include "ui/image_tools.h"

namespace kiosk::ui::testing {

// Tolerance: fonts and the software renderer are deterministic on one machine; allow a
// little for FreeType/SDL patch releases.
constexpr double kMaxMeanAbsDiff = 1.5;
constexpr double kMaxDifferingFraction = 0.005;

inline bool updateGoldens() {
    const char* v = std::getenv("KIOSK_UPDATE_GOLDENS");
    return v && std::string(v) == "1";
}

inline App& appFor(int w, int h) {
    static std::map<std::pair<int, int>, std::unique_ptr<App>> apps;
    auto& slot = apps[{w, h}];
    if (!slot) {
        WindowOptions o;
        o.mode = DisplayMode::Offscreen;
        o.width = w;
        o.height = h;
        o.voice = VoiceMode::Off;
        o.assetsDir = testing::sourceDir() / "assets";
        auto r = App::create(o);
        if (!r) ADD_FAILURE() << r.error().code << ": " << r.error().message;
        slot = std::move(r).value();
    }
    return *slot;
}

inline std::string langName(Language l) {
    std::string t = languageTag(l);
    return t == "zh-Hant" ? "zh" : t;
}

// Renders vm at w x h, writes the screenshot to the build dir and compares with the golden.
inline void checkGolden(const std::string& name, const ViewModel& vm, int w, int h) {
    App& app = appFor(w, h);
    ASSERT_TRUE(app.render(vm).ok());
    auto outDir = testing::buildDir() / "tests" / "ui" / "screenshots";
    auto shot = outDir / (name + ".png");
    auto st = app.screenshot(shot);
    ASSERT_TRUE(st.ok()) << st.error().message;
    auto golden = testing::sourceDir() / "tests" / "ui" / "golden" / (name + ".png");
    if (updateGoldens()) {
        std::filesystem::create_directories(golden.parent_path());
        std::filesystem::copy_file(shot, golden, std::filesystem::copy_options::overwrite_existing);
        GTEST_SKIP() << "golden refreshed: " << golden;
    }
    ASSERT_TRUE(std::filesystem::exists(golden))
        << "missing golden " << golden << " (make it with KIOSK_UPDATE_GOLDENS=1 ./scripts/test -R Screenshot)";
    auto a = loadPng(shot);
    auto b = loadPng(golden);
    ASSERT_TRUE(a.ok() && b.ok());
    ImageDiff d = compareImages(*a, *b);
    EXPECT_TRUE(d.sameSize) << name << ": size differs from the golden";
    EXPECT_LE(d.meanAbsDiff, kMaxMeanAbsDiff) << name << " differs from " << golden << " (see " << shot << ")";
    EXPECT_LE(d.differingFraction, kMaxDifferingFraction) << name << " differs from " << golden << " (see " << shot << ")";
}

}  // namespace kiosk::ui::testing
