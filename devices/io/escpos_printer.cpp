// ESC/POS transport: termios (serial) or a plain device file (USB printer class). It needs
// raw bytes both ways and optional RTS/CTS, which SerialPort's line reader does not offer.
#include "devices/io/escpos_printer.h"

#include <fcntl.h>
#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "core/log.h"
#include "devices/io/escpos.h"

namespace kiosk::devices::io {

namespace {

speed_t toSpeed(int baud) {
    switch (baud) {
        case 9600: return B9600;
        case 19200: return B19200;
        case 38400: return B38400;
        case 57600: return B57600;
        case 115200: return B115200;
        case 230400: return B230400;
        case 460800: return B460800;
        case 921600: return B921600;
        default: return 0;
    }
}

bool isLostErrno(int e) { return e == EIO || e == ENODEV || e == ENXIO || e == EBADF || e == EPIPE; }

using Clock = std::chrono::steady_clock;

int remainingMs(Clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return left < 0 ? 0 : static_cast<int>(left);
}

}  // namespace

core::Result<EscPosConfig> EscPosConfig::fromConfig(const core::ConfigView& cfg) {
    EscPosConfig c;
    KIOSK_ASSIGN_OR_RETURN(c.port, cfg.stringOr("port", ""));
    KIOSK_ASSIGN_OR_RETURN(c.device, cfg.stringOr("device", ""));
    if (c.port.empty() == c.device.empty())
        return cfg.bad(c.port.empty() ? "port" : "device",
                       "give exactly one of port (serial line) and device (USB printer, /dev/usb/lp0)");
    KIOSK_ASSIGN_OR_RETURN(auto baud, cfg.integerOr("baud", c.baud, 9600, 921600));
    if (toSpeed(static_cast<int>(baud)) == 0) return cfg.bad("baud", "not a standard rate (9600 .. 921600)");
    c.baud = static_cast<int>(baud);
    KIOSK_ASSIGN_OR_RETURN(auto flow, cfg.oneOf("flow_control", {"none", "rtscts"}, "none"));
    c.rtsCts = flow == "rtscts";
    KIOSK_ASSIGN_OR_RETURN(c.statusQuery, cfg.booleanOr("status_query", true));
    KIOSK_ASSIGN_OR_RETURN(auto st, cfg.integerOr("status_timeout_ms", 1000, 50, 60000));
    c.statusTimeout = core::Millis(st);
    KIOSK_ASSIGN_OR_RETURN(auto pt, cfg.integerOr("print_timeout_ms", 20000, 1000, 300000));
    c.printTimeout = core::Millis(pt);
    KIOSK_ASSIGN_OR_RETURN(auto feed, cfg.integerOr("feed_lines", 4, 0, 255));
    c.feedLines = static_cast<int>(feed);
    KIOSK_ASSIGN_OR_RETURN(c.render, ReceiptRenderOptions::fromConfig(cfg));
    return c;
}

core::Result<std::unique_ptr<EscPosPrinter>> EscPosPrinter::open(const EscPosConfig& config) {
    if (!config.port.empty() && toSpeed(config.baud) == 0)
        return core::makeError("config.bad_value", "printer baud rate " + std::to_string(config.baud) + " is not supported");
    std::unique_ptr<EscPosPrinter> p(new EscPosPrinter(config));
    KIOSK_TRY(p->ensureOpen());
    return p;
}

EscPosPrinter::~EscPosPrinter() { closeFd(); }

void EscPosPrinter::closeFd() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

core::Status EscPosPrinter::ensureOpen() {
    if (fd_ >= 0) return {};
    const std::string& path = config_.port.empty() ? config_.device : config_.port;
    const int fd = ::open(path.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return core::makeError(errc::kLost, "cannot open printer " + path + ": " + std::strerror(errno));
    if (!config_.port.empty()) {
        termios tio{};
        if (tcgetattr(fd, &tio) != 0) {
            const int e = errno;
            ::close(fd);
            return core::makeError(errc::kFault, path + " is not a serial line: " + std::strerror(e));
        }
        cfmakeraw(&tio);
        tio.c_cflag |= CLOCAL | CREAD;
        tio.c_cflag &= ~(CSTOPB | PARENB);
        if (config_.rtsCts) tio.c_cflag |= CRTSCTS;
        else tio.c_cflag &= ~CRTSCTS;
        tio.c_cc[VMIN] = 0;
        tio.c_cc[VTIME] = 0;
        cfsetispeed(&tio, toSpeed(config_.baud));
        cfsetospeed(&tio, toSpeed(config_.baud));
        if (tcsetattr(fd, TCSANOW, &tio) != 0) {
            const int e = errno;
            ::close(fd);
            return core::makeError(errc::kFault, "cannot configure " + path + ": " + std::strerror(e));
        }
    }
    fd_ = fd;
    return {};
}

core::Status EscPosPrinter::writeAll(const std::string& bytes) {
    const auto deadline = Clock::now() + config_.printTimeout;
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
        if (n > 0) {
            done += static_cast<std::size_t>(n);
            continue;
        }
        const int e = n < 0 ? errno : EAGAIN;
        if (e == EINTR) continue;
        if (e != EAGAIN && e != EWOULDBLOCK) {
            closeFd();
            return core::makeError(isLostErrno(e) ? errc::kLost : errc::kFault,
                                   std::string("printer write failed: ") + std::strerror(e));
        }
        // The printer's buffer is full (flow control): wait for it to take more.
        pollfd p{fd_, POLLOUT, 0};
        const int r = ::poll(&p, 1, remainingMs(deadline));
        if (r == 0) return core::makeError(errc::kTimeout, "printer stopped taking data");
        if (r > 0 && (p.revents & (POLLERR | POLLHUP | POLLNVAL))) {
            closeFd();
            return core::makeError(errc::kLost, "printer connection gone");
        }
    }
    return {};
}

core::Result<uint8_t> EscPosPrinter::readByte(core::Millis timeout) {
    const auto deadline = Clock::now() + timeout;
    while (true) {
        uint8_t b = 0;
        const ssize_t n = ::read(fd_, &b, 1);
        if (n == 1) return b;
        const int e = n < 0 ? errno : EAGAIN;
        if (e == EINTR) continue;
        if (n < 0 && e != EAGAIN && e != EWOULDBLOCK) {
            closeFd();
            return core::makeError(errc::kLost, std::string("printer read failed: ") + std::strerror(e));
        }
        const int left = remainingMs(deadline);
        if (left == 0) return core::makeError(errc::kTimeout, "printer did not answer");
        pollfd p{fd_, POLLIN, 0};
        const int r = ::poll(&p, 1, left);
        if (r > 0 && (p.revents & (POLLERR | POLLNVAL))) {
            closeFd();
            return core::makeError(errc::kLost, "printer connection gone");
        }
        // POLLHUP without data (a pty whose other side closed, an unplugged adapter):
        // nothing more will come.
        if (r > 0 && (p.revents & POLLHUP) && !(p.revents & POLLIN)) {
            closeFd();
            return core::makeError(errc::kLost, "printer hung up");
        }
    }
}

void EscPosPrinter::drainInput() {
    uint8_t buf[64];
    while (::read(fd_, buf, sizeof buf) > 0) {
    }
}

core::Result<PrinterStatus> EscPosPrinter::queryLocked() {
    KIOSK_TRY(ensureOpen());
    if (!config_.statusQuery) return PrinterStatus{PrinterState::Ready, false, "status not queried (status_query off)"};
    drainInput();
    KIOSK_TRY(writeAll(escpos::kQueryOffline));
    auto offline = readByte(config_.statusTimeout);
    if (!offline.ok()) {
        // A printer that is switched off or unplugged behind its cable answers nothing.
        if (offline.error().code == errc::kTimeout) return core::makeError(errc::kLost, "printer does not answer status queries");
        return offline.error();
    }
    KIOSK_TRY(writeAll(escpos::kQueryPaper));
    auto paper = readByte(config_.statusTimeout);
    if (!paper.ok()) {
        if (paper.error().code == errc::kTimeout) return core::makeError(errc::kLost, "printer does not answer status queries");
        return paper.error();
    }
    return escpos::statusFromBytes(offline.value(), paper.value());
}

core::Result<PrinterStatus> EscPosPrinter::remember(core::Result<PrinterStatus> s) {
    if (s.ok()) {
        const auto& st = s.value();
        last_.state = st.state == PrinterState::Ready ? (st.paperNearEnd ? DeviceState::Degraded : DeviceState::Ready)
                                                      : DeviceState::Fault;
        last_.detail = st.detail;
    } else {
        last_.state = s.error().code == errc::kLost ? DeviceState::Lost : DeviceState::Fault;
        last_.detail = s.error().code;
    }
    return s;
}

core::Status EscPosPrinter::remember(core::Status s) {
    if (s.ok()) {
        last_.state = DeviceState::Ready;
        last_.detail = "printed";
    } else {
        last_.state = s.error().code == errc::kLost ? DeviceState::Lost : DeviceState::Fault;
        last_.detail = s.error().code;
    }
    return s;
}

core::Result<PrinterStatus> EscPosPrinter::status() {
    std::lock_guard lock(mu_);
    return remember(queryLocked());
}

core::Status EscPosPrinter::print(const Receipt& receipt) {
    KIOSK_ASSIGN_OR_RETURN(Image raster, renderReceipt(receipt, config_.render));
    return printRaster(raster);
}

core::Status EscPosPrinter::printRaster(const Image& raster) {
    std::lock_guard lock(mu_);
    auto run = [&]() -> core::Status {
        KIOSK_ASSIGN_OR_RETURN(PrinterStatus before, queryLocked());
        if (before.state == PrinterState::CoverOpen) return core::makeError(errc::kCoverOpen, "printer cover is open");
        if (before.state == PrinterState::OutOfPaper) return core::makeError(errc::kOutOfPaper, "printer is out of paper");
        if (before.state == PrinterState::Lost) return core::makeError(errc::kLost, before.detail);
        KIOSK_TRY(writeAll(escpos::receiptJob(raster, config_.feedLines)));
        if (!config_.statusQuery) return {};
        // GS r 1 is answered after everything before it has printed.
        KIOSK_TRY(writeAll(escpos::kQueryPrinted));
        auto done = readByte(config_.printTimeout);
        if (done.ok()) {
            KIOSK_ASSIGN_OR_RETURN(PrinterStatus after, escpos::statusFromPaperSensor(done.value()));
            if (after.state == PrinterState::OutOfPaper)
                return core::makeError(errc::kOutOfPaper, "printer ran out of paper at the end of the receipt");
            return {};
        }
        if (done.error().code != errc::kTimeout) return done.error();
        // Printing stopped part-way: the real-time queries tell why.
        KIOSK_ASSIGN_OR_RETURN(PrinterStatus stuck, queryLocked());
        if (stuck.state == PrinterState::OutOfPaper)
            return core::makeError(errc::kOutOfPaper, "printer ran out of paper while printing");
        if (stuck.state == PrinterState::CoverOpen)
            return core::makeError(errc::kCoverOpen, "printer cover opened while printing");
        return core::makeError(errc::kTimeout, "printer did not finish the receipt");
    };
    auto s = run();
    if (!s.ok()) core::logWarn("printer.escpos_failed", {{"code", s.error().code}, {"detail", s.error().message}});
    return remember(std::move(s));
}

DeviceHealth EscPosPrinter::health() const {
    std::lock_guard lock(mu_);
    return last_;
}

}  // namespace kiosk::devices::io
