#pragma once
// The officer overlay's session, without SDL: PIN results with lockout, the menu's
// actions and what really became of them, closing after 60 s without a touch. The UI
// checks the PIN against its hash; this decides what an accepted or rejected PIN does.
// Time comes in as a value (tests drive it).
#include <string>
#include <vector>

#include "core/clock.h"
#include "kiosk/lane/ui_bridge.h"
#include "ui/view_model.h"

namespace kiosk::lane {

struct OfficerPolicy {
    int freeFailures = 5;                    // wrong PINs before the pad locks
    core::Millis firstLockout{30000};        // then doubled per further lockout ...
    core::Millis maxLockout{15 * 60 * 1000};  // ... up to this
    core::Millis idleClose{60000};           // an open overlay closes after this without a touch
};

class OfficerSession {
public:
    explicit OfficerSession(const OfficerHooks* hooks, OfficerPolicy policy = {}) : hooks_(hooks), policy_(policy) {}

    // An officer event from the UI (OfficerRequested, OfficerPinEntered, OfficerAction);
    // true when the overlay changed. Other events are ignored.
    bool handle(const ui::UiEvent& e, core::MonoTime now);
    // Lockout countdown and the idle close; true when the overlay changed (a new second too).
    bool tick(core::MonoTime now);
    // The overlay to draw: mode, lockout and idle seconds, the doors as the gate reports them.
    ui::OfficerOverlay overlay(core::MonoTime now) const;
    bool open() const { return overlay_.mode != ui::OfficerMode::Closed; }
    bool locked(core::MonoTime now) const { return now < lockedUntil_; }

private:
    void audit(const std::string& action, const std::string& note) const;
    void close();

    const OfficerHooks* hooks_;
    OfficerPolicy policy_;
    ui::OfficerOverlay overlay_;
    int failures_ = 0;           // wrong PINs since the last right one
    int lockouts_ = 0;           // lockouts since the last right PIN (the backoff doubles)
    core::MonoTime lockedUntil_{};
    core::MonoTime lastTouch_{};
    int shownSecond_ = -1;       // lockout / idle second last drawn
};

}  // namespace kiosk::lane
