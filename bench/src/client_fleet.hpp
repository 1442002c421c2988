#ifndef PARLEY_BENCH_CLIENT_FLEET_HPP
#define PARLEY_BENCH_CLIENT_FLEET_HPP

#include "bench_options.hpp"
#include "loop_runner.hpp"
#include "ws_client.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace parley::bench {

/// Where the server is: the endpoint to connect to and the Host header.
struct server_address {
    tcp::endpoint endpoint;
    std::string host;
};

/// Resolves --host/--port (numeric addresses only: the generator never
/// leaves the loopback interface).
server_address make_server_address(bench_options const& opts);

/// The --port-b instance on the same host, when one was given.
std::optional<server_address> make_second_address(bench_options const& opts);

/// The WebSocket clients of one scenario, and how they get connected.
///
/// A client is *ready* once parley has greeted it with `hello` or, for the
/// yardstick (which says nothing), once the upgrade is done. Against the
/// yardstick clients connect strictly one after the other (connect 2i, wait
/// for its upgrade, then 2i+1) because the yardstick pairs connections by
/// arrival order. Against parley up to `concurrency` handshakes overlap.
class client_fleet {
public:
    using ready_handler = std::function<void(ws_client&)>;

    client_fleet(net::io_context& ioc, server_address address, target_kind target, std::size_t concurrency);

    /// Creates `count` more clients and starts connecting them; `on_ready`
    /// runs once per client that becomes ready (it may replace the client's
    /// message handler). Failures are counted and described in last_error().
    void open(std::size_t count, ready_handler on_ready);

    /// A second instance of the same cluster: clients with an odd index
    /// connect there from now on.
    void set_second_address(std::optional<server_address> address) { address_b_ = std::move(address); }

    /// True once every client created so far is ready or has failed.
    bool settled() const { return ready_ + failed_ == clients_.size(); }

    std::size_t size() const { return clients_.size(); }
    std::size_t ready() const { return ready_; }
    std::size_t failed() const { return failed_; }
    std::string const& last_error() const { return last_error_; }
    /// Ready connections that the server closed before shut_down().
    std::size_t dropped() const { return dropped_; }
    ws_client& operator[](std::size_t i) { return *clients_[i]; }

    /// Clean close of every client (bounded wait), then the hard close of any
    /// left, then drains the io_context so no handler outlives the clients.
    void shut_down(bench_clock::time_point deadline);

private:
    void connect_next();
    void on_open(ws_client& client, error_code ec);
    void on_hello(ws_client& client, std::string_view frame);
    void mark_ready(ws_client& client);
    void mark_failed(std::string what);

    net::io_context& ioc_;
    server_address address_;
    std::optional<server_address> address_b_;
    target_kind target_;
    std::size_t concurrency_;
    std::vector<std::unique_ptr<ws_client>> clients_;
    std::vector<bool> greeted_;
    ready_handler on_ready_;
    std::size_t next_to_connect_ = 0;
    std::size_t in_progress_ = 0;
    std::size_t ready_ = 0;
    std::size_t failed_ = 0;
    std::size_t closed_ = 0;
    std::size_t dropped_ = 0;
    bool shutting_down_ = false;
    std::string last_error_;
};

}  // namespace parley::bench

#endif
