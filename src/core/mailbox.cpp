#include "parley/core/mailbox.hpp"

namespace parley {

void mailbox::push(event e, std::size_t limit) {
  if (limit == 0) return;
  if (ring_.size() < limit) {
    // Not full yet: the oldest is at index 0 and head_ stays 0.
    ring_.push_back(std::move(e));
    return;
  }
  ring_[head_] = std::move(e);
  head_ = (head_ + 1) % ring_.size();
}

std::size_t mailbox::first_after(std::uint64_t since) const noexcept {
  // Seqs increase from oldest to newest: binary search in ring order.
  std::size_t low = 0;
  std::size_t high = ring_.size();
  while (low < high) {
    const auto mid = low + (high - low) / 2;
    if (at(mid).seq <= since) {
      low = mid + 1;
    } else {
      high = mid;
    }
  }
  return low;
}

std::vector<event> mailbox::after(std::uint64_t since) const {
  std::vector<event> out;
  const auto first = first_after(since);
  out.reserve(ring_.size() - first);
  for (auto i = first; i < ring_.size(); ++i) out.push_back(at(i));
  return out;
}

bool mailbox::has_after(std::uint64_t since) const noexcept {
  return !ring_.empty() && at(ring_.size() - 1).seq > since;
}

}  // namespace parley
