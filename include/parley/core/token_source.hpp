#pragma once

#include <cstddef>
#include <string>

namespace parley {

/// Makes the identifiers handed to clients. Injected so tests can use
/// predictable values; production uses random_token_source.
class token_source {
public:
  virtual ~token_source() = default;
  /// A fresh random identifier of `bytes` random bytes, hex-encoded.
  virtual std::string make(std::size_t bytes) = 0;
};

/// Identifiers from the kernel's CSPRNG (getrandom), hex-encoded.
class random_token_source final : public token_source {
public:
  std::string make(std::size_t bytes) override;
};

}  // namespace parley
