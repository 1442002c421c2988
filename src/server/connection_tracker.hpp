#pragma once

#include <cstddef>
#include <memory>
#include <unordered_map>

namespace parley {

/// Something the server must wind down when it stops: a connection or a
/// long poll.
class stoppable {
public:
  /// Server shutdown: answer what is pending, close politely.
  virtual void shutdown() = 0;

protected:
  ~stoppable() = default;
};

/** The open connections: how many (for the cap and the metrics), and which,
    so that a graceful shutdown can reach each. Holds weak references only:
    connections own themselves (shared_from_this) and unregister in their
    destructors. One thread.
*/
class connection_tracker {
public:
  /// Counts a connection (HTTP, or a WebSocket that took over one).
  void opened() noexcept { ++open_; }
  void closed() noexcept { --open_; }
  void websocket_opened() noexcept { ++websockets_; }
  void websocket_closed() noexcept { --websockets_; }

  void add(const std::shared_ptr<stoppable>& s) { live_[s.get()] = s; }
  void remove(const stoppable* s) { live_.erase(s); }

  /// Stops everything registered; `stopping()` is true from then on.
  void shutdown();

  bool stopping() const noexcept { return stopping_; }
  std::size_t open() const noexcept { return open_; }
  std::size_t websockets() const noexcept { return websockets_; }
  std::size_t limit() const noexcept { return limit_; }
  bool full() const noexcept { return open_ >= limit_; }
  void set_limit(std::size_t limit) noexcept { limit_ = limit; }

private:
  std::unordered_map<const stoppable*, std::weak_ptr<stoppable>> live_;
  std::size_t open_ = 0;
  std::size_t websockets_ = 0;
  std::size_t limit_ = 0;
  bool stopping_ = false;
};

}  // namespace parley
