#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "parley/core/time_source.hpp"

namespace parley {

/** Pairs of identities that must not be matched again until a deadline: the
    re-match cooldown after a chat, and a block or a report.

    An identity is any string the caller chooses (a user id, a keyed address
    hash); a pair is unordered. Bounded: at `capacity` pairs, adding one first
    forgets the expired pairs, then the one that would expire soonest, so a
    flood of chats cannot grow it without limit. One thread.
*/
class pair_exclusions {
public:
  explicit pair_exclusions(std::size_t capacity) : capacity_(capacity) {}

  /// `a` and `b` are kept apart until `until` (a later deadline of the same
  /// pair wins). Nothing happens for a pair of one identity, or capacity 0.
  void add(std::string_view a, std::string_view b, steady_time until);
  /// True while `a` and `b` are kept apart at `now`.
  bool excluded(std::string_view a, std::string_view b, steady_time now) const;
  /// Forgets the pairs whose deadline passed at `now`.
  void purge(steady_time now);

  /// Every pair kept apart, by its key, with its deadline (for a snapshot).
  std::vector<std::pair<std::string, steady_time>> entries() const;
  /// Replaces every pair with `entries` (from entries()).
  void restore(const std::vector<std::pair<std::string, steady_time>>& entries);

  std::size_t size() const noexcept { return until_.size(); }
  std::size_t capacity() const noexcept { return capacity_; }

private:
  static std::string key_of(std::string_view a, std::string_view b);
  void erase_index(const std::string& key, steady_time until);

  std::size_t capacity_;
  std::unordered_map<std::string, steady_time> until_;
  /// The same pairs by deadline: the soonest first, for purge and eviction.
  std::multimap<steady_time, std::string> by_deadline_;
};

}  // namespace parley
