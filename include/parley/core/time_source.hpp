#pragma once

#include <chrono>
#include <cstdint>

namespace parley {

using steady_time = std::chrono::steady_clock::time_point;

/// Where the core reads the time: injected so that unit tests drive every
/// timeout deterministically with a fake clock.
class time_source {
public:
  virtual ~time_source() = default;
  /// Monotonic time, for deadlines and waiting order.
  virtual steady_time now() const = 0;
  /// Wall-clock time in Unix milliseconds, for the `ts` shown to users.
  virtual std::int64_t unix_ms() const = 0;
};

/// The real clocks of the machine.
class system_time_source final : public time_source {
public:
  steady_time now() const override { return std::chrono::steady_clock::now(); }
  std::int64_t unix_ms() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

}  // namespace parley
