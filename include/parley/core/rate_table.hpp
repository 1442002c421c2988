#pragma once

#include <chrono>
#include <cstddef>
#include <list>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "parley/core/abuse_limits.hpp"
#include "parley/core/time_source.hpp"
#include "parley/core/token_bucket.hpp"

namespace parley {

/** Token buckets by key (a client address's keyed hash), one rate for all,
    holding at most `capacity` keys: when full, the least recently used key
    is forgotten (its next attempt finds a full bucket). So the table cannot
    be grown without bound by an attacker with many addresses; it only
    forgets the quietest of them.
*/
class rate_table {
public:
  rate_table(rate r, std::size_t capacity);

  /// Takes a token for `key`; on refusal, how long until one is there.
  struct verdict {
    bool allowed = true;
    std::chrono::milliseconds retry_after{0};
  };
  verdict take(std::string_view key, steady_time now);
  /// What `take` would answer, without taking a token or touching the order.
  verdict peek(std::string_view key, steady_time now) const;

  std::size_t size() const noexcept { return index_.size(); }
  std::size_t capacity() const noexcept { return capacity_; }
  const rate& limit() const noexcept { return rate_; }

private:
  using entry = std::pair<std::string, token_bucket>;

  rate rate_;
  std::size_t capacity_;
  std::list<entry> order_;  ///< most recently used first
  /// Views into the keys held by `order_` (list nodes never move).
  std::unordered_map<std::string_view, std::list<entry>::iterator> index_;
};

}  // namespace parley
