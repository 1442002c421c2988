#include "redis_client.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <optional>
#include <sstream>

#include "redis_server.hpp"
#include "run_until.hpp"

namespace parley {
namespace {

using namespace std::chrono_literals;
using testing::redis_server;

/// What a command got: nothing yet, no answer (nullptr), or a reply.
struct outcome {
  bool done = false;
  std::optional<redis_reply> reply;
};

class RedisClient : public ::testing::Test {
protected:
  boost::asio::io_context ioc;

  std::shared_ptr<redis_client> client_for(std::uint16_t port, std::string password = {},
                                           int db = 0,
                                           std::chrono::milliseconds timeout = 2000ms) {
    redis_client::settings s;
    s.url.host = "127.0.0.1";
    s.url.port = port;
    s.url.password = std::move(password);
    s.url.db = db;
    s.command_timeout = timeout;
    s.retry_min = 20ms;
    s.retry_max = 200ms;
    auto client = std::make_shared<redis_client>(ioc, s);
    client->start();
    return client;
  }

  /// Runs the loop until `done()` or `limit` passes; false on the limit.
  template <typename Done>
  bool run_until(Done done, std::chrono::milliseconds limit = 5000ms) {
    return testing::run_until(ioc, done, limit);
  }

  outcome call(redis_client& client, std::vector<std::string> args) {
    outcome out;
    client.command(args, [&out](const redis_reply* r) {
      out.done = true;
      if (r != nullptr) out.reply = *r;
    });
    EXPECT_TRUE(run_until([&] { return out.done; })) << "no answer at all";
    return out;
  }
};

TEST_F(RedisClient, CommandsAndEveryKindOfReply) {
  redis_server redis;
  auto client = client_for(redis.port());
  ASSERT_TRUE(run_until([&] { return client->ready(); }));

  auto set = call(*client, {"SET", "k", std::string("v\0x", 3)});
  ASSERT_TRUE(set.reply);
  EXPECT_EQ(set.reply->type, redis_reply::kind::status);
  auto get = call(*client, {"GET", "k"});
  ASSERT_TRUE(get.reply);
  EXPECT_EQ(get.reply->text, std::string("v\0x", 3));  // binary safe
  EXPECT_EQ(call(*client, {"INCR", "n"}).reply->integer, 1);
  EXPECT_EQ(call(*client, {"GET", "missing"}).reply->type, redis_reply::kind::nil);
  call(*client, {"RPUSH", "l", "a", "b"});
  auto list = call(*client, {"LRANGE", "l", "0", "-1"});
  ASSERT_EQ(list.reply->elements.size(), 2u);
  EXPECT_EQ(list.reply->elements[1].text, "b");
  EXPECT_TRUE(call(*client, {"INCR", "l"}).reply->is_error());
}

TEST_F(RedisClient, ManyCommandsInFlightAnswerInOrder) {
  redis_server redis;
  auto client = client_for(redis.port());
  ASSERT_TRUE(run_until([&] { return client->ready(); }));
  std::vector<long long> seen;
  for (int i = 0; i < 1000; ++i) {
    client->command({"INCR", "counter"}, [&seen](const redis_reply* r) {
      seen.push_back(r != nullptr ? r->integer : -1);
    });
  }
  ASSERT_TRUE(run_until([&] { return seen.size() == 1000; }));
  for (std::size_t i = 0; i < seen.size(); ++i) ASSERT_EQ(seen[i], static_cast<long long>(i + 1));
  EXPECT_EQ(client->pending(), 0u);
}

TEST_F(RedisClient, AuthenticatesAndSelectsTheDatabase) {
  redis_server redis({"--requirepass", "pa55-word"});
  auto client = client_for(redis.port(), "pa55-word", 3);
  ASSERT_TRUE(run_until([&] { return client->ready(); }));
  call(*client, {"SET", "where", "db3"});
  auto other = client_for(redis.port(), "pa55-word", 0);
  ASSERT_TRUE(run_until([&] { return other->ready(); }));
  EXPECT_EQ(call(*other, {"GET", "where"}).reply->type, redis_reply::kind::nil);
  EXPECT_EQ(call(*client, {"GET", "where"}).reply->text, "db3");
}

TEST_F(RedisClient, AWrongPasswordNeverConnectsAndIsNeverLogged) {
  std::ostringstream log;
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>(
      "capture", std::make_shared<spdlog::sinks::ostream_sink_mt>(log)));
  spdlog::set_level(spdlog::level::trace);
  {
    redis_server redis({"--requirepass", "right-one"});
    auto client = client_for(redis.port(), "wrong-secret-xyz");
    EXPECT_FALSE(run_until([&] { return client->ready(); }, 600ms));
    EXPECT_FALSE(call(*client, {"PING"}).reply) << "refused at once while not connected";
    client->stop();
  }
  spdlog::set_default_logger(previous);
  EXPECT_NE(log.str().find("AUTH refused"), std::string::npos) << log.str();
  EXPECT_EQ(log.str().find("wrong-secret-xyz"), std::string::npos) << log.str();
}

TEST_F(RedisClient, FailsFastWhileRedisIsDownAndRecoversWhenItReturns) {
  auto redis = std::make_unique<redis_server>();
  auto client = client_for(redis->port());
  ASSERT_TRUE(run_until([&] { return client->ready(); }));
  ASSERT_TRUE(call(*client, {"SET", "a", "1"}).reply);

  redis->kill();
  ASSERT_TRUE(run_until([&] { return !client->ready(); }));
  // Each command is answered (with no reply) rather than queued.
  for (int i = 0; i < 100; ++i) EXPECT_FALSE(call(*client, {"GET", "a"}).reply);

  redis->start();  // same port, empty (no persistence)
  ASSERT_TRUE(run_until([&] { return client->ready(); })) << "reconnected by itself";
  auto get = call(*client, {"GET", "a"});
  ASSERT_TRUE(get.reply);
  EXPECT_EQ(get.reply->type, redis_reply::kind::nil);
}

TEST_F(RedisClient, ARedisThatStopsAnsweringTimesOutAndIsReconnected) {
  redis_server redis;
  auto client = client_for(redis.port(), {}, 0, 200ms);
  ASSERT_TRUE(run_until([&] { return client->ready(); }));
  redis.pause();  // SIGSTOP: the socket stays open, nothing answers
  std::vector<outcome> outcomes(20);
  for (auto& o : outcomes) {
    client->command({"PING"}, [&o](const redis_reply* r) {
      o.done = true;
      if (r != nullptr) o.reply = *r;
    });
  }
  ASSERT_TRUE(run_until([&] {
    return std::all_of(outcomes.begin(), outcomes.end(), [](const outcome& o) { return o.done; });
  }));
  for (const auto& o : outcomes) EXPECT_FALSE(o.reply);
  EXPECT_EQ(client->pending(), 0u);
  redis.resume();
  ASSERT_TRUE(run_until([&] { return client->ready(); }));
  EXPECT_EQ(call(*client, {"PING"}).reply->text, "PONG");
}

TEST_F(RedisClient, AnUnresolvableHostIsRetriedWithoutBlocking) {
  redis_client::settings s;
  s.url.host = "no-such-host.invalid";
  s.retry_min = 10ms;
  auto client = std::make_shared<redis_client>(ioc, s);
  client->start();
  EXPECT_FALSE(call(*client, {"PING"}).reply);
  EXPECT_FALSE(client->ready());
  client->stop();
}

}  // namespace
}  // namespace parley
