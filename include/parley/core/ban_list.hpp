#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "parley/core/time_source.hpp"
#include "parley/core/token_source.hpp"

namespace parley {

/// Who decided a ban.
enum class ban_source { operator_, reports, spam };
std::string_view to_string(ban_source source) noexcept;

/// One ban: an address (as its keyed hash) refused until a deadline.
struct ban {
  std::string id;           ///< public, for DELETE /admin/bans/{id}
  std::string address_key;  ///< keyed hash of the address
  std::string user_id;      ///< the participant it was aimed at, when known
  std::string reason;
  ban_source source = ban_source::operator_;
  std::int64_t created_ms = 0;  ///< Unix time
  std::int64_t expires_ms = 0;  ///< Unix time
  steady_time until{};
};

/** The bans in force, by address key. Bounded: at `capacity` a new ban first
    forgets the expired ones, then the one ending soonest. One thread.
*/
class ban_list {
public:
  ban_list(std::size_t capacity, const time_source& clock, token_source& ids);

  /// Bans `address_key` for `duration` (a ban already on it is replaced when
  /// this one ends later, else kept). Returns the ban in force.
  const ban& add(std::string address_key, std::string user_id, std::string reason,
                 ban_source source, std::chrono::seconds duration);
  /// Lifts the ban `id`; false when there is none.
  bool remove(std::string_view id);
  /// Whole seconds left (at least 1) of the ban on `address_key`, if any.
  std::optional<std::chrono::seconds> remaining(std::string_view address_key) const;
  /// The bans in force, soonest ending first.
  std::vector<ban> list() const;
  /// Replaces every ban with `bans` (from list(): a snapshot), ids kept.
  void restore(const std::vector<ban>& bans);
  void purge();

  std::size_t size() const;

private:
  std::size_t capacity_;
  const time_source& clock_;
  token_source& ids_;
  std::unordered_map<std::string, ban> by_address_;
};

}  // namespace parley
