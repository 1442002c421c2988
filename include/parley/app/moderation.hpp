#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "parley/core/ban_list.hpp"
#include "parley/core/moderation_limits.hpp"
#include "parley/core/report_log.hpp"
#include "parley/core/report_reason.hpp"
#include "parley/core/spam_guard.hpp"
#include "parley/core/time_source.hpp"
#include "parley/core/token_source.hpp"

namespace parley {

/** The safety state of the chat service: reports, bans, the spam guard and
    their counters. It decides when a ban is due; the chat service enforces
    it (ends the banned participants). Addresses appear only as keyed
    hashes. One thread.
*/
/// Everything moderation holds, as data (a cluster snapshot).
struct moderation_state {
  std::vector<ban> bans;
  std::deque<report> reports;
  std::uint64_t next_report_id = 1;
  std::vector<spam_guard::tracked_message> spam;
  std::array<std::uint64_t, std::size(all_report_reasons)> reports_by_reason{};
  std::uint64_t blocks = 0;
  std::uint64_t spam_refused = 0;
};

class moderation {
public:
  moderation(moderation_limits limits, const time_source& clock, token_source& ids);

  /// Records `r`; when its target's address now has REPORT_BAN_THRESHOLD
  /// distinct reporters within REPORT_BAN_WINDOW_S, bans it and returns the ban.
  const ban* record_report(report r);
  void record_block() noexcept { ++blocks_; }
  /// `sender` (a keyed address hash) sends `text` to the stranger
  /// `recipient`; the ban when that trips the spam guard (the message is
  /// then refused, and counted).
  const ban* check_message(std::string_view sender, std::string_view text,
                           std::string_view recipient);
  /// An operator's ban.
  const ban& ban_address(std::string address_key, std::string user_id, std::string reason,
                         std::chrono::seconds duration);
  bool lift(std::string_view id);
  /// Seconds left of the ban on `address_key`, if it is banned.
  std::optional<std::chrono::seconds> remaining(std::string_view address_key) const;

  void purge();

  moderation_state save() const;
  void restore(const moderation_state& state);

  const report_log& reports() const noexcept { return reports_; }
  const ban_list& bans() const noexcept { return bans_; }
  const moderation_limits& limits() const noexcept { return limits_; }
  std::uint64_t reports_total(report_reason reason) const noexcept {
    return reports_by_reason_[static_cast<std::size_t>(reason)];
  }
  std::uint64_t blocks_total() const noexcept { return blocks_; }
  std::uint64_t spam_refused_total() const noexcept { return spam_refused_; }

private:
  moderation_limits limits_;
  ban_list bans_;
  report_log reports_;
  spam_guard spam_;
  std::array<std::uint64_t, std::size(all_report_reasons)> reports_by_reason_{};
  std::uint64_t blocks_ = 0;
  std::uint64_t spam_refused_ = 0;
};

}  // namespace parley
