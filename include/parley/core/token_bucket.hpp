#pragma once

#include <chrono>

#include "parley/core/abuse_limits.hpp"
#include "parley/core/time_source.hpp"

namespace parley {

/** A token bucket: starts full (`burst` tokens), refills at `per_second`,
    each allowed action takes one token. Pure: the caller passes the time.
*/
class token_bucket {
public:
  /// Takes a token if there is one. A disabled rate always allows.
  bool take(const rate& r, steady_time now) noexcept;
  /// How long until a token is there (0 when one is there now).
  std::chrono::milliseconds wait(const rate& r, steady_time now) const noexcept;

private:
  double level(const rate& r, steady_time now) const noexcept;

  double tokens_ = -1;  ///< < 0: never used, full
  steady_time last_{};
};

}  // namespace parley
