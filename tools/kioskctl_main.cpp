#include <cstdio>
#include <iostream>
#include <set>

#include "core/config.h"
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

// One line per option of `args` that the command's usage does not name, with a hint.
std::vector<std::string> unknownOptions(const Command& command, const Args& args) {
    // The usage line is the command's whole option list: an option it does not name would
    // be ignored silently (a misspelt --kye would leave the default key in use).
    // Every "--" followed by [a-z0-9] and then [a-z0-9-]* (a scan, not std::regex: GCC 12
    // warns inside <regex> at -O2, a false positive).
    auto nameChar = [](char ch, bool first) {
        return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || (!first && ch == '-');
    };
    std::set<std::string> known;
    const std::string& usage = command.usage;
    for (std::size_t i = usage.find("--"); i != std::string::npos; i = usage.find("--", i)) {
        std::size_t end = i + 2;
        if (end >= usage.size() || !nameChar(usage[end], true)) {
            ++i;  // "---x": the name may start one further on
            continue;
        }
        while (end < usage.size() && nameChar(usage[end], false)) ++end;
        known.insert(usage.substr(i, end - i));
        i = end;
    }
    const std::vector<std::string> candidates(known.begin(), known.end());
    std::vector<std::string> unknown;
    for (const auto& a : args) {
        if (a.rfind("--", 0) != 0) continue;
        const std::string name = a.substr(0, a.find('='));
        if (name != a) {
            unknown.push_back("'" + a + "' (write " + name + " VALUE, not " + name + "=VALUE)");
        } else if (!known.count(name)) {
            const std::string hint = core::nearestKey(name, candidates);
            unknown.push_back("'" + a + "'" + (hint.empty() ? "" : " (did you mean " + hint + "?)"));
        }
    }
    return unknown;
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
            if (const auto unknown = unknownOptions(c, args); !unknown.empty()) {
                for (const auto& u : unknown)
                    std::cerr << "kioskctl " << group << " " << name << ": unknown option " << u << "\n";
                std::cerr << "usage: kioskctl " << group << " " << name << " " << c.usage << "\n";
                return 2;
            }
            return c.run(args);
        }
    }
    std::cerr << "kioskctl: unknown command '" << group << " " << name << "'\n";
    return usage();
}
