// Whatever the lane hands over, the UI draws something and never crashes.
#include <gtest/gtest.h>

#include "tests/ui/ui_test_support.h"
#include "ui/app.h"

namespace kiosk::ui {
namespace {

TEST(UiRobustness, OddViewModelsRenderWithoutCrashing) {
    WindowOptions o;
    o.mode = DisplayMode::Offscreen;
    o.width = 640;
    o.height = 360;
    o.voice = VoiceMode::Off;
    o.assetsDir = testing::sourceDir() / "assets";
    auto app = App::create(o);
    ASSERT_TRUE(app.ok());
    std::vector<ViewModel> odd;
    {
        auto vm = sampleViewModel(Screen::FaceCapture, Language::En);
        vm.preview->pixels.resize(100);  // buffer too small for 640x480
        odd.push_back(vm);
        vm.preview->width = -5;
        odd.push_back(vm);
        vm.preview = CameraPreview{};  // empty
        odd.push_back(vm);
        vm.preview = samplePreview(3);
        vm.preview->faceBox = Box{-100, -100, 5000, 5000};
        odd.push_back(vm);
    }
    {
        auto vm = sampleViewModel(Screen::Fingerprint, Language::Pt);
        vm.progressStep = 500;
        vm.progressTotal = 100;
        odd.push_back(vm);
        vm.progressStep = -3;
        vm.progressTotal = -1;
        odd.push_back(vm);
    }
    {
        auto vm = sampleViewModel(Screen::SeeOfficer, Language::ZhHant);
        std::string longText;
        for (int i = 0; i < 200; ++i) longText += "請聯絡職員 please see an officer ";
        vm.reasonText = TextTriple{longText, longText, longText};
        odd.push_back(vm);
        vm.reasonText = TextTriple{"", "", ""};
        odd.push_back(vm);
        vm.reasonText = TextTriple{"\xff\xfe\xfd", "\xc3", "\xe4\xb8"};  // broken UTF-8
        odd.push_back(vm);
    }
    {
        auto vm = sampleViewModel(Screen::Welcome, Language::En);
        vm.guidanceKey = "no.such.key";
        vm.laneId = std::string(300, 'X');
        vm.staffWarningTrustStale = true;
        vm.trustListDaysLeft = -2;
        odd.push_back(vm);
        vm.officer = sampleOfficerOverlay(OfficerMode::ScanLog);
        for (int i = 0; i < 500; ++i) vm.officer.scanLog.push_back({"00:00:00", std::string(200, 'c'), "refused", "qr.expired"});
        odd.push_back(vm);
        vm.officer = sampleOfficerOverlay(OfficerMode::Alerts);
        for (int i = 0; i < 100; ++i) vm.officer.alerts.push_back({std::to_string(i), "t", "code", std::string(500, 'm'), false});
        odd.push_back(vm);
        vm.officer.alerts.clear();
        odd.push_back(vm);
    }
    {
        auto vm = sampleViewModel(Screen::TimeoutWarning, Language::Pt);
        vm.timeoutSecondsLeft.reset();
        odd.push_back(vm);
        vm.timeoutSecondsLeft = -7;
        odd.push_back(vm);
    }
    for (std::size_t i = 0; i < odd.size(); ++i) {
        EXPECT_TRUE((*app)->render(odd[i]).ok()) << i;
        (*app)->pollEvents();
    }
    // and it still renders a normal screen correctly afterwards
    ASSERT_TRUE((*app)->render(sampleViewModel(Screen::Proceed, Language::En)).ok());
    bool hasContinue = false;
    for (const auto& t : (*app)->tapTargets()) hasContinue = hasContinue || t.id == "continue";
    EXPECT_FALSE(hasContinue);
}

}  // namespace
}  // namespace kiosk::ui
