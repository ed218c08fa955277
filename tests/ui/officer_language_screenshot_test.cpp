// The officer overlay in the traveller's chosen language (issue 17): alert texts and scan
// log outcomes were English inside a Chinese or Portuguese menu.
#include <gtest/gtest.h>

#include "tests/ui/golden_check.h"

namespace kiosk::ui {
namespace {

TEST(UiScreenshotOfficerLanguage, AlertsAndScanLogInChineseAndPortuguese) {
    for (Language l : {Language::ZhHant, Language::Pt}) {
        const std::string tag = l == Language::ZhHant ? "zh" : "pt";
        for (auto [mode, name] : {std::pair{OfficerMode::Alerts, "officer_alerts_"}, {OfficerMode::ScanLog, "officer_scan_log_"}}) {
            auto vm = testing::screenModel(Screen::Welcome, l);
            vm.officer = testing::sampleOfficer(mode);
            testing::checkGolden(name + tag, vm, 960, 540);
        }
    }
}

}  // namespace
}  // namespace kiosk::ui
