#include "parley/core/rate_table.hpp"

#include <string>

#include <gtest/gtest.h>

#include "fake_time_source.hpp"
#include "parley/core/token_bucket.hpp"

namespace parley {
namespace {

using namespace std::chrono_literals;

TEST(TokenBucket, AllowsTheBurstThenTheRate) {
  testing::fake_time_source clock;
  const rate r{2, 5};
  token_bucket bucket;
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(bucket.take(r, clock.now())) << i;
  EXPECT_FALSE(bucket.take(r, clock.now()));
  EXPECT_EQ(bucket.wait(r, clock.now()), 500ms);
  clock.advance(499ms);
  EXPECT_FALSE(bucket.take(r, clock.now()));
  clock.advance(1ms);
  EXPECT_TRUE(bucket.take(r, clock.now()));
  EXPECT_FALSE(bucket.take(r, clock.now()));
}

TEST(TokenBucket, RefusedAttemptsDoNotDelayTheRefill) {
  testing::fake_time_source clock;
  const rate r{1, 1};
  token_bucket bucket;
  EXPECT_TRUE(bucket.take(r, clock.now()));
  for (int i = 0; i < 9; ++i) {
    clock.advance(100ms);
    EXPECT_FALSE(bucket.take(r, clock.now()));
  }
  clock.advance(100ms);
  EXPECT_TRUE(bucket.take(r, clock.now()));
}

TEST(TokenBucket, RefillsNoFurtherThanTheBurst) {
  testing::fake_time_source clock;
  const rate r{10, 3};
  token_bucket bucket;
  EXPECT_TRUE(bucket.take(r, clock.now()));
  clock.advance(1h);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(bucket.take(r, clock.now()));
  EXPECT_FALSE(bucket.take(r, clock.now()));
}

TEST(TokenBucket, ADisabledRateAlwaysAllows) {
  testing::fake_time_source clock;
  token_bucket bucket;
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(bucket.take(rate{}, clock.now()));
  EXPECT_EQ(bucket.wait(rate{}, clock.now()), 0ms);
}

TEST(RateTable, KeysHaveTheirOwnBuckets) {
  testing::fake_time_source clock;
  rate_table table(rate{1, 2}, 100);
  EXPECT_TRUE(table.take("a", clock.now()).allowed);
  EXPECT_TRUE(table.take("a", clock.now()).allowed);
  const auto refused = table.take("a", clock.now());
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after, 1000ms);
  EXPECT_TRUE(table.take("b", clock.now()).allowed);
  EXPECT_TRUE(table.take("b", clock.now()).allowed);
  EXPECT_FALSE(table.take("b", clock.now()).allowed);
}

TEST(RateTable, NeverHoldsMoreThanItsCapacity) {
  testing::fake_time_source clock;
  rate_table table(rate{1, 1}, 1000);
  for (int i = 0; i < 100'000; ++i) table.take("key-" + std::to_string(i), clock.now());
  EXPECT_EQ(table.size(), 1000u);
}

TEST(RateTable, ForgetsTheLeastRecentlyUsedKeyFirst) {
  testing::fake_time_source clock;
  rate_table table(rate{1, 1}, 2);
  EXPECT_TRUE(table.take("a", clock.now()).allowed);
  EXPECT_TRUE(table.take("b", clock.now()).allowed);
  // "a" is used again (refused): "b" is now the least recently used.
  EXPECT_FALSE(table.take("a", clock.now()).allowed);
  EXPECT_TRUE(table.take("c", clock.now()).allowed);  // forgets "b"
  EXPECT_EQ(table.size(), 2u);
  EXPECT_FALSE(table.take("a", clock.now()).allowed);  // "a" still remembered
  EXPECT_TRUE(table.take("b", clock.now()).allowed);   // "b" was forgotten: full again
}

TEST(RateTable, ADisabledRateKeepsNothing) {
  testing::fake_time_source clock;
  rate_table table(rate{}, 10);
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(table.take("a", clock.now()).allowed);
  EXPECT_EQ(table.size(), 0u);
}

TEST(RateTable, PeekTakesNothing) {
  testing::fake_time_source clock;
  rate_table table(rate{1, 1}, 10);
  EXPECT_TRUE(table.peek("a", clock.now()).allowed);  // unknown: a full bucket
  EXPECT_EQ(table.size(), 0u);
  EXPECT_TRUE(table.take("a", clock.now()).allowed);
  const auto empty = table.peek("a", clock.now());
  EXPECT_FALSE(empty.allowed);
  EXPECT_EQ(empty.retry_after, 1000ms);
  clock.advance(1s);
  EXPECT_TRUE(table.peek("a", clock.now()).allowed);
  EXPECT_TRUE(table.peek("a", clock.now()).allowed);  // peeking twice takes nothing
  EXPECT_TRUE(table.take("a", clock.now()).allowed);
}

}  // namespace
}  // namespace parley
