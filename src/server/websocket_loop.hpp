#pragma once

#include <boost/asio/execution_context.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/intrusive/list.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "connection_tracker.hpp"

namespace parley {

class websocket_connection;

/// Links a WebSocket into its loop's list (keepalive, shutdown); unlinks
/// itself when destroyed.
using websocket_loop_hook =
    boost::intrusive::list_base_hook<boost::intrusive::link_mode<boost::intrusive::auto_unlink>>;

/** What the WebSockets of one event loop share (one per io_context, as an
    Asio service), so each socket keeps only its own few bytes:

    - readiness: an upgraded socket leaves Asio's reactor (whose per-socket
      state and pending operation cost about 300 bytes and an allocation and
      a handler per read) and is registered, edge-triggered, in an epoll set
      of the loop's own, which Asio watches as one descriptor; when it is
      ready, the loop takes every ready socket in batches of 256;
    - one receive buffer: every socket reads into it and parses the frames
      in place before the next socket reads (one thread), keeping only a
      partial frame, when there is one, to itself;
    - the write flush: a socket given frames marks itself dirty; after a
      batch of ready sockets (or, for frames from elsewhere, once the
      handlers ready now have run) every dirty socket writes all it has with
      one gather write;
    - the keepalive: one coarse timer for all sockets instead of one per
      socket re-armed on every read;
    - the server's shutdown reaches every socket through the loop's list
      (one stoppable per server, instead of one tracker entry per socket).
*/
class websocket_loop final : public boost::asio::execution_context::service {
public:
  using key_type = websocket_loop;
  static boost::asio::execution_context::id id;

  explicit websocket_loop(boost::asio::execution_context& context);
  ~websocket_loop() override;

  boost::asio::io_context& context() noexcept { return ioc_; }

  /// The shared receive buffer; at least `min_size` bytes.
  char* receive_buffer(std::size_t min_size);
  std::size_t receive_buffer_size() const noexcept { return receive_size_; }

  /// Calls `c.on_ready(events)` whenever `fd` becomes readable or writable
  /// (edge-triggered) until `remove(fd)`; false if it cannot be registered.
  bool add(websocket_connection& c, int fd);
  /// Takes `fd` out of the set (before it is closed).
  void remove(int fd) noexcept;
  /// `c` stopped reading before its socket was empty (its share of one
  /// batch): read it again soon, as no new edge may come.
  void read_again(std::shared_ptr<websocket_connection> c);

  /// Flushes `c` after the current batch, or once the handlers ready now
  /// have run.
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
  /// Makes `tracker`'s shutdown reach the loop's sockets that it counts.
  void track(connection_tracker& tracker);

private:
  /// What a connection tracker holds for the loop's sockets.
  struct stopper final : stoppable {
    stopper(websocket_loop& l, const connection_tracker& t) : loop(l), tracker(t) {}
    void shutdown() override;
    websocket_loop& loop;
    const connection_tracker& tracker;
  };

  void shutdown() override;
  void wait_ready();
  /// Handles every ready socket, then flushes.
  void on_ready();
  void flush_all();
  /// List capacity kept between batches; more is released.
  static constexpr std::size_t max_kept_list = 4096;
  void arm_tick();

  boost::asio::io_context& ioc_;
  std::unique_ptr<char[]> receive_;
  std::size_t receive_size_ = 0;

  /// The sockets' epoll set, watched by Asio as one descriptor; open while
  /// at least one socket is in it.
  boost::asio::posix::stream_descriptor set_;
  std::size_t registered_ = 0;
  bool waiting_ = false;
  bool in_batch_ = false;
  struct ready_socket {
    std::shared_ptr<websocket_connection> c;
    std::uint32_t events;
  };
  std::vector<ready_socket> ready_;
  std::vector<std::shared_ptr<websocket_connection>> again_, dirty_, flushing_;
  bool flush_posted_ = false;
  bool again_posted_ = false;
  std::chrono::microseconds coalesce_delay_{0};

  boost::intrusive::list<websocket_connection, boost::intrusive::base_hook<websocket_loop_hook>,
                         boost::intrusive::constant_time_size<false>>
      watched_;
  boost::asio::steady_timer tick_timer_;
  std::vector<std::shared_ptr<stopper>> stoppers_;
  std::chrono::milliseconds tick_{0};
  bool ticking_ = false;
  bool stopped_ = false;
};

}  // namespace parley
