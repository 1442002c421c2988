#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>

#include "parley/core/abuse_limits.hpp"
#include "parley/core/rate_table.hpp"

namespace parley {

class address_guard;

/// One open connection counted against its client address; given back when
/// destroyed. Move-only: an HTTP connection hands it to its WebSocket.
class address_slot {
public:
  address_slot() = default;
  /// `entry`: the address's count in the guard; null when there is no cap.
  address_slot(address_guard& guard, std::pair<const std::string, std::size_t>* entry)
      : guard_(&guard), entry_(entry) {}
  address_slot(address_slot&& other) noexcept;
  address_slot& operator=(address_slot&& other) noexcept;
  address_slot(const address_slot&) = delete;
  address_slot& operator=(const address_slot&) = delete;
  ~address_slot();

  bool held() const noexcept { return guard_ != nullptr; }

private:
  void reset() noexcept;

  address_guard* guard_ = nullptr;
  /// The count's map entry (stable: an unordered_map's nodes never move),
  /// so that a connection keeps no copy of its address key.
  std::pair<const std::string, std::size_t>* entry_ = nullptr;
};

/** What one client address may take from this instance: open connections
    (MAX_CONNECTIONS_PER_ADDRESS) and HTTP requests (RATE_REQUESTS_PER_S with
    RATE_REQUESTS_BURST). Keyed by the address's keyed hash, never the
    address. The connection counts hold only addresses with a connection
    open (bounded by the connection cap); the request rates are an LRU table
    of at most RATE_TABLE_SIZE addresses. One thread.
*/
class address_guard {
public:
  explicit address_guard(const abuse_limits& limits);

  /// A slot for one more connection from `key`; an empty one (held() false)
  /// when the address already has MAX_CONNECTIONS_PER_ADDRESS open.
  address_slot open(const std::string& key);
  /// One HTTP request from `key`, now.
  rate_table::verdict request(std::string_view key);

  std::size_t addresses_open() const noexcept { return open_.size(); }

private:
  friend class address_slot;
  void release(std::pair<const std::string, std::size_t>* entry) noexcept;

  std::size_t per_address_;
  std::unordered_map<std::string, std::size_t> open_;
  rate_table requests_;
};

}  // namespace parley
