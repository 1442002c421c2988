// parley-yardstick: the fastest relay we could reasonably write with the same
// tools as parley, used as the yardstick for parley's relay figures.
//
// A bare Beast WebSocket server on one single-threaded io_context. It pairs
// connection 2i with connection 2i+1 (by order of arrival) and forwards each
// frame to the partner exactly as received: no parsing, no matching, no
// sessions, no timeouts. TCP_NODELAY is on and each socket has one write
// queue, as in parley. What parley does beyond this is what it costs.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <sys/resource.h>

#include <charconv>
#include <cstdlib>
#include <deque>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using error_code = beast::error_code;

class relay_session;

/// Live sessions by arrival number; the partner of n is n ^ 1.
/// Touched only from the I/O thread (single-threaded io_context).
std::unordered_map<std::size_t, relay_session*> sessions;

class relay_session : public std::enable_shared_from_this<relay_session> {
public:
    relay_session(tcp::socket socket, std::size_t number) : ws_(std::move(socket)), number_(number) {}

    ~relay_session() { sessions.erase(number_); }

    void run() {
        error_code ignored;
        ws_.next_layer().set_option(tcp::no_delay(true), ignored);
        // SDP and ICE messages are small; refuse anything huge.
        ws_.read_message_max(64 * 1024);
        ws_.async_accept(beast::bind_front_handler(&relay_session::on_accept, shared_from_this()));
    }

    /// Queues one frame for this session's socket (called by its partner).
    void deliver(std::string frame, bool text) {
        queue_.emplace_back(std::move(frame), text);
        if (queue_.size() == 1) do_write();
    }

private:
    void on_accept(error_code ec) {
        if (ec) return;
        sessions[number_] = this;
        do_read();
    }

    void do_read() { ws_.async_read(buffer_, beast::bind_front_handler(&relay_session::on_read, shared_from_this())); }

    void on_read(error_code ec, std::size_t) {
        if (ec) return;  // closed or failed: the session ends with its last handler
        auto const partner = sessions.find(number_ ^ 1);
        if (partner != sessions.end()) partner->second->deliver(beast::buffers_to_string(buffer_.data()), ws_.got_text());
        buffer_.consume(buffer_.size());
        do_read();
    }

    void do_write() {
        ws_.text(queue_.front().second);
        ws_.async_write(net::buffer(queue_.front().first),
                        beast::bind_front_handler(&relay_session::on_write, shared_from_this()));
    }

    void on_write(error_code ec, std::size_t) {
        if (ec) return queue_.clear();
        queue_.pop_front();
        if (!queue_.empty()) do_write();
    }

    websocket::stream<tcp::socket> ws_;
    beast::flat_buffer buffer_;
    std::deque<std::pair<std::string, bool>> queue_;
    std::size_t number_;
};

class listener {
public:
    listener(net::io_context& ioc, tcp::endpoint const& endpoint) : ioc_(ioc), acceptor_(ioc) {
        acceptor_.open(endpoint.protocol());
        acceptor_.set_option(net::socket_base::reuse_address(true));
        acceptor_.bind(endpoint);
        acceptor_.listen(net::socket_base::max_listen_connections);
    }

    tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }

    void do_accept() {
        acceptor_.async_accept(ioc_, [this](error_code ec, tcp::socket socket) {
            if (!ec) std::make_shared<relay_session>(std::move(socket), accepted_++)->run();
            else if (ec == net::error::operation_aborted) return;
            do_accept();
        });
    }

    void stop() {
        error_code ignored;
        acceptor_.close(ignored);
    }

private:
    net::io_context& ioc_;
    tcp::acceptor acceptor_;
    std::size_t accepted_ = 0;
};

constexpr char const* usage = R"(usage: parley-yardstick [--host ADDR] [--port N]

A bare WebSocket relay: connection 2i and 2i+1 are partners and every frame
one of them sends is forwarded verbatim to the other. Port 0 picks a free
port; the chosen one is logged as "listening on http://HOST:PORT".
SIGTERM or SIGINT stops it.
)";

}  // namespace

int main(int argc, char** argv) {
    std::string host = "127.0.0.1";
    unsigned short port = 8081;
    for (int i = 1; i < argc; ++i) {
        std::string_view const arg = argv[i];
        if (arg == "--help" || arg == "-h") {
            std::cout << usage;
            return 0;
        }
        if (i + 1 >= argc || (arg != "--host" && arg != "--port")) {
            std::cerr << "parley-yardstick: bad argument " << arg << '\n' << usage;
            return 2;
        }
        std::string_view const value = argv[++i];
        if (arg == "--host") {
            host = std::string(value);
        } else if (std::from_chars(value.data(), value.data() + value.size(), port).ec != std::errc{}) {
            std::cerr << "parley-yardstick: bad port " << value << '\n';
            return 2;
        }
    }

    // One descriptor per connection: allow as many as the hard limit does.
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
    }

    try {
        net::io_context ioc{1};
        listener server(ioc, tcp::endpoint(net::ip::make_address(host), port));
        server.do_accept();
        auto const local = server.local_endpoint();
        std::string const shown = local.address().is_v6() ? "[" + local.address().to_string() + "]"
                                                          : local.address().to_string();
        std::cerr << "[yardstick] listening on http://" << shown << ':' << local.port() << std::endl;

        net::signal_set signals(ioc, SIGINT, SIGTERM);
        signals.async_wait([&](error_code, int) {
            server.stop();
            ioc.stop();
        });
        ioc.run();
    } catch (std::exception const& e) {
        std::cerr << "parley-yardstick: " << e.what() << '\n';
        return 1;
    }
    return 0;
}
