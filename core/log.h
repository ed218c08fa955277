#pragma once
// Structured logging: one JSON object per line. Personal data never goes in: pass
// document numbers through maskDocumentNumber() and QR texts through hashForLog().
#include <functional>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

namespace kiosk::core {

enum class LogLevel { Debug = 0, Info = 1, Warn = 2, Error = 3 };

class Logger {
public:
    using Sink = std::function<void(const std::string& line)>;

    static Logger& instance();

    void setSink(Sink sink);           // default: stderr
    void setLevel(LogLevel level);
    // Time source for the "ts" field; simulated runs give the fake clock's time.
    void setTimeSource(std::function<std::string()> now);

    void log(LogLevel level, const std::string& event, nlohmann::json fields = nlohmann::json::object());

private:
    Logger();
    std::mutex mu_;
    Sink sink_;
    LogLevel level_ = LogLevel::Info;
    std::function<std::string()> now_;
};

inline void logDebug(const std::string& e, nlohmann::json f = nlohmann::json::object()) {
    Logger::instance().log(LogLevel::Debug, e, std::move(f));
}
inline void logInfo(const std::string& e, nlohmann::json f = nlohmann::json::object()) {
    Logger::instance().log(LogLevel::Info, e, std::move(f));
}
inline void logWarn(const std::string& e, nlohmann::json f = nlohmann::json::object()) {
    Logger::instance().log(LogLevel::Warn, e, std::move(f));
}
inline void logError(const std::string& e, nlohmann::json f = nlohmann::json::object()) {
    Logger::instance().log(LogLevel::Error, e, std::move(f));
}

// "K1234567(8)" -> "K1*****(8)"-style: keeps the first 2 and the last 2 characters.
std::string maskDocumentNumber(const std::string& number);
// First 16 hex characters of SHA-256: enough to correlate log lines, useless to recover a QR.
std::string hashForLog(const std::string& text);
// Full lowercase hex SHA-256.
std::string sha256Hex(const std::string& bytes);

}  // namespace kiosk::core
