// The lane's screens: colours and icon per screen, the text (drawn and spoken), the body.
#include "ui/sdl_app.h"

#include <algorithm>

#include "ui/layout.h"

namespace {
// The lane's step indicator (reference px): under the 120 px top bar.
constexpr int kLaneStepBarY = 128, kLaneStepBarH = 64;
}  // namespace

namespace kiosk::ui::detail {

SdlApp::ScreenLook SdlApp::look(Screen s) {
    using namespace palette;
    switch (s) {
        case Screen::Welcome: return {kBackground, kText, "qr"};
        case Screen::Reading: return {kBackground, kText, "hourglass"};
        case Screen::DoorOpen: return {kBackground, kText, "door"};
        case Screen::FaceCapture: return {kBackground, kText, "face"};
        case Screen::Fingerprint: return {kBackground, kText, "finger"};
        case Screen::Proceed: return {kProceedBg, kText, "check"};
        case Screen::SeeOfficer: return {kOfficerBg, kText, "officer"};
        case Screen::OutOfService: return {kServiceBg, kText, "noentry"};
        case Screen::Processing: return {kBackground, kText, "hourglass"};
        case Screen::Emergency: return {kEmergencyBg, kEmergencyText, "exit"};
        case Screen::TimeoutWarning: return {kBackground, kText, "hourglass"};
        case Screen::Starting: return {kBackground, kText, "hourglass"};
    }
    return {kBackground, kText, "qr"};
}

const char* SdlApp::livenessKey(LivenessPrompt p) {
    switch (p) {
        case LivenessPrompt::Blink: return "face.liveness_blink";
        case LivenessPrompt::HeadTurn: return "face.liveness_head_turn";
        case LivenessPrompt::BlinkOrHeadTurn: return "face.liveness_blink_or_head_turn";
        case LivenessPrompt::None: break;
    }
    return "face.body";
}

// The crossing's five steps under the top bar; the current one filled, done ones ticked.
int SdlApp::drawCrossingSteps(const ViewModel& vm, const ScreenLook& lk) {
    if (vm.step == CrossingStep::None || vm.registration) return 0;
    static const CrossingStep steps[] = {CrossingStep::Credential, CrossingStep::Enter, CrossingStep::Face,
                                         CrossingStep::Fingerprint, CrossingStep::Exit};
    const int n = 5, cur = static_cast<int>(vm.step) - 1;
    int margin = px(80), gap = px(16);
    int bw = (w_ - 2 * margin - (n - 1) * gap) / n, bh = px(kLaneStepBarH);
    int y = px(kLaneStepBarY + (portrait_ ? 104 : 0));
    for (int i = 0; i < n; ++i) {
        SDL_Rect box{margin + i * (bw + gap), y, bw, bh};
        std::string label = std::to_string(i + 1) + "  " + str(std::string("step.") + crossingStepName(steps[i]), vm.language);
        Rgb fg = lk.fg;
        if (i == cur) {
            fill(box, palette::kAccent);
            fg = palette::kButtonText;
        } else {
            outline(box, lk.fg, std::max(1, px(i < cur ? 4 : 2)));
            if (i < cur) label = "✓ " + label;
        }
        Weight wt = i == cur ? Weight::Bold : Weight::Regular;
        int size = fitSize(label, px(layout::kStepPx), wt, bw - px(16));
        if (i != cur && textWidth(label, size, wt) > bw - px(16))
            label = (i < cur ? "✓ " : "") + std::to_string(i + 1);  // narrow screens: the number says enough
        drawText(label, box.x + px(8), box.y + (bh - lineSkip(size, wt)) / 2, bw - px(16), size, wt, fg);
    }
    return y + bh;
}

// Start-up: each engine, loading or ready, under the screen's text.
void SdlApp::drawStartup(const ViewModel& vm, const ScreenLook& lk, int y) {
    int done = 0;
    for (const auto& it : vm.startup) done += it.done ? 1 : 0;
    int rowH = px(70), w = std::min(w_ - px(160), px(1100)), x = (w_ - w) / 2;
    for (const auto& it : vm.startup) {
        std::string line = (it.done ? "✓ " : "… ") + str(it.key, vm.language) + ": " +
                           str(it.done ? "startup.ready" : "startup.loading", vm.language);
        drawText(line, x, y, w, px(44), it.done ? Weight::Bold : Weight::Regular, it.done ? palette::kGood : lk.fg,
                 Align::Left);
        y += rowH;
    }
    if (vm.startup.empty()) return;
    SDL_Rect bar{x, y + px(10), w, px(24)};
    outline(bar, lk.fg, std::max(1, px(3)));
    fill({bar.x, bar.y, bar.w * done / static_cast<int>(vm.startup.size()), bar.h}, palette::kAccent);
}

// The text of the screen (title, body lines) in one language: also what is spoken.
std::pair<std::string, std::vector<std::string>> SdlApp::screenText(const ViewModel& vm, Language l) const {
    std::string base = screenName(vm.screen);
    std::string title = str(base + ".title", l);
    std::vector<std::string> body;
    if (vm.screen == Screen::SeeOfficer && vm.reasonText) {
        body.push_back(vm.reasonText->in(l));
        body.push_back(str(base + ".body", l));
    } else if (!vm.guidanceKey.empty() && strings_.has(vm.guidanceKey)) {
        body.push_back(str(vm.guidanceKey, l));
    } else {
        body.push_back(str(base + ".body", l));
    }
    // The liveness check's challenge, in words (and so also spoken).
    if (vm.screen == Screen::FaceCapture && vm.liveness != LivenessPrompt::None) body.push_back(str(livenessKey(vm.liveness), l));
    if ((vm.screen == Screen::FaceCapture || vm.screen == Screen::Fingerprint) && vm.attempt >= 2 && vm.attempts > 0)
        body.push_back(replaceAll(replaceAll(str("ui.attempt", l), "{attempt}", std::to_string(vm.attempt)), "{attempts}",
                                  std::to_string(vm.attempts)));
    if (vm.screen == Screen::TimeoutWarning && vm.timeoutSecondsLeft)
        body.push_back(replaceAll(str("timeout.seconds_left", l), "{seconds}", std::to_string(*vm.timeoutSecondsLeft)));
    if (vm.screen == Screen::Fingerprint && vm.progressTotal > 0)
        body.push_back(replaceAll(replaceAll(str("finger.progress", l), "{step}", std::to_string(vm.progressStep)),
                                  "{total}", std::to_string(vm.progressTotal)));
    return {title, body};
}

void SdlApp::drawProgress(const ViewModel& vm, const SDL_Rect& area, Rgb fg) {
    if (vm.progressTotal <= 0) return;
    int n = std::min(vm.progressTotal, 12);
    int d = px(44), gap = px(28);
    int total = n * d + (n - 1) * gap;
    int x = area.x + (area.w - total) / 2;
    for (int i = 0; i < n; ++i) {
        SDL_Rect r{x + i * (d + gap), area.y, d, d};
        if (i < vm.progressStep)
            fill(r, palette::kAccent);
        else
            outline(r, fg, std::max(2, px(5)));
    }
}

void SdlApp::drawBody(const ViewModel& vm, const ScreenLook& lk, bool record) {
    auto [title, body] = screenText(vm, vm.language);
    const int stepsBottom = drawCrossingSteps(vm, lk);
    int top = stepsBottom > 0 ? stepsBottom + px(16) : px(portrait_ ? 240 : 140);
    int bottom = h_ - staffBanners(vm) * px(110) - (timeoutBanner(vm) ? px(140) : 0);
    bool withPreview = vm.screen == Screen::FaceCapture && vm.preview;
    SDL_Rect iconArea, textArea;
    if (withPreview) {
        if (portrait_) {
            iconArea = {px(60), top, w_ - px(120), (bottom - top) / 2};
            textArea = {px(60), top + (bottom - top) / 2 + px(30), w_ - px(120), (bottom - top) / 2 - px(30)};
        } else {
            iconArea = {px(60), top + px(20), w_ / 2 - px(60), bottom - top - px(80)};
            textArea = {w_ / 2 + px(40), top + px(120), w_ / 2 - px(100), bottom - top - px(120)};
        }
        drawPreview(*vm.preview, iconArea);
    } else {
        // with the countdown banner on a landscape screen there is no room for the icon
        bool compact = timeoutBanner(vm) && !portrait_;
        int iconSize = compact ? 0
                                 : px(vm.screen == Screen::TimeoutWarning || vm.screen == Screen::Starting ? 200
                                      : stepsBottom > 0                                                     ? 220
                                                                                                            : 260);
        int iy = portrait_ ? top + (bottom - top) / 5 : top + px(compact ? 0 : stepsBottom > 0 ? 30 : 50);
        if (iconSize > 0) icon(lk.icon, {(w_ - iconSize) / 2, iy, iconSize, iconSize}, lk.fg);
        textArea = {px(80), iy + iconSize + px(40), w_ - px(160), bottom - iy - iconSize - px(40)};
    }
    int y = textArea.y;
    Rgb bodyColor = lk.fg;
    y += drawText(title, textArea.x, y, textArea.w, px(layout::kTitlePx), Weight::Bold, lk.fg) + px(20);
    const std::string livenessLine =
        vm.screen == Screen::FaceCapture && vm.liveness != LivenessPrompt::None ? str(livenessKey(vm.liveness), vm.language) : "";
    for (std::size_t i = 0; i < body.size(); ++i) {
        bool guidance = (i == 0 && !vm.guidanceKey.empty() && vm.screen != Screen::SeeOfficer) ||
                        (!livenessLine.empty() && body[i] == livenessLine);
        y += drawText(body[i], textArea.x, y, textArea.w, px(layout::kBodyPx), guidance ? Weight::Bold : Weight::Regular,
                      guidance && lk.bg.r == palette::kBackground.r ? palette::kAccent : bodyColor) +
             px(12);
    }
    if (vm.screen == Screen::Fingerprint) drawProgress(vm, {textArea.x, y + px(24), textArea.w, px(44)}, lk.fg);
    if (vm.screen == Screen::Starting) drawStartup(vm, lk, y + px(20));
    if (vm.screen == Screen::TimeoutWarning) {
        int bw = px(520), bh = px(130);
        button("continue", {(w_ - bw) / 2, y + px(30), bw, bh}, str("ui.continue", vm.language), px(60), palette::kButtonBg,
               palette::kButtonText,
               [](std::vector<UiEvent>& out) {
                   UiEvent e;
                   e.type = UiEventType::ContinuePressed;
                   out.push_back(e);
               },
               record);
    }
}

}  // namespace kiosk::ui::detail
