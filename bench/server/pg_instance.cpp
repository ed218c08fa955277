#include "bench/server/pg_instance.h"

#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace kiosk::bench {

namespace fs = std::filesystem;

namespace {

const fs::path kBin = "/usr/lib/postgresql/15/bin";

// Runs a shell command, returns its exit code and output (stdout + stderr).
int run(const std::string& cmd, std::string& out) {
    out.clear();
    FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
    if (!p) return -1;
    std::array<char, 4096> buf{};
    std::size_t n;
    while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
    const int rc = ::pclose(p);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

std::string quote(const std::string& s) {
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

int freePort() {
    const int s = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    int port = -1;
    if (::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 && ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len) == 0)
        port = ntohs(a.sin_port);
    ::close(s);
    return port;
}

}  // namespace

core::Result<std::unique_ptr<PgInstance>> PgInstance::start(const std::string& extraOptions) {
    if (::access((kBin / "pg_ctl").c_str(), X_OK) != 0) return core::makeError("bench.no_postgres", "PostgreSQL 15 is not installed");
    auto pg = std::unique_ptr<PgInstance>(new PgInstance());
    std::string templ = (fs::temp_directory_path() / "kiosk-bench-pg-XXXXXX").string();
    if (!::mkdtemp(templ.data())) return core::makeError("bench.io", "mkdtemp failed");
    pg->dir_ = templ;
    std::string as;
    if (::geteuid() == 0) {
        const passwd* pw = ::getpwnam("postgres");
        if (!pw) return core::makeError("bench.no_postgres", "running as root and there is no postgres user");
        if (::chown(templ.c_str(), pw->pw_uid, pw->pw_gid) != 0) return core::makeError("bench.io", "chown failed");
        pg->user_ = "postgres";
        as = "runuser -u postgres -- ";
    } else {
        pg->user_ = ::getpwuid(::geteuid())->pw_name;
    }
    const auto data = pg->dir_ / "data";
    std::string out;
    if (run(as + (kBin / "initdb").string() + " -D " + quote(data) + " -A trust -U " + pg->user_ + " -E UTF8 --locale=C", out) != 0)
        return core::makeError("bench.postgres", "initdb failed: " + out);
    const int port = freePort();
    pg->settings_ = "PostgreSQL 15 defaults (fsync on, synchronous_commit on, shared_buffers 128MB), max_connections 300" +
                    (extraOptions.empty() ? std::string() : ", " + extraOptions);
    const std::string options = "-c listen_addresses=127.0.0.1 -p " + std::to_string(port) + " -k " + pg->dir_.string() +
                                " -c max_connections=300 " + extraOptions;
    if (run(as + (kBin / "pg_ctl").string() + " -D " + quote(data) + " -l " + quote(pg->dir_ / "server.log") +
                " -w -t 60 -o " + quote(options) + " start",
            out) != 0)
        return core::makeError("bench.postgres", "pg_ctl start failed: " + out);
    pg->running_ = true;
    if (run(as + (kBin / "createdb").string() + " -h 127.0.0.1 -p " + std::to_string(port) + " -U " + pg->user_ + " bench", out) != 0)
        return core::makeError("bench.postgres", "createdb failed: " + out);
    pg->url_ = "postgresql://" + pg->user_ + "@127.0.0.1:" + std::to_string(port) + "/bench";
    return pg;
}

PgInstance::~PgInstance() {
    std::string out;
    if (running_)
        run((user_ == "postgres" && ::geteuid() == 0 ? "runuser -u postgres -- " : "") + (kBin / "pg_ctl").string() +
                " -D " + quote(dir_ / "data") + " -m fast -w stop",
            out);
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
}

core::Result<std::string> psql(const std::string& url, const std::string& sql) {
    std::string out;
    if (run((kBin / "psql").string() + " -X -q -A -t -v ON_ERROR_STOP=1 -d " + quote(url) + " -c " + quote(sql), out) != 0)
        return core::makeError("bench.psql", "psql failed: " + out);
    while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
    return out;
}

}  // namespace kiosk::bench
