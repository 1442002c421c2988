#pragma once

#include <chrono>
#include <cstddef>

namespace parley {

/// The rules the switchboard enforces. Values come from the configuration;
/// the defaults here are the documented defaults.
struct chat_limits {
  /// Events kept per participant for `/receive` and for `resume` replays.
  std::size_t mailbox_limit = 256;
  /// Longest chat message, in Unicode code points.
  std::size_t max_text_chars = 2000;
  /// Largest WebRTC signal `data` object, serialised; SDP offers are a few KB.
  std::size_t max_signal_bytes = 48 * 1024;
  /// Interests per participant, and characters per interest.
  std::size_t max_interests = 10;
  std::size_t max_interest_chars = 32;
  /// How long a user with interests waits for a shared one before anyone will do.
  std::chrono::milliseconds interest_fallback = std::chrono::seconds(10);
  /// A REST participant that has not called the API for this long is gone.
  std::chrono::milliseconds rest_idle_timeout = std::chrono::seconds(60);
  /// How long a participant whose WebSocket dropped can still be resumed.
  std::chrono::milliseconds resume_grace = std::chrono::seconds(10);
  /// Two users who just chatted are not paired again for this long.
  std::chrono::milliseconds rematch_cooldown = std::chrono::seconds(300);
  /// A block or a report keeps the two apart for this long.
  std::chrono::milliseconds block_exclusion = std::chrono::hours(24);
  /// Pairs kept apart at most (cooldowns, blocks, reports together).
  std::size_t max_excluded_pairs = 100'000;
  /// Longest comment of a report, in characters.
  std::size_t report_comment_chars = 500;
  /// How long after a chat ended its stranger can still be reported or blocked.
  std::chrono::milliseconds report_grace = std::chrono::seconds(60);
};

}  // namespace parley
