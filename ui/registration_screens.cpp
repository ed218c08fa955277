// The registration machine's screens (ViewModel::registration): the step indicator, the
// terms with their scroll box, the refusal with the enrolment offices, the fingerprint
// counter, the face preview, the receipt. Strings "reg.*" (assets/strings/strings.json).
#include "ui/sdl_app.h"

#include <algorithm>

#include "ui/layout.h"

namespace kiosk::ui::detail {

namespace {

constexpr int kTermsParagraphs = 6;  // reg.terms.p1 .. p6
using layout::kStepPx;
using layout::kTermsPx;
constexpr int kStepBarY = 128, kStepBarH = 72;
constexpr int kPortraitBarDrop = 104;  // portrait: the voice switch is on a second top-bar row

UiEvent regEvent(RegistrationAction a) {
    UiEvent e;
    e.type = UiEventType::Registration;
    e.registrationAction = a;
    return e;
}

std::string delayText(int minutes) {
    // whole hours read better ("3"), odd delays keep their minutes ("2.5")
    if (minutes % 60 == 0) return std::to_string(minutes / 60);
    int tenths = (minutes * 10 + 30) / 60;
    return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10);
}

}  // namespace

SdlApp::ScreenLook SdlApp::registrationLook(const RegistrationView& r) {
    using namespace palette;
    switch (r.screen) {
        case RegistrationScreen::ChooseLanguage: return {kBackground, kText, "card"};
        case RegistrationScreen::InsertCard: return {kBackground, kText, "card"};
        case RegistrationScreen::Checking: return {kBackground, kText, "hourglass"};
        case RegistrationScreen::Refused: return {kOfficerBg, kText, "officer"};
        case RegistrationScreen::Terms: return {kBackground, kText, "terms"};
        case RegistrationScreen::TakeCard:
            return r.cardAlarm ? ScreenLook{kWarningBg, kWarningText, "warning"} : ScreenLook{kBackground, kText, "card"};
        case RegistrationScreen::Finger: return {kBackground, kText, "finger"};
        case RegistrationScreen::Face: return {kBackground, kText, "face"};
        case RegistrationScreen::Confirm: return {kBackground, kText, "check"};
        case RegistrationScreen::Committing: return {kBackground, kText, "hourglass"};
        case RegistrationScreen::Receipt: return {kProceedBg, kText, "receipt"};
        case RegistrationScreen::OutOfService: return {kServiceBg, kText, "noentry"};
        case RegistrationScreen::TimeoutWarning: return {kBackground, kText, "hourglass"};
        case RegistrationScreen::Cancelled: return {kBackground, kText, "card"};
    }
    return {kBackground, kText, "card"};
}

int SdlApp::textHeight(const std::string& text, int size, Weight w, int width) {
    return static_cast<int>(wrap(text, size, w, width).size()) * lineSkip(size, w);
}

std::string SdlApp::both(const std::string& key, Language l) const {
    if (l == Language::En) return str(key, l);
    return str(key, l) + " / " + str(key, Language::En);
}

// Title and body lines of a registration screen in one language: what is spoken, and for
// the simple screens also what is drawn.
std::pair<std::string, std::vector<std::string>> SdlApp::registrationText(const ViewModel& vm, Language l) const {
    const RegistrationView& r = *vm.registration;
    std::string base = std::string("reg.") + registrationScreenName(r.screen);
    std::string title = str(base + ".title", l);
    std::vector<std::string> body;
    auto guidance = [&](const std::string& fallback) {
        return !vm.guidanceKey.empty() && strings_.has(vm.guidanceKey) ? str(vm.guidanceKey, l) : str(fallback, l);
    };
    std::string finger = str("reg.finger_name." + r.fingerName, l);
    switch (r.screen) {
        case RegistrationScreen::Refused: {
            std::string k = std::string("reg.refusal.") + refusalName(r.refusal);
            body.push_back(str(k, l));
            body.push_back(str(k + ".next", l));
            if (r.refusal == RefusalKind::Under18)
                for (const auto& o : r.offices) body.push_back(o.name + ", " + o.address + ", " + o.hours);
            body.push_back(str("reg.refused.nothing_saved", l));
            break;
        }
        case RegistrationScreen::Terms:
            if (r.reenrolment) body.push_back(str("reg.reenrolment", l));
            body.push_back(str(r.termsAcceptEnabled ? "reg.terms.read" : "reg.terms.body", l));
            for (int i = 1; i <= kTermsParagraphs; ++i) body.push_back(str("reg.terms.p" + std::to_string(i), l));
            break;
        case RegistrationScreen::TakeCard:
            title = str(r.cardAlarm ? "reg.card_alarm.title" : "reg.take_card.title", l);
            body.push_back(str(r.cardAlarm ? "reg.card_alarm.body" : "reg.take_card.body", l));
            break;
        case RegistrationScreen::Finger: {
            bool verify = r.fingerPhase == FingerPhase::Verify;
            if (verify) title = str("reg.finger.verify_title", l);
            body.push_back(replaceAll(replaceAll(replaceAll(str("reg.finger.which", l), "{number}",
                                                            std::to_string(r.fingerNumber)),
                                                 "{count}", std::to_string(r.fingerCount)),
                                      "{finger}", finger));
            body.push_back(replaceAll(guidance(verify ? "reg.finger.verify" : "reg.finger.place"), "{finger}", finger));
            if (!verify && r.impressions > 0)
                body.push_back(replaceAll(replaceAll(str("reg.finger.impression", l), "{step}",
                                                     std::to_string(std::min(r.impression + 1, r.impressions))),
                                          "{total}", std::to_string(r.impressions)));
            break;
        }
        case RegistrationScreen::Face:
            if (vm.guidanceKey != "reg.face.blink") body.push_back(guidance("reg.face.body"));
            if (r.livenessPrompt || vm.guidanceKey == "reg.face.blink") body.push_back(str("reg.face.blink", l));
            break;
        case RegistrationScreen::Confirm:
            body.push_back(str("reg.confirm.body", l));
            body.push_back(str("reg.confirm.card", l));
            body.push_back(replaceAll(str("reg.confirm.fingers", l), "{count}", std::to_string(r.fingerCount)));
            body.push_back(str("reg.confirm.face", l));
            body.push_back(replaceAll(str("reg.confirm.delay", l), "{hours}", delayText(r.laneDelayMinutes)));
            if (r.reenrolment) body.push_back(str("reg.reenrolment", l));
            break;
        case RegistrationScreen::Receipt:
            body.push_back(str("reg.receipt.reference", l) + ": " + r.reference);
            body.push_back(str("reg.receipt.usable_from", l) + ": " + r.usableFrom);
            switch (r.printer) {
                case ReceiptPrinter::Printing: body.push_back(str("reg.receipt.printing", l)); break;
                case ReceiptPrinter::Printed: body.push_back(str("reg.receipt.printed", l)); break;
                case ReceiptPrinter::OutOfPaper: body.push_back(str("reg.receipt.out_of_paper", l)); break;
                case ReceiptPrinter::Fault: body.push_back(str("reg.receipt.printer_fault", l)); break;
            }
            if (r.printer == ReceiptPrinter::OutOfPaper || r.printer == ReceiptPrinter::Fault)
                body.push_back(str("reg.receipt.note", l));
            break;
        case RegistrationScreen::TimeoutWarning:
            title = str("timeout.title", l);
            body.push_back(str("timeout.body", l));
            if (vm.timeoutSecondsLeft)
                body.push_back(replaceAll(str("timeout.seconds_left", l), "{seconds}",
                                          std::to_string(*vm.timeoutSecondsLeft)));
            break;
        default:
            body.push_back(str(base + ".body", l));
            break;
    }
    return {title, body};
}

void SdlApp::regButton(const std::string& id, const SDL_Rect& r, const std::string& label, bool primary,
                       RegistrationAction action, bool record) {
    button(id, r, label, px(layout::kBodyPx), primary ? palette::kAccent : palette::kButtonBg, palette::kButtonText,
           [action](std::vector<UiEvent>& out) { out.push_back(regEvent(action)); }, record);
}

void SdlApp::drawStepIndicator(const RegistrationView& r, const ScreenLook& lk, Language l) {
    auto current = stepOf(r.screen);
    if (!current || r.cardAlarm) return;  // the alarm screen is about the card only
    const auto& steps = allRegistrationSteps();
    int n = static_cast<int>(steps.size());
    int margin = px(80), gap = px(16);
    int bw = (w_ - 2 * margin - (n - 1) * gap) / n, bh = px(kStepBarH);
    int y = px(kStepBarY + (portrait_ ? kPortraitBarDrop : 0));
    int cur = static_cast<int>(std::find(steps.begin(), steps.end(), *current) - steps.begin());
    for (int i = 0; i < n; ++i) {
        SDL_Rect box{margin + i * (bw + gap), y, bw, bh};
        std::string label = std::to_string(i + 1) + "  " + str(std::string("reg.step.") + registrationStepName(steps[i]), l);
        Rgb fg = lk.fg;
        if (i == cur) {
            fill(box, palette::kAccent);
            fg = palette::kButtonText;
        } else {
            outline(box, lk.fg, std::max(1, px(i < cur ? 4 : 2)));
            if (i < cur) label = "✓ " + label;
        }
        int size = fitSize(label, px(kStepPx), i == cur ? Weight::Bold : Weight::Regular, bw - px(16));
        if (i != cur && textWidth(label, size, Weight::Regular) > bw - px(16))
            label = (i < cur ? "✓ " : "") + std::to_string(i + 1);  // narrow screens: the number says enough
        drawText(label, box.x + px(8), box.y + (bh - lineSkip(size, Weight::Bold)) / 2, bw - px(16), size,
                 i == cur ? Weight::Bold : Weight::Regular, fg);
    }
}

void SdlApp::drawDots(int done, int total, int x, int y, int width, Rgb fg) {
    if (total <= 0) return;
    int n = std::min(total, 12);
    int d = px(52), gap = px(28);
    int xx = x + (width - (n * d + (n - 1) * gap)) / 2;
    for (int i = 0; i < n; ++i) {
        SDL_Rect r{xx + i * (d + gap), y, d, d};
        if (i < done)
            fill(r, palette::kAccent);
        else
            outline(r, fg, std::max(2, px(5)));
    }
}

// Both hands seen from above, palms down, the finger to place filled: "which finger" at a
// glance, whatever the language. finger: "right_index", ... (knownFingerNames()).
void SdlApp::drawHands(const std::string& finger, const SDL_Rect& box, Rgb fg, Language l) {
    const char* order[] = {"thumb", "index", "middle", "ring", "little"};
    const double heights[] = {0.0, 0.80, 0.92, 0.84, 0.64};  // of the finger zone, index..little
    int labelH = lineSkip(px(layout::kBodyPx) * 4 / 5 + 1, Weight::Bold);
    int gap = box.w / 10;
    int hw = (box.w - gap) / 2, hh = box.h - labelH - px(10);
    int line = std::max(2, px(4));
    for (int side = 0; side < 2; ++side) {  // 0: left hand (on the left), 1: right hand
        bool right = side == 1;
        int x0 = box.x + side * (hw + gap);
        int palmX = x0 + hw / 5, palmW = hw * 3 / 5, palmY = box.y + hh * 56 / 100, palmH = hh - hh * 56 / 100;
        int fw = palmW / 4 - px(6);
        auto part = [&](const SDL_Rect& r, const char* name) {
            bool chosen = finger == std::string(right ? "right_" : "left_") + name;
            if (chosen)
                fill(r, palette::kAccent);
            else
                outline(r, fg, line);
        };
        outline({palmX, palmY, palmW, palmH}, fg, line);
        for (int i = 1; i <= 4; ++i) {
            // palms down: the right hand's index is on the left, the left hand's on the right
            int slot = right ? i - 1 : 4 - i;
            int h = static_cast<int>((palmY - box.y) * heights[i]);
            part({palmX + slot * (palmW / 4) + px(3), palmY - h - px(4), fw, h}, order[i]);
        }
        int tw = fw, th = palmH * 70 / 100;
        int tx = right ? palmX - tw - px(8) : palmX + palmW + px(8);
        part({tx, palmY + palmH / 10, tw, th}, order[0]);
        drawText(str(right ? "reg.hand.right" : "reg.hand.left", l), x0, box.y + hh + px(10), hw,
                 px(layout::kBodyPx) * 4 / 5 + 1, Weight::Bold, fg);
    }
}

void SdlApp::scrollTerms(int deltaPx) {
    if (!last_.registration || last_.registration->screen != RegistrationScreen::Terms) return;
    termsScroll_ = std::clamp(termsScroll_ + deltaPx, 0, std::max(0, termsMaxScroll_));
}

void SdlApp::drawRegistration(const ViewModel& vm, const ScreenLook& lk, bool record) {
    const RegistrationView& r = *vm.registration;
    Language l = vm.language;
    int top = px((stepOf(r.screen) && !r.cardAlarm ? kStepBarY + kStepBarH + 24 : 150) +
                 (portrait_ ? kPortraitBarDrop : 0));
    int bottom = h_ - staffBanners(vm) * px(110) - (timeoutBanner(vm) ? px(140) : 0);
    drawStepIndicator(r, lk, l);
    int bh = px(130), bw = std::min(px(560), (w_ - px(200)) / 2), margin = px(80);
    SDL_Rect left{margin, bottom - px(30) - bh, bw, bh};            // secondary action (cancel)
    SDL_Rect right{w_ - margin - bw, bottom - px(30) - bh, bw, bh};  // primary action
    auto [title, body] = registrationText(vm, l);

    switch (r.screen) {
        case RegistrationScreen::ChooseLanguage: {
            // the resident has not chosen yet: every line in all three languages
            int y = top;
            for (Language t : {Language::ZhHant, Language::En, Language::Pt})
                y += drawText(str("reg.choose_language.title", t), 0, y, w_, px(t == Language::ZhHant ? 72 : 60),
                              t == Language::ZhHant ? Weight::Bold : Weight::Regular, lk.fg);
            int n = 3, gap = px(60);
            int lbw = (w_ - 2 * margin - (n - 1) * gap) / n, lbh = std::min(px(300), bottom - y - px(200));
            int ly = y + px(50);
            int i = 0;
            for (Language t : {Language::ZhHant, Language::En, Language::Pt}) {
                SDL_Rect b{margin + i++ * (lbw + gap), ly, lbw, lbh};
                button(std::string("lang.") + languageTag(t), b, str(std::string("lang.") + languageTag(t), t), px(72),
                       palette::kButtonBg, palette::kButtonText,
                       [t](std::vector<UiEvent>& out) {
                           UiEvent e;
                           e.type = UiEventType::LanguageSelected;
                           e.language = t;
                           out.push_back(e);
                       },
                       record);
                drawText(str("reg.choose_language.body", t), b.x, b.y + b.h + px(20), b.w, px(layout::kBodyPx) * 4 / 5 + 1,
                         Weight::Regular, lk.fg);
            }
            return;
        }
        case RegistrationScreen::Terms: drawTerms(vm, lk, top, bottom, record); return;
        case RegistrationScreen::Refused: drawRefused(vm, lk, top, bottom, record); return;
        case RegistrationScreen::Finger: drawFinger(vm, lk, top, bottom, record); return;
        case RegistrationScreen::Receipt: drawReceipt(vm, lk, top, bottom, record); return;
        case RegistrationScreen::Face: {
            // landscape: camera left, guidance right; portrait: camera above the guidance
            SDL_Rect pv = portrait_ ? SDL_Rect{margin, top + px(10), w_ - 2 * margin, (bottom - top) * 2 / 5}
                                    : SDL_Rect{margin, top + px(10), w_ / 2 - margin, bottom - top - px(30) - bh - px(40)};
            if (vm.preview) drawPreview(*vm.preview, pv);
            else icon(lk.icon, {pv.x + (pv.w - px(260)) / 2, pv.y + (pv.h - px(260)) / 2, px(260), px(260)}, lk.fg);
            int tx = portrait_ ? margin : w_ / 2 + px(40), tw = portrait_ ? w_ - 2 * margin : w_ / 2 - px(40) - margin;
            int y = portrait_ ? pv.y + pv.h + px(40) : top + px(40);
            y += drawText(title, tx, y, tw, px(layout::kTitlePx), Weight::Bold, lk.fg) + px(30);
            bool blink = r.livenessPrompt || vm.guidanceKey == "reg.face.blink";
            bool hinted = !vm.guidanceKey.empty();
            if (!blink || body.size() > 1)
                y += drawText(body[0], tx, y, tw, px(layout::kBodyPx), hinted ? Weight::Bold : Weight::Regular,
                              hinted && !blink ? palette::kAccent : lk.fg) + px(30);
            if (blink) {
                // the liveness prompt: large, with the eye icon
                int is = px(160);
                icon("face", {tx + (tw - is) / 2, y, is, is}, palette::kAccent);
                drawText(body.back(), tx, y + is + px(20), tw, px(layout::kTitlePx), Weight::Bold, palette::kAccent);
            }
            regButton("reg.cancel", left, str("reg.cancel", l), false, RegistrationAction::Cancel, record);
            return;
        }
        case RegistrationScreen::Confirm: {
            int y = top + px(10);
            int room = left.y - px(10) - y, lineW = w_ - 2 * margin - px(120);
            // with the countdown banner there is less room: 80 % type, then without the intro line
            int titlePx = px(layout::kTitlePx), bodyPx = px(layout::kBodyPx);
            bool intro = true;
            for (int attempt = 0; attempt < 6; ++attempt) {
                int pct = attempt < 5 ? 100 - 5 * attempt : layout::kMinFitPercent;
                intro = attempt < 5;
                titlePx = px(layout::kTitlePx * pct / 100.0);
                bodyPx = px(layout::kBodyPx * pct / 100.0);
                int need = textHeight(title, titlePx, Weight::Bold, w_) + px(10) +
                           (intro ? textHeight(body[0], bodyPx, Weight::Regular, w_ - 2 * margin) + px(16) : 0);
                for (std::size_t i = 1; i < body.size(); ++i)
                    need += textHeight("✓  " + body[i], bodyPx, Weight::Bold, lineW) + px(6);
                if (need <= room) break;
            }
            y += drawText(title, 0, y, w_, titlePx, Weight::Bold, lk.fg) + px(10);
            if (intro) y += drawText(body[0], margin, y, w_ - 2 * margin, bodyPx, Weight::Regular, lk.fg) + px(16);
            for (std::size_t i = 1; i < body.size(); ++i) {
                bool check = i <= 3;
                std::string line = (check ? "✓  " : "") + body[i];
                y += drawText(line, margin + px(120), y, lineW, bodyPx, check ? Weight::Bold : Weight::Regular,
                              check || i > 4 ? lk.fg : palette::kAccent, Align::Left) + px(6);
            }
            regButton("reg.cancel", left, str("reg.cancel", l), false, RegistrationAction::Cancel, record);
            regButton("reg.confirm", right, str("reg.confirm.button", l), true, RegistrationAction::Confirm, record);
            return;
        }
        default: break;
    }

    // icon, title, body (the simple screens), and their buttons
    bool compact = timeoutBanner(vm);
    int iconSize = compact ? 0 : px(r.screen == RegistrationScreen::TimeoutWarning ? 180 : 240);
    int y = top + px(compact ? 0 : 20);
    if (iconSize > 0) icon(lk.icon, {(w_ - iconSize) / 2, y, iconSize, iconSize}, lk.fg);
    y += iconSize + px(30);
    y += drawText(title, margin, y, w_ - 2 * margin, px(layout::kTitlePx), Weight::Bold, lk.fg) + px(20);
    for (std::size_t i = 0; i < body.size(); ++i) {
        // the live countdown stands out (it changes every second; it is spoken once)
        bool countdown = r.screen == RegistrationScreen::TimeoutWarning && i + 1 == body.size() && vm.timeoutSecondsLeft;
        y += drawText(body[i], margin, y, w_ - 2 * margin, px(layout::kBodyPx), countdown ? Weight::Bold : Weight::Regular,
                      countdown ? palette::kAccent : lk.fg) + px(12);
    }
    switch (r.screen) {
        case RegistrationScreen::InsertCard:
            regButton("reg.cancel", left, str("reg.cancel", l), false, RegistrationAction::Cancel, record);
            break;
        case RegistrationScreen::TimeoutWarning: {
            int cw = px(520), ch = px(130);
            button("continue", {(w_ - cw) / 2, std::min(y + px(20), bottom - ch - px(20)), cw, ch},
                   str("ui.continue", l), px(60), palette::kButtonBg, palette::kButtonText,
                   [](std::vector<UiEvent>& out) {
                       UiEvent e;
                       e.type = UiEventType::ContinuePressed;
                       out.push_back(e);
                   },
                   record);
            break;
        }
        default: break;
    }
}

void SdlApp::drawTerms(const ViewModel& vm, const ScreenLook& lk, int top, int bottom, bool record) {
    const RegistrationView& r = *vm.registration;
    Language l = vm.language;
    std::string key = std::string(languageTag(l)) + "|" + std::to_string(w_) + "x" + std::to_string(h_);
    if (!last_.registration || last_.registration->screen != RegistrationScreen::Terms || key != termsKey_) {
        termsScroll_ = 0;  // a new terms screen (or language, or size) starts at the top
        termsEndSent_ = false;
        termsKey_ = key;
    }
    int margin = px(80), bh = px(130), bw = std::min(px(560), (w_ - px(200)) / 2);
    int y = top;
    y += drawText(str("reg.terms.title", l), 0, y, w_, px(layout::kTitlePx) * 3 / 4, Weight::Bold, lk.fg);
    std::string note = r.termsAcceptEnabled ? str("reg.terms.read", l) : str("reg.terms.body", l);
    if (r.reenrolment) note = str("reg.reenrolment", l) + " " + note;
    y += drawText(note, margin, y, w_ - 2 * margin, px(layout::kBodyPx) * 4 / 5 + 1, Weight::Bold, palette::kAccent) +
         px(10);

    int arrowW = px(200);
    SDL_Rect box{margin, y, w_ - 2 * margin - arrowW - px(30), bottom - px(30) - bh - px(30) - y};
    outline(box, palette::kTextMuted, std::max(1, px(3)));
    SDL_Rect inner{box.x + px(30), box.y + px(16), box.w - px(60), box.h - px(32)};
    SDL_RenderSetClipRect(renderer_, &inner);
    int ty = inner.y - termsScroll_;
    int total = 0;
    for (int i = 1; i <= kTermsParagraphs; ++i) {
        int used = drawText(str("reg.terms.p" + std::to_string(i), l), inner.x, ty, inner.w, px(kTermsPx),
                            Weight::Regular, lk.fg, Align::Left) + px(24);
        ty += used;
        total += used;
    }
    SDL_RenderSetClipRect(renderer_, nullptr);
    termsMaxScroll_ = std::max(0, total - inner.h);
    termsScroll_ = std::min(termsScroll_, termsMaxScroll_);
    if (record && termsScroll_ >= termsMaxScroll_ && !termsEndSent_) {
        termsEndSent_ = true;
        pendingEvents_.push_back(regEvent(RegistrationAction::TermsReadToEnd));
    }
    // scroll position along the box's right edge
    if (termsMaxScroll_ > 0) {
        int trackH = box.h - px(40);
        int thumbH = std::max(px(60), trackH * inner.h / (inner.h + termsMaxScroll_));
        int thumbY = box.y + px(20) + (trackH - thumbH) * termsScroll_ / termsMaxScroll_;
        fill({box.x + box.w - px(18), thumbY, px(8), thumbH}, palette::kAccent);
    }
    int step = std::max(px(kTermsPx), inner.h - px(kTermsPx) * 3 / 2);  // a page, one line kept in view
    SDL_Rect up{box.x + box.w + px(30), box.y, arrowW, (box.h - px(20)) / 2};
    SDL_Rect down{up.x, up.y + up.h + px(20), arrowW, up.h};
    button("reg.terms.up", up, "▲", px(64), palette::kButtonBg, palette::kButtonText,
           [this, step](std::vector<UiEvent>&) { scrollTerms(-step); }, record);
    button("reg.terms.down", down, "▼", px(64), palette::kButtonBg, palette::kButtonText,
           [this, step](std::vector<UiEvent>&) { scrollTerms(step); }, record);

    SDL_Rect left{margin, bottom - px(30) - bh, bw, bh};
    SDL_Rect right{w_ - margin - bw, bottom - px(30) - bh, bw, bh};
    regButton("reg.decline", left, str("reg.terms.decline", l), false, RegistrationAction::Decline, record);
    if (r.termsAcceptEnabled) {
        regButton("reg.accept", right, str("reg.terms.accept", l), true, RegistrationAction::Accept, record);
    } else {
        // not a touch target until the machine has seen the end of the terms
        outline(right, palette::kTextMuted, std::max(2, px(4)));
        std::string label = str("reg.terms.accept", l);
        int size = fitSize(label, px(layout::kBodyPx), Weight::Bold, right.w - px(16));
        drawText(label, right.x + px(8), right.y + (right.h - lineSkip(size, Weight::Bold)) / 2, right.w - px(16), size,
                 Weight::Bold, palette::kTextMuted);
    }
}

void SdlApp::drawRefused(const ViewModel& vm, const ScreenLook& lk, int top, int bottom, bool record) {
    const RegistrationView& r = *vm.registration;
    Language l = vm.language;
    auto [title, body] = registrationText(vm, l);
    int margin = px(80), bh = px(130), bw = std::min(px(560), (w_ - px(200)) / 2);
    bool offices = r.refusal == RefusalKind::Under18 && !r.offices.empty();
    bool side = offices && !portrait_;  // landscape: offices on the right; portrait: below
    int colW = side ? w_ / 2 - margin - px(20) : w_ - 2 * margin;
    int y = top + px(10);
    if (!offices) {
        int iconSize = px(180);
        icon(lk.icon, {(w_ - iconSize) / 2, y, iconSize, iconSize}, lk.fg);
        y += iconSize + px(20);
    }
    Align align = offices ? Align::Left : Align::Center;
    // long refusals (Portuguese next to the office list) step down to 80 %: still >= 40 px at 1080p
    int room = (side ? bottom - px(20) : bottom - px(30) - bh - px(10)) - y;
    if (offices && !side) room = (bottom - top) / 2;
    int titlePx = px(layout::kTitlePx), bodyPx = px(layout::kBodyPx);
    for (int pct = 100; pct >= layout::kMinFitPercent; pct -= 5) {
        titlePx = px(layout::kTitlePx * pct / 100.0);
        bodyPx = px(layout::kBodyPx * pct / 100.0);
        int need = textHeight(title, titlePx, Weight::Bold, colW) + textHeight(body[0], bodyPx, Weight::Bold, colW) +
                   textHeight(body[1], bodyPx, Weight::Regular, colW) +
                   textHeight(body.back(), bodyPx, Weight::Regular, colW) + px(52);
        if (need <= room) break;
    }
    y += drawText(title, margin, y, colW, titlePx, Weight::Bold, lk.fg, align) + px(20);
    y += drawText(body[0], margin, y, colW, bodyPx, Weight::Bold, lk.fg, align) + px(16);
    y += drawText(body[1], margin, y, colW, bodyPx, Weight::Regular, lk.fg, align) + px(16);
    y += drawText(body.back(), margin, y, colW, bodyPx, Weight::Regular, palette::kTextMuted, align);
    if (offices) {
        int x = side ? w_ / 2 + px(20) : margin, w = side ? w_ / 2 - px(20) - margin : w_ - 2 * margin;
        int oy = side ? top + px(10) : y + px(40);
        oy += drawText(str("reg.refused.offices", l), x, oy, w, px(layout::kBodyPx), Weight::Bold, lk.fg, Align::Left) +
              px(10);
        int maxY = bottom - px(30) - bh - px(20);
        for (const auto& o : r.offices) {
            if (oy + px(150) > maxY) break;  // more offices than room: the first ones (configuration order)
            fill({x, oy, px(8), px(130)}, palette::kText);
            oy += drawText(o.name, x + px(30), oy, w - px(30), px(layout::kOfficeNamePx), Weight::Bold, lk.fg, Align::Left);
            oy += drawText(o.address, x + px(30), oy, w - px(30), px(layout::kOfficeDetailPx), Weight::Regular, lk.fg, Align::Left);
            oy += drawText(o.hours, x + px(30), oy, w - px(30), px(layout::kOfficeDetailPx), Weight::Regular, palette::kTextMuted,
                           Align::Left) + px(24);
        }
    }
    regButton("reg.done", {w_ - margin - bw, bottom - px(30) - bh, bw, bh}, str("reg.done", l), true,
              RegistrationAction::Done, record);
}

void SdlApp::drawFinger(const ViewModel& vm, const ScreenLook& lk, int top, int bottom, bool record) {
    const RegistrationView& r = *vm.registration;
    Language l = vm.language;
    auto [title, body] = registrationText(vm, l);
    int margin = px(80), bh = px(130), bw = std::min(px(560), (w_ - px(200)) / 2);
    bool verify = r.fingerPhase == FingerPhase::Verify;
    // landscape: the hands on the left, what to do now on the right; portrait: hands above
    int leftW = w_ * 2 / 5;
    int handsH = std::min(px(440), bottom - top - px(30) - bh - px(50));
    int tx = leftW + px(40), tw = w_ - tx - margin;
    int y = top + px(20);
    if (portrait_) {
        handsH = std::min(px(560), (bottom - top) / 3);
        drawHands(r.fingerName, {margin, top + px(30), w_ - 2 * margin, handsH}, lk.fg, l);
        tx = margin;
        tw = w_ - 2 * margin;
        y = top + px(30) + handsH + px(40);
    } else {
        drawHands(r.fingerName, {margin, top + px(30), leftW - margin, handsH}, lk.fg, l);
    }
    y += drawText(title, tx, y, tw, px(layout::kTitlePx), Weight::Bold, lk.fg, Align::Left) + px(12);
    y += drawText(body[0], tx, y, tw, px(layout::kBodyPx), Weight::Regular, lk.fg, Align::Left) + px(16);
    bool hinted = !vm.guidanceKey.empty();
    y += drawText(body[1], tx, y, tw, px(layout::kBodyPx), hinted ? Weight::Bold : Weight::Regular,
                  hinted ? palette::kAccent : lk.fg, Align::Left) + px(36);
    if (!verify) {
        drawDots(r.impression, r.impressions, tx, y, px(52) * r.impressions + px(28) * (r.impressions - 1), lk.fg);
        y += px(52) + px(20);
        if (body.size() > 2) drawText(body[2], tx, y, tw, px(layout::kBodyPx), Weight::Regular, lk.fg, Align::Left);
    }
    regButton("reg.cancel", {margin, bottom - px(30) - bh, bw, bh}, str("reg.cancel", l), false,
              RegistrationAction::Cancel, record);
}

void SdlApp::drawReceipt(const ViewModel& vm, const ScreenLook& lk, int top, int bottom, bool record) {
    const RegistrationView& r = *vm.registration;
    Language l = vm.language;
    int margin = px(80), bh = px(130), bw = std::min(px(560), (w_ - px(200)) / 2);
    int y = top + px(10);
    int iconSize = px(120);
    icon(lk.icon, {margin, y, iconSize, iconSize}, lk.fg);
    int titleW = w_ - 2 * margin - iconSize - px(30);
    int titleH = textHeight(str("reg.receipt.title", l), px(layout::kTitlePx), Weight::Bold, titleW);
    drawText(str("reg.receipt.title", l), margin + iconSize + px(30), y + std::max(0, iconSize - titleH) / 2, titleW,
             px(layout::kTitlePx), Weight::Bold, lk.fg, Align::Left);
    y += std::max(iconSize, titleH) + px(30);
    // the reference and the time, labelled in the chosen language and English; side by side
    // in landscape, one under the other in portrait
    int colW = portrait_ ? w_ - 2 * margin : (w_ - 2 * margin - px(60)) / 2;
    int valuePx = px(layout::kTitlePx);
    struct Cell {
        const char* key;
        const std::string* value;
    };
    int x = margin;
    int rowH = 0;
    for (Cell c : {Cell{"reg.receipt.reference", &r.reference}, Cell{"reg.receipt.usable_from", &r.usableFrom}}) {
        int cy = y;
        cy += drawText(both(c.key, l), x, cy, colW, px(layout::kReceiptLabelPx), Weight::Regular, lk.fg, Align::Left) + px(6);
        int size = fitSize(*c.value, valuePx, Weight::Bold, colW);
        cy += drawText(*c.value, x, cy, colW, size, Weight::Bold, lk.fg, Align::Left);
        if (portrait_) {
            y = cy + px(30);
        } else {
            rowH = std::max(rowH, cy - y);
            x += colW + px(60);
        }
    }
    y += rowH + px(40);
    fill({margin, y - px(20), w_ - 2 * margin, std::max(1, px(3))}, lk.fg);
    std::string status;
    bool fault = r.printer == ReceiptPrinter::OutOfPaper || r.printer == ReceiptPrinter::Fault;
    switch (r.printer) {
        case ReceiptPrinter::Printing: status = "reg.receipt.printing"; break;
        case ReceiptPrinter::Printed: status = "reg.receipt.printed"; break;
        case ReceiptPrinter::OutOfPaper: status = "reg.receipt.out_of_paper"; break;
        case ReceiptPrinter::Fault: status = "reg.receipt.printer_fault"; break;
    }
    y += drawText(str(status, l), margin, y, w_ - 2 * margin, px(layout::kBodyPx), Weight::Bold, lk.fg, Align::Left) +
         px(8);
    if (fault) drawText(str("reg.receipt.note", l), margin, y, w_ - 2 * margin, px(layout::kBodyPx), Weight::Regular, lk.fg,
                        Align::Left);
    if (r.reprintOffered)
        regButton("reg.reprint", {margin, bottom - px(30) - bh, bw, bh}, str("reg.receipt.reprint", l), false,
                  RegistrationAction::Reprint, record);
    regButton("reg.done", {w_ - margin - bw, bottom - px(30) - bh, bw, bh}, str("reg.done", l), true,
              RegistrationAction::Done, record);
}

}  // namespace kiosk::ui::detail
