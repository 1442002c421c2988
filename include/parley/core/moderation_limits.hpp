#pragma once

#include <chrono>
#include <cstddef>

namespace parley {

/// The rules of reports, bans and the spam guard. Values come from the
/// configuration; the defaults here are the documented defaults.
struct moderation_limits {
  /// Reports kept for the admin API (MAX_REPORTS), and for how long (REPORT_RETENTION_S).
  std::size_t max_reports = 10'000;
  std::chrono::seconds report_retention{7 * 24 * 3600};
  /// Reports against one address from this many distinct reporters within
  /// REPORT_BAN_WINDOW_S ban it for REPORT_BAN_S (REPORT_BAN_THRESHOLD; 0: never).
  std::size_t report_ban_threshold = 3;
  std::chrono::seconds report_ban_window{3600};
  std::chrono::seconds report_ban_duration{24 * 3600};
  /// The same message sent to this many different strangers within
  /// SPAM_WINDOW_S bans the sender for SPAM_BAN_S (SPAM_STRANGERS; 0: never).
  std::size_t spam_strangers = 5;
  std::chrono::seconds spam_window{600};
  std::chrono::seconds spam_ban_duration{3600};
  /// Messages the spam guard remembers at once (SPAM_TRACKED_MAX).
  std::size_t spam_tracked_max = 20'000;
  /// Bans in force at most (MAX_BANS).
  std::size_t max_bans = 10'000;
};

}  // namespace parley
