// Every screen in each language rendered offscreen (software renderer, deterministic)
// and compared with tests/ui/golden/*.png. Refresh the goldens after an intended change:
//   KIOSK_UPDATE_GOLDENS=1 ./scripts/test -R Screenshot
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <memory>

#include "tests/support/test_support.h"
#include "tests/ui/golden_check.h"
#include "tests/ui/ui_test_support.h"
#include "ui/app.h"
#include "ui/image_tools.h"

namespace kiosk::ui {
namespace {

using testing::appFor;
using testing::checkGolden;
using testing::kMaxDifferingFraction;
using testing::langName;
using testing::screenModel;

struct Case {
    Screen screen;
    Language language;
};

void PrintTo(const Case& c, std::ostream* os) { *os << screenName(c.screen) << "/" << languageTag(c.language); }

class UiScreenshot : public ::testing::TestWithParam<Case> {};

TEST_P(UiScreenshot, MatchesGolden) {
    const Case& c = GetParam();
    checkGolden(std::string(screenName(c.screen)) + "_" + langName(c.language), screenModel(c.screen, c.language), 960,
                540);
}

std::vector<Case> allCases() {
    std::vector<Case> v;
    for (Screen s : allScreens())
        for (Language l : {Language::ZhHant, Language::En, Language::Pt}) v.push_back({s, l});
    return v;
}

INSTANTIATE_TEST_SUITE_P(AllScreens, UiScreenshot, ::testing::ValuesIn(allCases()), [](const auto& info) {
    return std::string(screenName(info.param.screen)) + "_" + langName(info.param.language);
});

TEST(UiScreenshotExtra, FullHdLandscapeFaceCapture) {
    auto vm = screenModel(Screen::FaceCapture, Language::En);
    vm.staffWarningTrustStale = true;
    vm.trustListDaysLeft = 5;
    checkGolden("full_hd_face_en", vm, 1920, 1080);
}

TEST(UiScreenshotExtra, PortraitWelcome) {
    auto vm = screenModel(Screen::Welcome, Language::ZhHant);
    checkGolden("portrait_welcome_zh", vm, 800, 1280);
}

TEST(UiScreenshotExtra, TimeoutBannerOnFingerprint) {
    auto vm = screenModel(Screen::Fingerprint, Language::ZhHant);
    vm.timeoutSecondsLeft = 24;
    vm.staffWarningTrustStale = true;
    vm.trustListDaysLeft = 6;
    checkGolden("finger_timeout_banner_zh", vm, 960, 540);
}

TEST(UiScreenshotExtra, StaffTrustWarning) {
    auto vm = screenModel(Screen::Welcome, Language::Pt);
    vm.staffWarningTrustStale = true;
    vm.trustListDaysLeft = 3;
    checkGolden("staff_trust_stale_pt", vm, 960, 540);
}

// Both staff warnings stack: the trust list at the bottom, old enrolment data above it.
TEST(UiScreenshotExtra, StaffEnrolmentsStaleAndTrustWarning) {
    auto vm = screenModel(Screen::Welcome, Language::En);
    vm.staffWarningEnrolmentsStale = true;
    vm.staffWarningTrustStale = true;
    vm.trustListDaysLeft = 4;
    checkGolden("staff_enrolments_stale_en", vm, 960, 540);
}

TEST(UiScreenshotExtra, OfficerOverlays) {
    for (auto [mode, name] : {std::pair{OfficerMode::PinEntry, "officer_pin_en"}, {OfficerMode::Menu, "officer_menu_en"},
                              {OfficerMode::ScanLog, "officer_scan_log_en"}, {OfficerMode::Alerts, "officer_alerts_en"}}) {
        auto vm = screenModel(Screen::Welcome, Language::En);
        vm.officer = testing::sampleOfficer(mode);
        checkGolden(name, vm, 960, 540);
    }
}

// The comparison must be able to fail: two different screens are far apart.
TEST(UiScreenshotCompare, DifferentScreensDoNotMatch) {
    App& app = appFor(960, 540);
    auto dir = kiosk::testing::tempDir("ui_cmp");
    ASSERT_TRUE(app.render(screenModel(Screen::Welcome, Language::En)).ok());
    ASSERT_TRUE(app.screenshot(dir / "a.png").ok());
    ASSERT_TRUE(app.render(screenModel(Screen::Welcome, Language::Pt)).ok());
    ASSERT_TRUE(app.screenshot(dir / "b.png").ok());
    ASSERT_TRUE(app.render(screenModel(Screen::Proceed, Language::En)).ok());
    ASSERT_TRUE(app.screenshot(dir / "c.png").ok());
    auto a = loadPng(dir / "a.png"), b = loadPng(dir / "b.png"), c = loadPng(dir / "c.png");
    ASSERT_TRUE(a.ok() && b.ok() && c.ok());
    EXPECT_EQ(compareImages(*a, *a).meanAbsDiff, 0.0);
    auto textOnly = compareImages(*a, *b);  // only the text differs
    EXPECT_GT(textOnly.differingFraction, kMaxDifferingFraction);
    auto otherScreen = compareImages(*a, *c);
    EXPECT_GT(otherScreen.meanAbsDiff, 20.0);
}

TEST(UiScreenshotCompare, RenderingIsDeterministic) {
    App& app = appFor(960, 540);
    auto dir = kiosk::testing::tempDir("ui_det");
    auto vm = screenModel(Screen::FaceCapture, Language::ZhHant);
    ASSERT_TRUE(app.render(vm).ok());
    ASSERT_TRUE(app.screenshot(dir / "1.png").ok());
    ASSERT_TRUE(app.render(screenModel(Screen::Proceed, Language::En)).ok());
    ASSERT_TRUE(app.render(vm).ok());
    ASSERT_TRUE(app.screenshot(dir / "2.png").ok());
    auto a = loadPng(dir / "1.png"), b = loadPng(dir / "2.png");
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(a->pixels, b->pixels);
}

}  // namespace
}  // namespace kiosk::ui
