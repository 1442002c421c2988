#include "address_guard.hpp"

#include <chrono>

namespace parley {

address_slot::address_slot(address_slot&& other) noexcept
    : guard_(other.guard_), key_(std::move(other.key_)) {
  other.guard_ = nullptr;
}

address_slot& address_slot::operator=(address_slot&& other) noexcept {
  if (this != &other) {
    reset();
    guard_ = other.guard_;
    key_ = std::move(other.key_);
    other.guard_ = nullptr;
  }
  return *this;
}

address_slot::~address_slot() { reset(); }

void address_slot::reset() noexcept {
  if (guard_ != nullptr) guard_->release(key_);
  guard_ = nullptr;
}

address_guard::address_guard(const abuse_limits& limits)
    : per_address_(limits.connections_per_address),
      requests_(limits.requests, limits.address_table_size) {}

address_slot address_guard::open(const std::string& key) {
  if (per_address_ == 0) return {*this, key};
  auto& count = open_[key];
  if (count >= per_address_) return {};
  ++count;
  return {*this, key};
}

void address_guard::release(const std::string& key) noexcept {
  if (per_address_ == 0) return;
  const auto it = open_.find(key);
  if (it == open_.end()) return;
  if (--it->second == 0) open_.erase(it);
}

rate_table::verdict address_guard::request(std::string_view key) {
  return requests_.take(key, std::chrono::steady_clock::now());
}

}  // namespace parley
