#include "parley/core/ban_list.hpp"

#include <algorithm>

namespace parley {

std::string_view to_string(ban_source source) noexcept {
  switch (source) {
    case ban_source::operator_: return "operator";
    case ban_source::reports: return "reports";
    case ban_source::spam: return "spam";
  }
  return "operator";
}

ban_list::ban_list(std::size_t capacity, const time_source& clock, token_source& ids)
    : capacity_(capacity), clock_(clock), ids_(ids) {}

const ban& ban_list::add(std::string address_key, std::string user_id, std::string reason,
                         ban_source source, std::chrono::seconds duration) {
  const auto until = clock_.now() + duration;
  if (auto it = by_address_.find(address_key); it != by_address_.end()) {
    if (it->second.until >= until) return it->second;
    by_address_.erase(it);
  }
  if (by_address_.size() >= capacity_) {
    purge();
    if (by_address_.size() >= capacity_ && !by_address_.empty()) {
      const auto soonest = std::min_element(
          by_address_.begin(), by_address_.end(),
          [](const auto& a, const auto& b) { return a.second.until < b.second.until; });
      by_address_.erase(soonest);
    }
  }
  ban b;
  b.id = ids_.make(8);
  b.address_key = address_key;
  b.user_id = std::move(user_id);
  b.reason = std::move(reason);
  b.source = source;
  b.created_ms = clock_.unix_ms();
  b.expires_ms = b.created_ms + std::chrono::duration_cast<std::chrono::milliseconds>(duration).count();
  b.until = until;
  return by_address_.insert_or_assign(std::move(address_key), std::move(b)).first->second;
}

bool ban_list::remove(std::string_view id) {
  for (auto it = by_address_.begin(); it != by_address_.end(); ++it) {
    if (it->second.id == id) {
      by_address_.erase(it);
      return true;
    }
  }
  return false;
}

std::optional<std::chrono::seconds> ban_list::remaining(std::string_view address_key) const {
  if (by_address_.empty() || address_key.empty()) return std::nullopt;
  const auto it = by_address_.find(std::string(address_key));
  if (it == by_address_.end()) return std::nullopt;
  const auto left = it->second.until - clock_.now();
  if (left <= left.zero()) return std::nullopt;
  // Rounded up: Retry-After must not invite a client back before the end.
  return std::chrono::ceil<std::chrono::seconds>(left);
}

std::vector<ban> ban_list::list() const {
  std::vector<ban> out;
  const auto now = clock_.now();
  for (const auto& [key, b] : by_address_) {
    if (b.until > now) out.push_back(b);
  }
  std::sort(out.begin(), out.end(), [](const ban& a, const ban& b) { return a.until < b.until; });
  return out;
}

void ban_list::purge() {
  const auto now = clock_.now();
  std::erase_if(by_address_, [now](const auto& entry) { return entry.second.until <= now; });
}

std::size_t ban_list::size() const {
  const auto now = clock_.now();
  return static_cast<std::size_t>(std::count_if(
      by_address_.begin(), by_address_.end(), [now](const auto& e) { return e.second.until > now; }));
}

}  // namespace parley

namespace parley {

void ban_list::restore(const std::vector<ban>& bans) {
  by_address_.clear();
  for (const auto& b : bans) by_address_.insert_or_assign(b.address_key, b);
}

}  // namespace parley
