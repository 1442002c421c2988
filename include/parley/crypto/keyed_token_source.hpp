#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "parley/core/token_source.hpp"
#include "parley/crypto/keyed_hash.hpp"

namespace parley {

/// Identifiers that every instance of a cluster draws alike: HMAC-SHA256 of
/// the secret, the seed (the log entry being applied) and a counter. Only
/// for public ids (chat ids), never for secrets: anyone with the secret and
/// the log could compute them.
class keyed_token_source final : public token_source {
public:
  explicit keyed_token_source(std::string secret);
  /// Starts the sequence of the entry `seed`.
  void reseed(std::string_view seed);
  /// 2 × `bytes` hex characters (at most 64).
  std::string make(std::size_t bytes) override;

private:
  std::string secret_;
  std::string seed_;
  std::uint64_t counter_ = 0;
};

}  // namespace parley
