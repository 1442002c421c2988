#include "client_fleet.hpp"

#include <nlohmann/json.hpp>

namespace parley::bench {

server_address make_server_address(bench_options const& opts) {
    auto const address = net::ip::make_address(opts.host);
    std::string host = address.is_v6() ? "[" + opts.host + "]" : opts.host;
    return {tcp::endpoint(address, opts.port), host + ":" + std::to_string(opts.port)};
}

std::optional<server_address> make_second_address(bench_options const& opts) {
    if (opts.port_b == 0) return std::nullopt;
    bench_options b = opts;
    b.port = opts.port_b;
    return make_server_address(b);
}

client_fleet::client_fleet(net::io_context& ioc, server_address address, target_kind target,
                           std::size_t concurrency)
    : ioc_(ioc),
      address_(std::move(address)),
      target_(target),
      // The yardstick pairs by arrival order: one handshake at a time.
      concurrency_(target == target_kind::yardstick ? 1 : concurrency) {}

void client_fleet::open(std::size_t count, ready_handler on_ready) {
    on_ready_ = std::move(on_ready);
    for (std::size_t i = 0; i < count; ++i) {
        clients_.push_back(std::make_unique<ws_client>(ioc_, clients_.size()));
        greeted_.push_back(false);
    }
    while (in_progress_ < concurrency_ && next_to_connect_ < clients_.size()) connect_next();
}

void client_fleet::connect_next() {
    ws_client& client = *clients_[next_to_connect_++];
    ++in_progress_;
    client.set_close_handler([this](ws_client& c, error_code ec) {
        ++closed_;
        // A connection that drops before it is ready is a failure; after
        // that, each scenario judges closes itself.
        if (!greeted_[c.index()] && c.index() < next_to_connect_) {
            greeted_[c.index()] = true;
            mark_failed("connection " + std::to_string(c.index()) + " closed before ready: " + ec.message());
        } else if (!shutting_down_) {
            ++dropped_;
            last_error_ = "connection " + std::to_string(c.index()) + " dropped by the server: " + ec.message();
        }
    });
    server_address const& address = address_b_ && client.index() % 2 == 1 ? *address_b_ : address_;
    client.connect(address.endpoint, address.host, [this](ws_client& c, error_code ec) { on_open(c, ec); });
}

void client_fleet::on_open(ws_client& client, error_code ec) {
    if (ec) {
        greeted_[client.index()] = true;
        ++closed_;
        return mark_failed("connect " + std::to_string(client.index()) + ": " + ec.message());
    }
    if (target_ == target_kind::yardstick) return mark_ready(client);
    client.set_message_handler([this](ws_client& c, std::string_view frame) { on_hello(c, frame); });
}

void client_fleet::on_hello(ws_client& client, std::string_view frame) {
    if (greeted_[client.index()]) return;  // e.g. an `online` push before the scenario took over
    auto const json = nlohmann::json::parse(frame, nullptr, false);
    if (json.is_discarded() || !json.is_object() || json.value("type", "") != "hello") {
        greeted_[client.index()] = true;
        return mark_failed("expected hello, got: " + std::string(frame.substr(0, 200)));
    }
    mark_ready(client);
}

void client_fleet::mark_ready(ws_client& client) {
    greeted_[client.index()] = true;
    ++ready_;
    --in_progress_;
    client.set_message_handler([](ws_client&, std::string_view) {});
    if (on_ready_) on_ready_(client);
    if (next_to_connect_ < clients_.size()) connect_next();
}

void client_fleet::mark_failed(std::string what) {
    ++failed_;
    --in_progress_;
    last_error_ = std::move(what);
    if (next_to_connect_ < clients_.size()) connect_next();
}

void client_fleet::shut_down(bench_clock::time_point deadline) {
    shutting_down_ = true;
    for (auto& client : clients_) {
        client->set_message_handler([](ws_client&, std::string_view) {});
        client->close();
    }
    // Every client created was either never connected, failed (counted in
    // closed_), or has a read loop that ends with the close handshake.
    auto const connected = next_to_connect_;
    run_until(ioc_, deadline, [this, connected] { return closed_ >= connected; });
    for (auto& client : clients_) client->abort();
    drain(ioc_);
}

}  // namespace parley::bench
