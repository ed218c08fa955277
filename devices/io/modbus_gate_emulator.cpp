// Gate controller emulator (libmodbus server). Test and tool code: listens on 127.0.0.1 only.
#include "devices/io/modbus_gate_emulator.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <stdlib.h>
#include <termios.h>
#include <modbus/modbus.h>
#include <netinet/in.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

namespace kiosk::devices::io {

namespace {
using Steady = std::chrono::steady_clock;

struct DoorModel {
    DoorState state = DoorState::Closed;
    DoorState target = DoorState::Closed;
    Steady::time_point moveStart{};
    bool jammed = false;
};

uint16_t code(DoorState s) {
    switch (s) {
        case DoorState::Closed: return 0;
        case DoorState::Open: return 1;
        case DoorState::Moving: return 2;
        case DoorState::Jammed: return 3;
    }
    return 3;
}
}  // namespace

struct ModbusGateEmulator::Impl {
    GateModbusConfig map;
    GateEmulatorOptions opt;
    modbus_t* ctx = nullptr;
    modbus_mapping_t* mb = nullptr;
    int listenFd = -1;
    int port = 0;
    bool rtu = false;
    int ptyMaster = -1;
    int ptyHold = -1;  // our own open of the slave side: no hang-up while the client reconnects
    std::string slavePath;
    std::vector<int> clients;

    mutable std::mutex mu;
    DoorModel doors[2];
    bool ignore = false;
    bool refuse = false;
    bool dropNow = false;
    bool fire = false;
    int occupancy = 0;
    uint16_t passages = 0;
    uint16_t lastBeat = 0;
    bool beatSeen = false;
    Steady::time_point lastBeatAt = Steady::now();
    bool tripped = false;
    int trips = 0;
    uint64_t served = 0;

    std::atomic<bool> stop{false};
    std::thread th;

    ~Impl() {
        stop = true;
        if (th.joinable()) th.join();
        for (int c : clients) ::close(c);
        if (listenFd >= 0) ::close(listenFd);
        if (ptyHold >= 0) ::close(ptyHold);
        if (ptyMaster >= 0) ::close(ptyMaster);
        if (mb) modbus_mapping_free(mb);
        if (ctx) modbus_free(ctx);
    }

    // Needs mu held. Moves doors, watches the heartbeat, publishes the registers.
    void tick() {
        const auto now = Steady::now();
        // Heartbeat watchdog.
        uint16_t beat = mb->tab_registers[map.heartbeatRegister];
        if (!beatSeen || beat != lastBeat) {
            beatSeen = true;
            lastBeat = beat;
            lastBeatAt = now;
            tripped = false;
        } else if (opt.heartbeatTimeout.count() > 0 && !tripped && now - lastBeatAt > opt.heartbeatTimeout) {
            tripped = true;
            ++trips;
            mb->tab_bits[map.door1CommandCoil] = 0;
            mb->tab_bits[map.door2CommandCoil] = 0;
        }
        const int coils[2] = {map.door1CommandCoil, map.door2CommandCoil};
        for (int i = 0; i < 2; ++i) {
            DoorModel& d = doors[i];
            if (!ignore) {
                DoorState want = mb->tab_bits[coils[i]] ? DoorState::Open : DoorState::Closed;
                if (want != d.target) {
                    d.target = want;
                    if (d.state != DoorState::Jammed || !d.jammed) {
                        d.state = DoorState::Moving;
                        d.moveStart = now;
                    }
                }
            }
            if (d.state == DoorState::Moving) {
                if (d.jammed && now - d.moveStart >= opt.doorTravel / 2) {
                    d.state = DoorState::Jammed;
                } else if (!d.jammed && now - d.moveStart >= opt.doorTravel) {
                    d.state = d.target;
                }
            } else if (d.state == DoorState::Jammed && !d.jammed) {
                d.state = DoorState::Moving;
                d.moveStart = now;
            }
        }
        mb->tab_input_registers[map.door1StateRegister] = code(doors[0].state);
        mb->tab_input_registers[map.door2StateRegister] = code(doors[1].state);
        mb->tab_input_registers[map.occupancyRegister] = static_cast<uint16_t>(occupancy);
        mb->tab_input_registers[map.passageCounterRegister] = passages;
        mb->tab_input_bits[map.fireAlarmInput] = fire ? 1 : 0;
    }

    // Modbus RTU on the pty master: one serial line, one request at a time.
    void loopRtu() {
        std::vector<uint8_t> query(MODBUS_RTU_MAX_ADU_LENGTH);
        while (!stop) {
            {
                std::lock_guard lock(mu);
                tick();
            }
            fd_set rd;
            FD_ZERO(&rd);
            FD_SET(ptyMaster, &rd);
            timeval tv{0, 5000};
            if (::select(ptyMaster + 1, &rd, nullptr, nullptr, &tv) <= 0) continue;
            int len = modbus_receive(ctx, query.data());
            if (len <= 0) continue;
            std::lock_guard lock(mu);
            if (refuse) continue;  // a controller that stopped answering
            tick();
            modbus_reply(ctx, query.data(), len, mb);
            ++served;
            tick();
        }
    }

    void loop() {
        if (rtu) return loopRtu();
        std::vector<uint8_t> query(MODBUS_TCP_MAX_ADU_LENGTH);
        while (!stop) {
            {
                std::lock_guard lock(mu);
                if (dropNow) {
                    for (int c : clients) ::close(c);
                    clients.clear();
                    dropNow = false;
                }
                tick();
            }
            fd_set rd;
            FD_ZERO(&rd);
            FD_SET(listenFd, &rd);
            int maxFd = listenFd;
            for (int c : clients) {
                FD_SET(c, &rd);
                maxFd = std::max(maxFd, c);
            }
            timeval tv{0, 5000};
            int n = ::select(maxFd + 1, &rd, nullptr, nullptr, &tv);
            if (n <= 0) continue;
            if (FD_ISSET(listenFd, &rd)) {
                int c = ::accept(listenFd, nullptr, nullptr);
                if (c >= 0) {
                    std::lock_guard lock(mu);
                    if (refuse) ::close(c);
                    else clients.push_back(c);
                }
            }
            std::vector<int> gone;
            for (int c : std::vector<int>(clients)) {
                if (!FD_ISSET(c, &rd)) continue;
                modbus_set_socket(ctx, c);
                int len = modbus_receive(ctx, query.data());
                if (len > 0) {
                    std::lock_guard lock(mu);
                    if (dropNow || refuse) continue;
                    tick();
                    modbus_reply(ctx, query.data(), len, mb);
                    ++served;
                    tick();  // a command takes effect at once (door starts moving)
                } else if (len == -1) {
                    gone.push_back(c);
                }
            }
            if (!gone.empty()) {
                std::lock_guard lock(mu);
                for (int c : gone) {
                    ::close(c);
                    clients.erase(std::remove(clients.begin(), clients.end(), c), clients.end());
                }
            }
        }
    }
};

ModbusGateEmulator::ModbusGateEmulator(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ModbusGateEmulator::~ModbusGateEmulator() = default;

core::Result<std::unique_ptr<ModbusGateEmulator>> ModbusGateEmulator::start(const GateModbusConfig& map,
                                                                            GateEmulatorOptions options) {
    auto impl = std::make_unique<Impl>();
    impl->map = map;
    impl->opt = options;
    const int nBits = std::max(map.door1CommandCoil, map.door2CommandCoil) + 1;
    const int nInBits = map.fireAlarmInput + 1;
    const int nRegs = map.heartbeatRegister + 1;
    const int nInRegs = std::max({map.door1StateRegister, map.door2StateRegister, map.occupancyRegister,
                                  map.passageCounterRegister}) + 1;
    impl->mb = modbus_mapping_new(nBits, nInBits, nRegs, nInRegs);
    if (!impl->mb) return core::makeError("emulator.failed", std::string("modbus_mapping_new: ") + modbus_strerror(errno));
    if (options.transport == ModbusTransport::Rtu) {
        impl->rtu = true;
        impl->ptyMaster = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (impl->ptyMaster < 0 || grantpt(impl->ptyMaster) != 0 || unlockpt(impl->ptyMaster) != 0) {
            return core::makeError("emulator.failed", std::string("pseudo-terminal: ") + std::strerror(errno));
        }
        impl->slavePath = ptsname(impl->ptyMaster);
        impl->ptyHold = ::open(impl->slavePath.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (impl->ptyHold >= 0) {
            termios tio{};
            tcgetattr(impl->ptyHold, &tio);
            cfmakeraw(&tio);
            tcsetattr(impl->ptyHold, TCSANOW, &tio);
        }
        impl->ctx = modbus_new_rtu(impl->slavePath.c_str(), map.baud, map.parity, 8, map.stopBits);
        if (!impl->ctx) return core::makeError("emulator.failed", "modbus_new_rtu failed");
        modbus_set_slave(impl->ctx, map.unitId);
        modbus_set_socket(impl->ctx, impl->ptyMaster);
        {
            std::lock_guard lock(impl->mu);
            impl->tick();
        }
        Impl* p = impl.get();
        impl->th = std::thread([p] { p->loop(); });
        return std::unique_ptr<ModbusGateEmulator>(new ModbusGateEmulator(std::move(impl)));
    }
    impl->ctx = modbus_new_tcp("127.0.0.1", 0);
    if (!impl->ctx) return core::makeError("emulator.failed", "modbus_new_tcp failed");
    modbus_set_slave(impl->ctx, map.unitId);
    impl->listenFd = modbus_tcp_listen(impl->ctx, 4);
    if (impl->listenFd < 0) return core::makeError("emulator.failed", std::string("listen: ") + modbus_strerror(errno));
    sockaddr_in addr{};
    socklen_t len = sizeof addr;
    if (::getsockname(impl->listenFd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        return core::makeError("emulator.failed", std::string("getsockname: ") + std::strerror(errno));
    }
    impl->port = ntohs(addr.sin_port);
    {
        std::lock_guard lock(impl->mu);
        impl->tick();
    }
    Impl* p = impl.get();
    impl->th = std::thread([p] { p->loop(); });
    return std::unique_ptr<ModbusGateEmulator>(new ModbusGateEmulator(std::move(impl)));
}

int ModbusGateEmulator::port() const { return impl_->port; }
std::string ModbusGateEmulator::serialPath() const { return impl_->slavePath; }

GateModbusConfig ModbusGateEmulator::clientConfig() const {
    GateModbusConfig c = impl_->map;
    if (impl_->rtu) {
        c.transport = ModbusTransport::Rtu;
        c.serialPort = impl_->slavePath;
    } else {
        c.transport = ModbusTransport::Tcp;
        c.host = "127.0.0.1";
        c.port = impl_->port;
    }
    return c;
}

void ModbusGateEmulator::jamDoor(Door door, bool jammed) {
    std::lock_guard lock(impl_->mu);
    impl_->doors[door == Door::Entry ? 0 : 1].jammed = jammed;
}
void ModbusGateEmulator::ignoreCommands(bool ignore) {
    std::lock_guard lock(impl_->mu);
    impl_->ignore = ignore;
}
void ModbusGateEmulator::dropConnections() {
    std::lock_guard lock(impl_->mu);
    impl_->dropNow = true;
}
void ModbusGateEmulator::refuseConnections(bool refuse) {
    std::lock_guard lock(impl_->mu);
    impl_->refuse = refuse;
    if (refuse) impl_->dropNow = true;
}
void ModbusGateEmulator::setFireAlarm(bool on) {
    std::lock_guard lock(impl_->mu);
    impl_->fire = on;
}
void ModbusGateEmulator::setOccupancy(int n) {
    std::lock_guard lock(impl_->mu);
    impl_->occupancy = std::max(0, n);
}
void ModbusGateEmulator::personPassesExit() {
    std::lock_guard lock(impl_->mu);
    ++impl_->passages;
    impl_->occupancy = std::max(0, impl_->occupancy - 1);
}
DoorState ModbusGateEmulator::doorState(Door door) const {
    std::lock_guard lock(impl_->mu);
    return impl_->doors[door == Door::Entry ? 0 : 1].state;
}
bool ModbusGateEmulator::heartbeatTripped() const {
    std::lock_guard lock(impl_->mu);
    return impl_->tripped;
}
int ModbusGateEmulator::heartbeatTrips() const {
    std::lock_guard lock(impl_->mu);
    return impl_->trips;
}
uint64_t ModbusGateEmulator::requestsServed() const {
    std::lock_guard lock(impl_->mu);
    return impl_->served;
}

}  // namespace kiosk::devices::io
