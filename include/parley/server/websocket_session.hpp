#pragma once

#include <boost/asio/basic_stream_socket.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <boost/container/devector.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "parley/core/failure.hpp"
#include "parley/core/participant.hpp"
#include "parley/server/http_types.hpp"

namespace parley {

struct server_state;

/** One WebSocket on /ws: a participant's real-time channel.

    Reads one JSON command per text frame and applies it to the session
    manager; writes events and answers through one bounded queue with one
    write in flight. Keepalive pings find dead peers. A close frame from the
    client ends its participant; a drop without one leaves the participant
    resumable for RESUME_GRACE_S.
*/
class websocket_session : public std::enable_shared_from_this<websocket_session> {
public:
  websocket_session(boost::asio::ip::tcp::socket&& socket, server_state& state);
  ~websocket_session();
  websocket_session(const websocket_session&) = delete;
  websocket_session& operator=(const websocket_session&) = delete;

  /// Accepts the upgrade `req`, then says hello.
  void run(http_request req);

  /// Queues a text frame; `seq` is the mailbox seq of an event, 0 otherwise.
  void send(std::shared_ptr<const std::string> frame, std::uint64_t seq = 0);
  /// The participant was taken by a newer socket: tell this one and close it.
  void replaced();
  /// The participant ended elsewhere (REST /disconnect): close this socket.
  void participant_ended();
  /// Server shutdown: close with 1001 after what is queued.
  void shutdown();

private:
  void on_accept(boost::beast::error_code ec);
  void do_read();
  void on_read(boost::beast::error_code ec, std::size_t bytes);
  void handle(std::string_view frame);
  void resume(const std::string& token, std::optional<std::uint64_t> since);
  void send_waiting_or_nothing(const participant& p);
  void send_error(error_code code, std::string_view message);
  void do_write();
  void on_write(boost::beast::error_code ec, std::size_t bytes);
  /// Sends a close frame once the queue has drained; forced after SEND_TIMEOUT_S.
  void close_after_queue(boost::beast::websocket::close_code code, std::string reason);
  void start_close();
  /// Lets go of the participant without ending it.
  void release_participant();

  // A socket bound to the io_context's own executor, not beast::tcp_stream:
  // the WebSocket stream has its own timeouts, and the concrete executor
  // avoids type-erased executor copies on every read and write.
  using socket_type =
      boost::asio::basic_stream_socket<boost::asio::ip::tcp, boost::asio::io_context::executor_type>;

  boost::beast::websocket::stream<socket_type> ws_;
  boost::beast::flat_buffer buffer_;
  server_state& state_;

  struct outgoing {
    std::shared_ptr<const std::string> frame;
    std::uint64_t seq;
  };
  boost::container::devector<outgoing> queue_;  // allocates nothing while empty
  std::size_t queued_bytes_ = 0;
  bool writing_ = false;

  std::optional<boost::beast::websocket::close_reason> close_reason_;
  bool closing_ = false;  ///< no more frames are queued after the close
  boost::asio::steady_timer close_deadline_;

  participant_id participant_ = 0;
};

}  // namespace parley
