#pragma once
// devices::Gate over Modbus TCP, or Modbus RTU on a serial line (RS-485 adapter) —
// libmodbus, all client calls in modbus_gate.cpp.
//
// Register map (addresses from configuration, see GateModbusConfig):
//   coils (FC 05 write, FC 01 read)     door 1 / door 2 command: 1 = open, 0 = close
//   input registers (FC 04)             door 1 / door 2 state: 0 closed, 1 open, 2 moving, 3 jammed
//                                       occupancy count; passage counter (+1 per person
//                                       through the exit sensor, wraps at 65536)
//   discrete inputs (FC 02)             fire alarm
//   holding register (FC 06)            heartbeat: the kiosk writes a changing value every
//                                       heartbeat period; the controller closes both doors
//                                       when it stops changing.
// Fail-closed: a jam, a missing acknowledgement or a lost connection closes both doors
// (best effort; the controller's heartbeat watchdog covers a dead link), latches the
// fault in health() and logs it. resetFault() (officer action) clears a latched fault.
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/clock.h"
#include "core/config.h"
#include "core/result.h"
#include "devices/gate.h"

namespace kiosk::devices::io {

enum class ModbusTransport { Tcp, Rtu };

struct GateModbusConfig {
    ModbusTransport transport = ModbusTransport::Tcp;
    std::string host = "127.0.0.1";  // TCP
    int port = 502;                  // TCP
    std::string serialPort = "/dev/ttyUSB0";  // RTU
    int baud = 19200;                // RTU
    char parity = 'E';               // RTU: 'N', 'E' or 'O' (Modbus default: even)
    int stopBits = 1;                // RTU
    int unitId = 1;
    int door1CommandCoil = 0;
    int door2CommandCoil = 1;
    int door1StateRegister = 0;    // input register
    int door2StateRegister = 1;    // input register
    int occupancyRegister = 2;     // input register
    int passageCounterRegister = 3;  // input register
    int fireAlarmInput = 0;        // discrete input
    int heartbeatRegister = 0;     // holding register
    core::Millis ackTimeout{3000};       // door must reach the commanded state within this
    core::Millis responseTimeout{500};   // one Modbus request
    core::Millis heartbeatPeriod{500};
    core::Millis pollPeriod{50};

    // Keys: transport ("tcp" | "rtu"), host, port (TCP), serial_port, baud, parity
    // ("N" | "E" | "O"), stop_bits (RTU), unit_id, ack_timeout_ms, response_timeout_ms, heartbeat_ms, poll_ms,
    // map.{door1_command_coil, door2_command_coil, door1_state_register,
    // door2_state_register, occupancy_register, passage_counter_register,
    // fire_alarm_input, heartbeat_register}.
    static core::Result<GateModbusConfig> fromConfig(const core::ConfigView& cfg);
};

class ModbusGate final : public Gate {
public:
    // Connects and starts the heartbeat thread; errc::kLost when the controller is unreachable.
    static core::Result<std::unique_ptr<ModbusGate>> connect(const GateModbusConfig& config);
    ~ModbusGate() override;  // stops the heartbeat (the controller then closes the doors)

    core::Status openDoor(Door door) override;
    core::Status closeDoor(Door door) override;
    core::Result<GateStatus> status() override;
    core::Result<GateStatus> waitForChange(core::Millis timeout) override;
    DeviceHealth health() const override;

    // Officer action after a latched fault: reconnects if needed, closes both doors and
    // returns to Ready when the controller confirms.
    core::Status resetFault();
    // Maintenance/test hook: stop or resume writing the heartbeat.
    void pauseHeartbeat(bool paused);
    uint64_t heartbeatsWritten() const;

private:
    struct Impl;
    explicit ModbusGate(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace kiosk::devices::io
