#include "parley/core/token_source.hpp"

#include <set>
#include <string>

#include <gtest/gtest.h>

namespace parley {
namespace {

TEST(RandomTokenSource, GivesTwoHexCharactersPerByte) {
  random_token_source tokens;
  for (const std::size_t bytes : {1u, 8u, 16u, 20u, 32u}) {
    const auto token = tokens.make(bytes);
    EXPECT_EQ(token.size(), 2 * bytes);
    EXPECT_EQ(token.find_first_not_of("0123456789abcdef"), std::string::npos) << token;
  }
}

TEST(RandomTokenSource, TenThousandDrawsAreDistinct) {
  random_token_source tokens;
  std::set<std::string> seen;
  for (int i = 0; i < 10'000; ++i) seen.insert(tokens.make(16));
  EXPECT_EQ(seen.size(), 10'000u);
}

TEST(RandomTokenSource, EveryByteValueAppears) {
  // 16,000 random bytes miss a given value with odds of e^-62: a source that
  // loses entropy (repeated nibbles, a narrow range) fails this.
  random_token_source tokens;
  std::set<int> values;
  for (int i = 0; i < 1000; ++i) {
    const auto token = tokens.make(16);
    for (std::size_t k = 0; k + 1 < token.size(); k += 2) {
      values.insert(std::stoi(token.substr(k, 2), nullptr, 16));
    }
  }
  EXPECT_EQ(values.size(), 256u);
}

TEST(RandomTokenSource, UsesEveryHexDigit) {
  // A broken encoder (say, only the low nibble) would miss some digits.
  random_token_source tokens;
  std::set<char> digits;
  for (int i = 0; i < 100; ++i) {
    for (const char c : tokens.make(16)) digits.insert(c);
  }
  EXPECT_EQ(digits.size(), 16u);
}

}  // namespace
}  // namespace parley
