// Linux evdev reader for keyboard-mode QR scanners.
#include "devices/io/hid_qr_scanner.h"

#include <fcntl.h>
#include <linux/input.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "core/log.h"

namespace kiosk::devices::io {

namespace {

// US layout: the character for a key code, unshifted and shifted (0 = not printable).
struct KeyChars {
    char plain, shifted;
};

KeyChars keyChars(int code) {
    switch (code) {
        case KEY_1: return {'1', '!'};
        case KEY_2: return {'2', '@'};
        case KEY_3: return {'3', '#'};
        case KEY_4: return {'4', '$'};
        case KEY_5: return {'5', '%'};
        case KEY_6: return {'6', '^'};
        case KEY_7: return {'7', '&'};
        case KEY_8: return {'8', '*'};
        case KEY_9: return {'9', '('};
        case KEY_0: return {'0', ')'};
        case KEY_MINUS: return {'-', '_'};
        case KEY_EQUAL: return {'=', '+'};
        case KEY_Q: return {'q', 'Q'};
        case KEY_W: return {'w', 'W'};
        case KEY_E: return {'e', 'E'};
        case KEY_R: return {'r', 'R'};
        case KEY_T: return {'t', 'T'};
        case KEY_Y: return {'y', 'Y'};
        case KEY_U: return {'u', 'U'};
        case KEY_I: return {'i', 'I'};
        case KEY_O: return {'o', 'O'};
        case KEY_P: return {'p', 'P'};
        case KEY_LEFTBRACE: return {'[', '{'};
        case KEY_RIGHTBRACE: return {']', '}'};
        case KEY_A: return {'a', 'A'};
        case KEY_S: return {'s', 'S'};
        case KEY_D: return {'d', 'D'};
        case KEY_F: return {'f', 'F'};
        case KEY_G: return {'g', 'G'};
        case KEY_H: return {'h', 'H'};
        case KEY_J: return {'j', 'J'};
        case KEY_K: return {'k', 'K'};
        case KEY_L: return {'l', 'L'};
        case KEY_SEMICOLON: return {';', ':'};
        case KEY_APOSTROPHE: return {'\'', '"'};
        case KEY_GRAVE: return {'`', '~'};
        case KEY_BACKSLASH: return {'\\', '|'};
        case KEY_Z: return {'z', 'Z'};
        case KEY_X: return {'x', 'X'};
        case KEY_C: return {'c', 'C'};
        case KEY_V: return {'v', 'V'};
        case KEY_B: return {'b', 'B'};
        case KEY_N: return {'n', 'N'};
        case KEY_M: return {'m', 'M'};
        case KEY_COMMA: return {',', '<'};
        case KEY_DOT: return {'.', '>'};
        case KEY_SLASH: return {'/', '?'};
        case KEY_SPACE: return {' ', ' '};
        case KEY_KP0: return {'0', '0'};
        case KEY_KP1: return {'1', '1'};
        case KEY_KP2: return {'2', '2'};
        case KEY_KP3: return {'3', '3'};
        case KEY_KP4: return {'4', '4'};
        case KEY_KP5: return {'5', '5'};
        case KEY_KP6: return {'6', '6'};
        case KEY_KP7: return {'7', '7'};
        case KEY_KP8: return {'8', '8'};
        case KEY_KP9: return {'9', '9'};
        case KEY_KPMINUS: return {'-', '-'};
        case KEY_KPPLUS: return {'+', '+'};
        case KEY_KPASTERISK: return {'*', '*'};
        case KEY_KPSLASH: return {'/', '/'};
        case KEY_KPDOT: return {'.', '.'};
        default: return {0, 0};
    }
}

}  // namespace

core::Result<HidScannerConfig> HidScannerConfig::fromConfig(const core::ConfigView& cfg) {
    HidScannerConfig c;
    KIOSK_ASSIGN_OR_RETURN(c.device, cfg.string("device"));
    KIOSK_ASSIGN_OR_RETURN(c.grab, cfg.booleanOr("grab", true));
    KIOSK_ASSIGN_OR_RETURN(auto gap, cfg.integerOr("inter_key_ms", c.interKey.count(), 10, 5000));
    c.interKey = core::Millis(gap);
    return c;
}

core::Result<std::unique_ptr<HidQrScanner>> HidQrScanner::open(const HidScannerConfig& config, std::string name) {
    int fd = ::open(config.device.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return core::makeError(errc::kLost, name + ": cannot open " + config.device + ": " + std::strerror(errno));
    if (config.grab && ::ioctl(fd, EVIOCGRAB, 1) != 0 && errno != ENOTTY && errno != EINVAL) {
        int e = errno;
        ::close(fd);
        return core::makeError(errc::kFault, name + ": cannot grab " + config.device + ": " + std::strerror(e));
    }
    return std::unique_ptr<HidQrScanner>(new HidQrScanner(fd, config, std::move(name)));
}

HidQrScanner::HidQrScanner(int fd, HidScannerConfig config, std::string name)
    : fd_(fd), config_(std::move(config)), name_(std::move(name)) {
    health_.device = name_;
}

HidQrScanner::~HidQrScanner() {
    if (fd_ >= 0) {
        (void)::ioctl(fd_, EVIOCGRAB, 0);
        ::close(fd_);
    }
}

core::Result<std::optional<std::string>> HidQrScanner::waitForCode(core::Millis timeout) {
    using Steady = std::chrono::steady_clock;
    auto setState = [&](DeviceState s, const std::string& detail) {
        std::lock_guard lock(mu_);
        health_.state = s;
        health_.detail = detail;
    };
    {
        std::lock_guard lock(mu_);
        if (health_.state == DeviceState::Lost) return core::makeError(errc::kLost, name_ + ": " + health_.detail);
    }
    const auto deadline = Steady::now() + timeout;
    for (;;) {
        // Inside a code, the next key must come within interKey.
        auto left = std::chrono::duration_cast<core::Millis>(deadline - Steady::now());
        core::Millis wait = line_.empty() ? left : config_.interKey;  // finish a code being typed
        if (line_.empty() && left.count() <= 0) return std::optional<std::string>{};
        pollfd p{fd_, POLLIN, 0};
        int r = ::poll(&p, 1, static_cast<int>(std::max<int64_t>(0, wait.count())));
        if (r < 0) {
            if (errno == EINTR) continue;
            setState(DeviceState::Lost, std::string("poll: ") + std::strerror(errno));
            return core::makeError(errc::kLost, name_ + ": " + std::strerror(errno));
        }
        if (r == 0) {
            if (!line_.empty()) {
                line_.clear();
                shift_ = false;
                core::logWarn("device.bad_input", {{"device", name_}, {"reason", "code interrupted"}});
                return core::makeError(errc::kBadInput, name_ + ": keystrokes stopped before Enter");
            }
            return std::optional<std::string>{};
        }
        if (p.revents & (POLLERR | POLLNVAL)) {
            setState(DeviceState::Lost, "device error (unplugged?)");
            return core::makeError(errc::kLost, name_ + ": device error (unplugged?)");
        }
        input_event ev[64];
        ssize_t n = ::read(fd_, ev, sizeof ev);
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR) continue;
            setState(DeviceState::Lost, std::strerror(errno));
            return core::makeError(errc::kLost, name_ + ": " + std::strerror(errno));
        }
        if (n == 0) {  // the writer went away (a FIFO); a real evdev node reports ENODEV instead
            if (p.revents & POLLHUP) {
                setState(DeviceState::Lost, "hung up");
                return core::makeError(errc::kLost, name_ + ": hung up");
            }
            continue;
        }
        const std::size_t count = static_cast<std::size_t>(n) / sizeof(input_event);
        for (std::size_t i = 0; i < count; ++i) {
            const input_event& e = ev[i];
            if (e.type != EV_KEY) continue;
            if (e.code == KEY_LEFTSHIFT || e.code == KEY_RIGHTSHIFT) {
                shift_ = e.value != 0;
                continue;
            }
            if (e.value != 1) continue;  // presses only (no releases, no auto-repeat)
            if (e.code == KEY_ENTER || e.code == KEY_KPENTER) {
                if (line_.empty()) continue;
                std::string text = std::move(line_);
                line_.clear();
                setState(DeviceState::Ready, "");
                core::logInfo("qr.read", {{"device", name_}, {"qr", core::hashForLog(text)}});
                // Keystrokes after Enter in this batch belong to the next code: keep them.
                for (std::size_t j = i + 1; j < count; ++j) {
                    const input_event& f = ev[j];
                    if (f.type != EV_KEY) continue;
                    if (f.code == KEY_LEFTSHIFT || f.code == KEY_RIGHTSHIFT) {
                        shift_ = f.value != 0;
                    } else if (f.value == 1) {
                        KeyChars kc = keyChars(f.code);
                        if (kc.plain) line_.push_back(shift_ ? kc.shifted : kc.plain);
                    }
                }
                return std::optional<std::string>{std::move(text)};
            }
            KeyChars kc = keyChars(e.code);
            if (!kc.plain) {
                line_.clear();
                core::logWarn("device.bad_input", {{"device", name_}, {"reason", "unmapped key"}});
                return core::makeError(errc::kBadInput, name_ + ": key code " + std::to_string(e.code) + " is not text");
            }
            line_.push_back(shift_ ? kc.shifted : kc.plain);
            if (line_.size() > config_.maxLineLength) {
                line_.clear();
                return core::makeError(errc::kBadInput, name_ + ": code longer than " + std::to_string(config_.maxLineLength));
            }
        }
    }
}

DeviceHealth HidQrScanner::health() const {
    std::lock_guard lock(mu_);
    return health_;
}

}  // namespace kiosk::devices::io
