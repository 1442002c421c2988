#include "parley/core/pair_exclusions.hpp"

namespace parley {

std::string pair_exclusions::key_of(std::string_view a, std::string_view b) {
  // Unordered pair: the smaller first. A NUL cannot occur in the ids and
  // hex hashes used here, so the join is unambiguous.
  if (b < a) std::swap(a, b);
  std::string key;
  key.reserve(a.size() + b.size() + 1);
  key.append(a).push_back('\0');
  key.append(b);
  return key;
}

void pair_exclusions::erase_index(const std::string& key, steady_time until) {
  auto [first, last] = by_deadline_.equal_range(until);
  for (auto it = first; it != last; ++it) {
    if (it->second == key) {
      by_deadline_.erase(it);
      return;
    }
  }
}

void pair_exclusions::add(std::string_view a, std::string_view b, steady_time until) {
  if (capacity_ == 0 || a.empty() || b.empty() || a == b) return;
  auto key = key_of(a, b);
  if (const auto it = until_.find(key); it != until_.end()) {
    if (until <= it->second) return;
    erase_index(key, it->second);
    it->second = until;
    by_deadline_.emplace(until, std::move(key));
    return;
  }
  if (until_.size() >= capacity_) {
    // The soonest deadline goes first: an expired pair if any, else the one
    // that had the least time left.
    const auto oldest = by_deadline_.begin();
    until_.erase(oldest->second);
    by_deadline_.erase(oldest);
  }
  until_.emplace(key, until);
  by_deadline_.emplace(until, std::move(key));
}

bool pair_exclusions::excluded(std::string_view a, std::string_view b, steady_time now) const {
  if (until_.empty() || a.empty() || b.empty()) return false;
  const auto it = until_.find(key_of(a, b));
  return it != until_.end() && now < it->second;
}

void pair_exclusions::purge(steady_time now) {
  while (!by_deadline_.empty() && by_deadline_.begin()->first <= now) {
    until_.erase(by_deadline_.begin()->second);
    by_deadline_.erase(by_deadline_.begin());
  }
}

}  // namespace parley

namespace parley {

std::vector<std::pair<std::string, steady_time>> pair_exclusions::entries() const {
  // By deadline: restored in this order, equal deadlines keep their order.
  std::vector<std::pair<std::string, steady_time>> out;
  out.reserve(by_deadline_.size());
  for (const auto& [until, key] : by_deadline_) out.emplace_back(key, until);
  return out;
}

void pair_exclusions::restore(const std::vector<std::pair<std::string, steady_time>>& entries) {
  until_.clear();
  by_deadline_.clear();
  for (const auto& [key, until] : entries) {
    if (!until_.emplace(key, until).second) continue;
    by_deadline_.emplace(until, key);
  }
}

}  // namespace parley
