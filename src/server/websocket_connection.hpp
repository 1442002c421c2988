#pragma once

#include <boost/asio/basic_stream_socket.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <boost/container/devector.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "address_guard.hpp"
#include "connection_tracker.hpp"
#include "http_types.hpp"
#include "metrics.hpp"
#include "parley/app/chat_service.hpp"
#include "websocket_frame.hpp"
#include "websocket_loop.hpp"

namespace parley {

/// How WebSockets behave; from the configuration.
struct websocket_settings {
  std::chrono::milliseconds handshake_timeout{10'000};
  std::chrono::milliseconds ping_interval{20'000};
  std::chrono::milliseconds send_timeout{30'000};
  std::size_t max_frame_bytes = 64 * 1024;
  std::size_t send_queue_bytes = 1024 * 1024;
  /// Pause after a busy flush (see websocket_loop); 0: none.
  std::chrono::microseconds coalesce_delay{0};
};

/// What the WebSockets of one server share, owned by the server.
struct websocket_parts {
  const websocket_settings& settings;
  chat_service& chats;
  connection_tracker& connections;
  metrics& stats;
};

/** One WebSocket on /ws: a participant's real-time channel.

    Beast performs the upgrade; from then on the connection speaks RFC 6455
    itself on the bare socket, so that it can be cheap:
    - its socket waits in its loop's epoll set (websocket_loop), not in
      Asio's reactor; reads go into the loop's shared receive buffer, and
      every complete frame is parsed in place; only a partial frame is kept;
    - what the service pushes is queued, with ping, pong and close frames in
      the same queue (so in order), and written by the loop's flush once per
      loop iteration, as one gather write of every queued frame;
    - keepalive is the loop's coarse tick: a ping after one to one and a half
      ping intervals of silence, a drop after two to two and a half.
    It only reads, writes, times out and translates: every rule is in the
    chat service.
*/
class websocket_connection final : public std::enable_shared_from_this<websocket_connection>,
                                   public participant_channel,
                                   public websocket_loop_hook {
public:
  websocket_connection(boost::asio::ip::tcp::socket&& socket, boost::asio::io_context& ioc,
                       const websocket_parts& parts);
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
  /// Server shutdown: close with 1001 after what is queued.
  void shutdown();

  // Called by websocket_loop.
  /// The socket became readable and/or writable (epoll `events`).
  void on_ready(std::uint32_t events);
  /// Writes every queued frame it can with one system call; how many
  /// frames it completed.
  std::size_t flush();
  /// One keepalive tick (half a ping interval).
  void keepalive_tick();
  /// The loop is going away: the connection closes its socket and lets go
  /// of itself.
  void abandon() noexcept;
  /// Whether `tracker` counts this connection (a server's shutdown).
  bool counted_by(const connection_tracker& tracker) const noexcept {
    return &parts_.connections == &tracker;
  }

private:
  // A socket bound to the io_context's own executor: the concrete executor
  // avoids type-erased executor copies on every operation.
  using socket_type =
      boost::asio::basic_stream_socket<boost::asio::ip::tcp, boost::asio::io_context::executor_type>;
  using opcode = websocket_frame::opcode;

  void on_accept(boost::beast::error_code ec, std::string client_key);
  /// Reads until the socket is empty (or its share of this batch is used).
  void read_ready();
  /// Handles the frames in [data, data+size) and keeps a partial one;
  /// false when reading is over.
  bool take(char* data, std::size_t size);
  /// Parses and handles the complete frames at the start of `data`; returns
  /// how many bytes they took.
  std::size_t handle_frames(char* data, std::size_t size);
  void handle_frame(const websocket_frame::client_frame& f, char* payload);
  void handle_message(opcode op, std::string_view payload);
  void handle_close_frame(std::string_view payload);
  /// Answers a frame that could not be applied with an `error` message.
  void refuse(const failure& f);
  /// The client broke RFC 6455: close with `code` and stop reading.
  void fail(std::uint16_t code, std::string_view reason);

  /// Queues one frame (not counted against the send queue bound).
  void queue_control(opcode op, std::string payload);
  void schedule_flush();
  /// Sends a close frame after what is queued; ends the connection if the
  /// peer has not answered it within the send timeout.
  void close_after_queue(std::uint16_t code, std::string_view reason);
  void arm_close_deadline();
  /// Drops the queued frames that have not started.
  void drop_unsent();
  /// The connection is over: tells the service (unless already done) and
  /// closes the socket.
  void end(channel_end how);
  /// Closes the descriptor; the connection lets go of itself afterwards.
  void close_socket(bool shut_down) noexcept;

  /// Only during the upgrade.
  std::unique_ptr<boost::beast::websocket::stream<socket_type>> handshake_;
  websocket_loop& loop_;
  const websocket_parts& parts_;

  /// Bytes of a frame not yet complete; null (nothing held) between frames.
  std::unique_ptr<std::string> partial_;
  /// What few sockets need, allocated when one does.
  struct rare_state {
    /// A fragmented message being put together.
    std::string fragments;
    bool fragmented = false;
    /// While closing.
    std::unique_ptr<boost::asio::steady_timer> close_deadline;
  };
  std::unique_ptr<rare_state> rare_;
  rare_state& rare();

  struct outgoing {
    encoded_message message;
    std::uint64_t seq;
    websocket_frame::server_header header;
    std::size_t size() const noexcept { return header.size + message.size(); }
  };
  boost::container::devector<outgoing> queue_;  // allocates nothing while empty
  std::uint32_t queued_bytes_ = 0;   ///< of messages from the service (the bound; < 4 GiB)
  std::uint32_t front_written_ = 0;  ///< bytes of the front frame already sent

  participant_id participant_ = 0;  ///< 0: none (not yet, or released)
  address_slot slot_;               ///< MAX_CONNECTIONS_PER_ADDRESS
  /// While its socket is in the loop's set: the connection owns itself (no
  /// Asio operation does).
  std::shared_ptr<websocket_connection> self_;
  int fd_ = -1;  ///< the upgraded socket's descriptor

  opcode fragments_op_ = opcode::text;
  std::uint8_t silent_ticks_ = 0;  ///< keepalive ticks without a byte from the peer
  bool heard_ = false;             ///< bytes arrived since the last tick
  bool accepted_ = false;          ///< the handshake succeeded
  bool flush_scheduled_ = false;
  bool write_blocked_ = false;     ///< waiting for the socket to take more
  bool close_queued_ = false;      ///< no more frames are queued after the close
  bool close_sent_ = false;
  bool close_received_ = false;
  bool failed_ = false;            ///< protocol error: close once the close frame is out
  bool ended_ = false;             ///< socket closed
};

}  // namespace parley
