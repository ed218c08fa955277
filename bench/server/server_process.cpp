#include "bench/server/server_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

namespace kiosk::bench {

namespace fs = std::filesystem;

namespace {

struct StatFields {
    pid_t ppid = 0;
    double utime = 0, stime = 0, cutime = 0, cstime = 0;  // seconds
    bool ok = false;
};

StatFields readStat(pid_t pid) {
    StatFields f;
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string s;
    if (!std::getline(in, s)) return f;
    // The command name is in parentheses and may hold spaces: parse after the last ')'.
    const auto close = s.rfind(')');
    if (close == std::string::npos) return f;
    std::istringstream rest(s.substr(close + 2));
    std::string state;
    long long v[20] = {};
    rest >> state;
    for (auto& x : v) rest >> x;  // fields 4..23: ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime ...
    const double hz = static_cast<double>(sysconf(_SC_CLK_TCK));
    f.ppid = static_cast<pid_t>(v[0]);
    f.utime = static_cast<double>(v[10]) / hz;
    f.stime = static_cast<double>(v[11]) / hz;
    f.cutime = static_cast<double>(v[12]) / hz;
    f.cstime = static_cast<double>(v[13]) / hz;
    f.ok = static_cast<bool>(rest);
    return f;
}

double statusMiB(pid_t pid, const char* key) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    const std::size_t n = std::strlen(key);
    while (std::getline(in, line))
        if (line.compare(0, n, key) == 0) return std::stod(line.substr(n + 1)) / 1024.0;  // "VmHWM:   1234 kB"
    return -1;
}

std::vector<pid_t> childrenOf(pid_t root) {
    // Every process's parent, once; then the tree below root.
    std::vector<std::pair<pid_t, pid_t>> all;
    for (const auto& e : fs::directory_iterator("/proc")) {
        const std::string name = e.path().filename();
        if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
        const pid_t p = static_cast<pid_t>(std::stol(name));
        const auto st = readStat(p);
        if (st.ok) all.emplace_back(p, st.ppid);
    }
    std::vector<pid_t> out, frontier{root};
    while (!frontier.empty()) {
        const pid_t parent = frontier.back();
        frontier.pop_back();
        for (const auto& [p, pp] : all)
            if (pp == parent) {
                out.push_back(p);
                frontier.push_back(p);
            }
    }
    return out;
}

}  // namespace

double processCpuSeconds(pid_t pid) {
    const auto st = readStat(pid);
    return st.ok ? st.utime + st.stime : -1;
}

double processPeakRssMiB(pid_t pid) { return statusMiB(pid, "VmHWM:"); }

double processTreeCpuSeconds(pid_t root) {
    const auto r = readStat(root);
    if (!r.ok) return -1;
    double total = r.utime + r.stime + r.cutime + r.cstime;
    for (pid_t c : childrenOf(root)) {
        const auto st = readStat(c);
        if (st.ok) total += st.utime + st.stime;
    }
    return total;
}

double processTreeRssMiB(pid_t root) {
    double total = std::max(0.0, statusMiB(root, "VmRSS:"));
    for (pid_t c : childrenOf(root)) total += std::max(0.0, statusMiB(c, "VmRSS:"));
    return total;
}

core::Result<std::unique_ptr<ServerProcess>> ServerProcess::start(const fs::path& binary,
                                                                  const std::vector<std::string>& args,
                                                                  const fs::path& logFile,
                                                                  std::chrono::seconds timeout) {
    if (!fs::exists(binary)) return core::makeError("bench.no_server", binary.string() + " does not exist (build clearance-server)");
    const int fd = ::open(logFile.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return core::makeError("bench.io", "cannot create " + logFile.string());
    std::vector<std::string> argvStore{binary.string()};
    argvStore.insert(argvStore.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argvStore) argv.push_back(a.data());
    argv.push_back(nullptr);
    const pid_t pid = ::fork();
    if (pid < 0) {
        ::close(fd);
        return core::makeError("bench.fork", std::strerror(errno));
    }
    if (pid == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive the bench
        ::dup2(fd, 1);
        ::dup2(fd, 2);
        ::execv(argv[0], argv.data());
        std::perror("execv");
        ::_exit(127);
    }
    ::close(fd);
    auto p = std::unique_ptr<ServerProcess>(new ServerProcess());
    p->pid_ = pid;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    const std::string marker = "clearance-server: listening on ";
    while (std::chrono::steady_clock::now() < deadline) {
        int status = 0;
        if (::waitpid(pid, &status, WNOHANG) == pid) {
            p->pid_ = -1;
            std::ifstream in(logFile);
            std::stringstream ss;
            ss << in.rdbuf();
            return core::makeError("bench.server_exited", "clearance-server exited before listening: " + ss.str().substr(0, 2000));
        }
        std::ifstream in(logFile);
        std::string line;
        while (std::getline(in, line)) {
            const auto at = line.find(marker);
            if (at == std::string::npos) continue;
            p->line_ = line.substr(at);
            // "listening on 127.0.0.1:8443 (backend sqlite)": the port follows the last ':' before the space.
            const std::string addr = line.substr(at + marker.size(), line.find(' ', at + marker.size()) - at - marker.size());
            const auto colon = addr.rfind(':');
            if (colon != std::string::npos) p->port_ = std::atoi(addr.c_str() + colon + 1);
            if (p->port_ > 0) return p;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    p->stop(std::chrono::seconds(2));
    return core::makeError("bench.server_timeout", "no listening line within the timeout; see " + logFile.string());
}

int consolePortFromLog(const fs::path& logFile, std::chrono::seconds timeout) {
    const std::string marker = "clearance-server: console on ";
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        std::ifstream in(logFile);
        std::string line;
        while (std::getline(in, line)) {
            const auto at = line.find(marker);
            if (at == std::string::npos) continue;
            const auto colon = line.rfind(':');
            if (colon != std::string::npos && colon > at) return std::atoi(line.c_str() + colon + 1);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return 0;
}

ServerProcess::~ServerProcess() {
    if (pid_ > 0) stop(std::chrono::seconds(5));
}

std::string ServerProcess::stop(std::chrono::seconds grace) {
    if (pid_ <= 0) return "not running";
    ::kill(pid_, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + grace;
    int status = 0;
    while (std::chrono::steady_clock::now() < deadline) {
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            if (WIFEXITED(status)) return "exit " + std::to_string(WEXITSTATUS(status));
            return "signal " + std::to_string(WTERMSIG(status));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return "killed after " + std::to_string(grace.count()) + " s";
}

}  // namespace kiosk::bench

namespace kiosk::bench {

pid_t pidListeningOn(int port) {
    std::vector<std::string> inodes;
    for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
        std::ifstream in(table);
        std::string line;
        std::getline(in, line);  // header
        while (std::getline(in, line)) {
            std::istringstream f(line);
            std::string sl, local, remote, state, queues, timer, retr, uid, timeout, inode;
            f >> sl >> local >> remote >> state >> queues >> timer >> retr >> uid >> timeout >> inode;
            const auto colon = local.rfind(':');
            if (colon == std::string::npos || state != "0A") continue;  // 0A: LISTEN
            if (std::stoi(local.substr(colon + 1), nullptr, 16) == port) inodes.push_back("socket:[" + inode + "]");
        }
    }
    if (inodes.empty()) return -1;
    for (const auto& e : fs::directory_iterator("/proc")) {
        const std::string name = e.path().filename();
        if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
        std::error_code ec;
        for (const auto& fd : fs::directory_iterator(e.path() / "fd", ec)) {
            std::error_code ec2;
            const auto target = fs::read_symlink(fd.path(), ec2).string();
            for (const auto& i : inodes)
                if (target == i) return static_cast<pid_t>(std::stol(name));
        }
    }
    return -1;
}

int portOfUrl(const std::string& url) {
    const auto q = url.find("port=");
    if (q != std::string::npos) return std::atoi(url.c_str() + q + 5);
    const auto at = url.rfind('@');
    const auto hostStart = at == std::string::npos ? url.find("://") + 3 : at + 1;
    const auto slash = url.find('/', hostStart);
    const std::string host = url.substr(hostStart, slash == std::string::npos ? std::string::npos : slash - hostStart);
    const auto colon = host.rfind(':');
    if (colon != std::string::npos && host.find(']') == std::string::npos) return std::atoi(host.c_str() + colon + 1);
    return 5432;
}

}  // namespace kiosk::bench
