#pragma once
// The clearance-server child process of bench_server, and what /proc says about processes
// (CPU time, peak RSS) for the server and for a PostgreSQL instance.
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"

namespace kiosk::bench {

class ServerProcess {
public:
    // Starts `binary args...` with stdout and stderr into `logFile` and waits for the line
    // "clearance-server: listening on ADDRESS:PORT" (the port is parsed from it).
    static core::Result<std::unique_ptr<ServerProcess>> start(const std::filesystem::path& binary,
                                                              const std::vector<std::string>& args,
                                                              const std::filesystem::path& logFile,
                                                              std::chrono::seconds timeout);
    ~ServerProcess();

    pid_t pid() const { return pid_; }
    int port() const { return port_; }
    const std::string& listeningLine() const { return line_; }
    // SIGTERM, then SIGKILL after `grace`; returns the exit status text.
    std::string stop(std::chrono::seconds grace = std::chrono::seconds(10));

private:
    pid_t pid_ = -1;
    int port_ = 0;
    std::string line_;
};

// The port of "clearance-server: console on ADDRESS:PORT" in the server's log, waiting up
// to `timeout`; 0 when the line did not come.
int consolePortFromLog(const std::filesystem::path& logFile, std::chrono::seconds timeout);

// utime + stime of one process, seconds (-1 when it is gone).
double processCpuSeconds(pid_t pid);
// VmHWM of one process, MiB (-1 when unknown).
double processPeakRssMiB(pid_t pid);
// A process and its live children (recursively), plus the CPU of children it already
// reaped (cutime + cstime): what a PostgreSQL postmaster and its backends cost.
double processTreeCpuSeconds(pid_t root);
// The sum of VmRSS over the same tree, MiB (shared pages counted once per process).
double processTreeRssMiB(pid_t root);
// The process that owns a listening TCP socket on `port` (127.0.0.1 or any), -1 if none:
// the postmaster of a PostgreSQL reached by URL.
pid_t pidListeningOn(int port);
// The port of a postgresql:// URL ("...@host:port/db" or "?port=N"), 5432 when absent.
int portOfUrl(const std::string& url);

}  // namespace kiosk::bench
