#include "parley/core/spam_guard.hpp"

#include <algorithm>
#include <cctype>

namespace parley {

std::uint64_t spam_guard::fingerprint(std::string_view text) noexcept {
  // FNV-1a over the text with ASCII case and whitespace ignored, so that
  // "Visit my site" and "visit  my site " count as the same message.
  std::uint64_t h = 14695981039346656037ull;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isspace(u)) continue;
    h ^= static_cast<std::uint64_t>(std::tolower(u));
    h *= 1099511628211ull;
  }
  return h;
}

bool spam_guard::sent(std::string_view sender, std::string_view text, std::string_view recipient) {
  if (strangers_ == 0 || capacity_ == 0) return false;
  purge();
  auto key = std::string(sender);
  key.push_back('\0');
  key += std::to_string(fingerprint(text));
  auto it = tracked_.find(key);
  if (it == tracked_.end()) {
    if (tracked_.size() >= capacity_) {
      tracked_.erase(by_start_.begin()->second);
      by_start_.erase(by_start_.begin());
    }
    const auto now = clock_.now();
    it = tracked_.emplace(key, entry{now, {}}).first;
    by_start_.emplace(now, std::move(key));
  }
  auto& recipients = it->second.recipients;
  if (recipients.size() < strangers_ &&
      std::find(recipients.begin(), recipients.end(), recipient) == recipients.end()) {
    recipients.emplace_back(recipient);
  }
  return recipients.size() >= strangers_;
}

void spam_guard::purge() {
  const auto now = clock_.now();
  while (!by_start_.empty() && now - by_start_.begin()->first >= window_) {
    tracked_.erase(by_start_.begin()->second);
    by_start_.erase(by_start_.begin());
  }
}

}  // namespace parley

namespace parley {

std::vector<spam_guard::tracked_message> spam_guard::save() const {
  std::vector<tracked_message> out;
  out.reserve(by_start_.size());
  for (const auto& [first, key] : by_start_) {
    const auto it = tracked_.find(key);
    if (it != tracked_.end()) out.push_back({key, first, it->second.recipients});
  }
  return out;
}

void spam_guard::restore(const std::vector<tracked_message>& tracked) {
  tracked_.clear();
  by_start_.clear();
  for (const auto& t : tracked) {
    if (!tracked_.emplace(t.key, entry{t.first, t.recipients}).second) continue;
    by_start_.emplace(t.first, t.key);
  }
}

}  // namespace parley
