// The packages under a real systemd (scripts/systemd-check): a Debian 12 container booted
// with systemd as PID 1, the three .debs installed there with apt, both services configured
// as docs/deployment.md says and checked by what systemd itself reports. The script prints
// one line per check ("ok   NAME (...)" / "FAIL NAME: why"); every check named below must be
// there and ok, so a check that silently stopped running fails this test too. Where no
// container can be booted the script exits 77 with the reason and the test skips with it.
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/support/test_support.h"

namespace kiosk::testing {
namespace {

struct Checked {
    int exit = -1;
    std::string out;
    std::map<std::string, std::string> checks;  // name -> "ok" or the failure's text
};

Checked runSystemdCheck() {
    Checked c;
    const std::string cmd = "bash '" + (sourceDir() / "scripts/systemd-check").string() + "' --packages '" +
                            (buildDir() / "packages").string() + "' --logs '" + (buildDir() / "systemd-check").string() +
                            "' 2>&1";
    std::FILE* p = ::popen(cmd.c_str(), "r");
    if (!p) return c;
    std::array<char, 4096> buf{};
    while (std::fgets(buf.data(), static_cast<int>(buf.size()), p)) {
        std::cout << buf.data() << std::flush;  // the ctest log shows the run as it goes
        c.out += buf.data();
    }
    const int st = ::pclose(p);
    c.exit = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
    std::istringstream lines(c.out);
    for (std::string line; std::getline(lines, line);) {
        if (line.rfind("ok   ", 0) == 0) {
            std::istringstream rest(line.substr(5));
            std::string name;
            rest >> name;
            c.checks.emplace(name, "ok");
        } else if (line.rfind("FAIL ", 0) == 0) {
            const std::string rest = line.substr(5);
            c.checks[rest.substr(0, rest.find(':'))] = rest;
        }
    }
    return c;
}

std::vector<std::string> expectedChecks() {
    std::vector<std::string> names = {
        "install.apt", "install.user.kiosk", "install.user.clearance", "install.kiosk_key",
        "install.kiosk.enabled", "install.server.enabled", "install.kiosk.condition_unmet", "install.server.not_started",
        "verify.kiosk-lane.service", "verify.clearance-server.service", "verify.control",
        "verify.kiosk-lane.service+headless", "server.configure", "start.kiosk-lane.status",
        "server.officer_add", "server.restart_after_officer_add", "server.active_after_restart", "server.db_owner",
        "start.clearance-server.listens.8443", "start.clearance-server.listens.8444",
        "sandbox.kiosk-lane.credential", "sandbox.kiosk-lane.supplementary_groups", "stop.kiosk-lane.doors_closed",
        "container.poweroff"};
    for (const std::string u : {"kiosk-lane", "clearance-server"}) {
        for (const char* c : {"start.%.active", "start.%.ready", "sandbox.%.uid", "sandbox.%.no_new_privs",
                              "sandbox.%.seccomp_filter", "sandbox.%.no_capabilities", "sandbox.%.writes_state",
                              "sandbox.%.etc_read_only_mount", "sandbox.%.private_tmp", "sandbox.%.protect_proc",
                              "sandbox.%.protect_home", "sandbox.%.analyze_security", "watchdog.%.restarted",
                              "watchdog.%.result_watchdog", "stop.%", "stop.%.result", "stop.%.time"}) {
            std::string n = c;
            n.replace(n.find('%'), 1, u);
            names.push_back(n);
        }
        for (const char* path : {"/etc", "/usr/bin", "/var/lib", "/var/cache", "/root", "/home", "/srv"})
            names.push_back("sandbox." + u + ".no_write." + path);
    }
    return names;
}

TEST(SystemdBoot, PackagedUnitsRunUnderSystemdAsPid1) {
    const Checked c = runSystemdCheck();
    if (c.exit == 77) {
        const auto at = c.out.find("SKIP: ");
        GTEST_SKIP() << (at == std::string::npos ? c.out : c.out.substr(at + 6));
    }
    for (const auto& name : expectedChecks()) {
        const auto it = c.checks.find(name);
        if (it == c.checks.end()) {
            ADD_FAILURE() << "check " << name << " did not run";
        } else {
            EXPECT_EQ(it->second, "ok") << name;
        }
    }
    // No check beyond the expected ones failed either.
    for (const auto& [name, result] : c.checks) EXPECT_EQ(result, "ok") << name;
    EXPECT_EQ(c.exit, 0) << "scripts/systemd-check (logs: build/systemd-check/)";
}

}  // namespace
}  // namespace kiosk::testing
