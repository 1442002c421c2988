#include "parley/core/report_log.hpp"

#include <algorithm>

namespace parley {

std::size_t report_log::add(report r, std::chrono::seconds window) {
  purge();
  if (capacity_ == 0) return 0;
  r.id = next_id_++;
  r.at = clock_.now();
  r.at_ms = clock_.unix_ms();
  if (reports_.size() >= capacity_) reports_.pop_front();
  reports_.push_back(std::move(r));
  const auto& added = reports_.back();
  const auto since = added.at - window;
  // Distinct reporters of the same target within the window: few reports
  // match, and the log is bounded, so a scan from the newest end is enough.
  std::vector<const std::string*> reporters;
  for (auto it = reports_.rbegin(); it != reports_.rend() && it->at >= since; ++it) {
    const bool same_target = added.reported_address_key.empty()
                                 ? it->reported_address_key.empty() &&
                                       it->reported_user_id == added.reported_user_id
                                 : it->reported_address_key == added.reported_address_key;
    if (!same_target) continue;
    if (std::none_of(reporters.begin(), reporters.end(),
                     [&](const std::string* k) { return *k == it->reporter_key; })) {
      reporters.push_back(&it->reporter_key);
    }
  }
  return reporters.size();
}

void report_log::purge() {
  const auto now = clock_.now();
  while (!reports_.empty() && now - reports_.front().at >= retention_) reports_.pop_front();
}

}  // namespace parley
