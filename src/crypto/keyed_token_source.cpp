#include "parley/crypto/keyed_token_source.hpp"

#include <algorithm>

namespace parley {

keyed_token_source::keyed_token_source(std::string secret) : secret_(std::move(secret)) {}

void keyed_token_source::reseed(std::string_view seed) {
  seed_ = seed;
  counter_ = 0;
}

std::string keyed_token_source::make(std::size_t bytes) {
  const keyed_hash hash(secret_);
  // keyed_hash gives 128 bits; two of them cover the largest id (32 bytes).
  const auto message = seed_ + '/' + std::to_string(counter_++);
  auto out = hash(message) + hash(message + '+');
  out.resize(std::min(out.size(), 2 * bytes));
  return out;
}

}  // namespace parley
