// What every traveller screen has around its body: the language buttons and voice switch,
// the countdown banner (WCAG 2.2.1), the staff banners.
#include "ui/sdl_app.h"

#include <algorithm>

#include "ui/layout.h"

namespace kiosk::ui::detail {

void SdlApp::drawTopBar(const ViewModel& vm, const ScreenLook& lk, bool record) {
    int barH = px(120);
    // language buttons, right aligned; voice switch left of them
    int bw = px(250), bh = px(88), gap = px(16);
    int x = w_ - gap - 3 * bw - 2 * gap;
    int y = (barH - bh) / 2;
    bool languageButtons = !(vm.registration && vm.registration->screen == RegistrationScreen::ChooseLanguage);
    for (Language l : {Language::ZhHant, Language::En, Language::Pt}) {
        if (!languageButtons) break;
        bool sel = l == vm.language;
        SDL_Rect r{x, y, bw, bh};
        button(std::string("lang.") + languageTag(l), r, str(std::string("lang.") + languageTag(l), vm.language),
               px(layout::kButtonPx),
               sel ? palette::kAccent : palette::kButtonBg, palette::kButtonText,
               [l](std::vector<UiEvent>& out) {
                   UiEvent e;
                   e.type = UiEventType::LanguageSelected;
                   e.language = l;
                   out.push_back(e);
               },
               record);
        if (sel) outline(r, lk.fg, px(4));
        x += bw + gap;
    }
    // landscape: voice switch left of the language buttons; portrait: on a second row
    int vw = px(300);
    SDL_Rect vr = portrait_ ? SDL_Rect{w_ - gap - vw, y + bh + gap, vw, bh}
                            : SDL_Rect{w_ - gap - 3 * bw - 2 * gap - gap - vw, y, vw, bh};
    fill(vr, palette::kButtonBg);
    icon("speaker", {vr.x + px(10), vr.y + (bh - px(56)) / 2, px(56), px(56)}, palette::kButtonText);
    const std::string& vlabel = str(vm.voiceEnabled ? "ui.voice_on" : "ui.voice_off", vm.language);
    int vsize = fitSize(vlabel, px(36), Weight::Bold, vw - px(84));
    drawText(vlabel, vr.x + px(72), vr.y + (bh - lineSkip(vsize, Weight::Bold)) / 2, vw - px(80), vsize,
             Weight::Bold, palette::kButtonText);
    if (record)
        hits_.push_back({"voice", vr, [](std::vector<UiEvent>& out) {
                             UiEvent e;
                             e.type = UiEventType::VoiceToggled;
                             out.push_back(e);
                         }});
    // The "say it again" button, left of the voice switch (keys R and F1 do the same): a
    // traveller who cannot read the screen hears the instruction again, even with voice off.
    {
        int rw = px(260);
        SDL_Rect rr{vr.x - gap - rw, vr.y, rw, bh};
        const std::string& rlabel = str("ui.repeat", vm.language);
        button("repeat", rr, rlabel, fitSize(rlabel, px(layout::kButtonPx), Weight::Bold, rw - px(24)),
               palette::kButtonBg, palette::kButtonText, [this](std::vector<UiEvent>&) { repeatPrompt(); }, record);
    }
    if (!vm.laneId.empty())
        drawText(str(vm.registration ? "ui.machine" : "ui.lane", vm.language) + " " + vm.laneId, px(24), (barH - px(40)) / 2, px(400), px(32),
                 Weight::Regular, lk.fg, Align::Left);
}

// A timed step on any other screen (WCAG 2.2.1): countdown + Continue above the staff banner.
bool SdlApp::timeoutBanner(const ViewModel& vm) {
    if (vm.registration)
        return vm.timeoutSecondsLeft && vm.registration->screen != RegistrationScreen::TimeoutWarning &&
               vm.registration->screen != RegistrationScreen::OutOfService;
    return vm.timeoutSecondsLeft && vm.screen != Screen::TimeoutWarning && vm.screen != Screen::Emergency &&
           vm.screen != Screen::OutOfService;
}

void SdlApp::drawTimeoutBanner(const ViewModel& vm, bool record) {
    if (!timeoutBanner(vm)) return;
    int bh = px(140);
    SDL_Rect r{0, h_ - staffBanners(vm) * px(110) - bh, w_, bh};
    fill(r, palette::kButtonBg);
    std::string t = replaceAll(str("timeout.seconds_left", vm.language), "{seconds}",
                               std::to_string(*vm.timeoutSecondsLeft));
    int bw = px(420);
    int size = fitSize(t, px(layout::kBodyPx), Weight::Bold, w_ - bw - px(100));
    drawText(t, px(40), r.y + (bh - lineSkip(size, Weight::Bold)) / 2, w_ - bw - px(100), size, Weight::Bold,
             palette::kButtonText, Align::Left);
    button("continue", {w_ - bw - px(30), r.y + px(15), bw, bh - px(30)}, str("ui.continue", vm.language),
           px(layout::kBodyPx), palette::kAccent, palette::kButtonText,
           [](std::vector<UiEvent>& out) {
               UiEvent e;
               e.type = UiEventType::ContinuePressed;
               out.push_back(e);
           },
           record);
}

// Staff warnings stack at the bottom, one 110 px banner each.
int SdlApp::staffBanners(const ViewModel& vm) {
    return (vm.staffWarningTrustStale ? 1 : 0) + (vm.staffWarningEnrolmentsStale ? 1 : 0) +
           static_cast<int>(std::min<std::size_t>(vm.staffDeviceWarnings.size(), 2));
}

void SdlApp::drawStaffBanner(const ViewModel& vm) {
    int y = h_;
    if (vm.staffWarningTrustStale) {
        y -= px(110);
        drawStaffLine(replaceAll(str("staff.trust_stale", vm.language), "{days}", std::to_string(vm.trustListDaysLeft)),
                      y);
    }
    if (vm.staffWarningEnrolmentsStale) {
        y -= px(110);
        drawStaffLine(str("staff.enrolments_stale", vm.language), y);
    }
    // At most two device banners (the traveller screen must keep its room); more devices
    // share the second line.
    const auto& d = vm.staffDeviceWarnings;
    for (std::size_t i = 0; i < d.size() && i < 2; ++i) {
        std::string names;
        for (std::size_t j = i; j < (i == 1 ? d.size() : 1); ++j) {
            const std::string key = "device." + d[j];
            names += (names.empty() ? "" : ", ") + (strings_.has(key) ? str(key, vm.language) : d[j]);
        }
        y -= px(110);
        drawStaffLine(replaceAll(str("staff.device_warning", vm.language), "{device}", names), y);
    }
}

void SdlApp::drawStaffLine(const std::string& t, int top) {
    SDL_Rect r{0, top, w_, px(110)};
    fill(r, palette::kWarningBg);
    icon("warning", {px(24), r.y + px(15), px(80), px(80)}, palette::kWarningText);
    int size = px(layout::kStaffPx);
    int lines = static_cast<int>(wrap(t, size, Weight::Bold, w_ - px(150)).size());
    if (lines > 1) size = px(30);
    int lh = lineSkip(size, Weight::Bold);
    int n = static_cast<int>(wrap(t, size, Weight::Bold, w_ - px(150)).size());
    drawText(t, px(124), r.y + (r.h - n * lh) / 2, w_ - px(150), size, Weight::Bold, palette::kWarningText,
             Align::Left);
}

}  // namespace kiosk::ui::detail
