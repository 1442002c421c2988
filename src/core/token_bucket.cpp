#include "parley/core/token_bucket.hpp"

#include <algorithm>
#include <cmath>

namespace parley {

double token_bucket::level(const rate& r, steady_time now) const noexcept {
  const double burst = std::max(r.burst, 1.0);
  if (tokens_ < 0) return burst;
  const double elapsed = std::chrono::duration<double>(now - last_).count();
  return std::min(burst, tokens_ + std::max(elapsed, 0.0) * r.per_second);
}

bool token_bucket::take(const rate& r, steady_time now) noexcept {
  if (!r.enabled()) return true;
  const double tokens = level(r, now);
  if (tokens < 1.0) return false;  // refused attempts cost nothing: the refill is not reset
  tokens_ = tokens - 1.0;
  last_ = now;
  return true;
}

std::chrono::milliseconds token_bucket::wait(const rate& r, steady_time now) const noexcept {
  if (!r.enabled()) return std::chrono::milliseconds(0);
  const double missing = 1.0 - level(r, now);
  if (missing <= 0) return std::chrono::milliseconds(0);
  return std::chrono::milliseconds(static_cast<long long>(std::ceil(missing / r.per_second * 1000.0)));
}

}  // namespace parley
