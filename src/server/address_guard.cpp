#include "address_guard.hpp"

#include <chrono>

namespace parley {

address_slot::address_slot(address_slot&& other) noexcept
    : guard_(other.guard_), entry_(other.entry_) {
  other.guard_ = nullptr;
  other.entry_ = nullptr;
}

address_slot& address_slot::operator=(address_slot&& other) noexcept {
  if (this != &other) {
    reset();
    guard_ = other.guard_;
    entry_ = other.entry_;
    other.guard_ = nullptr;
    other.entry_ = nullptr;
  }
  return *this;
}

address_slot::~address_slot() { reset(); }

void address_slot::reset() noexcept {
  if (guard_ != nullptr) guard_->release(entry_);
  guard_ = nullptr;
  entry_ = nullptr;
}

address_guard::address_guard(const abuse_limits& limits)
    : per_address_(limits.connections_per_address),
      requests_(limits.requests, limits.address_table_size) {}

address_slot address_guard::open(const std::string& key) {
  if (per_address_ == 0) return {*this, nullptr};
  auto& entry = *open_.try_emplace(key, 0).first;
  if (entry.second >= per_address_) return {};
  ++entry.second;
  return {*this, &entry};
}

void address_guard::release(std::pair<const std::string, std::size_t>* entry) noexcept {
  if (entry == nullptr) return;
  if (--entry->second == 0) open_.erase(entry->first);
}

rate_table::verdict address_guard::request(std::string_view key) {
  return requests_.take(key, std::chrono::steady_clock::now());
}

}  // namespace parley
