#include "server/repository.h"

#include <array>
#include <utility>

namespace kiosk::server {

namespace {

constexpr std::array<std::pair<CommandState, const char*>, 6> kCommandStates = {{
    {CommandState::Pending, "pending"},
    {CommandState::Delivered, "delivered"},
    {CommandState::Applied, "applied"},
    {CommandState::Refused, "refused"},
    {CommandState::Failed, "failed"},
    {CommandState::Expired, "expired"},
}};

bool startsWith(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

}  // namespace

const char* toString(CommandState s) {
    for (const auto& [state, name] : kCommandStates)
        if (state == s) return name;
    return "pending";
}

std::optional<CommandState> parseCommandState(const std::string& s) {
    for (const auto& [state, name] : kCommandStates)
        if (s == name) return state;
    return std::nullopt;
}

core::Result<std::unique_ptr<Repository>> openRepository(const std::string& url) {
    if (startsWith(url, "postgresql://") || startsWith(url, "postgres://")) return openPostgresRepository(url);
    std::string path = url;
    if (startsWith(path, "sqlite:")) {
        path = path.substr(7);
        // "sqlite:///var/lib/x.db" and "sqlite:/var/lib/x.db" name the same file.
        if (startsWith(path, "//")) path = path.substr(2);
    } else if (path.find("://") != std::string::npos) {
        return core::makeError("repo.open_failed",
                               "unsupported database URL scheme (use sqlite:PATH, a file path, or postgresql://...)");
    }
    if (path.empty()) return core::makeError("repo.open_failed", "empty SQLite database path");
    return openSqliteRepository(path);
}

}  // namespace kiosk::server
