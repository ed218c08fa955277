#include <cstdio>
#include <iostream>

#include "tools/command.h"

namespace kiosk::tools {

static std::vector<Command>& registry() {
    static std::vector<Command> r;
    return r;
}

bool registerCommand(Command c) {
    registry().push_back(std::move(c));
    return true;
}

const std::vector<Command>& commands() { return registry(); }

std::string option(const Args& args, const std::string& name, const std::string& fallback) {
    for (std::size_t i = 0; i + 1 < args.size(); ++i)
        if (args[i] == name) return args[i + 1];
    return fallback;
}

bool flag(const Args& args, const std::string& name) {
    for (const auto& a : args)
        if (a == name) return true;
    return false;
}

}  // namespace kiosk::tools

int main(int argc, char** argv) {
    using namespace kiosk::tools;
    auto usage = [] {
        std::cerr << "usage: kioskctl <group> <command> [options]\n\n";
        for (const auto& c : commands())
            std::cerr << "  " << c.group << " " << c.name << " " << c.usage << "\n      " << c.summary << "\n";
        return 2;
    };
    if (argc < 3) return usage();
    const std::string group = argv[1], name = argv[2];
    for (const auto& c : commands()) {
        if (c.group == group && c.name == name) {
            Args args(argv + 3, argv + argc);
            return c.run(args);
        }
    }
    std::cerr << "kioskctl: unknown command '" << group << " " << name << "'\n";
    return usage();
}
