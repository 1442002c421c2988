#include "parley/core/rate_table.hpp"

#include <algorithm>

namespace parley {

rate_table::rate_table(rate r, std::size_t capacity)
    : rate_(r), capacity_(std::max<std::size_t>(capacity, 1)) {}

rate_table::verdict rate_table::take(std::string_view key, steady_time now) {
  if (!rate_.enabled()) return {};
  auto it = index_.find(key);
  if (it != index_.end()) {
    order_.splice(order_.begin(), order_, it->second);
  } else {
    if (index_.size() >= capacity_) {
      index_.erase(order_.back().first);
      order_.pop_back();
    }
    order_.emplace_front(std::string(key), token_bucket{});
    it = index_.emplace(order_.front().first, order_.begin()).first;
  }
  auto& bucket = it->second->second;
  if (bucket.take(rate_, now)) return {};
  return {false, bucket.wait(rate_, now)};
}

rate_table::verdict rate_table::peek(std::string_view key, steady_time now) const {
  if (!rate_.enabled()) return {};
  const auto it = index_.find(key);
  if (it == index_.end()) return {};  // a key not (or no longer) known has a full bucket
  const auto wait = it->second->second.wait(rate_, now);
  return {wait.count() == 0, wait};
}

}  // namespace parley
