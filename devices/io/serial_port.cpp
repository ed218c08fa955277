// The one file that uses termios in kiosk::devices_io.
#include "devices/io/serial_port.h"

#include <fcntl.h>
#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "devices/device.h"

namespace kiosk::devices::io {

namespace {

speed_t toSpeed(int baud) {
    switch (baud) {
        case 1200: return B1200;
        case 2400: return B2400;
        case 4800: return B4800;
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

}  // namespace

core::Result<SerialConfig> SerialConfig::fromConfig(const core::ConfigView& cfg) {
    SerialConfig c;
    KIOSK_ASSIGN_OR_RETURN(c.port, cfg.string("port"));
    KIOSK_ASSIGN_OR_RETURN(auto baud, cfg.integerOr("baud", c.baud, 1200, 921600));
    if (toSpeed(static_cast<int>(baud)) == 0) return cfg.bad("baud", "not a standard rate (1200 .. 921600)");
    c.baud = static_cast<int>(baud);
    return c;
}

core::Result<std::unique_ptr<SerialPort>> SerialPort::open(const SerialConfig& config) {
    const speed_t speed = toSpeed(config.baud);
    if (speed == 0) return core::makeError("config.bad_value", "serial baud rate " + std::to_string(config.baud) + " is not supported");
    int fd = ::open(config.port.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return core::makeError(errc::kLost, "cannot open " + config.port + ": " + std::strerror(errno));
    termios tio{};
    if (tcgetattr(fd, &tio) != 0) {
        int e = errno;
        ::close(fd);
        return core::makeError(errc::kFault, config.port + " is not a serial line: " + std::strerror(e));
    }
    cfmakeraw(&tio);
    tio.c_cflag |= CLOCAL | CREAD;
    tio.c_cflag &= ~(CSTOPB | PARENB | CRTSCTS);
    tio.c_cc[VMIN] = 0;
    tio.c_cc[VTIME] = 0;
    cfsetispeed(&tio, speed);
    cfsetospeed(&tio, speed);
    if (tcsetattr(fd, TCSANOW, &tio) != 0) {
        int e = errno;
        ::close(fd);
        return core::makeError(errc::kFault, "cannot configure " + config.port + ": " + std::strerror(e));
    }
    return std::unique_ptr<SerialPort>(new SerialPort(fd, config));
}

SerialPort::~SerialPort() {
    if (fd_ >= 0) ::close(fd_);
}

void SerialPort::discardInput() {
    tcflush(fd_, TCIFLUSH);
    buffer_.clear();
}

core::Status SerialPort::write(const std::string& bytes) {
    std::size_t done = 0;
    while (done < bytes.size()) {
        ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR) {
                pollfd p{fd_, POLLOUT, 0};
                ::poll(&p, 1, 100);
                continue;
            }
            return core::makeError(errc::kLost, config_.port + ": write failed: " + std::strerror(errno));
        }
        done += static_cast<std::size_t>(n);
    }
    return {};
}

core::Result<std::optional<std::string>> SerialPort::readLine(core::Millis timeout) {
    using SteadyClock = std::chrono::steady_clock;
    const auto deadline = SteadyClock::now() + timeout;
    for (;;) {
        // A complete line already buffered?
        for (std::size_t i = 0; i < buffer_.size(); ++i) {
            char ch = buffer_[i];
            if (ch == '\n' && dropLf_ && i == 0) {  // the LF of a CRLF
                buffer_.erase(0, 1);
                dropLf_ = false;
                i = static_cast<std::size_t>(-1);
                continue;
            }
            dropLf_ = false;
            if (ch == '\r' || ch == '\n') {
                std::string line = buffer_.substr(0, i);
                buffer_.erase(0, i + 1);
                dropLf_ = ch == '\r';
                return std::optional<std::string>{std::move(line)};
            }
        }
        if (buffer_.size() > config_.maxLineLength) {
            buffer_.clear();
            return core::makeError(errc::kBadInput, config_.port + ": line longer than " +
                                                        std::to_string(config_.maxLineLength) + " bytes");
        }
        auto left = std::chrono::duration_cast<core::Millis>(deadline - SteadyClock::now());
        if (left.count() < 0) return std::optional<std::string>{};
        pollfd p{fd_, POLLIN, 0};
        int r = ::poll(&p, 1, static_cast<int>(left.count()));
        if (r < 0) {
            if (errno == EINTR) continue;
            return core::makeError(errc::kLost, config_.port + ": poll failed: " + std::strerror(errno));
        }
        if (r == 0) return std::optional<std::string>{};
        if (p.revents & (POLLERR | POLLNVAL)) return core::makeError(errc::kLost, config_.port + ": device error");
        char chunk[512];
        ssize_t n = ::read(fd_, chunk, sizeof chunk);
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR) continue;
            return core::makeError(errc::kLost, config_.port + ": " + std::strerror(errno));
        }
        if (n == 0) {
            if (p.revents & POLLHUP) return core::makeError(errc::kLost, config_.port + ": hung up");
            continue;
        }
        for (ssize_t i = 0; i < n; ++i) {
            if (chunk[i] == '\x02' || chunk[i] == '\x03') continue;  // STX/ETX framing
            buffer_.push_back(chunk[i]);
        }
    }
}

}  // namespace kiosk::devices::io
