// Every registration screen in each language, and the variants a resident meets (each
// refusal, the card-left alarm, the verify step, the liveness prompt, the printer out of
// paper), rendered offscreen and compared with tests/ui/golden/registration_*.png.
//   KIOSK_UPDATE_GOLDENS=1 ./scripts/test -R Screenshot
#include <gtest/gtest.h>

#include "tests/ui/golden_check.h"
#include "tests/ui/ui_test_support.h"
#include "ui/samples.h"

namespace kiosk::ui {
namespace {

using testing::checkGolden;
using testing::langName;

constexpr Language kShotLanguages[] = {Language::ZhHant, Language::En, Language::Pt};

struct RegCase {
    RegistrationScreen screen;
    Language language;
};

std::string caseName(const RegCase& c) {
    return std::string("registration_") + registrationScreenName(c.screen) + "_" + langName(c.language);
}

void PrintTo(const RegCase& c, std::ostream* os) { *os << caseName(c); }

class RegistrationScreenshot : public ::testing::TestWithParam<RegCase> {};

TEST_P(RegistrationScreenshot, MatchesGolden) {
    const RegCase& c = GetParam();
    checkGolden(caseName(c), sampleRegistrationViewModel(c.screen, c.language), 960, 540);
}

std::vector<RegCase> allRegCases() {
    std::vector<RegCase> v;
    for (RegistrationScreen s : allRegistrationScreens())
        for (Language l : kShotLanguages) v.push_back({s, l});
    return v;
}

INSTANTIATE_TEST_SUITE_P(AllScreens, RegistrationScreenshot, ::testing::ValuesIn(allRegCases()),
                         [](const auto& info) { return caseName(info.param).substr(13); });

ViewModel withReg(RegistrationScreen s, Language l, const std::function<void(ViewModel&, RegistrationView&)>& f) {
    auto vm = sampleRegistrationViewModel(s, l);
    f(vm, *vm.registration);
    return vm;
}

TEST(RegistrationScreenshotExtra, EveryRefusalInEveryLanguage) {
    for (RefusalKind k : {RefusalKind::NotPermanentResident, RefusalKind::DocumentExpired, RefusalKind::FingerQuality,
                          RefusalKind::FaceQuality})
        for (Language l : kShotLanguages) {
            auto vm = withReg(RegistrationScreen::Refused, l, [k](ViewModel&, RegistrationView& r) {
                r.refusal = k;
                r.offices.clear();
            });
            checkGolden(std::string("registration_refused_") + refusalName(k) + "_" + langName(l), vm, 960, 540);
        }
}

TEST(RegistrationScreenshotExtra, CardLeftInTheReaderAlarm) {
    for (Language l : kShotLanguages)
        checkGolden("registration_take_card_alarm_" + langName(l),
                    withReg(RegistrationScreen::TakeCard, l, [](ViewModel&, RegistrationView& r) { r.cardAlarm = true; }),
                    960, 540);
}

TEST(RegistrationScreenshotExtra, FingerVerifyStep) {
    for (Language l : kShotLanguages)
        checkGolden("registration_finger_verify_" + langName(l),
                    withReg(RegistrationScreen::Finger, l,
                            [](ViewModel& vm, RegistrationView& r) {
                                r.fingerName = "left_index";
                                r.fingerNumber = 2;
                                r.fingerPhase = FingerPhase::Verify;
                                r.impression = 5;
                                vm.guidanceKey.clear();
                            }),
                    960, 540);
}

TEST(RegistrationScreenshotExtra, FaceLivenessPrompt) {
    for (Language l : kShotLanguages)
        checkGolden("registration_face_blink_" + langName(l),
                    withReg(RegistrationScreen::Face, l,
                            [](ViewModel& vm, RegistrationView& r) {
                                r.livenessPrompt = true;
                                vm.guidanceKey = "reg.face.blink";
                                vm.preview->faceOk = true;
                            }),
                    960, 540);
}

TEST(RegistrationScreenshotExtra, PrinterOutOfPaperOffersReprint) {
    for (Language l : kShotLanguages)
        checkGolden("registration_receipt_out_of_paper_" + langName(l),
                    withReg(RegistrationScreen::Receipt, l,
                            [](ViewModel&, RegistrationView& r) {
                                r.printer = ReceiptPrinter::OutOfPaper;
                                r.reprintOffered = true;
                            }),
                    960, 540);
}

TEST(RegistrationScreenshotExtra, TermsReadWithReenrolment) {
    checkGolden("registration_terms_read_reenrolment_en",
                withReg(RegistrationScreen::Terms, Language::En,
                        [](ViewModel&, RegistrationView& r) {
                            r.termsAcceptEnabled = true;
                            r.reenrolment = true;
                        }),
                960, 540);
}

TEST(RegistrationScreenshotExtra, CountdownBannerAndFullHd) {
    auto vm = sampleRegistrationViewModel(RegistrationScreen::Confirm, Language::Pt);
    vm.timeoutSecondsLeft = 17;
    checkGolden("registration_confirm_timeout_banner_pt", vm, 960, 540);
    checkGolden("registration_receipt_full_hd_zh", sampleRegistrationViewModel(RegistrationScreen::Receipt, Language::ZhHant),
                1920, 1080);
}

// A portrait screen (800x1280): hands above the text, the receipt's values one under the other.
TEST(RegistrationScreenshotExtra, Portrait) {
    checkGolden("registration_portrait_finger_pt", sampleRegistrationViewModel(RegistrationScreen::Finger, Language::Pt),
                800, 1280);
    checkGolden("registration_portrait_receipt_out_of_paper_zh",
                withReg(RegistrationScreen::Receipt, Language::ZhHant,
                        [](ViewModel&, RegistrationView& r) {
                            r.printer = ReceiptPrinter::OutOfPaper;
                            r.reprintOffered = true;
                        }),
                800, 1280);
}

}  // namespace
}  // namespace kiosk::ui
