#include "redis_sequencer.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "redis_server.hpp"
#include "run_until.hpp"

namespace parley {
namespace {

using namespace std::chrono_literals;
using testing::redis_server;

/// One instance's sequencer on a real redis-server, counting what comes back.
class RedisSequencer : public ::testing::Test {
protected:
  boost::asio::io_context ioc;
  redis_server redis;
  log_clock clock;
  keyed_token_source chat_ids{"sequencer-test-secret"};
  std::size_t applied_commands = 0;
  std::size_t refused = 0;
  std::uint64_t request = 0;
  std::unique_ptr<redis_sequencer> sequencer;

  void SetUp() override {
    redis_sequencer::settings s;
    s.url.host = "127.0.0.1";
    s.url.port = redis.port();
    s.max_entries = 1000;  // so at most 500 of its own commands unread
    sequencer = std::make_unique<redis_sequencer>(
        ioc, s, clock, chat_ids,
        [this](const log_entry& e) {
          if (std::holds_alternative<command_entry>(e.body)) ++applied_commands;
        },
        [](const service_state&) {});
    sequencer->start();
    // Alone: ready once it found nobody to ask for a snapshot.
    ASSERT_TRUE(run_until([&] { return sequencer->ready(); }));
  }
  void TearDown() override { sequencer->stop(); }

  template <typename Done>
  bool run_until(Done done, std::chrono::milliseconds limit = 10000ms) {
    return testing::run_until(ioc, done, limit);
  }
  /// Submits without running the loop: nothing is read back meanwhile.
  void submit(entry_body body) {
    sequencer->submit({sequencer->instance(), ++request, std::move(body)}, [this] { ++refused; });
  }
  static command_entry message() { return {1, {message_command{"hello"}, std::nullopt}}; }
};

TEST_F(RedisSequencer, CommandsAreRefusedWhileHalfTheLogOfItsOwnIsUnreadAndTakenOnceItCaughtUp) {
  // An instance flooded faster than it reads back would fall behind its own
  // appends and lose entries to the trimming: past half the log it refuses.
  for (int i = 0; i < 600; ++i) submit(message());
  EXPECT_EQ(sequencer->unread_own(), 500u);
  ASSERT_TRUE(run_until([&] { return applied_commands == 500 && refused == 100; }));
  ASSERT_TRUE(run_until([&] { return sequencer->unread_own() == 0; }));
  EXPECT_EQ(refused, 100u);

  // Read back: commands are taken again.
  submit(message());
  ASSERT_TRUE(run_until([&] { return applied_commands == 501; }));
  EXPECT_EQ(refused, 100u);
}

TEST_F(RedisSequencer, TicksAndClosesAreNeverHeldBack) {
  for (int i = 0; i < 500; ++i) submit(message());
  submit(message());  // refused: half the log is unread
  submit(tick_entry{});
  submit(close_entry{1, channel_end::closed});
  ASSERT_TRUE(run_until([&] { return applied_commands == 500 && refused == 1; }));
  ASSERT_TRUE(run_until([&] { return sequencer->unread_own() == 0; }));
  EXPECT_EQ(refused, 1u);
}

}  // namespace
}  // namespace parley
