#include "parley/core/pair_exclusions.hpp"

#include <gtest/gtest.h>

#include <string>

#include "fake_time_source.hpp"

namespace parley {
namespace {

using namespace std::chrono_literals;

class PairExclusions : public ::testing::Test {
protected:
  testing::fake_time_source clock;
  steady_time in(std::chrono::milliseconds d) const { return clock.now() + d; }
};

TEST_F(PairExclusions, KeepsAPairApartUntilItsDeadlineInEitherOrder) {
  pair_exclusions pairs(10);
  pairs.add("alice", "bob", in(60s));
  EXPECT_TRUE(pairs.excluded("alice", "bob", clock.now()));
  EXPECT_TRUE(pairs.excluded("bob", "alice", clock.now()));
  EXPECT_FALSE(pairs.excluded("alice", "carol", clock.now()));
  clock.advance(59s);
  EXPECT_TRUE(pairs.excluded("bob", "alice", clock.now()));
  clock.advance(1s);
  EXPECT_FALSE(pairs.excluded("bob", "alice", clock.now()));
}

TEST_F(PairExclusions, ALaterDeadlineWinsAnEarlierOneDoesNotShortenIt) {
  pair_exclusions pairs(10);
  pairs.add("a", "b", in(10s));
  pairs.add("b", "a", in(100s));
  pairs.add("a", "b", in(5s));
  EXPECT_EQ(pairs.size(), 1u);
  clock.advance(50s);
  EXPECT_TRUE(pairs.excluded("a", "b", clock.now()));
  clock.advance(50s);
  EXPECT_FALSE(pairs.excluded("a", "b", clock.now()));
}

TEST_F(PairExclusions, PurgeForgetsExpiredPairsOnly) {
  pair_exclusions pairs(10);
  pairs.add("a", "b", in(10s));
  pairs.add("a", "c", in(20s));
  clock.advance(10s);
  pairs.purge(clock.now());
  EXPECT_EQ(pairs.size(), 1u);
  EXPECT_TRUE(pairs.excluded("c", "a", clock.now()));
}

TEST_F(PairExclusions, IsBoundedAndEvictsTheSoonestDeadline) {
  pair_exclusions pairs(3);
  pairs.add("a", "b", in(300s));
  pairs.add("a", "c", in(100s));
  pairs.add("a", "d", in(200s));
  pairs.add("a", "e", in(400s));
  EXPECT_EQ(pairs.size(), 3u);
  EXPECT_FALSE(pairs.excluded("a", "c", clock.now()));  // least time left: gone
  EXPECT_TRUE(pairs.excluded("a", "b", clock.now()));
  EXPECT_TRUE(pairs.excluded("a", "d", clock.now()));
  EXPECT_TRUE(pairs.excluded("a", "e", clock.now()));
  for (int i = 0; i < 1000; ++i) pairs.add("x", std::to_string(i), in(std::chrono::seconds(i + 1)));
  EXPECT_EQ(pairs.size(), 3u);
}

TEST_F(PairExclusions, IgnoresEmptyAndSelfPairsAndCapacityZero) {
  pair_exclusions pairs(3);
  pairs.add("a", "a", in(10s));
  pairs.add("", "b", in(10s));
  EXPECT_EQ(pairs.size(), 0u);
  EXPECT_FALSE(pairs.excluded("", "", clock.now()));
  pair_exclusions none(0);
  none.add("a", "b", in(10s));
  EXPECT_FALSE(none.excluded("a", "b", clock.now()));
}

}  // namespace
}  // namespace parley
