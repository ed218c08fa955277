// The libmodbus client adapter: devices::Gate over Modbus TCP. libmodbus is C (no
// exceptions); its errno codes are mapped to device error codes here.
#include "devices/io/modbus_gate.h"

#include <modbus/modbus.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <functional>

#include "core/log.h"

namespace kiosk::devices::io {

namespace {

using Steady = std::chrono::steady_clock;

const char* doorName(Door d) { return d == Door::Entry ? "door1" : "door2"; }

DoorState toDoorState(uint16_t v) {
    switch (v) {
        case 0: return DoorState::Closed;
        case 1: return DoorState::Open;
        case 2: return DoorState::Moving;
        default: return DoorState::Jammed;
    }
}

bool sameStatus(const GateStatus& a, const GateStatus& b) {
    return a.entry == b.entry && a.exit == b.exit && a.occupancy == b.occupancy && a.exitPassage == b.exitPassage &&
           a.fireAlarm == b.fireAlarm;
}

}  // namespace

core::Result<GateModbusConfig> GateModbusConfig::fromConfig(const core::ConfigView& cfg) {
    GateModbusConfig c;
    KIOSK_ASSIGN_OR_RETURN(auto transport, cfg.oneOf("transport", {"tcp", "rtu"}, "tcp"));
    c.transport = transport == "rtu" ? ModbusTransport::Rtu : ModbusTransport::Tcp;
    if (c.transport == ModbusTransport::Rtu) {
        KIOSK_ASSIGN_OR_RETURN(c.serialPort, cfg.string("serial_port"));
        KIOSK_ASSIGN_OR_RETURN(auto baud, cfg.integerOr("baud", c.baud, 1200, 921600));
        c.baud = static_cast<int>(baud);
        KIOSK_ASSIGN_OR_RETURN(auto parity, cfg.oneOf("parity", {"N", "E", "O"}, "E"));
        c.parity = parity[0];
        KIOSK_ASSIGN_OR_RETURN(auto stop, cfg.integerOr("stop_bits", c.stopBits, 1, 2));
        c.stopBits = static_cast<int>(stop);
    }
    KIOSK_ASSIGN_OR_RETURN(c.host, cfg.stringOr("host", c.host));
    KIOSK_ASSIGN_OR_RETURN(auto port, cfg.integerOr("port", c.port, 1, 65535));
    c.port = static_cast<int>(port);
    KIOSK_ASSIGN_OR_RETURN(auto unit, cfg.integerOr("unit_id", c.unitId, 0, 255));
    c.unitId = static_cast<int>(unit);
    auto ms = [&](const char* key, core::Millis& out, int64_t lo, int64_t hi) -> core::Status {
        KIOSK_ASSIGN_OR_RETURN(auto v, cfg.integerOr(key, out.count(), lo, hi));
        out = core::Millis(v);
        return {};
    };
    KIOSK_TRY(ms("ack_timeout_ms", c.ackTimeout, 50, 60000));
    KIOSK_TRY(ms("response_timeout_ms", c.responseTimeout, 10, 10000));
    KIOSK_TRY(ms("heartbeat_ms", c.heartbeatPeriod, 10, 10000));
    KIOSK_TRY(ms("poll_ms", c.pollPeriod, 5, 2000));
    if (cfg.has("map")) {
        KIOSK_ASSIGN_OR_RETURN(auto map, cfg.child("map"));
        auto addr = [&](const char* key, int& out) -> core::Status {
            KIOSK_ASSIGN_OR_RETURN(auto v, map.integerOr(key, out, 0, 65535));
            out = static_cast<int>(v);
            return {};
        };
        KIOSK_TRY(addr("door1_command_coil", c.door1CommandCoil));
        KIOSK_TRY(addr("door2_command_coil", c.door2CommandCoil));
        KIOSK_TRY(addr("door1_state_register", c.door1StateRegister));
        KIOSK_TRY(addr("door2_state_register", c.door2StateRegister));
        KIOSK_TRY(addr("occupancy_register", c.occupancyRegister));
        KIOSK_TRY(addr("passage_counter_register", c.passageCounterRegister));
        KIOSK_TRY(addr("fire_alarm_input", c.fireAlarmInput));
        KIOSK_TRY(addr("heartbeat_register", c.heartbeatRegister));
    }
    if (c.door1CommandCoil == c.door2CommandCoil) return cfg.bad("map.door2_command_coil", "must differ from door1_command_coil");
    std::vector<int> in = {c.door1StateRegister, c.door2StateRegister, c.occupancyRegister, c.passageCounterRegister};
    std::sort(in.begin(), in.end());
    if (std::adjacent_find(in.begin(), in.end()) != in.end()) {
        return cfg.bad("map", "door state, occupancy and passage counter input registers must all differ");
    }
    return c;
}

struct ModbusGate::Impl {
    explicit Impl(GateModbusConfig c) : cfg(std::move(c)) { health.device = "gate"; }
    ~Impl() { disconnect(); }

    GateModbusConfig cfg;

    // The bus: one libmodbus context, one request at a time.
    std::mutex bus;
    modbus_t* ctx = nullptr;

    // State seen by callers.
    mutable std::mutex mu;
    DeviceHealth health;
    bool latched = false;  // a jam / no-ack fault waits for resetFault()
    GateStatus lastStatus;
    bool haveCounter = false;
    uint16_t lastCounter = 0;

    // Heartbeat thread.
    std::thread heart;
    std::mutex heartMu;
    std::condition_variable heartCv;
    bool stopping = false;
    std::atomic<bool> paused{false};
    std::atomic<uint64_t> beats{0};
    uint16_t beatValue = 0;

    void disconnect() {
        if (ctx) {
            modbus_close(ctx);
            modbus_free(ctx);
            ctx = nullptr;
        }
    }

    // Needs `bus` held.
    core::Status connectLocked() {
        disconnect();
        const bool rtu = cfg.transport == ModbusTransport::Rtu;
        ctx = rtu ? modbus_new_rtu(cfg.serialPort.c_str(), cfg.baud, cfg.parity, 8, cfg.stopBits)
                  : modbus_new_tcp(cfg.host.c_str(), cfg.port);
        if (!ctx) return core::makeError(errc::kLost, "gate: cannot create Modbus context");
        const std::string where = rtu ? cfg.serialPort : cfg.host + ":" + std::to_string(cfg.port);
        modbus_set_slave(ctx, cfg.unitId);
        const auto rt = cfg.responseTimeout.count();
        modbus_set_response_timeout(ctx, static_cast<uint32_t>(rt / 1000), static_cast<uint32_t>((rt % 1000) * 1000));
        if (modbus_connect(ctx) == -1) {
            std::string why = modbus_strerror(errno);
            disconnect();
            return core::makeError(errc::kLost, "gate: cannot connect to " + where + ": " + why);
        }
        return {};
    }

    // Runs one Modbus request; maps failures to device errors and marks the link lost.
    core::Status call(const char* what, const std::function<int(modbus_t*)>& f) {
        std::lock_guard lock(bus);
        if (!ctx) return core::makeError(errc::kLost, "gate: not connected");
        if (f(ctx) != -1) return {};
        const int e = errno;
        std::string msg = std::string("gate: ") + what + ": " + modbus_strerror(e);
        if (e > MODBUS_ENOBASE && e <= EMBXGTAR) return core::makeError(errc::kFault, msg);  // exception reply
        disconnect();
        return core::makeError(errc::kLost, msg);
    }

    core::Result<uint16_t> readInput(int addr) {
        uint16_t v = 0;
        KIOSK_TRY(call("read input register", [&](modbus_t* c) { return modbus_read_input_registers(c, addr, 1, &v); }));
        return v;
    }

    core::Status writeCoil(int addr, bool on) {
        return call("write coil", [&](modbus_t* c) { return modbus_write_bit(c, addr, on ? 1 : 0); });
    }

    // Records a fault, closes both doors (best effort), logs. Returns the error.
    core::Error fail(core::Error e) {
        {
            std::lock_guard lock(mu);
            if (e.code == errc::kLost) {
                health.state = DeviceState::Lost;
            } else {
                health.state = DeviceState::Fault;
                latched = true;
            }
            health.detail = e.code + ": " + e.message;
        }
        core::logError("gate.fault", {{"code", e.code}, {"detail", e.message}});
        if (e.code != errc::kLost) {
            (void)writeCoil(cfg.door1CommandCoil, false);
            (void)writeCoil(cfg.door2CommandCoil, false);
        }
        return e;
    }

    core::Status move(Door door, DoorState target) {
        const bool open = target == DoorState::Open;
        if (open) {
            std::lock_guard lock(mu);
            if (latched || health.state == DeviceState::Lost) {
                return core::makeError(health.state == DeviceState::Lost ? errc::kLost : errc::kFault,
                                       "gate: refusing to open while " + std::string(toString(health.state)) +
                                           " (" + health.detail + ")");
            }
        }
        const int coil = door == Door::Entry ? cfg.door1CommandCoil : cfg.door2CommandCoil;
        const int reg = door == Door::Entry ? cfg.door1StateRegister : cfg.door2StateRegister;
        auto w = writeCoil(coil, open);
        if (!w.ok()) return fail(w.error());
        const auto deadline = Steady::now() + cfg.ackTimeout;
        bool moved = false;
        std::optional<DoorState> first;
        for (;;) {
            auto v = readInput(reg);
            if (!v.ok()) return fail(v.error());
            DoorState s = toDoorState(*v);
            if (!first) first = s;
            if (s == target) return {};
            if (s == DoorState::Jammed) {
                return fail(core::makeError(errc::kJam, std::string("gate: ") + doorName(door) + " jammed"));
            }
            if (s != *first || s == DoorState::Moving) moved = true;
            if (Steady::now() >= deadline) {
                if (moved) {
                    return fail(core::makeError(errc::kJam, std::string("gate: ") + doorName(door) + " did not reach " +
                                                                (open ? "open" : "closed") + " within " +
                                                                std::to_string(cfg.ackTimeout.count()) + " ms"));
                }
                return fail(core::makeError(errc::kNoAck, std::string("gate: ") + doorName(door) + " " +
                                                              (open ? "open" : "close") + " command not acknowledged within " +
                                                              std::to_string(cfg.ackTimeout.count()) + " ms"));
            }
            std::this_thread::sleep_for(cfg.pollPeriod);
        }
    }

    core::Result<GateStatus> readStatus() {
        const int regs[4] = {cfg.door1StateRegister, cfg.door2StateRegister, cfg.occupancyRegister, cfg.passageCounterRegister};
        uint16_t vals[4] = {0, 0, 0, 0};
        const int lo = *std::min_element(regs, regs + 4), hi = *std::max_element(regs, regs + 4);
        if (hi - lo < 64) {
            uint16_t block[64];
            auto r = call("read input registers", [&](modbus_t* c) { return modbus_read_input_registers(c, lo, hi - lo + 1, block); });
            if (!r.ok()) return fail(r.error());
            for (int i = 0; i < 4; ++i) vals[i] = block[regs[i] - lo];
        } else {
            for (int i = 0; i < 4; ++i) {
                auto v = readInput(regs[i]);
                if (!v.ok()) return fail(v.error());
                vals[i] = *v;
            }
        }
        uint8_t fire = 0;
        auto f = call("read fire alarm", [&](modbus_t* c) { return modbus_read_input_bits(c, cfg.fireAlarmInput, 1, &fire); });
        if (!f.ok()) return fail(f.error());

        GateStatus st;
        st.entry = toDoorState(vals[0]);
        st.exit = toDoorState(vals[1]);
        st.occupancy = vals[2];
        st.fireAlarm = fire != 0;
        {
            std::lock_guard lock(mu);
            st.exitPassage = haveCounter && vals[3] != lastCounter;
            lastCounter = vals[3];
            haveCounter = true;
            lastStatus = st;
            if (!latched) {
                if (st.fireAlarm) {
                    if (health.state != DeviceState::Degraded) core::logWarn("gate.fire_alarm", {});
                    health.state = DeviceState::Degraded;
                    health.detail = "fire alarm input active";
                } else if (health.state != DeviceState::Ready) {
                    health.state = DeviceState::Ready;
                    health.detail.clear();
                }
            }
        }
        if (st.entry == DoorState::Jammed || st.exit == DoorState::Jammed) {
            bool already;
            {
                std::lock_guard lock(mu);
                already = latched;
            }
            if (!already) {
                (void)fail(core::makeError(errc::kJam, std::string("gate: ") +
                                                           (st.entry == DoorState::Jammed ? "door1" : "door2") + " reports jammed"));
            }
        }
        return st;
    }

    void heartbeatLoop() {
        std::unique_lock lk(heartMu);
        while (!stopping) {
            heartCv.wait_for(lk, cfg.heartbeatPeriod, [&] { return stopping; });
            if (stopping) break;
            lk.unlock();
            bool connected;
            {
                std::lock_guard lock(bus);
                connected = ctx != nullptr;
            }
            if (!connected) {
                // Reconnect; the first thing after a reconnection is closing both doors.
                core::Status c;
                {
                    std::lock_guard lock(bus);
                    c = connectLocked();
                }
                if (c.ok()) {
                    auto c1 = writeCoil(cfg.door1CommandCoil, false);
                    auto c2 = writeCoil(cfg.door2CommandCoil, false);
                    if (c1.ok() && c2.ok()) {
                        core::logInfo("gate.reconnected", {});
                        std::lock_guard lock(mu);
                        if (health.state == DeviceState::Lost && !latched) {
                            health.state = DeviceState::Ready;
                            health.detail.clear();
                        }
                    }
                }
            } else if (!paused) {
                ++beatValue;
                auto w = call("write heartbeat", [&](modbus_t* c) { return modbus_write_register(c, cfg.heartbeatRegister, beatValue); });
                if (w.ok()) ++beats;
                else (void)fail(w.error());
            }
            lk.lock();
        }
    }
};

ModbusGate::ModbusGate(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ModbusGate::~ModbusGate() {
    {
        std::lock_guard lk(impl_->heartMu);
        impl_->stopping = true;
    }
    impl_->heartCv.notify_all();
    if (impl_->heart.joinable()) impl_->heart.join();
    (void)impl_->writeCoil(impl_->cfg.door1CommandCoil, false);
    (void)impl_->writeCoil(impl_->cfg.door2CommandCoil, false);
}

core::Result<std::unique_ptr<ModbusGate>> ModbusGate::connect(const GateModbusConfig& config) {
    auto impl = std::make_unique<Impl>(config);
    {
        std::lock_guard lock(impl->bus);
        KIOSK_TRY(impl->connectLocked());
    }
    std::unique_ptr<ModbusGate> gate(new ModbusGate(std::move(impl)));
    Impl* p = gate->impl_.get();
    // Fail closed from the start: both doors closed, first heartbeat written.
    KIOSK_TRY(p->writeCoil(config.door1CommandCoil, false));
    KIOSK_TRY(p->writeCoil(config.door2CommandCoil, false));
    KIOSK_TRY(p->call("write heartbeat", [&](modbus_t* c) { return modbus_write_register(c, config.heartbeatRegister, ++p->beatValue); }));
    KIOSK_ASSIGN_OR_RETURN(auto st, p->readStatus());
    (void)st;
    p->heart = std::thread([p] { p->heartbeatLoop(); });
    if (config.transport == ModbusTransport::Rtu) {
        core::logInfo("device.opened", {{"device", "gate"}, {"transport", "rtu"}, {"serial_port", config.serialPort}});
    } else {
        core::logInfo("device.opened", {{"device", "gate"}, {"transport", "tcp"}, {"host", config.host}, {"port", config.port}});
    }
    return gate;
}

core::Status ModbusGate::openDoor(Door door) { return impl_->move(door, DoorState::Open); }
core::Status ModbusGate::closeDoor(Door door) { return impl_->move(door, DoorState::Closed); }
core::Result<GateStatus> ModbusGate::status() { return impl_->readStatus(); }

core::Result<GateStatus> ModbusGate::waitForChange(core::Millis timeout) {
    GateStatus base;
    {
        std::lock_guard lock(impl_->mu);
        base = impl_->lastStatus;
    }
    const auto deadline = Steady::now() + timeout;
    for (;;) {
        KIOSK_ASSIGN_OR_RETURN(auto st, impl_->readStatus());
        if (!sameStatus(st, base) || Steady::now() >= deadline) return st;
        std::this_thread::sleep_for(std::min<Steady::duration>(impl_->cfg.pollPeriod, deadline - Steady::now()));
    }
}

DeviceHealth ModbusGate::health() const {
    std::lock_guard lock(impl_->mu);
    return impl_->health;
}

core::Status ModbusGate::resetFault() {
    {
        std::lock_guard lock(impl_->bus);
        if (!impl_->ctx) KIOSK_TRY(impl_->connectLocked());
    }
    {
        std::lock_guard lock(impl_->mu);
        impl_->latched = false;
    }
    KIOSK_TRY(impl_->move(Door::Entry, DoorState::Closed));
    KIOSK_TRY(impl_->move(Door::Exit, DoorState::Closed));
    KIOSK_ASSIGN_OR_RETURN(auto st, impl_->readStatus());
    (void)st;
    std::lock_guard lock(impl_->mu);
    if (impl_->latched) return core::makeError(errc::kFault, "gate: fault persists: " + impl_->health.detail);
    core::logInfo("gate.reset", {});
    return {};
}

void ModbusGate::pauseHeartbeat(bool paused) { impl_->paused = paused; }
uint64_t ModbusGate::heartbeatsWritten() const { return impl_->beats; }

}  // namespace kiosk::devices::io
