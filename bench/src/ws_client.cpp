#include "ws_client.hpp"

#include <boost/beast/websocket/rfc6455.hpp>

namespace parley::bench {

namespace websocket = boost::beast::websocket;

ws_client::ws_client(net::io_context& ioc, std::size_t index) : ws_(ioc), index_(index) {
    // One frame per message, as browsers send them; payloads stay < 64 KiB.
    ws_.auto_fragment(false);
    // Frame masks need no cryptographic randomness here, and the secure
    // generator would make the generator slower than what it measures.
    ws_.secure_prng(false);
}

void ws_client::connect(tcp::endpoint const& endpoint, std::string const& host, event_handler on_open) {
    ws_.next_layer().async_connect(endpoint, [this, host, on_open = std::move(on_open)](error_code ec) mutable {
        if (ec) return on_open(*this, ec);
        // Small frames must leave at once: Nagle would add up to 40 ms.
        ws_.next_layer().set_option(tcp::no_delay(true), ec);
        ws_.async_handshake(host, "/ws", [this, on_open = std::move(on_open)](error_code hec) {
            if (!hec) {
                open_ = true;
                do_read();
            }
            on_open(*this, hec);
        });
    });
}

void ws_client::do_read() {
    ws_.async_read(buffer_, [this](error_code ec, std::size_t bytes) { on_read(ec, bytes); });
}

void ws_client::on_read(error_code ec, std::size_t) {
    if (ec) return finish(ec);
    auto const data = buffer_.cdata();
    if (on_message_) on_message_(*this, std::string_view(static_cast<char const*>(data.data()), data.size()));
    buffer_.consume(buffer_.size());
    if (!finished_) do_read();
}

void ws_client::send(std::string frame) {
    if (!open_ || closing_) return;
    queue_.push_back(std::move(frame));
    if (queue_.size() == 1) do_write();
}

void ws_client::do_write() {
    ws_.text(true);
    ws_.async_write(net::buffer(queue_.front()), [this](error_code ec, std::size_t bytes) { on_write(ec, bytes); });
}

void ws_client::on_write(error_code ec, std::size_t) {
    if (ec) {
        queue_.clear();
        return;  // the read loop sees the same failure and reports it
    }
    queue_.pop_front();
    if (!queue_.empty()) return do_write();
    if (closing_) do_close();
}

void ws_client::close() {
    if (!open_ || closing_) return;
    closing_ = true;
    if (queue_.empty()) do_close();
}

void ws_client::do_close() {
    if (close_sent_ || finished_) return;
    close_sent_ = true;
    // The read loop completes with error::closed once the server answers.
    ws_.async_close(websocket::close_code::normal, [](error_code) {});
}

void ws_client::abort() {
    error_code ignored;
    ws_.next_layer().close(ignored);
}

void ws_client::finish(error_code ec) {
    if (finished_) return;
    finished_ = true;
    open_ = false;
    if (on_close_) on_close_(*this, ec);
}

}  // namespace parley::bench
