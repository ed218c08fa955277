// kioskctl refuses an option its command does not take: a misspelt `--kye` used to be
// ignored, so the command ran with its default (an unknown key is an error, with a hint).
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "system_support.h"
#include "tests/support/test_support.h"

namespace kiosk::testing {
namespace {

namespace fs = std::filesystem;

struct Listed {
    std::string group, name, usage;
};

// The commands as `kioskctl` without arguments lists them ("  group name usage").
std::vector<Listed> listedCommands(const fs::path& kioskctl, const fs::path& dir) {
    const fs::path log = dir / "usage.log";
    (void)runCommand("'" + kioskctl.string() + "'", log);
    std::istringstream in(readText(log));
    std::vector<Listed> out;
    for (std::string line; std::getline(in, line);) {
        if (line.rfind("  ", 0) != 0 || line.rfind("      ", 0) == 0) continue;
        std::istringstream l(line);
        Listed c;
        l >> c.group >> c.name;
        std::getline(l, c.usage);
        out.push_back(c);
    }
    return out;
}

std::set<std::string> optionsIn(const std::string& text, const std::regex& re) {
    std::set<std::string> names;
    for (std::sregex_iterator it(text.begin(), text.end(), re), end; it != end; ++it) names.insert((*it)[1].str());
    return names;
}

TEST(KioskctlOptions, EveryCommandRefusesAnOptionItsUsageDoesNotName) {
    const fs::path kioskctl = buildDir() / "tools/kioskctl";
    if (!fs::exists(kioskctl)) GTEST_SKIP() << "kioskctl not built";
    const fs::path dir = tempDir("kioskctl-options");
    const auto commands = listedCommands(kioskctl, dir);
    ASSERT_GE(commands.size(), 30u) << readText(dir / "usage.log");
    for (const auto& c : commands) {
        const fs::path log = dir / (c.group + "-" + c.name + ".log");
        EXPECT_EQ(runCommand("'" + kioskctl.string() + "' " + c.group + " " + c.name + " --no-such-option 1", log), 2)
            << c.group << " " << c.name << ": " << readText(log);
        EXPECT_NE(readText(log).find("unknown option '--no-such-option'"), std::string::npos)
            << c.group << " " << c.name << ": " << readText(log);
    }
}

TEST(KioskctlOptions, AMisspeltOptionIsNamedWithAHintAndNothingRuns) {
    const fs::path kioskctl = buildDir() / "tools/kioskctl";
    if (!fs::exists(kioskctl)) GTEST_SKIP() << "kioskctl not built";
    const fs::path dir = tempDir("kioskctl-misspelt");
    const fs::path key = dir / "store.key";

    EXPECT_EQ(runCommand("'" + kioskctl.string() + "' journal create-key --ot '" + key.string() + "'", dir / "a.log"), 2);
    EXPECT_NE(readText(dir / "a.log").find("unknown option '--ot' (did you mean --out?)"), std::string::npos)
        << readText(dir / "a.log");
    EXPECT_FALSE(fs::exists(key));

    EXPECT_EQ(runCommand("'" + kioskctl.string() + "' journal create-key --out='" + key.string() + "'", dir / "b.log"), 2);
    EXPECT_NE(readText(dir / "b.log").find("(write --out VALUE, not --out=VALUE)"), std::string::npos)
        << readText(dir / "b.log");
    EXPECT_FALSE(fs::exists(key));

    // The same command spelt right does run: the refusal above is the option, not the command.
    EXPECT_EQ(runCommand("'" + kioskctl.string() + "' journal create-key --out '" + key.string() + "'", dir / "c.log"), 0)
        << readText(dir / "c.log");
    EXPECT_TRUE(fs::exists(key));
}

// The usage line is what the refusal checks against, so an option a command reads but
// its usage forgets would be refused even when spelt right: every option a command file
// reads must be named in that file's usage lines.
TEST(KioskctlOptions, EveryOptionTheToolsReadIsInTheirUsage) {
    const std::regex read(R"re((?:option|flag|intOption)\(args, "(--[a-z0-9-]+)")re");
    const std::regex named(R"re((--[a-z0-9][a-z0-9-]*))re");
    int files = 0;
    for (const auto& e : fs::directory_iterator(sourceDir() / "tools")) {
        const std::string file = e.path().filename().string();
        if (file.rfind("cmd_", 0) != 0 || e.path().extension() != ".cpp") continue;
        ++files;
        const std::string text = readText(e.path());
        // Usage text: the string literals of the KIOSKCTL_COMMAND registrations.
        std::string usage;
        for (std::size_t at = text.find("KIOSKCTL_COMMAND({"); at != std::string::npos;
             at = text.find("KIOSKCTL_COMMAND({", at + 1))
            usage += text.substr(at, text.find("\",\n", text.find("\",\n", at) + 3) - at);
        const auto used = optionsIn(text, read), listed = optionsIn(usage, named);
        for (const auto& o : used) EXPECT_TRUE(listed.count(o)) << file << " reads " << o << " but no usage names it";
    }
    EXPECT_GE(files, 8);
}

}  // namespace
}  // namespace kiosk::testing
