#include "core/log.h"

#include <openssl/evp.h>

#include <cstdio>

#include "core/clock.h"

namespace kiosk::core {

Logger& Logger::instance() {
    static Logger logger;
    return logger;
}

namespace {
std::string systemTime() { return formatIsoUtc(std::chrono::system_clock::now()); }
}  // namespace

Logger::Logger()
    : sink_([](const std::string& line) {
          std::fputs(line.c_str(), stderr);
          std::fputc('\n', stderr);
      }),
      now_(systemTime) {}

void Logger::setSink(Sink sink) {
    std::lock_guard lock(mu_);
    sink_ = std::move(sink);
}

void Logger::setLevel(LogLevel level) {
    std::lock_guard lock(mu_);
    level_ = level;
}

// nullptr gives the system clock back (the default): whoever sets a clock of its own resets
// it before that clock goes (the scenario runners do so in their destructors).
void Logger::setTimeSource(std::function<std::string()> now) {
    std::lock_guard lock(mu_);
    now_ = now ? std::move(now) : std::function<std::string()>(systemTime);
}

void Logger::log(LogLevel level, const std::string& event, nlohmann::json fields) {
    static const char* names[] = {"debug", "info", "warn", "error"};
    std::lock_guard lock(mu_);
    if (level < level_ || !sink_) return;
    nlohmann::json line = nlohmann::json::object();
    line["ts"] = now_ ? now_() : "";
    line["level"] = names[static_cast<int>(level)];
    line["event"] = event;
    if (fields.is_object())
        for (auto& [k, v] : fields.items()) line[k] = v;
    sink_(line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

std::string maskDocumentNumber(const std::string& number) {
    if (number.size() <= 4) return std::string(number.size(), '*');
    return number.substr(0, 2) + std::string(number.size() - 4, '*') + number.substr(number.size() - 2);
}

std::string sha256Hex(const std::string& bytes) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(bytes.data(), bytes.size(), md, &len, EVP_sha256(), nullptr);
    static const char* hex = "0123456789abcdef";
    std::string out;
    out.reserve(len * 2);
    for (unsigned i = 0; i < len; ++i) {
        out.push_back(hex[md[i] >> 4]);
        out.push_back(hex[md[i] & 15]);
    }
    return out;
}

std::string hashForLog(const std::string& text) { return sha256Hex(text).substr(0, 16); }

}  // namespace kiosk::core
