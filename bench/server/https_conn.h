#pragma once
// One keep-alive HTTPS connection with its own client certificate (mutual TLS), driven by
// an Asio io_context: requests are queued and sent one after the other (HTTP/1.1, no
// pipelining), as a device's libcurl handle would. Reconnects on the next request after
// any error. Everything runs on the io_context's thread; no locks.
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace kiosk::bench {

using Clock = std::chrono::steady_clock;

struct HttpResult {
    int status = 0;            // 0: transport error (connect, TLS, timeout, reset)
    std::string body;
    std::string error;         // transport error text when status == 0
    Clock::time_point sentAt;  // when the request left the queue (connect included)
    Clock::time_point doneAt;
    double ms() const { return std::chrono::duration<double, std::milli>(doneAt - sentAt).count(); }
};

using HttpCallback = std::function<void(HttpResult&&)>;

// A client identity: certificate and key loaded once, shared by every connection of it.
struct ClientCert {
    X509* cert = nullptr;
    EVP_PKEY* key = nullptr;
};

class HttpsConn : public std::enable_shared_from_this<HttpsConn> {
public:
    HttpsConn(boost::asio::io_context& io, boost::asio::ssl::context& ctx, boost::asio::ip::tcp::endpoint server,
              ClientCert identity);
    ~HttpsConn();

    // Queues one request; `done` is called on the io thread with the answer.
    void request(boost::beast::http::verb method, std::string target, std::string body,
                 std::chrono::milliseconds timeout, HttpCallback done);
    void close();
    bool busy() const { return busy_; }
    std::size_t queued() const { return queue_.size() + (busy_ ? 1 : 0); }
    int connects() const { return connects_; }

private:
    struct Item {
        boost::beast::http::verb method;
        std::string target, body;
        std::chrono::milliseconds timeout;
        HttpCallback done;
    };
    using Stream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

    void next();
    void connect();
    void send();
    void finish(int status, std::string body, std::string error);

    boost::asio::io_context& io_;
    boost::asio::ssl::context& ctx_;
    boost::asio::ip::tcp::endpoint server_;
    ClientCert identity_;
    std::optional<Stream> stream_;
    bool connected_ = false, busy_ = false, closed_ = false;
    int connects_ = 0;
    std::deque<Item> queue_;
    Item current_;
    Clock::time_point sentAt_;
    boost::beast::flat_buffer buffer_;
    boost::beast::http::request<boost::beast::http::string_body> req_;
    std::optional<boost::beast::http::response_parser<boost::beast::http::string_body>> parser_;
};

}  // namespace kiosk::bench
