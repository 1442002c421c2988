#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "parley/core/token_source.hpp"

namespace parley::testing {

/// Predictable identifiers: a counter, hex-encoded and zero-padded to
/// `2 * bytes` characters like the real source, so each value is distinct.
class sequential_token_source final : public token_source {
public:
  std::string make(std::size_t bytes) override {
    static constexpr char digits[] = "0123456789abcdef";
    std::string hex;
    for (auto value = next_++; value != 0; value >>= 4) hex.insert(hex.begin(), digits[value & 0xf]);
    if (hex.size() < 2 * bytes) hex.insert(0, 2 * bytes - hex.size(), '0');
    return hex;
  }

  /// How many identifiers were made so far.
  std::uint64_t made() const noexcept { return next_ - 1; }

private:
  std::uint64_t next_ = 1;
};

}  // namespace parley::testing
