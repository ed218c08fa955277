#include "kiosk/lane/officer_session.h"

#include <algorithm>

namespace kiosk::lane {

namespace {
int secondsUntil(core::MonoTime t, core::MonoTime now) {
    if (now >= t) return 0;
    return static_cast<int>((std::chrono::duration_cast<core::Millis>(t - now).count() + 999) / 1000);
}
}  // namespace

void OfficerSession::audit(const std::string& action, const std::string& note) const {
    if (hooks_ && hooks_->audit) hooks_->audit(action, note);
}

void OfficerSession::close() {
    overlay_ = ui::OfficerOverlay{};
    shownSecond_ = -1;
}

bool OfficerSession::handle(const ui::UiEvent& e, core::MonoTime now) {
    switch (e.type) {
        case ui::UiEventType::OfficerRequested:
            if (open()) return false;
            overlay_ = ui::OfficerOverlay{};
            overlay_.mode = ui::OfficerMode::PinEntry;
            lastTouch_ = now;
            return true;
        case ui::UiEventType::OfficerPinEntered: {
            if (overlay_.mode != ui::OfficerMode::PinEntry) return false;
            lastTouch_ = now;
            if (locked(now)) {
                // The pad shows no keys while locked; a PIN typed anyway is not looked at.
                audit("officer.pin_while_locked", "ignored");
                return true;
            }
            if (e.pinOk) {
                audit("officer.pin_ok", failures_ ? "after " + std::to_string(failures_) + " wrong" : "");
                failures_ = 0;
                lockouts_ = 0;
                overlay_.mode = ui::OfficerMode::Menu;
                overlay_.pinRejected = false;
                return true;
            }
            ++failures_;
            overlay_.pinRejected = true;
            if (failures_ >= policy_.freeFailures) {
                core::Millis wait = policy_.firstLockout * (int64_t{1} << std::min(lockouts_, 20));
                wait = std::min(wait, policy_.maxLockout);
                ++lockouts_;
                lockedUntil_ = now + wait;
                audit("officer.pin_locked", std::to_string(failures_) + " wrong PINs, locked " +
                                                std::to_string(wait.count() / 1000) + " s");
            } else {
                audit("officer.pin_rejected", std::to_string(failures_) + " of " + std::to_string(policy_.freeFailures));
            }
            return true;
        }
        case ui::UiEventType::OfficerAction: {
            if (!open()) return false;
            lastTouch_ = now;
            if (e.action == ui::OfficerAction::CloseOverlay) {
                if (overlay_.mode != ui::OfficerMode::PinEntry) audit("officer.close_overlay", "");
                close();
                return true;
            }
            // Only an unlocked overlay acts; a stray event on the PIN pad is ignored.
            if (overlay_.mode == ui::OfficerMode::PinEntry) return false;
            switch (e.action) {
                case ui::OfficerAction::ShowScanLog:
                    audit("officer.show_scan_log", "");
                    overlay_.scanLog = hooks_ && hooks_->scanLog ? hooks_->scanLog() : std::vector<ui::ScanLogRow>{};
                    overlay_.mode = ui::OfficerMode::ScanLog;
                    return true;
                case ui::OfficerAction::ShowAlerts:
                    audit("officer.show_alerts", "");
                    overlay_.alerts = hooks_ && hooks_->alerts ? hooks_->alerts() : std::vector<ui::OfficerAlert>{};
                    overlay_.mode = ui::OfficerMode::Alerts;
                    return true;
                case ui::OfficerAction::BackToMenu: overlay_.mode = ui::OfficerMode::Menu; return true;
                default: break;
            }
            // Lane, door and alert actions: the lane decides and audits; the menu shows its answer.
            const ui::OfficerResult r =
                hooks_ && hooks_->act ? hooks_->act(e.action, e.alertId) : ui::OfficerResult::Failed;
            if (e.action == ui::OfficerAction::AcknowledgeAlert) {
                overlay_.alerts = hooks_ && hooks_->alerts ? hooks_->alerts() : std::vector<ui::OfficerAlert>{};
                overlay_.mode = ui::OfficerMode::Alerts;
            } else {
                overlay_.lastAction = e.action;
                overlay_.lastResult = r;
            }
            return true;
        }
        default: return false;
    }
}

bool OfficerSession::tick(core::MonoTime now) {
    if (!open()) return false;
    if (now - lastTouch_ >= policy_.idleClose) {
        audit("officer.overlay_idle_closed", std::to_string(policy_.idleClose.count() / 1000) + " s without a touch");
        close();
        return true;
    }
    const int second = secondsUntil(lockedUntil_, now) * 100000 + secondsUntil(lastTouch_ + policy_.idleClose, now);
    if (second == shownSecond_) return false;
    shownSecond_ = second;
    return true;
}

ui::OfficerOverlay OfficerSession::overlay(core::MonoTime now) const {
    ui::OfficerOverlay o = overlay_;
    if (o.mode == ui::OfficerMode::PinEntry) o.lockedSeconds = secondsUntil(lockedUntil_, now);
    if (o.mode != ui::OfficerMode::Closed) o.idleSecondsLeft = secondsUntil(lastTouch_ + policy_.idleClose, now);
    if (hooks_ && hooks_->doors) {
        const auto d = hooks_->doors();
        o.door1Open = d.entryOpen;
        o.door2Open = d.exitOpen;
    }
    return o;
}

}  // namespace kiosk::lane
