#include "redis_log.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <map>

#include "redis_server.hpp"
#include "run_until.hpp"

namespace parley {
namespace {

using namespace std::chrono_literals;
using testing::redis_server;

class RedisLog : public ::testing::Test {
protected:
  boost::asio::io_context ioc;
  std::vector<std::shared_ptr<redis_client>> clients;

  std::shared_ptr<redis_client> client(std::uint16_t port) {
    redis_client::settings s;
    s.url.host = "127.0.0.1";
    s.url.port = port;
    s.retry_min = 20ms;
    s.retry_max = 100ms;
    auto c = std::make_shared<redis_client>(ioc, s);
    c->start();
    clients.push_back(c);
    return c;
  }
  /// An instance's view of the log: its own writer and blocking reader.
  std::shared_ptr<redis_log> log(std::uint16_t port, std::size_t max_entries = 100000) {
    return std::make_shared<redis_log>(ioc, client(port), client(port), "test:log", max_entries);
  }
  template <typename Done>
  bool run_until(Done done, std::chrono::milliseconds limit = 10000ms) {
    return testing::run_until(ioc, done, limit);
  }
  bool all_ready() {
    return std::all_of(clients.begin(), clients.end(), [](auto& c) { return c->ready(); });
  }
  void TearDown() override {
    for (auto& c : clients) c->stop();
  }
};

TEST_F(RedisLog, EveryReaderSeesEveryEntryOnceInTheSameOrder) {
  redis_server redis;
  auto a = log(redis.port());
  auto b = log(redis.port());
  ASSERT_TRUE(run_until([&] { return all_ready(); }));
  std::vector<std::string> seen_a, seen_b;
  a->start("$", [&](const redis_log::entry& e) { seen_a.push_back(e.body); });
  b->start("$", [&](const redis_log::entry& e) { seen_b.push_back(e.body); });
  run_until([] { return false; }, 50ms);  // both reads are blocked now

  // Two writers interleaved, as two instances would.
  int acknowledged = 0;
  for (int i = 0; i < 500; ++i) {
    (i % 2 == 0 ? a : b)->append("entry " + std::to_string(i), [&](const std::string& id) {
      EXPECT_FALSE(id.empty());
      ++acknowledged;
    });
  }
  ASSERT_TRUE(run_until([&] { return seen_a.size() == 500 && seen_b.size() == 500; }))
      << seen_a.size() << " " << seen_b.size();
  EXPECT_EQ(acknowledged, 500);
  EXPECT_EQ(seen_a, seen_b);
  // One writer's entries keep the order it appended them in.
  int last_even = -2;
  for (const auto& body : seen_a) {
    const int n = std::stoi(body.substr(6));
    if (n % 2 == 0) {
      EXPECT_GT(n, last_even);
      last_even = n;
    }
  }
}

TEST_F(RedisLog, EntriesCarryRedisTimeAndIncreasingIds) {
  redis_server redis;
  auto a = log(redis.port());
  ASSERT_TRUE(run_until([&] { return all_ready(); }));
  std::vector<redis_log::entry> seen;
  a->start("$", [&](const redis_log::entry& e) { seen.push_back(e); });
  run_until([] { return false; }, 50ms);
  const auto before = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  for (int i = 0; i < 3; ++i) a->append("x", [](const std::string&) {});
  ASSERT_TRUE(run_until([&] { return seen.size() == 3; }));
  for (const auto& e : seen) {
    EXPECT_GE(e.unix_ms, before - 1000);
    EXPECT_LE(e.unix_ms, before + 10000);
  }
  EXPECT_LT(seen[0].id, seen[1].id);
}

TEST_F(RedisLog, AStartFromAnEntryReadsWhatCameAfterIt) {
  redis_server redis;
  auto writer = log(redis.port());
  ASSERT_TRUE(run_until([&] { return all_ready(); }));
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    writer->append(std::to_string(i), [&](const std::string& id) { ids.push_back(id); });
  }
  ASSERT_TRUE(run_until([&] { return ids.size() == 5; }));
  auto late = log(redis.port());
  ASSERT_TRUE(run_until([&] { return all_ready(); }));
  std::vector<std::string> seen;
  late->start(ids[1], [&](const redis_log::entry& e) { seen.push_back(e.body); });
  ASSERT_TRUE(run_until([&] { return seen.size() == 3; }));
  EXPECT_EQ(seen, (std::vector<std::string>{"2", "3", "4"}));
}

TEST_F(RedisLog, AppendsFailFastWhileRedisIsDownAndReadingResumesAfter) {
  auto redis = std::make_unique<redis_server>();
  auto a = log(redis->port());
  ASSERT_TRUE(run_until([&] { return all_ready(); }));
  std::vector<std::string> seen;
  a->start("$", [&](const redis_log::entry& e) { seen.push_back(e.body); });
  a->append("before", [](const std::string&) {});
  ASSERT_TRUE(run_until([&] { return seen.size() == 1; }));

  redis->kill();
  ASSERT_TRUE(run_until([&] { return !clients[0]->ready(); }));
  int failed = 0;
  for (int i = 0; i < 50; ++i) {
    a->append("lost", [&](const std::string& id) { failed += id.empty() ? 1 : 0; });
  }
  ASSERT_TRUE(run_until([&] { return failed == 50; }));

  redis->start();
  ASSERT_TRUE(run_until([&] { return all_ready(); }));
  a->append("after", [](const std::string&) {});
  ASSERT_TRUE(run_until([&] { return seen.size() == 2; }));
  EXPECT_EQ(seen, (std::vector<std::string>{"before", "after"}));
}

TEST_F(RedisLog, IsTrimmedToAboutItsMaximum) {
  redis_server redis;
  auto a = log(redis.port(), 100);
  ASSERT_TRUE(run_until([&] { return all_ready(); }));
  int acknowledged = 0;
  for (int i = 0; i < 2000; ++i) a->append("x", [&](const std::string&) { ++acknowledged; });
  ASSERT_TRUE(run_until([&] { return acknowledged == 2000; }));
  long long length = -1;
  clients[0]->command({"XLEN", "test:log"}, [&](const redis_reply* r) { length = r->integer; });
  ASSERT_TRUE(run_until([&] { return length >= 0; }));
  EXPECT_LT(length, 1000);  // MAXLEN ~ trims whole macro nodes: about 100, never all 2000
}

TEST_F(RedisLog, AReaderThatFellBehindTheTrimmingIsToldOfTheGap) {
  redis_server redis;
  auto writer = log(redis.port(), 5);  // keeps about the 5 newest (MAXLEN ~: a node's worth)
  auto reader = log(redis.port());
  ASSERT_TRUE(run_until([&] { return all_ready(); }));
  std::vector<std::string> seen;
  int gaps = 0;
  reader->start("$", [&](const redis_log::entry& e) { seen.push_back(e.body); }, [&] { ++gaps; });
  run_until([] { return false; }, 50ms);
  writer->append("first", [](const std::string&) {});
  ASSERT_TRUE(run_until([&] { return seen.size() == 1; }));

  // The reader stops reading (a stall) while far more than the log keeps is appended.
  reader->stop();
  run_until([] { return false; }, 1100ms);  // its blocked read times out
  bool trimmed = false;
  int appended = 0;
  for (int i = 0; i < 1000; ++i) {
    writer->append("later " + std::to_string(i), [&](const std::string&) { ++appended; });
  }
  ASSERT_TRUE(run_until([&] { return appended == 1000; }));
  clients[0]->command({"XTRIM", "test:log", "MAXLEN", "5"}, [&](const redis_reply*) { trimmed = true; });
  ASSERT_TRUE(run_until([&] { return trimmed; }));
  reader->start(reader->last_read(), [&](const redis_log::entry& e) { seen.push_back(e.body); },
                [&] { ++gaps; });
  ASSERT_TRUE(run_until([&] { return !seen.empty() && seen.back() == "later 999"; }));
  EXPECT_EQ(gaps, 1);
  EXPECT_EQ(seen.size(), 1u + 5u) << "only what was left";

  // A reader that keeps up is never told of a gap.
  for (int i = 0; i < 50; ++i) {
    writer->append("kept " + std::to_string(i), [](const std::string&) {});
    ASSERT_TRUE(run_until([&] { return seen.back() == "kept " + std::to_string(i); }));
  }
  EXPECT_EQ(gaps, 1);
}

}  // namespace
}  // namespace parley
