#ifndef PARLEY_BENCH_WS_CLIENT_HPP
#define PARLEY_BENCH_WS_CLIENT_HPP

#include "net.hpp"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <cstddef>
#include <deque>
#include <functional>
#include <string>
#include <string_view>

namespace parley::bench {

/// One WebSocket client connection of the load generator: connect + upgrade,
/// a read loop that hands each text frame to a handler, and a write queue
/// with one write in flight. All calls on the generator's single I/O thread.
///
/// The scenario that creates clients owns them and keeps them alive until
/// the io_context has no more work, so handlers may capture plain pointers.
class ws_client {
public:
    using message_handler = std::function<void(ws_client&, std::string_view)>;
    using event_handler = std::function<void(ws_client&, error_code)>;

    ws_client(net::io_context& ioc, std::size_t index);
    ws_client(ws_client const&) = delete;
    ws_client& operator=(ws_client const&) = delete;

    /// Connects and upgrades on path /ws; `on_open` gets the outcome. On
    /// success the read loop is already running.
    void connect(tcp::endpoint const& endpoint, std::string const& host, event_handler on_open);

    void set_message_handler(message_handler handler) { on_message_ = std::move(handler); }

    /// Called once when the read loop ends (close frame or error).
    void set_close_handler(event_handler handler) { on_close_ = std::move(handler); }

    /// Queues one text frame.
    void send(std::string frame);

    /// Sends a close frame once the queued frames are out (a clean close).
    void close();

    /// Closes the socket at once; pending operations end with operation_aborted.
    void abort();

    bool is_open() const { return open_; }
    std::size_t index() const { return index_; }
    std::size_t queued_frames() const { return queue_.size(); }

private:
    void do_read();
    void on_read(error_code ec, std::size_t bytes);
    void do_write();
    void on_write(error_code ec, std::size_t bytes);
    void do_close();
    void finish(error_code ec);

    boost::beast::websocket::stream<tcp::socket> ws_;
    boost::beast::flat_buffer buffer_;
    std::deque<std::string> queue_;
    message_handler on_message_;
    event_handler on_close_;
    std::size_t index_;
    bool open_ = false;
    bool closing_ = false;
    bool close_sent_ = false;
    bool finished_ = false;
};

}  // namespace parley::bench

#endif
