#pragma once

#include <chrono>
#include <cstdint>

#include "parley/core/time_source.hpp"

namespace parley::testing {

/// A clock that only moves when the test says so: every timeout of the core
/// is driven deterministically, without sleeping.
class fake_time_source final : public time_source {
public:
  steady_time now() const override { return now_; }
  std::int64_t unix_ms() const override { return unix_ms_; }

  /// Moves both the monotonic and the wall clock forward by `step`.
  void advance(std::chrono::milliseconds step) {
    now_ += step;
    unix_ms_ += step.count();
  }

  /// Sets the wall clock only (the monotonic clock never goes back).
  void set_unix_ms(std::int64_t value) { unix_ms_ = value; }

private:
  // Far from the epoch, so that no "time zero" special case can hide a bug.
  steady_time now_ = steady_time{} + std::chrono::hours(24 * 365);
  std::int64_t unix_ms_ = 1'700'000'000'000;
};

}  // namespace parley::testing
