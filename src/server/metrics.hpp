#pragma once

#include <array>
#include <optional>
#include <cstdint>
#include <string>

namespace parley {

class switchboard;
class moderation;

/// Counters the transport keeps; the switchboard keeps its own.
class metrics {
public:
  /// Counts one HTTP response by its status class (1xx .. 5xx).
  void count_http(unsigned status) noexcept;
  void count_websocket_opened() noexcept { ++websockets_opened_; }
  void count_websocket_closed_slow() noexcept { ++websockets_closed_slow_; }
  void count_connection_refused() noexcept { ++connections_refused_; }

  /// The Prometheus text exposition of everything. The switchboard's figures
  /// are the whole service's (in cluster mode, every instance's); the
  /// connections are this instance's own. `instances`: cluster mode only.
  std::string render(const switchboard& board, std::size_t open_connections,
                     std::size_t open_websockets, double uptime_s,
                     std::optional<std::size_t> instances = std::nullopt) const;
  /// The safety figures: reports by reason, blocks, bans in force, spam refused.
  static std::string render_safety(const moderation& safety, std::size_t excluded_pairs);

private:
  std::array<std::uint64_t, 5> http_by_class_{};
  std::uint64_t websockets_opened_ = 0;
  std::uint64_t websockets_closed_slow_ = 0;
  std::uint64_t connections_refused_ = 0;
};

}  // namespace parley
