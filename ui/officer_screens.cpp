// The officer overlay: PIN pad, menu, scan log, alerts.
#include "ui/sdl_app.h"

#include <algorithm>

#include "ui/layout.h"
#include "ui/officer_pin.h"

namespace kiosk::ui::detail {

UiEvent SdlApp::actionEvent(OfficerAction a, std::string alertId) {
    UiEvent e;
    e.type = UiEventType::OfficerAction;
    e.action = a;
    e.alertId = std::move(alertId);
    return e;
}

void SdlApp::drawOfficer(const ViewModel& vm, bool record) {
    const auto& o = vm.officer;
    if (o.mode == OfficerMode::Closed) {
        pinDigits_.clear();
        return;
    }
    Language l = vm.language;
    fill({0, 0, w_, h_}, palette::kOverlayBg);
    int margin = px(40);
    auto emit = [](OfficerAction a) { return [a](std::vector<UiEvent>& out) { out.push_back(actionEvent(a)); }; };
    int titleY = px(30);
    const int bodySize = px(40);
    drawOfficerLaneStrip(vm);
    if (o.mode == OfficerMode::PinEntry && o.lockedSeconds > 0) {
        // Locked after too many wrong PINs: no pad, nothing is checked until the time is up.
        pinDigits_.clear();
        drawText(str("officer.pin_title", l), 0, titleY, w_, px(64), Weight::Bold, palette::kText);
        drawText(replaceAll(str("officer.locked", l), "{seconds}", std::to_string(o.lockedSeconds)), px(60),
                 titleY + px(200), w_ - px(120), px(52), Weight::Bold, palette::kAccent);
        button("officer.cancel", {(w_ - px(400)) / 2, titleY + px(420), px(400), px(100)}, str("officer.cancel", l),
               px(44), palette::kButtonBg, palette::kButtonText, emit(OfficerAction::CloseOverlay), record);
        return;
    }
    if (o.mode == OfficerMode::PinEntry) {
        drawText(str("officer.pin_title", l), 0, titleY, w_, px(64), Weight::Bold, palette::kText);
        std::string dots;
        for (std::size_t i = 0; i < pinDigits_.size(); ++i) dots += "● ";
        int dy = titleY + px(100);
        fill({w_ / 2 - px(300), dy, px(600), px(90)}, palette::kButtonBg);
        drawText(dots.empty() ? " " : dots, w_ / 2 - px(300), dy + px(10), px(600), px(48), Weight::Bold,
                 palette::kButtonText);
        if (o.pinRejected && pinDigits_.empty())
            drawText(str("officer.pin_wrong", l), 0, dy + px(100), w_, bodySize, Weight::Bold, palette::kAccent);
        int kw = px(portrait_ ? 240 : 200), kh = px(portrait_ ? 150 : 120), gap = px(16);
        int kx = (w_ - 3 * kw - 2 * gap) / 2, ky = dy + px(160);
        const char* keys[12] = {"1", "2", "3", "4", "5", "6", "7", "8", "9", "C", "0", "OK"};
        for (int i = 0; i < 12; ++i) {
            SDL_Rect r{kx + (i % 3) * (kw + gap), ky + (i / 3) * (kh + gap), kw, kh};
            std::string k = keys[i];
            std::string label = k == "C" ? str("officer.clear", l) : k == "OK" ? str("officer.ok", l) : k;
            std::string id = k == "C" ? "pin.clear" : k == "OK" ? "pin.ok" : "pin." + k;
            button(id, r, label, px(52), k == "OK" ? palette::kAccent : palette::kButtonBg, palette::kButtonText,
                   [this, k](std::vector<UiEvent>& out) { pinKey(k, out); }, record);
        }
        int cy = ky + 4 * (kh + gap) + px(10);
        button("officer.cancel", {(w_ - px(400)) / 2, cy, px(400), px(100)}, str("officer.cancel", l), px(44), palette::kButtonBg,
               palette::kButtonText, emit(OfficerAction::CloseOverlay), record);
        return;
    }
    if (o.mode == OfficerMode::Menu) {
        drawText(str("officer.menu_title", l), 0, titleY, w_, px(64), Weight::Bold, palette::kText);
        std::string status = str(o.laneInService ? "officer.status_in" : "officer.status_out", l);
        if (o.idleSecondsLeft > 0)
            status += "   ·   " + replaceAll(str("officer.idle_close", l), "{seconds}", std::to_string(o.idleSecondsLeft));
        drawText(status, 0, titleY + px(80), w_, bodySize, Weight::Regular,
                 o.laneInService ? palette::kGood : palette::kAccent);
        if (o.lastResult != OfficerResult::None && o.lastAction != OfficerAction::None) {
            // What the lane really did with the last action (a refused door keeps its label).
            const char* rk = o.lastResult == OfficerResult::Done               ? "officer.result_done"
                             : o.lastResult == OfficerResult::RefusedInService ? "officer.result_refused_in_service"
                                                                               : "officer.result_failed";
            drawText(str(std::string("officer.") + officerActionName(o.lastAction), l) + ": " + str(rk, l), px(40),
                     titleY + px(132), w_ - px(80), bodySize,
                     Weight::Bold, o.lastResult == OfficerResult::Done ? palette::kGood : palette::kAccent);
        }
        std::vector<std::pair<std::string, OfficerAction>> items = {
            {o.laneInService ? "officer.lane_out_of_service" : "officer.lane_in_service",
             o.laneInService ? OfficerAction::LaneOutOfService : OfficerAction::LaneInService},
            {o.door1Open ? "officer.close_door1" : "officer.open_door1",
             o.door1Open ? OfficerAction::CloseDoor1 : OfficerAction::OpenDoor1},
            {o.door2Open ? "officer.close_door2" : "officer.open_door2",
             o.door2Open ? OfficerAction::CloseDoor2 : OfficerAction::OpenDoor2},
            {"officer.scan_log", OfficerAction::ShowScanLog},
            {"officer.alerts", OfficerAction::ShowAlerts},
            {"officer.close", OfficerAction::CloseOverlay},
        };
        int cols = portrait_ ? 1 : 2;
        int gap = px(24);
        int bw = (w_ - 2 * margin - (cols - 1) * gap) / cols;
        int bh = px(portrait_ ? 150 : 150);
        int y0 = titleY + px(200);
        int unacked = 0;
        for (const auto& a : o.alerts) unacked += a.acknowledged ? 0 : 1;
        for (std::size_t i = 0; i < items.size(); ++i) {
            SDL_Rect r{margin + int(i % cols) * (bw + gap), y0 + int(i / cols) * (bh + gap), bw, bh};
            std::string label = str(items[i].first, l);
            if (items[i].second == OfficerAction::ShowAlerts && unacked > 0)
                label += " (" + std::to_string(unacked) + ")";
            bool hot = items[i].second == OfficerAction::ShowAlerts && unacked > 0;
            button(std::string("officer.") + officerActionName(items[i].second), r, label, px(48), hot ? palette::kAccent : palette::kButtonBg, palette::kButtonText,
                   emit(items[i].second), record);
        }
        return;
    }
    bool log = o.mode == OfficerMode::ScanLog;
    drawText(str(log ? "officer.scan_log" : "officer.alerts", l), 0, titleY, w_, px(56), Weight::Bold,
             palette::kText);
    int backW = px(300), backH = px(96);
    const int stripTop = h_ - px(72);  // drawOfficerLaneStrip
    button("officer.back", {w_ - margin - backW, stripTop - px(16) - backH, backW, backH}, str("officer.back", l), px(44),
           palette::kButtonBg, palette::kButtonText, emit(OfficerAction::BackToMenu), record);
    int rowH = px(portrait_ ? 64 : 60), y = titleY + px(110);
    int textSize = px(layout::kOfficerPx);
    int maxY = stripTop - px(16) - backH - px(20);
    int tableW = w_ - 2 * margin;
    if (log) {
        int cx[4] = {margin, margin + tableW * 18 / 100, margin + tableW * 48 / 100, margin + tableW * 68 / 100};
        const char* heads[4] = {"officer.col_time", "officer.col_credential", "officer.col_outcome", "officer.col_reason"};
        for (int c = 0; c < 4; ++c)
            drawText(str(heads[c], l), cx[c], y, (c < 3 ? cx[c + 1] : margin + tableW) - cx[c] - px(10), textSize,
                     Weight::Bold, palette::kAccent, Align::Left);
        y += rowH;
        if (o.scanLog.empty()) drawText(str("officer.no_rows", l), margin, y, tableW, textSize, Weight::Regular, palette::kText, Align::Left);
        for (const auto& row : o.scanLog) {
            if (y + rowH > maxY) break;
            // the outcome word in the overlay's language ("accepted" / "refused" from the lane)
            const std::string& outcome =
                strings_.has("officer.outcome." + row.outcome) ? str("officer.outcome." + row.outcome, l) : row.outcome;
            const std::string* cells[4] = {&row.time, &row.credential, &outcome, &row.reasonCode};
            for (int c = 0; c < 4; ++c) {
                int cw = (c < 3 ? cx[c + 1] : margin + tableW) - cx[c] - px(10);
                if (const TextTex* t = textTexture(*cells[c], textSize, Weight::Regular, palette::kText)) {
                    SDL_Rect src{0, 0, std::min(t->w, cw), t->h};
                    SDL_Rect dst{cx[c], y, src.w, t->h};
                    SDL_RenderCopy(renderer_, t->tex, &src, &dst);
                }
            }
            y += rowH;
        }
        return;
    }
    if (o.alerts.empty()) drawText(str("officer.no_rows", l), margin, y, tableW, textSize, Weight::Regular, palette::kText, Align::Left);
    int ackW = px(300);
    for (const auto& a : o.alerts) {
        if (y + rowH * 2 > maxY) break;
        std::string line = a.time + "  " + a.code;
        drawText(line, margin, y, tableW - ackW - px(20), textSize, Weight::Bold,
                 a.acknowledged ? palette::kTextMuted : palette::kAccent, Align::Left);
        // the officer text of the reason code in the overlay's language; the lane's own
        // (English) message for a code the table does not know
        const std::string key = "officer.alert." + a.code;
        drawText(strings_.has(key) ? str(key, l) : a.message, margin, y + rowH - px(8), tableW - ackW - px(20), px(30), Weight::Regular,
                 palette::kText, Align::Left);
        SDL_Rect r{w_ - margin - ackW, y, ackW, rowH * 2 - px(16)};
        if (a.acknowledged) {
            drawText(str("officer.acknowledged", l), r.x, r.y + px(20), r.w, px(32), Weight::Regular,
                     palette::kTextMuted);
        } else {
            std::string id = a.id;
            button("ack." + id, r, str("officer.acknowledge", l), px(36), palette::kButtonBg, palette::kButtonText,
                   [id](std::vector<UiEvent>& out) { out.push_back(actionEvent(OfficerAction::AcknowledgeAlert, id)); },
                   record);
        }
        y += rowH * 2;
    }
}

// Beside the overlay, at the bottom: the lane keeps running, and what its traveller sees now.
void SdlApp::drawOfficerLaneStrip(const ViewModel& vm) {
    const auto& o = vm.officer;
    Language l = vm.language;
    std::string t = replaceAll(str("officer.lane_running", l), "{screen}",
                               str(std::string(screenName(o.laneScreen)) + ".title", l));
    int h = px(72);
    SDL_Rect r{0, h_ - h, w_, h};
    fill(r, palette::kButtonBg);
    int size = fitSize(t, px(34), Weight::Regular, w_ - px(60));
    drawText(t, px(30), r.y + (h - lineSkip(size, Weight::Regular)) / 2, w_ - px(60), size, Weight::Regular,
             palette::kButtonText, Align::Left);
}

void SdlApp::pinKey(const std::string& k, std::vector<UiEvent>& out) {
    if (last_.officer.lockedSeconds > 0) {  // locked: nothing typed is kept or checked
        pinDigits_.clear();
        return;
    }
    if (k == "C") {
        pinDigits_.clear();
    } else if (k == "OK") {
        UiEvent e;
        e.type = UiEventType::OfficerPinEntered;
        e.pinOk = !opt_.officerPinHash.empty() && verifyOfficerPin(pinDigits_, opt_.officerPinHash);
        std::fill(pinDigits_.begin(), pinDigits_.end(), '\0');
        pinDigits_.clear();
        out.push_back(e);
    } else if (pinDigits_.size() < 12) {
        pinDigits_ += k;
    }
}

}  // namespace kiosk::ui::detail
