#include "devices/io/serial_scanners.h"

#include <chrono>

#include "core/log.h"

namespace kiosk::devices::io {

namespace {

void noteError(std::mutex& mu, DeviceHealth& h, const core::Error& e) {
    std::lock_guard lock(mu);
    if (e.code == errc::kLost) {
        h.state = DeviceState::Lost;
    } else if (e.code != errc::kBadInput) {
        h.state = DeviceState::Fault;
    }
    h.detail = e.code;
}

void noteOk(std::mutex& mu, DeviceHealth& h) {
    std::lock_guard lock(mu);
    h.state = DeviceState::Ready;
    h.detail.clear();
}

bool isMrzChar(char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '<'; }

}  // namespace

// ------------------------------------------------------------------------- QR scanner

SerialQrScanner::SerialQrScanner(std::unique_ptr<SerialPort> port, std::string name)
    : port_(std::move(port)), name_(std::move(name)) {
    health_.device = name_;
    port_->discardInput();
}

core::Result<std::optional<std::string>> SerialQrScanner::waitForCode(core::Millis timeout) {
    {
        std::lock_guard lock(mu_);
        if (health_.state == DeviceState::Lost) return core::makeError(errc::kLost, name_ + ": serial line lost");
    }
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        auto left = std::chrono::duration_cast<core::Millis>(deadline - std::chrono::steady_clock::now());
        if (left.count() < 0) return std::optional<std::string>{};
        auto line = port_->readLine(left);
        if (!line.ok()) {
            noteError(mu_, health_, line.error());
            return line.error();
        }
        if (!*line) return std::optional<std::string>{};
        const std::string& text = **line;
        if (text.empty()) continue;  // a bare line ending between codes
        for (unsigned char c : text) {
            if (c < 0x20 || c > 0x7e) {
                core::logWarn("device.bad_input", {{"device", name_}, {"reason", "non-printable byte"}});
                return core::makeError(errc::kBadInput, name_ + ": scanner sent a non-printable byte");
            }
        }
        noteOk(mu_, health_);
        core::logInfo("qr.read", {{"device", name_}, {"qr", core::hashForLog(text)}});
        return std::optional<std::string>{text};
    }
}

DeviceHealth SerialQrScanner::health() const {
    std::lock_guard lock(mu_);
    return health_;
}

// -------------------------------------------------------------------- document reader

core::Status checkMrzShape(const std::vector<std::string>& lines) {
    if (lines.empty()) return core::makeError(errc::kBadInput, "no MRZ lines");
    const std::size_t len = lines.front().size();
    const std::size_t want = len == 30 ? 3 : len == 44 ? 2 : 0;
    if (want == 0) {
        return core::makeError(errc::kBadInput, "MRZ line of " + std::to_string(len) + " characters (TD1 has 30, TD3 has 44)");
    }
    if (lines.size() != want) {
        return core::makeError(errc::kBadInput, "MRZ has " + std::to_string(lines.size()) + " lines of " + std::to_string(len) +
                                                    ", expected " + std::to_string(want));
    }
    for (std::size_t i = 0; i < lines.size(); ++i) {
        if (lines[i].size() != len) {
            return core::makeError(errc::kBadInput, "MRZ line " + std::to_string(i + 1) + " has " + std::to_string(lines[i].size()) +
                                                        " characters, expected " + std::to_string(len));
        }
        for (char c : lines[i]) {
            if (!isMrzChar(c)) {
                return core::makeError(errc::kBadInput, "MRZ line " + std::to_string(i + 1) + " holds a character outside A-Z 0-9 <");
            }
        }
    }
    return {};
}

SerialDocumentReader::SerialDocumentReader(std::unique_ptr<SerialPort> port, core::Millis interLine, std::string name)
    : port_(std::move(port)), interLine_(interLine), name_(std::move(name)) {
    health_.device = name_;
    port_->discardInput();
}

core::Result<std::optional<std::vector<std::string>>> SerialDocumentReader::waitForMrz(core::Millis timeout) {
    using Out = std::optional<std::vector<std::string>>;
    {
        std::lock_guard lock(mu_);
        if (health_.state == DeviceState::Lost) return core::makeError(errc::kLost, name_ + ": serial line lost");
    }
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::vector<std::string> lines;
    std::size_t want = 0;
    for (;;) {
        core::Millis wait = interLine_;
        if (lines.empty()) {
            wait = std::chrono::duration_cast<core::Millis>(deadline - std::chrono::steady_clock::now());
            if (wait.count() < 0) return Out{};
        }
        auto line = port_->readLine(wait);
        if (!line.ok()) {
            noteError(mu_, health_, line.error());
            return line.error();
        }
        if (!*line) {
            if (lines.empty()) return Out{};
            core::logWarn("device.bad_input", {{"device", name_}, {"reason", "incomplete MRZ"}});
            return core::makeError(errc::kBadInput, name_ + ": incomplete MRZ (" + std::to_string(lines.size()) + " of " +
                                                        std::to_string(want) + " lines)");
        }
        std::string text = **line;
        while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.pop_back();
        if (text.empty()) {
            if (lines.empty()) continue;  // blank lines between documents
            core::logWarn("device.bad_input", {{"device", name_}, {"reason", "blank line inside MRZ"}});
            return core::makeError(errc::kBadInput, name_ + ": blank line inside the MRZ");
        }
        lines.push_back(std::move(text));
        if (lines.size() == 1) {
            want = lines[0].size() == 30 ? 3 : lines[0].size() == 44 ? 2 : 0;
        }
        // Check what has arrived so far (missing lines padded with filler).
        std::vector<std::string> padded = lines;
        while (want > 0 && padded.size() < want) padded.push_back(std::string(lines[0].size(), '<'));
        auto shape = checkMrzShape(padded);
        if (!shape.ok()) {
            core::logWarn("device.bad_input", {{"device", name_}, {"reason", "malformed MRZ"}});
            port_->discardInput();
            return core::makeError(errc::kBadInput, name_ + ": " + shape.error().message);
        }
        if (lines.size() < want) continue;
        noteOk(mu_, health_);
        core::logInfo("document.read", {{"device", name_}, {"format", want == 3 ? "TD1" : "TD3"}});
        return Out{std::move(lines)};
    }
}

DeviceHealth SerialDocumentReader::health() const {
    std::lock_guard lock(mu_);
    return health_;
}

}  // namespace kiosk::devices::io
