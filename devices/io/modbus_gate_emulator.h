#pragma once
// A gate controller emulator: a libmodbus TCP server on 127.0.0.1 (ephemeral port) with
// the register map of GateModbusConfig, run on its own thread. For tests, kioskctl and
// benchmarks only; the kiosk itself never listens on a port.
// It moves doors in real time, watches the heartbeat register and closes both doors when
// the heartbeat stops, and can be told to misbehave: a jammed door, ignored commands (no
// acknowledgement), a dropped connection, a fire alarm.
#include <chrono>
#include <memory>

#include "core/clock.h"
#include "core/result.h"
#include "devices/gate.h"
#include "devices/io/modbus_gate.h"

namespace kiosk::devices::io {

struct GateEmulatorOptions {
    core::Millis doorTravel{150};
    core::Millis heartbeatTimeout{1500};  // 0 = heartbeat not watched
    // Tcp: listens on 127.0.0.1, ephemeral port. Rtu: serves Modbus RTU on the master side
    // of a pseudo-terminal; clientConfig() names its slave path as the serial port.
    ModbusTransport transport = ModbusTransport::Tcp;
};

class ModbusGateEmulator {
public:
    // Starts listening; the config's host/port are replaced by 127.0.0.1 and the bound port.
    static core::Result<std::unique_ptr<ModbusGateEmulator>> start(const GateModbusConfig& map,
                                                                   GateEmulatorOptions options = {});
    ~ModbusGateEmulator();

    int port() const;                 // TCP
    std::string serialPath() const;   // RTU: the pty slave the client opens
    // The map with host/port of this emulator, ready for ModbusGate::connect.
    GateModbusConfig clientConfig() const;

    // Fault switches.
    void jamDoor(Door door, bool jammed);   // the door stops half way and reports Jammed
    void ignoreCommands(bool ignore);       // commands are accepted but nothing moves
    void dropConnections();                 // TCP: closes every client connection now
    void refuseConnections(bool refuse);    // TCP: closes new connections at once; RTU: stops answering
    void setFireAlarm(bool on);

    // The people in the lane.
    void setOccupancy(int n);
    void personPassesExit();                // passage counter +1, occupancy -1 (not below 0)

    DoorState doorState(Door door) const;
    bool heartbeatTripped() const;          // doors were closed because the heartbeat stopped
    int heartbeatTrips() const;
    uint64_t requestsServed() const;

private:
    struct Impl;
    explicit ModbusGateEmulator(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace kiosk::devices::io
