// The officer bootstrap command (officer_cli.h): writes straight to the database the server
// uses, audited as system:cli. The password comes from stdin or a file, never from argv
// (which other users of the machine can read in the process list).
#include "server/officer_cli.h"

#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "core/clock.h"
#include "server/api_console.h"
#include "server/console_repository.h"
#include "server/console_secrets.h"
#include "server/repository.h"
#include "server/server_config.h"

namespace kiosk::server {

namespace {

constexpr const char* kUsage =
    "usage: clearance-server --config FILE [--db URL] officer add NAME --role officer|supervisor|admin "
    "[--password-file FILE]\n"
    "       (the password is the first line of stdin, or of --password-file)\n";

int usage(const std::string& why) {
    std::cerr << "clearance-server: " << why << "\n" << kUsage;
    return 2;
}

bool takesValue(const std::string& a) {
    return a == "--config" || a == "--db" || a == "--port" || a == "--console-port";
}

}  // namespace

std::optional<int> runOfficerCli(int argc, const char* const* argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    size_t at = args.size();
    for (size_t i = 0; i < args.size(); ++i) {
        if (takesValue(args[i])) {
            ++i;
            continue;
        }
        if (args[i] == "officer") {
            at = i;
            break;
        }
    }
    if (at == args.size()) return std::nullopt;

    std::string configFile, dbOverride, name, role, passwordFile;
    for (size_t i = 0; i < at; ++i) {
        if (i + 1 >= at) return usage("option " + args[i] + " needs a value");
        if (args[i] == "--config") configFile = args[++i];
        else if (args[i] == "--db") dbOverride = args[++i];
        else return usage("unknown option before 'officer': " + args[i]);
    }
    if (at + 2 >= args.size() || args[at + 1] != "add") return usage("expected: officer add NAME --role ROLE");
    name = args[at + 2];
    for (size_t i = at + 3; i < args.size(); ++i) {
        if (i + 1 >= args.size()) return usage("option " + args[i] + " needs a value");
        if (args[i] == "--role") role = args[++i];
        else if (args[i] == "--password-file") passwordFile = args[++i];
        else return usage("unknown option: " + args[i]);
    }
    if (configFile.empty()) return usage("--config is required");
    if (!isOfficerName(name)) return usage("name: must be [A-Za-z0-9._-]{1,64}");
    if (!parseOfficerRole(role)) return usage("--role: must be officer, supervisor or admin");

    std::string password;
    if (!passwordFile.empty()) {
        std::ifstream in(passwordFile);
        if (!in) return usage("--password-file: cannot read " + passwordFile);
        std::getline(in, password);
    } else {
        std::getline(std::cin, password);
    }
    if (!password.empty() && password.back() == '\r') password.pop_back();
    if (!isAcceptablePassword(password)) return usage("password: must be 12 to 128 characters without control characters");

    auto cfg = loadServerConfig(configFile);
    if (!cfg.ok()) {
        std::cerr << "clearance-server: " << configFile << ": " << cfg.error().code << ": " << cfg.error().message << "\n";
        return 2;
    }
    const std::string url = dbOverride.empty() ? cfg->db : dbOverride;
    auto repo = openRepository(url);  // migrates
    if (!repo.ok()) {
        std::cerr << "clearance-server: cannot open the database: " << repo.error().message << "\n";
        return 1;
    }
    auto console = openConsoleRepository(url);
    if (!console.ok()) {
        std::cerr << "clearance-server: cannot open the console records: " << console.error().message << "\n";
        return 1;
    }
    auto hash = hashPassword(password, PasswordCost{});
    if (!hash.ok()) {
        std::cerr << "clearance-server: " << hash.error().message << "\n";
        return 1;
    }
    const int64_t now = core::toUnixSeconds(core::SystemClock().wallNow());
    Officer o;
    o.name = name;
    o.role = role;
    o.passwordHash = *hash;
    o.createdAt = now;
    o.passwordChangedAt = now;
    if (auto st = (*console)->createOfficer(o); !st.ok()) {
        std::cerr << "clearance-server: "
                  << (st.error().code == "repo.conflict" ? "officer " + name + " exists already" : st.error().message)
                  << "\n";
        return 1;
    }
    if (auto a = (*console)->appendAudit(now, "system:cli", "officer.create",
                                         "officer " + name + " created as " + role + " on the command line", name);
        !a.ok()) {
        std::cerr << "clearance-server: audit: " << a.error().message << "\n";
        return 1;
    }
    std::cout << "clearance-server: officer " << name << " added (" << role << ")\n";
    return 0;
}

}  // namespace kiosk::server
