// The Debian packages of deploy/ (built by the fixture test DebPackagesBuilt: cpack -G DEB):
// their files and control data (dpkg-deb), their systemd units (systemd-analyze verify and
// security, in the packages' own tree), an install into a throwaway root with their
// maintainer scripts (dpkg --root), and the packaged server started as its unit starts it.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "tests/support/notify_socket.h"
#include "tests/support/test_support.h"

namespace kiosk::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

struct Ran {
    int exit = -1;
    std::string out;  // stdout and stderr
};

// Runs a shell command line; its exit code and everything it printed.
Ran run(const std::string& cmd) {
    Ran r;
    std::FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
    if (!p) return r;
    std::array<char, 4096> buf{};
    for (std::size_t n; (n = std::fread(buf.data(), 1, buf.size(), p)) > 0;) r.out.append(buf.data(), n);
    const int st = ::pclose(p);
    r.exit = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
    return r;
}

std::string q(const fs::path& p) { return "'" + p.string() + "'"; }

std::string readAll(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// build/packages/<name>_<version>_<arch>.deb, as cpack named it.
fs::path package(const std::string& name) {
    const fs::path dir = buildDir() / "packages";
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec))
        if (e.path().filename().string().rfind(name + "_", 0) == 0 && e.path().extension() == ".deb") return e.path();
    return dir / (name + "_missing.deb");
}

const std::vector<std::string> kPackages = {"echannel-kiosk", "echannel-clearance-server", "echannel-tools"};

std::set<std::string> contents(const fs::path& deb) {
    std::set<std::string> files;
    std::istringstream lines(run("dpkg-deb --contents " + q(deb)).out);
    for (std::string line; std::getline(lines, line);) {
        // "-rwxr-xr-x root/root  123 2026-12-01 03:00 ./usr/bin/kiosk"
        const auto at = line.find(" ./");
        if (at != std::string::npos) files.insert(line.substr(at + 2));
    }
    return files;
}

// The packages unpacked (no scripts) into one tree, plus the host's systemd units so that
// systemd-analyze finds the targets the units name.
fs::path unpackedTree() {
    const fs::path root = tempDir("deb-tree");
    for (const auto& p : kPackages) EXPECT_EQ(run("dpkg-deb -x " + q(package(p)) + " " + q(root)).exit, 0) << p;
    fs::create_directories(root / "usr/lib/systemd/system");
    for (const char* dir : {"/lib/systemd/system", "/usr/lib/systemd/system"}) {
        std::error_code ec;
        for (const auto& e : fs::directory_iterator(dir, ec)) {
            const auto name = e.path().filename();
            if (e.path().extension() == ".target" && !fs::exists(root / "usr/lib/systemd/system" / name))
                fs::copy(e.path(), root / "usr/lib/systemd/system" / name, fs::copy_options::copy_symlinks, ec);
        }
    }
    return root;
}

TEST(DebPackages, EachPackageHoldsItsProgramUnitAndData) {
    for (const auto& p : kPackages) ASSERT_TRUE(fs::exists(package(p))) << package(p);
    const auto kiosk = contents(package("echannel-kiosk"));
    for (const char* f : {"/usr/bin/kiosk", "/lib/systemd/system/kiosk-lane.service", "/usr/lib/sysusers.d/echannel-kiosk.conf",
                          "/usr/share/echannel/assets/strings/strings.json", "/usr/share/echannel/examples/lane.json",
                          "/usr/share/echannel/models/dlib_face_recognition_resnet.dat",
                          "/usr/share/echannel/models/face_recognition_arcface.onnx",
                          "/usr/share/echannel/models/face_recognition_arcface.LICENSE",
                          "/usr/share/echannel/models/README", "/usr/share/doc/echannel-kiosk/face.md",
                          "/usr/share/doc/echannel-kiosk/deployment.md"})
        EXPECT_TRUE(kiosk.count(f)) << "echannel-kiosk lacks " << f;
    const auto server = contents(package("echannel-clearance-server"));
    for (const char* f : {"/usr/bin/clearance-server", "/lib/systemd/system/clearance-server.service",
                          "/usr/lib/sysusers.d/echannel-clearance-server.conf", "/usr/share/echannel/console/index.html",
                          "/usr/share/echannel/examples/server.json", "/usr/share/doc/echannel-clearance-server/server.md"})
        EXPECT_TRUE(server.count(f)) << "echannel-clearance-server lacks " << f;
    EXPECT_TRUE(contents(package("echannel-tools")).count("/usr/bin/kioskctl"));
    // Nothing under /etc (no conffile to merge), /usr/local or the build tree; no file in two packages.
    std::set<std::string> seen;
    for (const auto& p : kPackages)
        for (const auto& f : contents(package(p))) {
            EXPECT_NE(f.rfind("/etc/", 0), 0u) << p << ": " << f;
            EXPECT_NE(f.rfind("/usr/local", 0), 0u) << p << ": " << f;
            EXPECT_EQ(f.find(buildDir().string()), std::string::npos) << p << ": " << f;
            if (f.back() != '/') {
                EXPECT_TRUE(seen.insert(f).second) << f << " is in two packages";
            }
        }
}

TEST(DebPackages, ControlFieldsAndMaintainerScripts) {
    for (const auto& p : kPackages) {
        const fs::path deb = package(p);
        ASSERT_TRUE(fs::exists(deb)) << deb;
        EXPECT_EQ(run("dpkg-deb -f " + q(deb) + " Package").out, p + "\n");
        EXPECT_EQ(run("dpkg-deb -f " + q(deb) + " Version").out, std::string(KIOSK_PROJECT_VERSION) + "\n");
        // Depends from dpkg-shlibdeps: the C library and the libraries each binary links.
        const std::string depends = run("dpkg-deb -f " + q(deb) + " Depends").out;
        EXPECT_NE(depends.find("libc6"), std::string::npos) << p << ": " << depends;
        EXPECT_NE(depends.find("libssl3"), std::string::npos) << p << ": " << depends;
        if (p == "echannel-tools") continue;
        EXPECT_NE(depends.find("systemd"), std::string::npos) << p << ": " << depends;
        EXPECT_NE(depends.find("init-system-helpers"), std::string::npos) << p << ": " << depends;
        if (p == "echannel-kiosk") {
            for (const char* d : {"libdlib-data", "opencv-data", "fonts-noto-cjk", "espeak-ng", "libsdl2"})
                EXPECT_NE(depends.find(d), std::string::npos) << p << " does not depend on " << d << ": " << depends;
            // udev makes the groups input and render of the unit's SupplementaryGroups=;
            // without them systemd refuses to start the lane (216/GROUP, scripts/systemd-check).
            EXPECT_TRUE(std::regex_search(depends, std::regex("(^|, )udev(,|\n|$)"))) << depends;
        } else {
            EXPECT_NE(depends.find("libpqxx"), std::string::npos) << depends;
        }
        const fs::path control = tempDir("deb-control");
        ASSERT_EQ(run("dpkg-deb -e " + q(deb) + " " + q(control)).exit, 0);
        for (const char* script : {"postinst", "prerm", "postrm"}) {
            const fs::path s = control / script;
            ASSERT_TRUE(fs::exists(s)) << p << " has no " << script;
            EXPECT_NE(fs::status(s).permissions() & fs::perms::owner_exec, fs::perms::none) << p << ": " << script;
            EXPECT_EQ(run("sh -n " + q(s)).exit, 0) << p << ": " << script;
        }
        const std::string postinst = readAll(control / "postinst");
        EXPECT_NE(postinst.find("systemd-sysusers"), std::string::npos);
        EXPECT_NE(postinst.find("deb-systemd-helper"), std::string::npos);
        EXPECT_NE(postinst.find("DPKG_ROOT"), std::string::npos);
    }
}

TEST(DebPackages, UnitsPassSystemdAnalyzeVerifyInThePackagedTree) {
    for (const auto& p : kPackages) ASSERT_TRUE(fs::exists(package(p))) << package(p);
    const fs::path root = unpackedTree();
    for (const char* unit : {"kiosk-lane.service", "clearance-server.service"}) {
        // --root: the ExecStart binaries are the packaged ones, found in the tree.
        const Ran r = run("systemd-analyze verify --man=no --root=" + q(root) + " " + unit);
        EXPECT_EQ(r.exit, 0) << unit << ":\n" << r.out;
        EXPECT_EQ(r.out, "") << unit << ": systemd-analyze warned:\n" << r.out;
        const std::string text = readAll(root / "lib/systemd/system" / unit);
        for (const char* line : {"Type=notify", "WatchdogSec=30", "NoNewPrivileges=yes", "ProtectSystem=strict",
                                 "ProtectHome=yes", "PrivateTmp=yes", "CapabilityBoundingSet=\n",
                                 "SystemCallFilter=@system-service", "RestrictAddressFamilies=", "StateDirectory="})
            EXPECT_NE(text.find(line), std::string::npos) << unit << " lacks " << line;
    }
    // A broken unit is caught: the check can fail.
    const fs::path bad = root / "etc/systemd/system/broken.service";
    fs::create_directories(bad.parent_path());
    std::ofstream(bad) << "[Service]\nType=notify\nExecStart=/usr/bin/no-such-program\n";
    EXPECT_NE(run("systemd-analyze verify --man=no --root=" + q(root) + " broken.service").exit, 0);
}

TEST(DebPackages, UnitsAreRatedOkBySystemdAnalyzeSecurity) {
    const fs::path root = unpackedTree();
    static const std::regex overall(R"(Overall exposure level for \S+: ([0-9.]+) (\w+))");
    for (const char* unit : {"kiosk-lane.service", "clearance-server.service"}) {
        const Ran r = run("systemd-analyze security --no-pager --offline=true " + q(root / "lib/systemd/system" / unit));
        std::smatch m;
        ASSERT_TRUE(std::regex_search(r.out, m, overall)) << r.out;
        // 0 (locked down) .. 10 (exposed); "OK" is below 2.0 in systemd's scale.
        EXPECT_EQ(m[2].str(), "OK") << unit << "\n" << r.out;
        EXPECT_LT(std::stod(m[1].str()), 2.0) << unit << "\n" << r.out;
        std::cout << unit << ": exposure " << m[1] << " " << m[2] << "\n";
    }
}

// dpkg installs the packages, maintainer scripts included, into an empty folder: the
// scripts run on this machine with DPKG_ROOT pointing into it (never touching the host).
TEST(DebPackages, InstallIntoAThrowawayRootMakesUsersKeyAndEnablesUnits) {
    for (const auto& p : kPackages) ASSERT_TRUE(fs::exists(package(p))) << package(p);
    const fs::path root = tempDir("deb-root");
    for (const char* d : {"var/lib/dpkg/info", "var/lib/dpkg/updates", "var/lib/dpkg/triggers", "etc"})
        fs::create_directories(root / d);
    std::ofstream(root / "var/lib/dpkg/status").close();
    const std::string dpkg = "dpkg --root=" + q(root) + " --log=/dev/null --force-script-chrootless --force-depends" +
                             (::geteuid() != 0 ? " --force-not-root" : "") + " ";
    const Ran install = run(dpkg + "-i " + q(package("echannel-kiosk")) + " " + q(package("echannel-clearance-server")) +
                            " " + q(package("echannel-tools")));
    ASSERT_EQ(install.exit, 0) << install.out;
    EXPECT_NE(install.out.find("made /etc/kiosk/biometrics.key"), std::string::npos) << install.out;
    EXPECT_NE(install.out.find("copy /usr/share/echannel/examples/lane.json"), std::string::npos) << install.out;
    EXPECT_NE(run("dpkg --root=" + q(root) + " -s echannel-kiosk").out.find("Status: install ok installed"),
              std::string::npos);
    // The users, the key (root only, 32 bytes), the units enabled.
    const std::string passwd = readAll(root / "etc/passwd");
    EXPECT_TRUE(std::regex_search(passwd, std::regex("(^|\n)kiosk:x:[0-9]+:[0-9]+:"))) << passwd;
    EXPECT_TRUE(std::regex_search(passwd, std::regex("(^|\n)clearance:x:[0-9]+:[0-9]+:"))) << passwd;
    const fs::path key = root / "etc/kiosk/biometrics.key";
    ASSERT_TRUE(fs::exists(key));
    EXPECT_EQ(fs::file_size(key), 32u);
    struct stat st {};
    ASSERT_EQ(::stat(key.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    EXPECT_TRUE(fs::is_symlink(root / "etc/systemd/system/graphical.target.wants/kiosk-lane.service"));
    EXPECT_TRUE(fs::is_symlink(root / "etc/systemd/system/multi-user.target.wants/clearance-server.service"));
    // The server's configuration folder: root:clearance 0750, so the service (User=clearance)
    // can read its configuration and nobody else can (seen under systemd: a root:root folder
    // made the unit's --check-config fail with config.unreadable, scripts/systemd-check).
    std::smatch gid;
    const std::string group = readAll(root / "etc/group");
    ASSERT_TRUE(std::regex_search(group, gid, std::regex("(^|\n)clearance:x:([0-9]+):"))) << group;
    struct stat etc {};
    ASSERT_EQ(::stat((root / "etc/clearance-server").c_str(), &etc), 0);
    EXPECT_EQ(etc.st_mode & 0777, 0750u);
    EXPECT_EQ(etc.st_uid, ::geteuid());
    EXPECT_EQ(std::to_string(etc.st_gid), gid[2].str());
    const std::string keyBytes = readAll(key);

    // A store without its key: reinstalling makes no new key (it would orphan the templates).
    fs::create_directories(root / "var/lib/kiosk");
    std::ofstream(root / "var/lib/kiosk/kiosk.sqlite") << "a store";
    fs::remove(key);
    const Ran again = run(dpkg + "-i " + q(package("echannel-kiosk")));
    ASSERT_EQ(again.exit, 0) << again.out;
    EXPECT_FALSE(fs::exists(key)) << "a new key was made beside an existing store";
    EXPECT_NE(again.out.find("restore the key from its backup"), std::string::npos) << again.out;
    std::ofstream(key, std::ios::binary) << keyBytes;

    // Purge: the units are forgotten, the key and the data stay.
    const Ran purge = run(dpkg + "--purge echannel-kiosk echannel-clearance-server echannel-tools");
    ASSERT_EQ(purge.exit, 0) << purge.out;
    EXPECT_FALSE(fs::exists(root / "usr/bin/kiosk"));
    EXPECT_FALSE(fs::exists(root / "etc/systemd/system/graphical.target.wants/kiosk-lane.service"));
    EXPECT_TRUE(fs::exists(key));
    EXPECT_TRUE(fs::exists(root / "var/lib/kiosk/kiosk.sqlite"));
}

// The packaged face models: the ONNX recogniser (the example lane's default) is the pinned
// file itself, not a link into the build machine's cache, with its licence note beside it;
// the example lane names it; the packaged kioskctl runs it on two demo faces of one person.
TEST(DebPackages, TheKioskPackageCarriesTheOnnxRecogniserTheExampleLaneUses) {
    const fs::path root = unpackedTree();
    const fs::path models = root / "usr/share/echannel/models";
    const fs::path onnx = models / "face_recognition_arcface.onnx";
    ASSERT_TRUE(fs::exists(onnx));
    EXPECT_FALSE(fs::is_symlink(onnx));
    EXPECT_EQ(run("sha256sum " + q(onnx)).out.substr(0, 64),
              "87aacdfe57510db2af90c0251df680e8eec88f122ee94712121d09bcaaaf3581");
    EXPECT_NE(readAll(models / "face_recognition_arcface.LICENSE").find("MIT License"), std::string::npos);
    EXPECT_NE(readAll(models / "README").find("origin of the weights"), std::string::npos);
    const std::string lane = readAll(root / "usr/share/echannel/examples/lane.json");
    EXPECT_NE(lane.find("\"/usr/share/echannel/models/face_recognition_arcface.onnx\""), std::string::npos) << lane;
    EXPECT_EQ(lane.find("\"recogniser\": \"dlib_resnet\""), std::string::npos) << lane;
    // The first detection's cascade (docs/face.md "Detection") comes from Debian's opencv-data,
    // which the kiosk package depends on.
    const std::string cascade = "/usr/share/opencv4/lbpcascades/lbpcascade_frontalface.xml";
    EXPECT_NE(lane.find("\"" + cascade + "\""), std::string::npos) << lane;
    EXPECT_TRUE(fs::exists(cascade)) << cascade;

    const fs::path demo = buildDir() / "demo/faces/p1";
    if (!fs::exists(demo / "enrol.png")) GTEST_SKIP() << demo << " absent: run scripts/setup";
    const Ran cmp = run(q(root / "usr/bin/kioskctl") + " face compare " + q(demo / "enrol.png") + " " +
                        q(demo / "probe_0.png") + " --onnx-model " + q(onnx));
    ASSERT_EQ(cmp.exit, 0) << cmp.out;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(cmp.out, m, std::regex(R"(distance=([0-9.]+) \(onnx\))"))) << cmp.out;
    EXPECT_LT(std::stod(m[1].str()), 0.48) << "one person's two demo photos match at the onnx threshold";
}

// The packaged clearance-server with its unit's command line and the environment systemd
// gives a Type=notify service with WatchdogSec: READY=1, pings, STOPPING=1 on SIGTERM.
TEST(DebPackages, ThePackagedServerStartsAsItsUnitRunsIt) {
    const fs::path root = unpackedTree();
    const fs::path bin = root / "usr/bin/clearance-server";
    ASSERT_TRUE(fs::exists(bin));
    const fs::path kioskctl = root / "usr/bin/kioskctl";
    const fs::path etc = root / "etc/clearance-server";
    fs::create_directories(etc);
    fs::create_directories(root / "var/lib/clearance-server");
    const fs::path ca = tempDir("deb-ca");
    ASSERT_EQ(run(q(kioskctl) + " ca init --dir " + q(ca)).exit, 0);
    const Ran srv = run(q(kioskctl) + " ca server --dir " + q(ca) + " --name 127.0.0.1 --out " + q(etc / "server"));
    ASSERT_EQ(srv.exit, 0) << srv.out;
    fs::copy_file(ca / "ca.cert.pem", etc / "ca.cert.pem");
    fs::copy_file(ca / "crl.pem", etc / "crl.pem");
    // The packaged example, its /etc and /var paths moved into the tree, ports free.
    std::string cfg = readAll(root / "usr/share/echannel/examples/server.json");
    for (const std::string dir : {"/etc/clearance-server/", "/var/lib/clearance-server/", "/usr/share/echannel/"})
        for (std::size_t at; (at = cfg.find("\"" + dir)) != std::string::npos || (at = cfg.find(":" + dir)) != std::string::npos;)
            cfg.replace(at + 1, dir.size(), (root / dir.substr(1)).string() + "/");
    cfg = std::regex_replace(cfg, std::regex(R"("port": 844[34])"), R"("port": 0)");
    std::ofstream(etc / "server.json") << cfg;

    // ExecStartPre, then ExecStart, as the unit has them (paths into the tree).
    const Ran check = run(q(bin) + " --config " + q(etc / "server.json") + " --check-config");
    ASSERT_EQ(check.exit, 0) << check.out << "\n" << cfg;
    NotifySocket sock(tempDir("deb-notify"));
    ASSERT_TRUE(sock.ok());
    const fs::path log = sock.path().parent_path() / "server.log";
    const pid_t pid = ::fork();
    if (pid == 0) {
        const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        ::dup2(fd, 1);
        ::dup2(fd, 2);
        ::setenv("NOTIFY_SOCKET", sock.path().c_str(), 1);
        ::setenv("WATCHDOG_USEC", "400000", 1);
        ::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1);
        const std::string config = (etc / "server.json").string();
        ::execl(bin.c_str(), bin.c_str(), "--config", config.c_str(), static_cast<char*>(nullptr));
        ::_exit(127);
    }
    EXPECT_TRUE(sock.waitFor("READY=1", 120s)) << readAll(log);
    bool pinged = false;
    for (int i = 0; i < 600 && !pinged; ++i) {
        sock.drain(100ms);
        pinged = sock.count("WATCHDOG=1") >= 2;
    }
    EXPECT_TRUE(pinged) << readAll(log);
    ::kill(pid, SIGTERM);
    int status = 0;
    ::waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << readAll(log);
    EXPECT_TRUE(sock.waitFor("STOPPING=1", 10s));
    EXPECT_NE(readAll(log).find("console on"), std::string::npos) << "the packaged console page is served";
}

}  // namespace
}  // namespace kiosk::testing
