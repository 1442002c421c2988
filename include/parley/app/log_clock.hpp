#pragma once

#include <chrono>
#include <cstdint>

#include "parley/core/time_source.hpp"

namespace parley {

/// The time of the log entry being applied: in a cluster every instance must
/// see the same time for the same entry, so the switchboard reads this
/// (Redis' clock, carried by each entry's id) instead of the machine's.
class log_clock final : public time_source {
public:
  void set(std::int64_t unix_ms) noexcept {
    // Redis' clock may step back (a restart on another machine): time here never does.
    if (unix_ms > unix_ms_) unix_ms_ = unix_ms;
  }
  steady_time now() const override {
    return steady_time(std::chrono::duration_cast<steady_time::duration>(
        std::chrono::milliseconds(unix_ms_)));
  }
  std::int64_t unix_ms() const override { return unix_ms_; }

private:
  std::int64_t unix_ms_ = 0;
};

}  // namespace parley
