#pragma once
// Simulated two-door lane with an occupancy counter and an exit passage sensor. The
// behaviour of the people in the lane is scripted per traveller (how many walk in, how
// long they take); doors take a realistic time to move.
#include <functional>
#include <mutex>
#include <optional>
#include <vector>

#include "core/clock.h"
#include "devices/gate.h"
#include "devices/sim/sim_faults.h"

namespace kiosk::devices::sim {

struct LaneBehaviour {
    int entrants = 1;                        // people who walk in when door 1 opens (2 = tailgating)
    core::Millis entryDelay{1500};           // from door 1 open to people inside
    core::Millis exitDelay{1500};            // from door 2 open to passage sensed
    bool leavesThroughEntry = true;          // a refused traveller walks back out
};

class SimGate final : public Gate {
public:
    explicit SimGate(core::Clock& clock) : clock_(clock) {}

    FaultSwitches& faults() { return faults_; }
    void setBehaviour(const LaneBehaviour& b);
    // A door that will not move (its commands time out as jammed).
    void jamDoor(std::optional<Door> door);
    void setFireAlarm(bool on);
    void setDoorTravel(core::Millis t) { doorTravel_ = t; }
    // Someone (an officer) walked people out of or into the lane by hand.
    void setOccupancy(int people);
    DoorState doorState(Door door) const;

    core::Status openDoor(Door door) override;
    core::Status closeDoor(Door door) override;
    core::Result<GateStatus> status() override;
    core::Result<GateStatus> waitForChange(core::Millis timeout) override;
    DeviceHealth health() const override;

private:
    struct Pending {
        core::MonoTime at;
        std::function<void(GateStatus&)> apply;
    };
    core::Status move(Door door, DoorState target);
    void applyDue();

    core::Clock& clock_;
    mutable std::mutex mu_;
    FaultSwitches faults_;
    LaneBehaviour behaviour_;
    std::optional<Door> jammed_;
    core::Millis doorTravel_{400};
    GateStatus st_;
    std::vector<Pending> pending_;
};

}  // namespace kiosk::devices::sim
