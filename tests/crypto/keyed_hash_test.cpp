#include "parley/crypto/keyed_hash.hpp"

#include <gtest/gtest.h>

#include <set>
#include <stdexcept>

namespace parley {
namespace {

TEST(KeyedHash, MatchesHmacSha256KnownAnswer) {
  // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
  const keyed_hash hash("Jefe");
  EXPECT_EQ(hash("what do ya want for nothing?"), "5bdcc146bf60754e6a042426089575c7");
}

TEST(KeyedHash, DependsOnTheSecret) {
  const keyed_hash a("secret-a");
  const keyed_hash b("secret-b");
  EXPECT_EQ(a("203.0.113.7"), a("203.0.113.7"));
  EXPECT_NE(a("203.0.113.7"), b("203.0.113.7"));
  EXPECT_NE(a("203.0.113.7"), a("203.0.113.8"));
  EXPECT_EQ(a("x").size(), keyed_hash::hex_length);
}

TEST(KeyedHash, RefusesAnEmptySecret) {
  EXPECT_THROW(keyed_hash(""), std::invalid_argument);
}

TEST(KeyedHash, RandomSecretsAreFreshAndLong) {
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) seen.insert(keyed_hash::random_secret());
  EXPECT_EQ(seen.size(), 50u);
  EXPECT_EQ(seen.begin()->size(), 64u);
}

TEST(ConstantTimeEqual, ComparesContentAndLength) {
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "abcd"));
  EXPECT_TRUE(constant_time_equal("", ""));
}

}  // namespace
}  // namespace parley
