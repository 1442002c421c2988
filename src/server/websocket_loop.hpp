#pragma once

#include <boost/asio/execution_context.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/intrusive/list.hpp>
#include <chrono>
#include <cstddef>
#include <memory>
#include <vector>

namespace parley {

class websocket_connection;

/// Links a WebSocket into its loop's keepalive list; unlinks itself when
/// destroyed.
using websocket_loop_hook =
    boost::intrusive::list_base_hook<boost::intrusive::link_mode<boost::intrusive::auto_unlink>>;

/** What the WebSockets of one event loop share (one per io_context, as an
    Asio service), so each socket keeps only its own few bytes:

    - one receive buffer: every socket reads into it and parses the frames
      in place before the next socket reads (one thread), keeping only a
      partial frame, when there is one, to itself;
    - the write flush: a socket given frames marks itself dirty, and once the
      handlers ready in this loop iteration have run, every dirty socket
      writes all it has with one gather write;
    - the keepalive: one coarse timer for all sockets instead of one per
      socket re-armed on every read.
*/
class websocket_loop final : public boost::asio::execution_context::service {
public:
  using key_type = websocket_loop;
  static boost::asio::execution_context::id id;

  explicit websocket_loop(boost::asio::execution_context& context);
  ~websocket_loop() override;

  /// The shared receive buffer; at least `min_size` bytes.
  char* receive_buffer(std::size_t min_size);
  std::size_t receive_buffer_size() const noexcept { return receive_size_; }

  /// Flushes `c` once the handlers ready now have run.
  void schedule_flush(std::shared_ptr<websocket_connection> c);

  /// After a flush of at least `busy_frames` frames, the loop pauses for
  /// `delay` (at most 0.3 ms) before it reads again, so that more frames
  /// arrive per read and leave per write. Zero: no pause.
  void set_coalesce_delay(std::chrono::microseconds delay) noexcept { coalesce_delay_ = delay; }
  static constexpr std::size_t busy_frames = 32;

  /// Calls `c.keepalive_tick()` every `tick` until `unwatch(c)`.
  void watch(websocket_connection& c, std::chrono::milliseconds tick);
  /// Stops the tick with the last socket, so an idle loop can finish.
  void unwatch(websocket_connection& c) noexcept;

private:
  void shutdown() override;
  void flush_all();
  void arm_tick();

  boost::asio::io_context& ioc_;
  std::unique_ptr<char[]> receive_;
  std::size_t receive_size_ = 0;

  std::vector<std::shared_ptr<websocket_connection>> dirty_, flushing_;
  bool flush_posted_ = false;
  std::chrono::microseconds coalesce_delay_{0};

  boost::intrusive::list<websocket_connection, boost::intrusive::base_hook<websocket_loop_hook>,
                         boost::intrusive::constant_time_size<false>>
      watched_;
  boost::asio::steady_timer tick_timer_;
  std::chrono::milliseconds tick_{0};
  bool ticking_ = false;
  bool stopped_ = false;
};

}  // namespace parley
