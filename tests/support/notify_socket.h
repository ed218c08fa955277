#pragma once
// The receiving end of systemd's notify protocol, as the service manager has it: a unix
// datagram socket whose path goes into a child's NOTIFY_SOCKET. Tests read back what a
// program sent (READY=1, WATCHDOG=1, STOPPING=1).
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace kiosk::testing {

class NotifySocket {
public:
    explicit NotifySocket(const std::filesystem::path& dir);  // binds dir/notify.sock
    ~NotifySocket();
    NotifySocket(const NotifySocket&) = delete;
    NotifySocket& operator=(const NotifySocket&) = delete;

    const std::filesystem::path& path() const { return path_; }
    bool ok() const { return fd_ >= 0; }
    // Every message received so far, in order (each message as sent, lines joined by \n).
    const std::vector<std::string>& messages() const { return messages_; }
    // Reads until a message holding the line `state` (e.g. "WATCHDOG=1") arrives, or the
    // deadline passes; true when it came (now or earlier, after `fromIndex`).
    bool waitFor(const std::string& state, std::chrono::milliseconds deadline, std::size_t fromIndex = 0);
    // Reads what has arrived, waiting at most `wait` for the first message.
    void drain(std::chrono::milliseconds wait = std::chrono::milliseconds(0));
    std::size_t count(const std::string& state) const;

private:
    bool has(const std::string& state, std::size_t fromIndex) const;
    std::filesystem::path path_;
    int fd_ = -1;
    std::vector<std::string> messages_;
};

}  // namespace kiosk::testing
