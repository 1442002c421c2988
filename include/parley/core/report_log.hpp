#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "parley/core/report_reason.hpp"
#include "parley/core/time_source.hpp"

namespace parley {

/// One report, as kept: ids and keyed address hashes, the reason, and the
/// comment the reporter wrote. No chat content.
struct report {
  std::uint64_t id = 0;
  std::int64_t at_ms = 0;  ///< Unix time
  steady_time at{};
  report_reason reason = report_reason::other;
  std::string comment;
  std::string reporter_user_id;
  /// Who reported, for counting distinct reporters: the keyed address hash,
  /// or the user id when the address is unknown.
  std::string reporter_key;
  std::string reported_user_id;
  std::string reported_address_key;
  std::string chat_id;
};

/** The recent reports, oldest first. Bounded by count and by age: the
    oldest is forgotten first. One thread.
*/
class report_log {
public:
  report_log(std::size_t capacity, std::chrono::seconds retention, const time_source& clock)
      : capacity_(capacity), retention_(retention), clock_(clock) {}

  /// Records `r` (its id and times are set here). Returns how many distinct
  /// reporters reported the same address (or, without one, the same user)
  /// within `window`, this report included.
  std::size_t add(report r, std::chrono::seconds window);
  const std::deque<report>& recent() const noexcept { return reports_; }
  std::uint64_t next_id() const noexcept { return next_id_; }
  /// Replaces every report with `reports` (a snapshot), numbering on from `next_id`.
  void restore(std::deque<report> reports, std::uint64_t next_id) {
    reports_ = std::move(reports);
    next_id_ = next_id;
  }
  void purge();

private:
  std::size_t capacity_;
  std::chrono::seconds retention_;
  const time_source& clock_;
  std::deque<report> reports_;
  std::uint64_t next_id_ = 1;
};

}  // namespace parley
