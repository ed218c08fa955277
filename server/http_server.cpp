// HTTPS transport over Boost.Beast/Asio and OpenSSL 3. The only file that includes Beast;
// its exceptions stop here. Each connection is an HttpConnection on its own strand; the server
// state shared between sessions (registry, parked long polls, trust store) is behind
// Impl::mu_.
#include "server/http_server.h"

#include <algorithm>
#include <atomic>
#include <deque>
#include <condition_variable>
#include <future>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "core/config.h"
#include "core/log.h"
#include "server/tls_trust.h"

namespace kiosk::server {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using SteadyClock = std::chrono::steady_clock;
using core::makeError;
using ms = std::chrono::milliseconds;

namespace {

// Bytes one event-stream write may carry (two TLS records).
constexpr size_t kSseWriteBatch = 32 * 1024;

std::string opensslErrors() {
    std::string out;
    while (unsigned long e = ERR_get_error()) {
        char buf[256];
        ERR_error_string_n(e, buf, sizeof buf);
        out += (out.empty() ? "" : "; ") + std::string(buf);
    }
    return out;
}

int hexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::optional<std::string> percentDecode(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '+') {
            out += ' ';
        } else if (s[i] == '%') {
            if (i + 2 >= s.size()) return std::nullopt;
            const int hi = hexValue(s[i + 1]), lo = hexValue(s[i + 2]);
            if (hi < 0 || lo < 0) return std::nullopt;
            out += static_cast<char>(hi * 16 + lo);
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

bool isHttpParseError(const beast::error_code& ec) {
    if (ec.category() != http::make_error_code(http::error::bad_version).category()) return false;
    return ec != http::error::end_of_stream && ec != http::error::partial_message;
}

Response errorResponse(int status, const std::string& code, const std::string& message) {
    Response r;
    r.status = status;
    r.body = core::Json{{"error", {{"code", code}, {"message", message}}}}.dump();
    return r;
}

}  // namespace

std::string formatSseEvent(int64_t id, const std::string& name, const std::string& data) {
    std::string out;
    out.reserve(data.size() + name.size() + 40);
    if (id > 0) out += "id: " + std::to_string(id) + "\n";
    if (!name.empty()) out += "event: " + name + "\n";
    size_t pos = 0;
    for (;;) {
        const size_t nl = data.find('\n', pos);
        out += "data: ";
        out.append(data, pos, nl == std::string::npos ? std::string::npos : nl - pos);
        out += "\n";
        if (nl == std::string::npos) break;
        pos = nl + 1;
    }
    out += "\n";
    return out;
}

core::Result<std::map<std::string, std::string>> parseQueryString(const std::string& query) {
    std::map<std::string, std::string> out;
    size_t pos = 0;
    while (pos <= query.size() && !query.empty()) {
        size_t amp = query.find('&', pos);
        if (amp == std::string::npos) amp = query.size();
        const std::string_view part(query.data() + pos, amp - pos);
        if (!part.empty()) {
            const size_t eq = part.find('=');
            auto name = percentDecode(part.substr(0, eq));
            auto value = percentDecode(eq == std::string_view::npos ? std::string_view{} : part.substr(eq + 1));
            if (!name || !value) return makeError("api.bad_query", "malformed percent-escape in the query string");
            if (name->empty()) return makeError("api.bad_query", "a query parameter without a name");
            if (!out.emplace(*name, *value).second)
                return makeError("api.bad_query", "query parameter '" + *name + "' is repeated");
        }
        pos = amp + 1;
    }
    return out;
}

class HttpConnection;

class HttpServer::Impl {
public:
    Impl(HttpServerOptions o, Handler h) : opt(std::move(o)), handler(std::move(h)) {}
    ~Impl() { shutdown(ms(0)); }

    core::Status init();
    void startThreads();
    void shutdown(ms deadline);
    void doAccept();
    void schedulePendingPoll();

    void addSession(const std::shared_ptr<HttpConnection>& s);
    void removeSession(HttpConnection* s);
    void subscribe(const std::string& topic, const std::shared_ptr<HttpConnection>& s);
    void unsubscribe(const std::string& topic, HttpConnection* s);
    void publish(const std::string& topic, int64_t id, const std::string& name, const std::string& data);
    void park(const std::string& key, const std::shared_ptr<HttpConnection>& s);
    void unpark(const std::string& key, HttpConnection* s);
    void wake(const std::string& key);
    uint64_t wakeStamp() const { return wakeCounter_.load(); }
    bool wokenSince(const std::string& key, uint64_t stamp);

    HttpServerOptions opt;
    Handler handler;
    std::atomic<bool> stopping{false};
    std::atomic<size_t> sessionCount{0};
    std::atomic<size_t> parkedCount{0};
    std::atomic<size_t> subscriberCount{0};
    std::atomic<size_t> droppedCount{0};

    std::mutex mu_;
    std::condition_variable cv_;
    std::unordered_map<HttpConnection*, std::weak_ptr<HttpConnection>> sessions_;
    std::unordered_multimap<std::string, std::weak_ptr<HttpConnection>> parked_;
    std::unordered_map<std::string, uint64_t> lastWake_;
    std::unordered_map<std::string, std::unordered_map<HttpConnection*, std::weak_ptr<HttpConnection>>> subscribers_;
    std::atomic<uint64_t> wakeCounter_{0};

    std::unique_ptr<TrustStore> trust;

    std::optional<ssl::context> sslCtx;
    std::vector<std::thread> threads_;
    bool stopped_ = false;
    std::mutex stopMu_;
    // Declared last, destroyed first: pending handlers (and the sessions they hold) go
    // while the registry above is still alive.
    std::unique_ptr<net::io_context> ioc;
    std::optional<net::executor_work_guard<net::io_context::executor_type>> work_;
    std::unique_ptr<tcp::acceptor> acceptor;
    std::unique_ptr<net::steady_timer> pollTimer_;
};

class HttpConnection : public std::enable_shared_from_this<HttpConnection> {
public:
    enum class Phase { Handshake, Idle, Busy, Parked, Streaming, Closing };

    HttpConnection(tcp::socket&& socket, HttpServer::Impl& srv)
        : srv_(srv), stream_(std::move(socket), *srv.sslCtx), parkTimer_(stream_.get_executor()) {
        ++srv_.sessionCount;
    }
    ~HttpConnection() {
        if (!topic_.empty()) srv_.unsubscribe(topic_, this);
        srv_.removeSession(this);
    }

    net::any_io_executor executor() { return stream_.get_executor(); }

    void start() {
        beast::error_code ec;
        const auto peer = beast::get_lowest_layer(stream_).socket().remote_endpoint(ec);
        if (!ec) remoteAddress_ = peer.address().to_string();
        if (srv_.trust) {
            X509StorePtr store = srv_.trust->current();
            if (store) SSL_set1_verify_cert_store(stream_.native_handle(), store.get());
        }
        beast::get_lowest_layer(stream_).expires_after(srv_.opt.requestTimeout);
        stream_.async_handshake(ssl::stream_base::server,
                                [self = shared_from_this()](beast::error_code ec) { self->onHandshake(ec); });
    }

    // On the strand, from HttpServer::stop(): idle connections go now, parked polls answer.
    void onStop() {
        if (phase_ == Phase::Idle || phase_ == Phase::Handshake || phase_ == Phase::Streaming) {
            closeSocket();
        } else if (phase_ == Phase::Parked) {
            leavePark();
            request_.longPollExpired = true;
            handle();
        }
    }

    void onWake() {
        if (phase_ != Phase::Parked) return;
        leavePark();
        handle();
    }

    // On the strand, from publish(): one formatted event (shared by every subscriber).
    void onEvent(int64_t id, const std::shared_ptr<const std::string>& text) {
        if (phase_ != Phase::Streaming) return;
        // Already sent by the replay. (Not "id <= newest sent": an event whose transaction
        // committed late comes with a lower id after higher ones and must still go out.)
        if (id > 0 && std::binary_search(replayed_.begin(), replayed_.end(), id)) return;
        enqueue(text);
    }

private:
    void onHandshake(beast::error_code ec) {
        if (ec) {
            // A refused certificate ends here: never reaches the handler.
            core::logDebug("http.handshake_failed", {{"error", ec.message()}});
            return closeSocket();
        }
        if (srv_.opt.clientAuth == ClientAuth::Required) identity_ = identityOf(stream_.native_handle());
        readHeader();
    }

    void readHeader() {
        if (srv_.stopping) return shutdownTls();
        phase_ = Phase::Idle;
        parser_.emplace();
        parser_->header_limit(static_cast<std::uint32_t>(srv_.opt.maxHeaderBytes));
        parser_->body_limit(srv_.opt.maxBodyBytes);
        beast::get_lowest_layer(stream_).expires_after(srv_.opt.idleTimeout);
        http::async_read_header(stream_, buffer_, *parser_,
                                [self = shared_from_this()](beast::error_code ec, size_t) { self->onHeader(ec); });
    }

    void onHeader(beast::error_code ec) {
        phase_ = Phase::Busy;
        started_ = SteadyClock::now();
        if (ec == http::error::body_limit) return replyError(413, "api.too_large", "the body is larger than the limit");
        if (ec == http::error::header_limit || ec == http::error::buffer_overflow)
            return replyError(431, "api.too_large", "the request header is too large");
        if (isHttpParseError(ec)) return replyError(400, "api.bad_request", "malformed HTTP request");
        if (ec) return closeSocket();  // idle timeout, peer gone, stop
        const auto& req = parser_->get();
        // Answered before reading any of the body, so a client cannot make us read it.
        if (auto len = parser_->content_length(); len && *len > srv_.opt.maxBodyBytes)
            return replyError(413, "api.too_large", "the body is larger than the limit");
        beast::get_lowest_layer(stream_).expires_after(srv_.opt.requestTimeout);
        auto expect = req[http::field::expect];
        if (!parser_->is_done() && beast::iequals(expect, "100-continue")) {
            continue_.emplace(http::status::continue_, req.version());
            return http::async_write(stream_, *continue_, [self = shared_from_this()](beast::error_code e, size_t) {
                if (e) return self->closeSocket();
                self->readBody();
            });
        }
        readBody();
    }

    void readBody() {
        http::async_read(stream_, buffer_, *parser_,
                         [self = shared_from_this()](beast::error_code ec, size_t) { self->onBody(ec); });
    }

    void onBody(beast::error_code ec) {
        if (ec == http::error::body_limit) return replyError(413, "api.too_large", "the body is larger than the limit");
        if (isHttpParseError(ec)) return replyError(400, "api.bad_request", "malformed HTTP request");
        if (ec) return closeSocket();
        auto msg = parser_->release();
        keepAlive_ = msg.keep_alive();
        request_ = Request{};
        request_.method = std::string(msg.method_string());
        const std::string_view target(msg.target().data(), msg.target().size());
        const size_t q = target.find('?');
        request_.path = std::string(target.substr(0, q));
        if (request_.path.empty() || request_.path.front() != '/')
            return replyError(400, "api.bad_request", "the request target must be an absolute path");
        if (q != std::string_view::npos) {
            auto query = parseQueryString(std::string(target.substr(q + 1)));
            if (!query.ok()) return replyError(400, query.error().code, query.error().message, true);
            request_.query = std::move(*query);
        }
        for (const auto& f : msg) {
            std::string name(f.name_string());
            std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
            auto [it, fresh] = request_.headers.emplace(name, std::string(f.value()));
            if (!fresh) it->second += ", " + std::string(f.value());
        }
        request_.body = std::move(msg.body());
        request_.remoteAddress = remoteAddress_;
        handle();
    }

    void handle() {
        phase_ = Phase::Busy;
        const uint64_t stamp = srv_.wakeStamp();
        Response res;
        try {
            res = srv_.handler(request_, identity_);
        } catch (const std::exception& e) {
            core::logError("http.handler_exception", {{"path", request_.path}, {"error", e.what()}});
            res = errorResponse(500, "http.internal", "internal error");
        } catch (...) {
            res = errorResponse(500, "http.internal", "internal error");
        }
        if (res.park && !request_.longPollExpired && !srv_.stopping) return park(std::move(*res.park), stamp);
        if (res.stream && res.status == 200 && !srv_.stopping) return startStream(std::move(res));
        write(std::move(res), keepAlive_);
    }

    void park(LongPoll lp, uint64_t stamp) {
        if (!parkDeadline_) {
            const ms wait = std::clamp(lp.maxWait, ms(0), srv_.opt.maxLongPoll);
            parkDeadline_ = SteadyClock::now() + wait;
        }
        parkKey_ = lp.key;
        phase_ = Phase::Parked;
        ++parkGen_;
        srv_.park(parkKey_, shared_from_this());
        // A wake between the handler's look and now would otherwise be lost until expiry.
        if (srv_.wokenSince(parkKey_, stamp)) {
            return net::post(executor(), [self = shared_from_this()] { self->onWake(); });
        }
        parkTimer_.expires_at(*parkDeadline_);
        parkTimer_.async_wait([self = shared_from_this(), gen = parkGen_](beast::error_code ec) {
            if (ec || gen != self->parkGen_ || self->phase_ != Phase::Parked) return;
            self->leavePark();
            self->request_.longPollExpired = true;
            self->handle();
        });
    }

    void leavePark() {
        ++parkGen_;
        parkTimer_.cancel();
        srv_.unpark(parkKey_, this);
        phase_ = Phase::Busy;
    }

    void replyError(int status, const std::string& code, const std::string& message, bool keep = false) {
        phase_ = Phase::Busy;
        if (request_.method.empty() && parser_) request_.method = std::string(parser_->get().method_string());
        write(errorResponse(status, code, message), keep && keepAlive_);
    }

    void write(Response r, bool keepAlive) {
        parkDeadline_.reset();
        const bool keep = keepAlive && !srv_.stopping;
        res_.emplace();
        res_->version(11);
        res_->result(static_cast<unsigned>(r.status));
        res_->set(http::field::content_type, r.contentType);
        res_->set(http::field::cache_control, "no-store");
        for (const auto& [k, v] : srv_.opt.responseHeaders) res_->set(k, v);
        for (const auto& [k, v] : r.headers) res_->set(k, v);
        res_->keep_alive(keep);
        res_->body() = std::move(r.body);
        res_->prepare_payload();
        status_ = r.status;
        beast::get_lowest_layer(stream_).expires_after(srv_.opt.requestTimeout);
        http::async_write(stream_, *res_, [self = shared_from_this(), keep](beast::error_code ec, size_t) {
            self->logRequest();
            if (ec) return self->closeSocket();
            self->res_.reset();
            if (!keep) return self->shutdownTls();
            self->readHeader();
        });
    }

    // --- Server-sent events ---------------------------------------------------------------
    // The answer's head is written by hand: no Content-Length, no chunking, the body is the
    // event stream until either side closes (a browser's EventSource reads exactly that).
    void startStream(Response r) {
        phase_ = Phase::Streaming;
        status_ = 200;
        topic_ = r.stream->topic;
        std::map<std::string, std::string> headers;  // handler's headers win, one of each name
        auto put = [&](const std::string& k, const std::string& v) {
            std::string lower = k;
            std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
            headers[lower] = k + ": " + v;
        };
        for (const auto& [k, v] : srv_.opt.responseHeaders) put(k, v);
        for (const auto& [k, v] : r.headers) put(k, v);
        put("Content-Type", "text/event-stream; charset=utf-8");
        put("Cache-Control", "no-store");
        put("X-Accel-Buffering", "no");
        std::string head = "HTTP/1.1 200 OK\r\n";
        for (const auto& [lower, line] : headers) head += line + "\r\n";
        head += "\r\n";
        // How long the browser waits before reconnecting after a drop.
        head += "retry: 1000\n\n";
        logRequest();
        core::logInfo("http.stream_open", {{"topic", topic_}, {"subscriber", r.stream->subscriber}});
        beast::get_lowest_layer(stream_).expires_never();
        srv_.subscribe(topic_, shared_from_this());
        enqueue(std::make_shared<const std::string>(std::move(head)));
        // Subscribed first, then replayed: what is published meanwhile waits on this strand
        // and is skipped by id if the replay already had it.
        if (r.stream->lastEventId > 0 && srv_.opt.replay) {
            try {
                for (auto& e : srv_.opt.replay(topic_, r.stream->lastEventId)) {
                    if (e.id > 0) replayed_.push_back(e.id);
                    enqueue(std::make_shared<const std::string>(formatSseEvent(e.id, e.name, e.data)));
                }
                std::sort(replayed_.begin(), replayed_.end());
            } catch (const std::exception& e) {
                core::logWarn("http.replay_failed", {{"topic", topic_}, {"error", e.what()}});
            }
        }
        schedulePing();
    }

    void schedulePing() {
        parkTimer_.expires_after(srv_.opt.ssePing);
        parkTimer_.async_wait([self = shared_from_this()](beast::error_code ec) {
            if (ec || self->phase_ != Phase::Streaming) return;
            static const auto ping = std::make_shared<const std::string>(": ping\n\n");
            self->enqueue(ping);
            self->schedulePing();
        });
    }

    void enqueue(std::shared_ptr<const std::string> text) {
        if (phase_ != Phase::Streaming) return;
        queuedBytes_ += text->size();
        queue_.push_back(std::move(text));
        if (queuedBytes_ > srv_.opt.sseQueueBytes) {
            // Too slow to keep up: holding more would let one browser eat the server's memory.
            ++srv_.droppedCount;
            core::logWarn("http.stream_dropped", {{"topic", topic_}, {"queued_bytes", queuedBytes_}});
            queue_.clear();
            queuedBytes_ = inflightBytes_;
            return closeSocket();
        }
        if (!writing_) writeQueued();
    }

    void writeQueued() {
        if (queue_.empty() || phase_ != Phase::Streaming) return;
        writing_ = true;
        // One write holds at most kSseWriteBatch: its bytes count as waiting until the whole
        // write completes, even those the peer already read, so a batch as large as the
        // queue would double-count a fast reader and drop it behind a slow writer thread.
        inflight_.clear();
        inflightBytes_ = 0;
        while (!queue_.empty() && (inflight_.empty() || inflightBytes_ + queue_.front()->size() <= kSseWriteBatch)) {
            inflightBytes_ += queue_.front()->size();
            inflight_.push_back(std::move(queue_.front()));
            queue_.pop_front();
        }
        std::vector<net::const_buffer> bufs;
        bufs.reserve(inflight_.size());
        for (const auto& t : inflight_) bufs.emplace_back(t->data(), t->size());
        // A peer that stops reading fails here after the request timeout.
        beast::get_lowest_layer(stream_).expires_after(srv_.opt.requestTimeout);
        net::async_write(stream_, bufs, [self = shared_from_this()](beast::error_code ec, size_t) {
            self->writing_ = false;
            self->queuedBytes_ -= self->inflightBytes_;
            self->inflightBytes_ = 0;
            self->inflight_.clear();
            if (ec) return self->closeSocket();
            beast::get_lowest_layer(self->stream_).expires_never();
            self->writeQueued();
        });
    }

    void logRequest() {
        const auto took = std::chrono::duration_cast<ms>(SteadyClock::now() - started_).count();
        core::logDebug("http.request", {{"method", request_.method},
                                        {"path", request_.path},
                                        {"status", status_},
                                        {"ms", took},
                                        {"device", identity_.deviceId}});
        request_ = Request{};
    }

    void shutdownTls() {
        phase_ = Phase::Closing;
        beast::get_lowest_layer(stream_).expires_after(std::min(srv_.opt.requestTimeout, ms(1000)));
        stream_.async_shutdown([self = shared_from_this()](beast::error_code) { self->closeSocket(); });
    }

    void closeSocket() {
        if (phase_ == Phase::Streaming) {
            parkTimer_.cancel();
            srv_.unsubscribe(topic_, this);
            topic_.clear();
        }
        phase_ = Phase::Closing;
        beast::error_code ignored;
        auto& sock = beast::get_lowest_layer(stream_).socket();
        sock.shutdown(tcp::socket::shutdown_both, ignored);
        sock.close(ignored);
    }

    HttpServer::Impl& srv_;
    beast::ssl_stream<beast::tcp_stream> stream_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    std::optional<http::response<http::empty_body>> continue_;
    std::optional<http::response<http::string_body>> res_;
    net::steady_timer parkTimer_;
    Identity identity_;
    Request request_;
    Phase phase_ = Phase::Handshake;
    bool keepAlive_ = true;
    int status_ = 0;
    SteadyClock::time_point started_ = SteadyClock::now();
    std::optional<SteadyClock::time_point> parkDeadline_;
    std::string parkKey_;
    uint64_t parkGen_ = 0;
    std::string remoteAddress_;
    // Event stream (the park timer doubles as the ping timer: a session is never both).
    std::string topic_;
    std::vector<int64_t> replayed_;  // sorted ids the replay sent
    std::deque<std::shared_ptr<const std::string>> queue_;
    std::vector<std::shared_ptr<const std::string>> inflight_;
    size_t queuedBytes_ = 0;  // queue_ and inflight_
    size_t inflightBytes_ = 0;
    bool writing_ = false;
};

// --- Impl ------------------------------------------------------------------------------

core::Status HttpServer::Impl::init() {
    if (opt.threads < 1 || opt.threads > 64) return makeError("http.bad_option", "threads must be 1-64");
    if (opt.maxConnections < 1) return makeError("http.bad_option", "max_connections must be at least 1");
    try {
        sslCtx.emplace(ssl::context::tls_server);
        SSL_CTX* ctx = sslCtx->native_handle();
        sslCtx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                            ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
        SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
        // TLS 1.2: forward-secret AEAD suites only (TLS 1.3 suites are all of that kind).
        SSL_CTX_set_cipher_list(ctx, "ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL:!eNULL");
        SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
        SSL_CTX_set_num_tickets(ctx, 0);  // no resumption: each connection re-verifies against the CRL
        sslCtx->use_certificate_chain_file(opt.certFile.string());
        sslCtx->use_private_key_file(opt.keyFile.string(), ssl::context::pem);
        if (SSL_CTX_check_private_key(ctx) != 1)
            return makeError("http.tls", "tls.key_file does not match tls.cert_file");
        if (opt.clientAuth == ClientAuth::Required) {
            sslCtx->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
            if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(opt.clientCaFile.c_str()))
                SSL_CTX_set_client_CA_list(ctx, names);
        } else {
            // No CertificateRequest at all: a browser would otherwise prompt for a certificate.
            sslCtx->set_verify_mode(ssl::verify_none);
        }
    } catch (const boost::system::system_error& e) {
        return makeError("http.tls", std::string("server certificate or key: ") + e.what() + " " + opensslErrors());
    }
    if (opt.clientAuth == ClientAuth::Required) {
        KIOSK_ASSIGN_OR_RETURN(trust, TrustStore::create(opt.clientCaFile, opt.crlFile, opt.crlReload));
    }

    ioc = std::make_unique<net::io_context>(opt.threads);
    work_.emplace(net::make_work_guard(*ioc));
    try {
        const auto addr = net::ip::make_address(opt.address);
        acceptor = std::make_unique<tcp::acceptor>(net::make_strand(*ioc));
        const tcp::endpoint ep(addr, opt.port);
        acceptor->open(ep.protocol());
        acceptor->set_option(net::socket_base::reuse_address(true));
        acceptor->bind(ep);
        acceptor->listen(net::socket_base::max_listen_connections);
    } catch (const boost::system::system_error& e) {
        return makeError("http.bind", "cannot listen on " + opt.address + ":" + std::to_string(opt.port) + ": " +
                                          e.code().message());
    }
    pollTimer_ = std::make_unique<net::steady_timer>(net::make_strand(*ioc));
    return {};
}

void HttpServer::Impl::startThreads() {
    doAccept();
    if (opt.pendingKeys) schedulePendingPoll();
    for (int i = 0; i < opt.threads; ++i)
        threads_.emplace_back([this] {
            for (;;) {
                try {
                    ioc->run();
                    return;
                } catch (const std::exception& e) {
                    core::logError("http.io_exception", {{"error", e.what()}});
                }
            }
        });
}

void HttpServer::Impl::doAccept() {
    acceptor->async_accept(net::make_strand(*ioc), [this](beast::error_code ec, tcp::socket socket) {
        if (ec == net::error::operation_aborted || !acceptor->is_open() || stopping) return;
        if (!ec) {
            if (sessionCount.load() >= opt.maxConnections) {
                core::logWarn("http.too_many_connections", {{"limit", opt.maxConnections}});
                beast::error_code ignored;
                socket.close(ignored);
            } else {
                // Beast writes a response as several TLS records; without NODELAY the
                // last one waits for the client's delayed ACK (40 ms a request).
                beast::error_code ignored;
                socket.set_option(tcp::no_delay(true), ignored);
                auto s = std::make_shared<HttpConnection>(std::move(socket), *this);
                addSession(s);
                net::dispatch(s->executor(), [s] { s->start(); });
            }
        } else if (ec == net::error::no_descriptors) {
            core::logWarn("http.accept_failed", {{"error", ec.message()}});
        }
        doAccept();
    });
}

void HttpServer::Impl::schedulePendingPoll() {
    pollTimer_->expires_after(opt.pendingKeysInterval);
    pollTimer_->async_wait([this](beast::error_code ec) {
        if (ec || stopping) return;
        if (parkedCount.load() > 0) {
            try {
                for (const auto& key : opt.pendingKeys()) wake(key);
            } catch (const std::exception& e) {
                core::logWarn("http.pending_keys_failed", {{"error", e.what()}});
            }
        }
        schedulePendingPoll();
    });
}

void HttpServer::Impl::addSession(const std::shared_ptr<HttpConnection>& s) {
    std::lock_guard lock(mu_);
    sessions_.emplace(s.get(), s);
}

void HttpServer::Impl::removeSession(HttpConnection* s) {
    {
        std::lock_guard lock(mu_);
        sessions_.erase(s);
    }
    --sessionCount;
    cv_.notify_all();
}

void HttpServer::Impl::subscribe(const std::string& topic, const std::shared_ptr<HttpConnection>& s) {
    std::lock_guard lock(mu_);
    if (subscribers_[topic].emplace(s.get(), s).second) ++subscriberCount;
}

void HttpServer::Impl::unsubscribe(const std::string& topic, HttpConnection* s) {
    std::lock_guard lock(mu_);
    auto it = subscribers_.find(topic);
    if (it == subscribers_.end()) return;
    if (it->second.erase(s) > 0) --subscriberCount;
    if (it->second.empty()) subscribers_.erase(it);
}

void HttpServer::Impl::publish(const std::string& topic, int64_t id, const std::string& name, const std::string& data) {
    auto text = std::make_shared<const std::string>(formatSseEvent(id, name, data));
    std::vector<std::shared_ptr<HttpConnection>> to;
    {
        std::lock_guard lock(mu_);
        auto it = subscribers_.find(topic);
        if (it == subscribers_.end()) return;
        to.reserve(it->second.size());
        for (auto& [p, w] : it->second)
            if (auto sp = w.lock()) to.push_back(std::move(sp));
    }
    // Never waits for a subscriber: each takes the event on its own strand.
    for (auto& s : to) net::post(s->executor(), [s, id, text] { s->onEvent(id, text); });
}

void HttpServer::Impl::park(const std::string& key, const std::shared_ptr<HttpConnection>& s) {
    std::lock_guard lock(mu_);
    parked_.emplace(key, s);
    ++parkedCount;
}

void HttpServer::Impl::unpark(const std::string& key, HttpConnection* s) {
    std::lock_guard lock(mu_);
    auto [b, e] = parked_.equal_range(key);
    for (auto it = b; it != e; ++it) {
        auto p = it->second.lock();
        if (!p || p.get() == s) {
            parked_.erase(it);
            --parkedCount;
            return;
        }
    }
}

void HttpServer::Impl::wake(const std::string& key) {
    std::vector<std::shared_ptr<HttpConnection>> woken;
    {
        std::lock_guard lock(mu_);
        lastWake_[key] = ++wakeCounter_;
        auto [b, e] = parked_.equal_range(key);
        for (auto it = b; it != e; ++it)
            if (auto p = it->second.lock()) woken.push_back(std::move(p));
    }
    // The session unparks itself on its strand (onWake -> leavePark).
    for (auto& s : woken) net::post(s->executor(), [s] { s->onWake(); });
}

bool HttpServer::Impl::wokenSince(const std::string& key, uint64_t stamp) {
    std::lock_guard lock(mu_);
    auto it = lastWake_.find(key);
    return it != lastWake_.end() && it->second > stamp;
}

void HttpServer::Impl::shutdown(ms deadline) {
    std::lock_guard stopLock(stopMu_);
    if (stopped_ || !ioc) return;
    stopped_ = true;
    stopping = true;
    if (acceptor)
        net::post(acceptor->get_executor(), [this] {
            beast::error_code ignored;
            acceptor->close(ignored);
        });
    if (pollTimer_) net::post(pollTimer_->get_executor(), [this] { pollTimer_->cancel(); });
    std::vector<std::shared_ptr<HttpConnection>> all;
    {
        std::lock_guard lock(mu_);
        for (auto& [p, w] : sessions_)
            if (auto s = w.lock()) all.push_back(std::move(s));
    }
    for (auto& s : all) net::post(s->executor(), [s] { s->onStop(); });
    all.clear();
    if (!threads_.empty()) {
        std::unique_lock lock(mu_);
        cv_.wait_for(lock, deadline, [this] { return sessionCount.load() == 0; });
    }
    work_.reset();
    ioc->stop();
    for (auto& t : threads_) t.join();
    threads_.clear();
    // Sessions still held by pending handlers are destroyed with the io_context, while
    // the registry they unregister from is alive.
    acceptor.reset();
    pollTimer_.reset();
    ioc.reset();
}

// --- HttpServer --------------------------------------------------------------------------

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpServer::~HttpServer() { stop(ms(0)); }

core::Result<std::unique_ptr<HttpServer>> HttpServer::create(HttpServerOptions options, Handler handler) {
    if (!handler) return makeError("http.bad_option", "no handler");
    auto impl = std::make_unique<Impl>(std::move(options), std::move(handler));
    KIOSK_TRY(impl->init());
    impl->startThreads();
    return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

uint16_t HttpServer::port() const {
    beast::error_code ec;
    return impl_->acceptor ? impl_->acceptor->local_endpoint(ec).port() : 0;
}

std::string HttpServer::address() const {
    beast::error_code ec;
    return impl_->acceptor ? impl_->acceptor->local_endpoint(ec).address().to_string() : impl_->opt.address;
}

void HttpServer::wake(const std::string& key) { impl_->wake(key); }
void HttpServer::stop(ms deadline) { impl_->shutdown(deadline); }
bool HttpServer::responsive(ms timeout) const {
    if (impl_->stopping || !impl_->ioc) return false;
    auto done = std::make_shared<std::promise<void>>();
    auto answered = done->get_future();
    net::post(*impl_->ioc, [done] { done->set_value(); });
    return answered.wait_for(timeout) == std::future_status::ready;
}
size_t HttpServer::connections() const { return impl_->sessionCount.load(); }
size_t HttpServer::parkedRequests() const { return impl_->parkedCount.load(); }
size_t HttpServer::subscribers() const { return impl_->subscriberCount.load(); }
size_t HttpServer::droppedSubscribers() const { return impl_->droppedCount.load(); }
void HttpServer::publish(const std::string& topic, int64_t eventId, const std::string& eventName,
                         const std::string& jsonData) {
    if (!impl_->stopping) impl_->publish(topic, eventId, eventName, jsonData);
}

}  // namespace kiosk::server
