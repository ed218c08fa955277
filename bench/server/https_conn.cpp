#include "bench/server/https_conn.h"

#include <utility>

#include <openssl/ssl.h>

namespace kiosk::bench {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

HttpsConn::HttpsConn(asio::io_context& io, asio::ssl::context& ctx, asio::ip::tcp::endpoint server,
                     ClientCert identity)
    : io_(io), ctx_(ctx), server_(server), identity_(identity) {}

HttpsConn::~HttpsConn() = default;

void HttpsConn::request(http::verb method, std::string target, std::string body, std::chrono::milliseconds timeout,
                        HttpCallback done) {
    queue_.push_back(Item{method, std::move(target), std::move(body), timeout, std::move(done)});
    if (!busy_) next();
}

void HttpsConn::close() {
    closed_ = true;
    if (stream_) {
        beast::error_code ec;
        beast::get_lowest_layer(*stream_).socket().close(ec);
    }
    connected_ = false;
}

void HttpsConn::next() {
    if (busy_ || queue_.empty() || closed_) return;
    busy_ = true;
    current_ = std::move(queue_.front());
    queue_.pop_front();
    sentAt_ = Clock::now();
    if (connected_)
        send();
    else
        connect();
}

void HttpsConn::connect() {
    stream_.emplace(io_, ctx_);
    // The client certificate per connection (one SSL_CTX for the whole fleet).
    SSL* ssl = stream_->native_handle();
    if (SSL_use_certificate(ssl, identity_.cert) != 1 || SSL_use_PrivateKey(ssl, identity_.key) != 1) {
        finish(0, "", "client certificate refused by OpenSSL");
        return;
    }
    SSL_set_tlsext_host_name(ssl, "localhost");
    auto& tcp = beast::get_lowest_layer(*stream_);
    tcp.expires_after(current_.timeout);
    ++connects_;
    tcp.async_connect(server_, [self = shared_from_this()](beast::error_code ec) {
        if (ec) return self->finish(0, "", "connect: " + ec.message());
        self->stream_->async_handshake(asio::ssl::stream_base::client, [self](beast::error_code ec2) {
            if (ec2) return self->finish(0, "", "handshake: " + ec2.message());
            self->connected_ = true;
            self->send();
        });
    });
}

void HttpsConn::send() {
    req_ = {};
    req_.method(current_.method);
    req_.target(current_.target);
    req_.version(11);
    req_.set(http::field::host, "localhost");
    req_.keep_alive(true);
    if (!current_.body.empty() || current_.method == http::verb::post || current_.method == http::verb::put) {
        req_.set(http::field::content_type, "application/json");
        req_.body() = std::move(current_.body);
    }
    req_.prepare_payload();
    beast::get_lowest_layer(*stream_).expires_after(current_.timeout);
    http::async_write(*stream_, req_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
        if (ec) return self->finish(0, "", "write: " + ec.message());
        self->parser_.emplace();
        self->parser_->body_limit(256u << 20);
        http::async_read(*self->stream_, self->buffer_, *self->parser_,
                         [self](beast::error_code ec2, std::size_t) {
                             if (ec2) return self->finish(0, "", "read: " + ec2.message());
                             auto res = self->parser_->release();
                             if (!res.keep_alive()) {
                                 beast::error_code ignored;
                                 beast::get_lowest_layer(*self->stream_).socket().close(ignored);
                                 self->connected_ = false;
                             }
                             self->finish(static_cast<int>(res.result_int()), std::move(res.body()), "");
                         });
    });
}

void HttpsConn::finish(int status, std::string body, std::string error) {
    if (status == 0) {
        // Any transport error: drop the connection, the next request reconnects.
        if (stream_) {
            beast::error_code ignored;
            beast::get_lowest_layer(*stream_).socket().close(ignored);
        }
        connected_ = false;
        buffer_.clear();
    }
    HttpResult r;
    r.status = status;
    r.body = std::move(body);
    r.error = std::move(error);
    r.sentAt = sentAt_;
    r.doneAt = Clock::now();
    auto done = std::move(current_.done);
    busy_ = false;
    if (done && !closed_) done(std::move(r));
    next();
}

}  // namespace kiosk::bench
