#pragma once
// kioskctl sub-commands register themselves here, one file per command group
// (cmd_credentials.cpp, cmd_face.cpp, ...), so groups can be added without touching main.
#include <functional>
#include <string>
#include <vector>

namespace kiosk::tools {

using Args = std::vector<std::string>;

struct Command {
    std::string group;    // "trust", "token", "face", ...
    std::string name;     // "create", "convert-model", ...
    std::string usage;    // one line: arguments
    std::string summary;  // one line: what it does
    std::function<int(const Args&)> run;  // exit code; prints its own errors to stderr
};

bool registerCommand(Command c);
const std::vector<Command>& commands();

// --key value / --flag lookup in Args.
std::string option(const Args& args, const std::string& name, const std::string& fallback = "");
bool flag(const Args& args, const std::string& name);

}  // namespace kiosk::tools

#define KIOSKCTL_CONCAT_(a, b) a##b
#define KIOSKCTL_CONCAT(a, b) KIOSKCTL_CONCAT_(a, b)
#define KIOSKCTL_COMMAND(...) \
    static const bool KIOSKCTL_CONCAT(kioskctl_reg_, __LINE__) = ::kiosk::tools::registerCommand(__VA_ARGS__)
