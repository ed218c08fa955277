#include "bench/server/console_clients.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cerrno>
#include <sstream>

#include "core/config.h"

namespace kiosk::bench {

namespace {

// One blocking TLS connection to 127.0.0.1 without a client certificate (a browser).
class Tls {
public:
    ~Tls() { close(); }
    bool connect(SSL_CTX* ctx, int port) {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        timeval tv{10, 0};
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        const int one = 1;
        ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(static_cast<uint16_t>(port));
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return false;
        ssl_ = SSL_new(ctx);
        SSL_set_fd(ssl_, fd_);
        SSL_set1_host(ssl_, "127.0.0.1");
        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_), "127.0.0.1");
        return SSL_connect(ssl_) == 1;
    }
    // Reads wake up every `ms` so the owner can look at its stop flag.
    void readTimeout(int ms) {
        timeval tv{ms / 1000, (ms % 1000) * 1000};
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    }
    bool send(const std::string& s) {
        size_t done = 0;
        while (done < s.size()) {
            const int n = SSL_write(ssl_, s.data() + done, static_cast<int>(s.size() - done));
            if (n <= 0) return false;
            done += static_cast<size_t>(n);
        }
        return true;
    }
    // 1: got bytes, 0: timed out, -1: closed or failed.
    int fill() {
        char tmp[16384];
        ERR_clear_error();
        const int n = SSL_read(ssl_, tmp, sizeof tmp);
        if (n > 0) {
            buf.append(tmp, static_cast<size_t>(n));
            return 1;
        }
        const int e = SSL_get_error(ssl_, n);
        if (e == SSL_ERROR_WANT_READ || (e == SSL_ERROR_SYSCALL && (errno == EAGAIN || errno == EWOULDBLOCK))) return 0;
        return -1;
    }
    // The head of an answer (status and lower-case headers), leaving the body in buf.
    bool readHead(int& status, std::map<std::string, std::string>& headers) {
        size_t end;
        while ((end = buf.find("\r\n\r\n")) == std::string::npos)
            if (fill() <= 0) return false;
        std::istringstream lines(buf.substr(0, end));
        buf.erase(0, end + 4);
        std::string line;
        std::getline(lines, line);
        if (line.size() < 12) return false;
        status = std::atoi(line.c_str() + 9);
        while (std::getline(lines, line)) {
            if (!line.empty() && line.back() == '\r') line.pop_back();
            const auto colon = line.find(':');
            if (colon == std::string::npos) continue;
            std::string name = line.substr(0, colon);
            for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
            std::string v = line.substr(colon + 1);
            while (!v.empty() && v.front() == ' ') v.erase(0, 1);
            headers[name] = v;
        }
        return true;
    }
    void close() {
        if (ssl_) SSL_free(ssl_);
        ssl_ = nullptr;
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }
    std::string buf;

private:
    int fd_ = -1;
    SSL* ssl_ = nullptr;
};

}  // namespace

struct ConsoleClients::Console {
    std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx{nullptr, SSL_CTX_free};
    std::string cookie;
    int64_t lastEventId = 0;
    std::map<AlertKey, Clock::time_point> arrivals;
    std::thread thread;
};

namespace {

core::Result<std::string> login(SSL_CTX* ctx, const ConsoleClientOptions& o) {
    Tls t;
    if (!t.connect(ctx, o.port)) return core::makeError("bench.console", "cannot connect to the console port");
    const std::string body = core::Json{{"name", o.officer}, {"password", o.password}}.dump();
    if (!t.send("POST /v1/console/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: " +
                std::to_string(body.size()) + "\r\n\r\n" + body))
        return core::makeError("bench.console", "login: send failed");
    int status = 0;
    std::map<std::string, std::string> h;
    if (!t.readHead(status, h)) return core::makeError("bench.console", "login: no answer");
    const size_t len = h.count("content-length") ? std::stoul(h["content-length"]) : 0;
    while (t.buf.size() < len)
        if (t.fill() <= 0) break;
    if (status != 200) return core::makeError("bench.console", "login: " + std::to_string(status) + " " + t.buf.substr(0, 200));
    const std::string c = h["set-cookie"];
    const auto semi = c.find(';');
    if (c.empty()) return core::makeError("bench.console", "login: no Set-Cookie");
    return c.substr(0, semi);  // "ech_session=..."
}

}  // namespace

core::Result<std::unique_ptr<ConsoleClients>> ConsoleClients::start(const ConsoleClientOptions& o) {
    std::unique_ptr<ConsoleClients> self(new ConsoleClients());
    self->opt_ = o;
    for (int i = 0; i < o.consoles; ++i) {
        auto c = std::make_unique<Console>();
        c->ctx.reset(SSL_CTX_new(TLS_client_method()));
        SSL_CTX_set_min_proto_version(c->ctx.get(), TLS1_2_VERSION);
        SSL_CTX_load_verify_locations(c->ctx.get(), o.caFile.c_str(), nullptr);
        SSL_CTX_set_verify(c->ctx.get(), SSL_VERIFY_PEER, nullptr);
        KIOSK_ASSIGN_OR_RETURN(c->cookie, login(c->ctx.get(), o));
        self->consoles_.push_back(std::move(c));
    }
    for (auto& c : self->consoles_) {
        Console* cp = c.get();
        ConsoleClients* s = self.get();
        c->thread = std::thread([s, cp] { s->run(*cp); });
    }
    return self;
}

ConsoleClients::~ConsoleClients() { stop(); }

void ConsoleClients::stop() {
    stop_ = true;
    for (auto& c : consoles_)
        if (c->thread.joinable()) c->thread.join();
}

// As an EventSource: open the stream, read events, reconnect with Last-Event-ID after a drop.
void ConsoleClients::run(Console& c) {
    bool first = true;
    while (!stop_) {
        if (!first) {
            ++reconnects_;
            std::this_thread::sleep_for(std::chrono::seconds(1));  // the server's retry: 1000
        }
        first = false;
        Tls t;
        if (!t.connect(c.ctx.get(), opt_.port)) continue;
        std::string req = "GET /v1/console/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\nCookie: " +
                          c.cookie + "\r\n";
        if (c.lastEventId > 0) req += "Last-Event-ID: " + std::to_string(c.lastEventId) + "\r\n";
        if (!t.send(req + "\r\n")) continue;
        int status = 0;
        std::map<std::string, std::string> h;
        if (!t.readHead(status, h) || status != 200) continue;
        t.readTimeout(500);
        while (!stop_) {
            size_t end;
            while (!stop_ && (end = t.buf.find("\n\n")) != std::string::npos) {
                const std::string block = t.buf.substr(0, end);
                t.buf.erase(0, end + 2);
                const auto at = Clock::now();
                std::istringstream lines(block);
                std::string line, name, data;
                int64_t id = 0;
                while (std::getline(lines, line)) {
                    if (line.rfind("id: ", 0) == 0) id = std::atoll(line.c_str() + 4);
                    else if (line.rfind("event: ", 0) == 0) name = line.substr(7);
                    else if (line.rfind("data: ", 0) == 0) data += line.substr(6);
                }
                if (id > 0) c.lastEventId = id;
                if (name.empty()) continue;
                ++events_;
                if (name != "alert") continue;
                auto j = core::Json::parse(data, nullptr, false);
                if (j.is_discarded()) continue;
                AlertKey key{j.value("device", std::string()), j.value("seq", int64_t{0})};
                std::lock_guard lock(mu_);
                if (!c.arrivals.emplace(std::move(key), at).second) ++duplicates_;
            }
            const int r = t.fill();
            if (r < 0) break;
        }
    }
}

std::vector<std::map<ConsoleClients::AlertKey, ConsoleClients::Clock::time_point>> ConsoleClients::arrivals() const {
    std::lock_guard lock(mu_);
    std::vector<std::map<AlertKey, Clock::time_point>> out;
    for (const auto& c : consoles_) out.push_back(c->arrivals);
    return out;
}

}  // namespace kiosk::bench
