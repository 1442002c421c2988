#include "parley/app/moderation.hpp"

#include <spdlog/spdlog.h>

namespace parley {

moderation::moderation(moderation_limits limits, const time_source& clock, token_source& ids)
    : limits_(limits),
      bans_(limits.max_bans, clock, ids),
      reports_(limits.max_reports, limits.report_retention, clock),
      spam_(limits.spam_strangers, limits.spam_window, limits.spam_tracked_max, clock) {}

const ban* moderation::record_report(report r) {
  ++reports_by_reason_[static_cast<std::size_t>(r.reason)];
  const auto reason = r.reason;
  auto address = r.reported_address_key;
  auto user = r.reported_user_id;
  const auto reporters = reports_.add(std::move(r), limits_.report_ban_window);
  spdlog::info("participant {} reported ({}); {} distinct reporter(s) in the window", user,
               to_string(reason), reporters);
  if (limits_.report_ban_threshold == 0 || reporters < limits_.report_ban_threshold ||
      address.empty()) {
    return nullptr;
  }
  const auto& b = bans_.add(std::move(address), std::move(user),
                            std::to_string(reporters) + " reports", ban_source::reports,
                            limits_.report_ban_duration);
  spdlog::warn("ban {} from reports for {} s", b.id, limits_.report_ban_duration.count());
  return &b;
}

const ban* moderation::check_message(std::string_view sender, std::string_view text,
                                     std::string_view recipient) {
  if (sender.empty() || !spam_.sent(sender, text, recipient)) return nullptr;
  ++spam_refused_;
  const auto& b = bans_.add(std::string(sender), {}, "the same message to many strangers",
                            ban_source::spam, limits_.spam_ban_duration);
  spdlog::warn("ban {} from the spam guard for {} s", b.id, limits_.spam_ban_duration.count());
  return &b;
}

const ban& moderation::ban_address(std::string address_key, std::string user_id,
                                   std::string reason, std::chrono::seconds duration) {
  const auto& b = bans_.add(std::move(address_key), std::move(user_id), std::move(reason),
                            ban_source::operator_, duration);
  spdlog::warn("ban {} by an operator for {} s", b.id, duration.count());
  return b;
}

bool moderation::lift(std::string_view id) {
  const bool lifted = bans_.remove(id);
  if (lifted) spdlog::warn("ban {} lifted by an operator", id);
  return lifted;
}

std::optional<std::chrono::seconds> moderation::remaining(std::string_view address_key) const {
  return bans_.remaining(address_key);
}

void moderation::purge() {
  bans_.purge();
  reports_.purge();
  spam_.purge();
}

}  // namespace parley

namespace parley {

moderation_state moderation::save() const {
  return {bans_.list(),   reports_.recent(), reports_.next_id(), spam_.save(),
          reports_by_reason_, blocks_,       spam_refused_};
}

void moderation::restore(const moderation_state& state) {
  bans_.restore(state.bans);
  reports_.restore(state.reports, state.next_report_id);
  spam_.restore(state.spam);
  reports_by_reason_ = state.reports_by_reason;
  blocks_ = state.blocks;
  spam_refused_ = state.spam_refused;
}

}  // namespace parley
