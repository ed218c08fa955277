#include "tests/support/postgres_harness.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>
#include <vector>

extern char** environ;

namespace kiosk::testing {

namespace {

namespace fs = std::filesystem;
using core::Result;
using core::Status;

const fs::path kBinDir = "/usr/lib/postgresql/15/bin";
const fs::path kRunuser = "/usr/sbin/runuser";

core::Error harnessError(const std::string& message) { return core::makeError("test.postgres", message); }

std::string tail(const std::string& text, std::size_t n = 2000) {
    return text.size() <= n ? text : "..." + text.substr(text.size() - n);
}

std::string readFile(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

struct RunResult {
    int exitCode = -1;
    std::string output;  // stdout and stderr
};

// Runs argv[0] (an absolute path) in `cwd` with stdin from /dev/null, its output captured
// through a file (no pipes to drain, no threads).
Result<RunResult> run(const std::vector<std::string>& argv, const fs::path& cwd, const fs::path& capture) {
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addchdir_np(&fa, cwd.c_str());
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, capture.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, args[0], &fa, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) return harnessError("cannot run " + argv[0] + ": " + std::strerror(rc));
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) return harnessError("waitpid for " + argv[0] + ": " + std::strerror(errno));
    }
    RunResult r;
    r.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    r.output = readFile(capture);
    std::error_code ec;
    fs::remove(capture, ec);
    return r;
}

Result<int> freePort() {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return harnessError(std::string("socket: ") + std::strerror(errno));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof(addr);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        const int e = errno;
        ::close(fd);
        return harnessError(std::string("cannot find a free port: ") + std::strerror(e));
    }
    ::close(fd);
    return static_cast<int>(ntohs(addr.sin_port));
}

std::string databaseName(const std::string& hint, int counter) {
    std::string name = "t_";
    for (char c : hint) {
        if (name.size() >= 40) break;
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
            name += c;
        else if (c >= 'A' && c <= 'Z')
            name += static_cast<char>(c - 'A' + 'a');
        else
            name += '_';
    }
    return name + "_" + std::to_string(counter);
}

class Server {
public:
    static Server& instance() {
        static Server s;
        return s;
    }

    Result<std::string> freshDatabase(const std::string& hint) {
        std::lock_guard<std::mutex> lock(mu_);
        KIOSK_TRY(ensureInitialised());
        if (!running_) return harnessError("the test PostgreSQL server is stopped (stopPostgres)");
        const std::string name = databaseName(hint, ++dbCounter_);
        KIOSK_ASSIGN_OR_RETURN(RunResult r, run({(kBinDir / "createdb").string(), "-h", "127.0.0.1", "-p",
                                                 std::to_string(port_), "-U", user_, name},
                                                dir_, nextCapture()));
        if (r.exitCode != 0) return harnessError("createdb " + name + " failed: " + tail(r.output));
        return "postgresql://" + user_ + "@127.0.0.1:" + std::to_string(port_) + "/" + name;
    }

    Status stop() {
        std::lock_guard<std::mutex> lock(mu_);
        KIOSK_TRY(ensureInitialised());
        if (!running_) return {};
        KIOSK_ASSIGN_OR_RETURN(RunResult r, run(asServerUser({(kBinDir / "pg_ctl").string(), "-D", data_.string(),
                                                              "-m", "immediate", "-w", "stop"}),
                                                dir_, nextCapture()));
        if (r.exitCode != 0) return harnessError("pg_ctl stop failed: " + tail(r.output));
        running_ = false;
        return {};
    }

    Status start() {
        std::lock_guard<std::mutex> lock(mu_);
        KIOSK_TRY(ensureInitialised());
        if (running_) return {};
        return startOnPort();
    }

    Result<std::string> psql(const std::string& url, const std::string& sql) {
        std::lock_guard<std::mutex> lock(mu_);
        KIOSK_TRY(ensureInitialised());
        KIOSK_ASSIGN_OR_RETURN(RunResult r, run({(kBinDir / "psql").string(), "-X", "-q", "-A", "-t", "-v",
                                                 "ON_ERROR_STOP=1", "-d", url, "-c", sql},
                                                dir_, nextCapture()));
        if (r.exitCode != 0) return harnessError("psql failed: " + tail(r.output));
        while (!r.output.empty() && (r.output.back() == '\n' || r.output.back() == ' ')) r.output.pop_back();
        return r.output;
    }

    ~Server() {
        // Closing the pipe wakes the watchdog, which stops the server and removes the
        // folder; waiting for it keeps the process from exiting before that is done.
        if (watchdogFd_ >= 0) ::close(watchdogFd_);
        if (watchdog_ > 0) {
            int status = 0;
            while (::waitpid(watchdog_, &status, 0) < 0 && errno == EINTR) {
            }
        }
    }

private:
    Server() = default;

    std::vector<std::string> asServerUser(std::vector<std::string> argv) const {
        if (!root_) return argv;
        std::vector<std::string> out = {kRunuser.string(), "-u", user_, "--"};
        out.insert(out.end(), argv.begin(), argv.end());
        return out;
    }

    fs::path nextCapture() { return dir_ / ("cmd-" + std::to_string(++captureCounter_) + ".out"); }

    Status ensureInitialised() {
        if (!initialised_) {
            initialised_ = true;
            Status s = initialise();
            if (!s.ok()) initError_ = s.error();
        }
        if (initError_) return *initError_;
        return {};
    }

    Status initialise() {
        for (const char* tool : {"initdb", "pg_ctl", "postgres", "createdb", "psql"}) {
            const fs::path p = kBinDir / tool;
            if (::access(p.c_str(), X_OK) != 0)
                return harnessError("PostgreSQL 15 server binaries are missing (" + p.string() +
                                    " not found): install postgresql-15 (scripts/setup, scripts/packages.txt); the "
                                    "PostgreSQL tests cannot run without it");
        }
        root_ = ::geteuid() == 0;
        uid_t uid = ::geteuid();
        gid_t gid = ::getegid();
        if (root_) {
            // initdb and postgres refuse to run as root: the Debian service user runs them.
            const passwd* pw = ::getpwnam("postgres");
            if (!pw) return harnessError("running as root but there is no `postgres` user (install postgresql-15)");
            if (::access(kRunuser.c_str(), X_OK) != 0) return harnessError(kRunuser.string() + " is missing");
            user_ = pw->pw_name;
            uid = pw->pw_uid;
            gid = pw->pw_gid;
        } else {
            const passwd* pw = ::getpwuid(uid);
            if (!pw) return harnessError("cannot find the name of uid " + std::to_string(uid));
            user_ = pw->pw_name;
        }
        // The server user must reach the folder (a root's TMPDIR may be private) and the
        // socket path must stay under the unix limit (~107 bytes): /tmp when in doubt.
        fs::path base = fs::temp_directory_path();
        if (root_ || base.string().size() > 60) base = "/tmp";
        std::string templ = (base / "kiosk-pg-XXXXXX").string();
        if (!::mkdtemp(templ.data())) return harnessError("mkdtemp: " + std::string(std::strerror(errno)));
        dir_ = templ;
        data_ = dir_ / "data";
        if (root_ && ::chown(dir_.c_str(), uid, gid) != 0)
            return harnessError("chown of the server folder to postgres: " + std::string(std::strerror(errno)));
        KIOSK_TRY(startWatchdog());
        KIOSK_TRY(makeDataDir(base));
        Status started = harnessError("no attempt");
        for (int attempt = 0; attempt < 5; ++attempt) {
            // Another process may take the port between the probe and the start: try another.
            KIOSK_ASSIGN_OR_RETURN(port_, freePort());
            started = startOnPort();
            if (started.ok()) break;
        }
        return started;
    }

    // initdb gives the same cluster every time and costs 1.6 s on an idle machine (several
    // under a sanitizer run's load), once per test process: the first process of a user
    // keeps one under `base` (made aside, renamed into place whole) and every process
    // copies it (cp -a, 0.7 s).
    Status makeDataDir(const fs::path& base) {
        const fs::path templ = base / ("kiosk-pg-template-" + user_ + "-15");
        if (!fs::exists(templ / "global" / "pg_control")) {
            const fs::path fresh = dir_ / "template";
            KIOSK_ASSIGN_OR_RETURN(RunResult r,
                                   run(asServerUser({(kBinDir / "initdb").string(), "-D", fresh.string(), "-A",
                                                     "trust", "-U", user_, "-E", "UTF8", "--locale=C", "-N"}),
                                       dir_, nextCapture()));
            if (r.exitCode != 0) return harnessError("initdb failed: " + tail(r.output));
            // Another process may have put its own in place meanwhile: theirs is as good.
            std::error_code ec;
            fs::rename(fresh, templ, ec);
            if (ec && !fs::exists(templ / "global" / "pg_control"))
                return harnessError("cannot keep the initdb template at " + templ.string() + ": " + ec.message());
        }
        KIOSK_ASSIGN_OR_RETURN(RunResult c, run({"/bin/cp", "-a", templ.string(), data_.string()}, dir_, nextCapture()));
        if (c.exitCode != 0) return harnessError("cannot copy the initdb template " + templ.string() + ": " + tail(c.output));
        return {};
    }

    Status startOnPort() {
        const std::string options = "-c listen_addresses=127.0.0.1 -p " + std::to_string(port_) + " -k " +
                                    dir_.string() +
                                    " -c unix_socket_permissions=0700 -c fsync=off -c full_page_writes=off"
                                    " -c shared_buffers=16MB -c max_connections=200";
        KIOSK_ASSIGN_OR_RETURN(RunResult r,
                               run(asServerUser({(kBinDir / "pg_ctl").string(), "-D", data_.string(), "-l",
                                                 (dir_ / "server.log").string(), "-w", "-t", "60", "-o", options,
                                                 "start"}),
                                   dir_, nextCapture()));
        if (r.exitCode != 0)
            return harnessError("pg_ctl start failed: " + tail(r.output) + "\nserver log:\n" +
                                tail(readFile(dir_ / "server.log")));
        running_ = true;
        return {};
    }

    // A process in its own process group that waits for this one to end (its stdin is a
    // pipe only this process holds), then stops the server and removes the folder, even
    // after a crash or SIGKILL of the test.
    Status startWatchdog() {
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) != 0) return harnessError(std::string("pipe: ") + std::strerror(errno));
        std::string stopCmd = (kBinDir / "pg_ctl").string() + " -D \"$1\" -m immediate -w stop >/dev/null 2>&1";
        if (root_) stopCmd = kRunuser.string() + " -u " + user_ + " -- " + stopCmd;
        const std::string script = "cat >/dev/null\n" + stopCmd + "\nrm -rf \"$2\"\n";
        std::vector<std::string> argv = {"/bin/sh", "-c", script, "kiosk-pg-watchdog", data_.string(), dir_.string()};
        std::vector<char*> args;
        for (auto& a : argv) args.push_back(a.data());
        args.push_back(nullptr);
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, fds[0], 0);
        posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
        posix_spawn_file_actions_adddup2(&fa, 1, 2);
        posix_spawn_file_actions_addchdir_np(&fa, "/");
        posix_spawnattr_t attr;
        posix_spawnattr_init(&attr);
        posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
        posix_spawnattr_setpgroup(&attr, 0);  // a terminal's Ctrl-C must not reach it
        const int rc = posix_spawn(&watchdog_, args[0], &fa, &attr, args.data(), environ);
        posix_spawn_file_actions_destroy(&fa);
        posix_spawnattr_destroy(&attr);
        ::close(fds[0]);
        if (rc != 0) {
            ::close(fds[1]);
            watchdog_ = -1;
            return harnessError(std::string("cannot start the watchdog: ") + std::strerror(rc));
        }
        watchdogFd_ = fds[1];
        return {};
    }

    std::mutex mu_;
    bool initialised_ = false;
    std::optional<core::Error> initError_;
    bool running_ = false;
    bool root_ = false;
    std::string user_;
    fs::path dir_, data_;
    int port_ = 0;
    int dbCounter_ = 0;
    int captureCounter_ = 0;
    pid_t watchdog_ = -1;
    int watchdogFd_ = -1;
};

}  // namespace

core::Result<std::string> freshPostgresDatabase(const std::string& nameHint) {
    return Server::instance().freshDatabase(nameHint);
}

core::Status stopPostgres() { return Server::instance().stop(); }

core::Status startPostgres() { return Server::instance().start(); }

core::Result<std::string> runPsql(const std::string& url, const std::string& sql) {
    return Server::instance().psql(url, sql);
}

}  // namespace kiosk::testing
