#include "devices/sim/sim_gate.h"

#include <algorithm>

namespace kiosk::devices::sim {

void SimGate::setBehaviour(const LaneBehaviour& b) {
    std::lock_guard lock(mu_);
    behaviour_ = b;
}

void SimGate::jamDoor(std::optional<Door> door) {
    std::lock_guard lock(mu_);
    jammed_ = door;
    // Clearing the jam: the technician frees the door and it closes.
    if (!door) {
        if (st_.entry == DoorState::Jammed) st_.entry = DoorState::Closed;
        if (st_.exit == DoorState::Jammed) st_.exit = DoorState::Closed;
    }
}

void SimGate::setFireAlarm(bool on) {
    std::lock_guard lock(mu_);
    st_.fireAlarm = on;
}

void SimGate::applyDue() {
    const auto now = clock_.monoNow();
    std::sort(pending_.begin(), pending_.end(), [](auto& a, auto& b) { return a.at < b.at; });
    while (!pending_.empty() && pending_.front().at <= now) {
        auto p = std::move(pending_.front());
        pending_.erase(pending_.begin());
        p.apply(st_);
    }
}

core::Status SimGate::move(Door door, DoorState target) {
    if (faults_.lost) return core::makeError(errc::kLost, "gate controller connection lost");
    if (faults_.timeout) {
        clock_.sleepFor(core::Millis(1000));
        return core::makeError(errc::kNoAck, "gate controller did not acknowledge");
    }
    {
        std::lock_guard lock(mu_);
        if (jammed_ == door) {
            DoorState& s = door == Door::Entry ? st_.entry : st_.exit;
            s = DoorState::Jammed;
        }
    }
    clock_.sleepFor(doorTravel_);
    std::lock_guard lock(mu_);
    DoorState& s = door == Door::Entry ? st_.entry : st_.exit;
    if (jammed_ == door) {
        return core::makeError(errc::kJam, door == Door::Entry ? "entry door jammed" : "exit door jammed");
    }
    const bool opening = target == DoorState::Open && s != DoorState::Open;
    s = target;
    applyDue();
    if (opening) {
        const auto now = clock_.monoNow();
        if (door == Door::Entry) {
            const int n = behaviour_.entrants;
            if (st_.occupancy == 0 && n > 0) {
                pending_.push_back({now + behaviour_.entryDelay, [n](GateStatus& g) { g.occupancy += n; }});
            } else if (st_.occupancy > 0 && behaviour_.leavesThroughEntry) {
                // Refused traveller walks back out through the entry door.
                pending_.push_back({now + behaviour_.exitDelay, [](GateStatus& g) { g.occupancy = 0; }});
            }
        } else {
            pending_.push_back({now + behaviour_.exitDelay, [](GateStatus& g) {
                                    g.occupancy = 0;
                                    g.exitPassage = true;
                                }});
        }
    }
    return {};
}

void SimGate::setOccupancy(int people) {
    std::lock_guard lock(mu_);
    st_.occupancy = people;
    pending_.clear();
}

DoorState SimGate::doorState(Door door) const {
    std::lock_guard lock(mu_);
    return door == Door::Entry ? st_.entry : st_.exit;
}

core::Status SimGate::openDoor(Door door) { return move(door, DoorState::Open); }
core::Status SimGate::closeDoor(Door door) { return move(door, DoorState::Closed); }

core::Result<GateStatus> SimGate::status() {
    if (faults_.lost) return core::makeError(errc::kLost, "gate controller connection lost");
    std::lock_guard lock(mu_);
    applyDue();
    GateStatus s = st_;
    st_.exitPassage = false;  // the passage flag is an edge: reported once
    return s;
}

core::Result<GateStatus> SimGate::waitForChange(core::Millis timeout) {
    if (faults_.lost) return core::makeError(errc::kLost, "gate controller connection lost");
    core::MonoTime next{};
    bool have = false;
    {
        std::lock_guard lock(mu_);
        applyDue();
        for (auto& p : pending_)
            if (!have || p.at < next) next = p.at, have = true;
    }
    const auto now = clock_.monoNow();
    if (have && next - now <= timeout) {
        clock_.sleepFor(next > now ? std::chrono::duration_cast<core::Millis>(next - now) : core::Millis(0));
    } else {
        clock_.sleepFor(timeout);
    }
    return status();
}

DeviceHealth SimGate::health() const {
    std::lock_guard lock(mu_);
    if (faults_.lost) return {"gate", DeviceState::Lost, "simulated: controller unreachable"};
    if (faults_.timeout) return {"gate", DeviceState::Fault, "simulated: no acknowledgement"};
    if (st_.entry == DoorState::Jammed || st_.exit == DoorState::Jammed)
        return {"gate", DeviceState::Fault, "simulated: door jammed"};
    if (st_.fireAlarm) return {"gate", DeviceState::Fault, "fire alarm"};
    return {"gate", DeviceState::Ready, "simulated"};
}

}  // namespace kiosk::devices::sim
