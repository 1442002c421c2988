#pragma once

#include <boost/asio/basic_stream_socket.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <boost/container/devector.hpp>
#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "address_guard.hpp"
#include "connection_tracker.hpp"
#include "http_types.hpp"
#include "metrics.hpp"
#include "parley/app/chat_service.hpp"

namespace parley {

/// How WebSockets behave; from the configuration.
struct websocket_settings {
  std::chrono::milliseconds handshake_timeout{10'000};
  std::chrono::milliseconds ping_interval{20'000};
  std::chrono::milliseconds send_timeout{30'000};
  std::size_t max_frame_bytes = 64 * 1024;
  std::size_t send_queue_bytes = 1024 * 1024;
};

/** One WebSocket on /ws: a participant's real-time channel.

    Reads text frames, decodes each into a command and hands it to the chat
    service; writes what the service pushes through one bounded queue with
    one write in flight. Keepalive pings find dead peers. It only reads,
    writes, times out and translates: every rule is in the chat service.
*/
class websocket_connection final : public std::enable_shared_from_this<websocket_connection>,
                                   public participant_channel,
                                   public stoppable {
public:
  websocket_connection(boost::asio::ip::tcp::socket&& socket, boost::asio::io_context& ioc,
                       const websocket_settings& settings, chat_service& chats,
                       connection_tracker& connections, metrics& stats);
  ~websocket_connection();
  websocket_connection(const websocket_connection&) = delete;
  websocket_connection& operator=(const websocket_connection&) = delete;

  /// Accepts the upgrade `req` from the client whose address hashes to
  /// `client_key`; the service then says hello.
  void run(const http_request& req, std::string client_key);
  /// Keeps `slot` (this connection counted against its address) while open.
  void hold(address_slot slot) { slot_ = std::move(slot); }

  // participant_channel
  bool push(encoded_message message, std::uint64_t seq) override;
  void release(channel_release why) override;
  // stoppable: close with 1001 after what is queued.
  void shutdown() override;

private:
  void on_accept(boost::beast::error_code ec);
  void do_read();
  void on_read(boost::beast::error_code ec, std::size_t bytes);
  /// Answers a frame that could not be applied with an `error` message.
  void refuse(const failure& f);
  void do_write();
  void on_write(boost::beast::error_code ec, std::size_t bytes);
  /// Sends a close frame once the queue has drained; forced after the send timeout.
  void close_after_queue(boost::beast::websocket::close_code code, std::string reason);
  void start_close();

  // A socket bound to the io_context's own executor, not beast::tcp_stream:
  // the WebSocket stream has its own timeouts, and the concrete executor
  // avoids type-erased executor copies on every read and write.
  using socket_type =
      boost::asio::basic_stream_socket<boost::asio::ip::tcp, boost::asio::io_context::executor_type>;

  boost::beast::websocket::stream<socket_type> ws_;
  boost::beast::flat_buffer buffer_;
  const websocket_settings& settings_;
  chat_service& chats_;
  connection_tracker& connections_;
  metrics& stats_;

  struct outgoing {
    encoded_message message;
    std::uint64_t seq;
  };
  boost::container::devector<outgoing> queue_;  // allocates nothing while empty
  std::size_t queued_bytes_ = 0;
  bool writing_ = false;
  /// The parts of the frame being written (one gather write).
  std::array<boost::asio::const_buffer, 3> write_buffers_{};

  std::optional<boost::beast::websocket::close_reason> close_reason_;
  bool closing_ = false;  ///< no more frames are queued after the close
  boost::asio::steady_timer close_deadline_;

  participant_id participant_ = 0;  ///< 0: none (not yet, or released)
  std::string client_key_;          ///< until the service takes it at open
  bool accepted_ = false;           ///< the handshake succeeded
  address_slot slot_;               ///< MAX_CONNECTIONS_PER_ADDRESS
};

}  // namespace parley
