// A snapshot survives its trip through Redis' text: everything a late
// instance needs comes back, and text of another version is refused.

#include "service_state_codec.hpp"

#include <chrono>

#include <gtest/gtest.h>

#include "../app/fake_channel.hpp"
#include "fake_time_source.hpp"
#include "sequential_token_source.hpp"
#include "parley/app/chat_service.hpp"

namespace parley {
namespace {

using namespace std::chrono_literals;
using testing::fake_channel;

client_command command(command_body body) { return {std::move(body), std::nullopt}; }

moderation_limits safety_limits() {
  moderation_limits m;
  m.report_ban_threshold = 5;
  m.spam_strangers = 5;
  return m;
}

/// A service that has seen a bit of everything a snapshot carries.
struct busy_service {
  testing::fake_time_source clock;
  testing::sequential_token_source tokens;
  chat_service chats{chat_limits{}, clock, tokens, nullptr, "secret", nullptr, safety_limits()};
  fake_channel x, y, w, r;
  participant_id xi = 0, yi = 0, wi = 0, ri = 0;

  busy_service() {
    xi = chats.open(x, "addr-x");
    yi = chats.open(y, "addr-y");
    wi = chats.open(w, "addr-w");
    ri = chats.open(r, "addr-r");
    chats.handle(xi, x, command(start_command{chat_type::video, {"go"}}));
    chats.handle(yi, y, command(start_command{chat_type::video, {"go"}}));
    chats.handle(xi, x, command(message_command{"héllo \"quoted\""}));
    chats.handle(yi, y, command(signal_command{R"({"type":"offer","sdp":"v=0\r\n"})"}));
    chats.handle(xi, x, command(typing_command{true}));
    chats.handle(wi, w, command(start_command{chat_type::text, {"chess", "go"}}));
    chats.handle(ri, r, command(start_command{chat_type::text, {"music"}}));
    chats.handle(ri, r, command(report_command{report_reason::spam, "a comment"}));
    chats.ban_address("addr-banned", "abuse", 600s);
    chats.close(wi, w, channel_end::dropped);
    clock.advance(2s);
  }
};

TEST(ServiceStateCodec, EverythingComesBackAndAFreshServiceHoldsTheSame) {
  busy_service before;
  const auto state = before.chats.save_state();
  ASSERT_EQ(state.board.participants.size(), 4u);
  const auto text = encode_state(state);
  EXPECT_EQ(text.find("secret"), std::string::npos);
  const auto decoded = decode_state(text);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(encode_state(*decoded), text) << "nothing lost or changed on the way";

  testing::fake_time_source clock;
  testing::sequential_token_source tokens;
  chat_service after{chat_limits{}, clock, tokens, nullptr, "secret", nullptr, safety_limits()};
  after.restore_state(*decoded);
  EXPECT_EQ(after.board().online(), 4u);
  EXPECT_EQ(after.board().chats(), 1u);
  EXPECT_EQ(after.board().waiting(chat_type::text), 2u) << "w keeps its place while it may resume";
  const auto* x = after.board().find(before.xi);
  ASSERT_NE(x, nullptr);
  EXPECT_EQ(x->partner, before.yi);
  EXPECT_EQ(x->interests, std::vector<std::string>{"go"});
  const auto* y = after.board().find(before.yi);
  const auto events = after.board().events_after(*y, 0);
  ASSERT_EQ(events.size(), before.chats.board().events_after(*before.chats.board().find(before.yi), 0).size());
  const auto* message = std::get_if<message_event>(events.at(1).body.get());
  ASSERT_NE(message, nullptr);
  EXPECT_EQ(message->text, "héllo \"quoted\"");
  EXPECT_TRUE(after.board().find(before.wi)->resume_deadline);
  EXPECT_EQ(after.safety().bans().list().size(), 1u);
  // Tokens (kept as keyed hashes) still authenticate.
  const auto token = before.x.of_type("hello").at(0)["token"].get<std::string>();
  EXPECT_EQ(std::get<participant_id>(after.authenticate(token)), before.xi);
}

TEST(ServiceStateCodec, TextOfAnotherVersionOrShapeIsRefused) {
  busy_service s;
  auto text = encode_state(s.chats.save_state());
  const auto at = text.find("\"v\":1");
  ASSERT_NE(at, std::string::npos);
  auto other = text;
  other.replace(at, 5, "\"v\":2");
  EXPECT_FALSE(decode_state(other));
  EXPECT_FALSE(decode_state(text.substr(0, text.size() / 2)));
  EXPECT_FALSE(decode_state("{}"));
  EXPECT_FALSE(decode_state("[]"));
}

}  // namespace
}  // namespace parley
