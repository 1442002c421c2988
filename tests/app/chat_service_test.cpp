#include "parley/app/chat_service.hpp"

#include <chrono>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "fake_channel.hpp"

#include "fake_time_source.hpp"
#include "sequential_token_source.hpp"

namespace parley {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

using testing::counting_waiter;
using testing::fake_channel;

client_command command(command_body body, std::optional<std::string> chat_id = std::nullopt) {
  return {std::move(body), std::move(chat_id)};
}

class ChatService : public ::testing::Test {
protected:
  testing::fake_time_source clock;
  testing::sequential_token_source tokens;
  chat_service chats{chat_limits{}, clock, tokens};

  struct connected {
    fake_channel channel;
    participant_id id = 0;
  };
  /// Opens `c` and starts a chat of `type`.
  void start(connected& c, chat_type type = chat_type::text) {
    if (c.id == 0) c.id = chats.open(c.channel);
    c.id = chats.handle(c.id, c.channel, command(start_command{type, {}}));
  }
  std::string chat_of(const connected& c) const { return std::string(chats.view(c.id)->chat_id); }
};

/// Numbered grants, so a test sees how many were issued.
class fake_turn_source final : public turn_source {
public:
  turn_grant issue() override {
    ++issued;
    return {{"turn:127.0.0.1:3478"}, "1000:id" + std::to_string(issued), "cred", 600};
  }
  int issued = 0;
};

class ChatServiceWithTurn : public ChatService {
protected:
  fake_turn_source turn;
  chat_service chats_turn{chat_limits{}, clock, tokens, &turn};
  void start_t(connected& c, chat_type type) {
    if (c.id == 0) c.id = chats_turn.open(c.channel);
    c.id = chats_turn.handle(c.id, c.channel, command(start_command{type, {}}));
  }
};

TEST_F(ChatServiceWithTurn, VideoMatchesCarryCredentialsOnBothSides) {
  connected a, b;
  start_t(a, chat_type::video);
  start_t(b, chat_type::video);
  const auto ma = a.channel.of_type("matched");
  const auto mb = b.channel.of_type("matched");
  ASSERT_EQ(ma.size(), 1u);
  ASSERT_EQ(mb.size(), 1u);
  ASSERT_TRUE(ma[0].contains("turn"));
  ASSERT_TRUE(mb[0].contains("turn"));
  EXPECT_NE(ma[0]["turn"]["username"], mb[0]["turn"]["username"]);  // one grant each
  EXPECT_EQ(turn.issued, 2);
  EXPECT_TRUE(chats_turn.turn_available());
}

TEST_F(ChatServiceWithTurn, TextChatsAndUnmatchedUsersGetNone) {
  connected a, b, c;
  start_t(a, chat_type::text);
  start_t(b, chat_type::text);
  ASSERT_EQ(a.channel.of_type("matched").size(), 1u);
  EXPECT_FALSE(a.channel.of_type("matched")[0].contains("turn"));
  EXPECT_FALSE(b.channel.of_type("matched")[0].contains("turn"));
  // Asking is refused: in a text chat, while waiting, and when idle.
  chats_turn.handle(a.id, a.channel, command(turn_credentials_command{}));
  EXPECT_EQ(a.channel.last()["code"], "not_matched");
  start_t(c, chat_type::video);
  chats_turn.handle(c.id, c.channel, command(turn_credentials_command{}));
  EXPECT_EQ(c.channel.last()["code"], "not_matched");
  connected idle;
  idle.id = chats_turn.open(idle.channel);
  chats_turn.handle(idle.id, idle.channel, command(turn_credentials_command{}));
  EXPECT_EQ(idle.channel.last()["code"], "not_matched");
  EXPECT_EQ(turn.issued, 0);
}

TEST_F(ChatServiceWithTurn, FreshCredentialsDuringAVideoChatOnly) {
  connected a, b;
  start_t(a, chat_type::video);
  start_t(b, chat_type::video);
  const auto chat = std::string(chats_turn.view(a.id)->chat_id);
  chats_turn.handle(a.id, a.channel, command(turn_credentials_command{}, chat));
  EXPECT_EQ(a.channel.last()["type"], "turn_credentials");
  EXPECT_EQ(a.channel.last()["session_id"], chat);
  EXPECT_EQ(a.channel.last()["turn"]["username"], "1000:id3");
  chats_turn.handle(a.id, a.channel, command(turn_credentials_command{}, "another-chat"));
  EXPECT_EQ(a.channel.last()["code"], "session_mismatch");
  // Once the partner has left, no more.
  chats_turn.handle(b.id, b.channel, command(stop_command{}));
  chats_turn.handle(a.id, a.channel, command(turn_credentials_command{}));
  EXPECT_EQ(a.channel.last()["code"], "not_matched");
  EXPECT_EQ(turn.issued, 3);
}

TEST_F(ChatServiceWithTurn, RestReceiveCarriesThemWhileTheChatLasts) {
  const auto a = chats_turn.handle(std::nullopt, command(start_command{chat_type::video, {}})).caller;
  const auto b = chats_turn.handle(std::nullopt, command(start_command{chat_type::video, {}})).caller;
  auto body = json::parse(*chats_turn.receive_body(a, 0));
  ASSERT_EQ(body["events"][0]["type"], "matched");
  EXPECT_TRUE(body["events"][0].contains("turn"));
  auto grant = chats_turn.turn_credentials(b, command(turn_credentials_command{}));
  ASSERT_TRUE(std::holds_alternative<turn_grant>(grant));
  chats_turn.handle(b, command(disconnect_command{}));
  // The chat is over: the replayed match no longer carries credentials.
  body = json::parse(*chats_turn.receive_body(a, 0));
  EXPECT_FALSE(body["events"][0].contains("turn"));
}

TEST_F(ChatService, WithoutTurnNothingIsOfferedAndAskingIsNotFound) {
  connected a, b;
  start(a, chat_type::video);
  start(b, chat_type::video);
  EXPECT_FALSE(a.channel.of_type("matched")[0].contains("turn"));
  chats.handle(a.id, a.channel, command(turn_credentials_command{}));
  EXPECT_EQ(a.channel.last()["code"], "not_found");
  EXPECT_FALSE(chats.turn_available());
}

TEST_F(ChatService, OpenSaysHelloWithAFreshIdentity) {
  fake_channel ch;
  const auto id = chats.open(ch);
  ASSERT_EQ(ch.frames.size(), 1u);
  EXPECT_EQ(ch.last()["type"], "hello");
  EXPECT_EQ(ch.last()["user_id"], std::string(chats.view(id)->user_id));
  // The token said in hello is the one that authenticates the identity.
  const auto token = ch.last()["token"].get<std::string>();
  EXPECT_EQ(token.size(), 40u);
  ASSERT_TRUE(std::holds_alternative<participant_id>(chats.authenticate(token)));
  EXPECT_EQ(std::get<participant_id>(chats.authenticate(token)), id);
  EXPECT_EQ(ch.last()["online"], 1);
}

TEST_F(ChatService, OpenKeepsTheClientAddressKey) {
  fake_channel ch;
  const auto id = chats.open(ch, "key-of-203.0.113.9");
  EXPECT_EQ(chats.board().find(id)->address_key, "key-of-203.0.113.9");
}

TEST_F(ChatService, StartAnswersWaitingThenBothGetMatched) {
  connected a, b;
  start(a, chat_type::video);
  EXPECT_EQ(a.channel.last(), (json{{"type", "waiting"}, {"chat_type", "video"}}));
  start(b, chat_type::video);
  const auto ma = a.channel.of_type("matched");
  const auto mb = b.channel.of_type("matched");
  ASSERT_EQ(ma.size(), 1u);
  ASSERT_EQ(mb.size(), 1u);
  EXPECT_TRUE(ma[0]["initiator"]);
  EXPECT_FALSE(mb[0]["initiator"]);
  EXPECT_EQ(ma[0]["session_id"], mb[0]["session_id"]);
  EXPECT_TRUE(b.channel.of_type("waiting").empty());  // matched at once: no `waiting`
}

TEST_F(ChatService, SignalReachesOnlyThePartnerUnchangedWithItsSeq) {
  connected a, b;
  start(a);
  start(b);
  const auto before = a.channel.frames.size();
  chats.handle(a.id, a.channel, command(signal_command{R"({"sdp":"v=0","n":1.50})"}));
  EXPECT_EQ(a.channel.frames.size(), before);  // never the sender
  EXPECT_EQ(b.channel.last()["type"], "signal");
  EXPECT_EQ(b.channel.last()["data"], json::parse(R"({"sdp":"v=0","n":1.50})"));
  EXPECT_EQ(b.channel.seqs.back(), b.channel.last()["seq"].get<std::uint64_t>());
}

TEST_F(ChatService, RefusalsAreErrorFramesOnTheCallersChannel) {
  connected a;
  start(a);
  chats.handle(a.id, a.channel, command(message_command{"hi"}));
  EXPECT_EQ(a.channel.last()["type"], "error");
  EXPECT_EQ(a.channel.last()["code"], "not_matched");
}

TEST_F(ChatService, NamingAnotherChatIsASessionMismatchOnBothTransports) {
  connected a, b;
  start(a);
  start(b);
  chats.handle(a.id, a.channel, command(message_command{"hi"}, "not-our-chat"));
  EXPECT_EQ(a.channel.last()["code"], "session_mismatch");
  EXPECT_TRUE(b.channel.of_type("message").empty());

  const auto rest = chats.handle(b.id, command(receive_command{}, "not-our-chat"));
  ASSERT_TRUE(rest.refused);
  EXPECT_EQ(rest.refused->code, error_code::session_mismatch);
  EXPECT_FALSE(chats.handle(b.id, command(receive_command{}, chat_of(b))).refused);
  EXPECT_FALSE(chats.handle(b.id, command(typing_command{true}, chat_of(b))).refused);
}

TEST_F(ChatService, TheChatThatJustEndedCanStillBeNamedToCollectTheDeparture) {
  connected a, b;
  start(a);
  start(b);
  const auto chat = chat_of(b);
  chats.handle(a.id, a.channel, command(stop_command{}));
  // b is `ended`: its last chat still counts for reading, not for sending.
  EXPECT_FALSE(chats.handle(b.id, command(receive_command{}, chat)).refused);
  const auto send = chats.handle(b.id, command(message_command{"x"}, chat));
  ASSERT_TRUE(send.refused);
  EXPECT_EQ(send.refused->code, error_code::not_matched);
  // Once it queues again, that chat is no longer its own.
  chats.handle(b.id, command(next_command{}));
  const auto stale = chats.handle(b.id, command(receive_command{}, chat));
  ASSERT_TRUE(stale.refused);
  EXPECT_EQ(stale.refused->code, error_code::session_mismatch);
}

TEST_F(ChatService, RestAndWebSocketUsersChat) {
  connected ws;
  start(ws);
  const auto rest = chats.handle(std::nullopt, command(start_command{}));
  ASSERT_FALSE(rest.refused);
  ASSERT_NE(rest.caller, 0u);
  EXPECT_EQ(chats.view(rest.caller)->status, participant_status::matched);
  ASSERT_FALSE(chats.handle(rest.caller, command(message_command{"from rest"})).refused);
  EXPECT_EQ(ws.channel.last()["text"], "from rest");
  chats.handle(ws.id, ws.channel, command(message_command{"from ws"}));
  const auto body = json::parse(*chats.receive_body(rest.caller, 0));
  ASSERT_EQ(body["events"].size(), 2u);
  EXPECT_EQ(body["events"][1]["text"], "from ws");
  EXPECT_EQ(body["next"], 2);
}

TEST_F(ChatService, RestCallsWithoutAnIdentityAreRefusedExceptStart) {
  const auto r = chats.handle(std::nullopt, command(next_command{}));
  ASSERT_TRUE(r.refused);
  EXPECT_EQ(r.refused->code, error_code::unauthorized);
  EXPECT_TRUE(std::holds_alternative<failure>(chats.authenticate("no-such-token")));
}

TEST_F(ChatService, WaitersAreWokenByEventsAndByTheEnd) {
  const auto a = chats.handle(std::nullopt, command(start_command{})).caller;
  counting_waiter waiter;
  chats.begin_wait(a, waiter);
  const auto b = chats.handle(std::nullopt, command(start_command{})).caller;
  EXPECT_EQ(waiter.wakes, 1);  // matched
  chats.handle(b, command(disconnect_command{}));
  EXPECT_EQ(waiter.wakes, 2);  // partner_left
  chats.handle(a, command(disconnect_command{}));
  EXPECT_EQ(waiter.wakes, 3);  // its own end
  chats.end_wait(a, waiter);
  EXPECT_FALSE(chats.receive_body(a, 0));
}

TEST_F(ChatService, ResumeMovesTheParticipantAndReplaysMissedEvents) {
  connected a, b;
  start(a);
  start(b);
  chats.close(a.id, a.channel, channel_end::dropped);
  chats.handle(b.id, b.channel, command(message_command{"while you were away"}));

  fake_channel again;
  const auto fresh = chats.open(again);
  const auto token = a.channel.of_type("hello").front()["token"].get<std::string>();
  const auto holder = chats.handle(fresh, again, command(resume_command{token, 1}));
  EXPECT_EQ(holder, a.id);
  EXPECT_FALSE(chats.view(fresh));  // the identity it came with is gone
  ASSERT_GE(again.frames.size(), 3u);
  EXPECT_EQ(again.frames[1]["type"], "resumed");
  EXPECT_EQ(again.frames[1]["status"], "matched");
  EXPECT_EQ(again.last()["text"], "while you were away");
  EXPECT_TRUE(b.channel.of_type("partner_left").empty());
}

TEST_F(ChatService, ASecondChannelReplacesTheFirst) {
  connected a;
  start(a);
  fake_channel second;
  const auto fresh = chats.open(second);
  chats.handle(fresh, second,
               command(resume_command{a.channel.of_type("hello").front()["token"], {}}));
  ASSERT_EQ(a.channel.releases.size(), 1u);
  EXPECT_EQ(a.channel.releases[0], channel_release::replaced);
  // The old channel's later goodbye changes nothing.
  chats.close(a.id, a.channel, channel_end::closed);
  EXPECT_TRUE(chats.view(a.id));
}

TEST_F(ChatService, AChannelThatCannotTakeMoreEndsItsParticipant) {
  connected a, b;
  start(a);
  start(b);
  b.channel.full = true;
  chats.handle(a.id, a.channel, command(message_command{"hello?"}));
  EXPECT_FALSE(chats.view(b.id));
  ASSERT_FALSE(a.channel.of_type("partner_left").empty());
  EXPECT_EQ(a.channel.of_type("partner_left").back()["reason"], "disconnected");
}

TEST_F(ChatService, ClosedLeavesDroppedWaitsForTheGracePeriod) {
  connected a, b, c, d;
  start(a);
  start(b);
  chats.close(a.id, a.channel, channel_end::closed);
  EXPECT_EQ(b.channel.of_type("partner_left").back()["reason"], "left");

  start(c);
  start(d);
  chats.close(c.id, c.channel, channel_end::dropped);
  EXPECT_TRUE(d.channel.of_type("partner_left").empty());
  clock.advance(chat_limits{}.resume_grace + 1s);
  chats.tick();
  EXPECT_EQ(d.channel.of_type("partner_left").back()["reason"], "disconnected");
}

TEST_F(ChatService, DisconnectEndsTheRestParticipantAndItsToken) {
  const auto started = chats.handle(std::nullopt, command(start_command{}));
  const auto a = started.caller;
  const auto token = started.token;
  ASSERT_FALSE(token.empty());
  const auto r = chats.handle(a, command(disconnect_command{}));
  EXPECT_FALSE(r.refused);
  EXPECT_EQ(r.caller, 0u);
  EXPECT_TRUE(std::holds_alternative<failure>(chats.authenticate(token)));
}

TEST_F(ChatService, DisconnectOfAWebSocketUsersTokenClosesItsChannel) {
  connected a;
  start(a);
  chats.handle(a.id, command(disconnect_command{}));
  ASSERT_EQ(a.channel.releases.size(), 1u);
  EXPECT_EQ(a.channel.releases[0], channel_release::ended);
}

TEST_F(ChatService, OnlineCountIsPushedOnlyWhenItChanges) {
  connected a, b;
  start(a);
  start(b);
  chats.push_online_count();
  EXPECT_EQ(a.channel.of_type("online").size(), 1u);
  EXPECT_EQ(a.channel.of_type("online").back()["count"], 2);
  chats.push_online_count();
  EXPECT_EQ(a.channel.of_type("online").size(), 1u);
  chats.close(b.id, b.channel, channel_end::closed);
  chats.push_online_count();
  EXPECT_EQ(a.channel.of_type("online").back()["count"], 1);
}

}  // namespace
}  // namespace parley

// --- Rate limits (issue 11) ----------------------------------------------------

namespace parley {
namespace {

class ChatServiceLimits : public ChatService {
protected:
  void SetUp() override {
    abuse_limits limits = abuse_limits::none();
    limits.messages = {2, 3};
    limits.typing = {1, 2};
    limits.signals = {10, 20};
    limits.abuse_limit = 10;
    limits.abuse_window = 10s;
    limits.identities = {1.0 / 60.0, 2};
    chats.set_abuse_limits(limits);
  }
  std::size_t rate_limited(const fake_channel& c) const {
    std::size_t n = 0;
    for (const auto& f : c.of_type("error")) n += f["code"] == "rate_limited";
    return n;
  }
};

TEST_F(ChatServiceLimits, MessagesOverTheRateAreDroppedWithRateLimited) {
  connected a, b;
  start(a);
  start(b);
  for (int i = 0; i < 5; ++i) chats.handle(a.id, a.channel, command(message_command{"m"}));
  // The burst (3) reaches the partner; the other two are refused, not relayed.
  EXPECT_EQ(b.channel.of_type("message").size(), 3u);
  EXPECT_EQ(rate_limited(a.channel), 2u);
  EXPECT_TRUE(a.channel.releases.empty());  // the connection stays
  clock.advance(500ms);                      // one more token at 2/s
  chats.handle(a.id, a.channel, command(message_command{"m"}));
  EXPECT_EQ(b.channel.of_type("message").size(), 4u);
}

TEST_F(ChatServiceLimits, TypingAndSignalsHaveTheirOwnBudgets) {
  connected a, b;
  start(a, chat_type::video);
  start(b, chat_type::video);
  for (int i = 0; i < 3; ++i) chats.handle(a.id, a.channel, command(typing_command{i % 2 == 0}));
  EXPECT_EQ(rate_limited(a.channel), 1u);
  // A browser's ICE gathering: 20 signals at once all pass.
  for (int i = 0; i < 20; ++i) chats.handle(a.id, a.channel, command(signal_command{R"({"c":1})"}));
  EXPECT_EQ(b.channel.of_type("signal").size(), 20u);
  EXPECT_EQ(rate_limited(a.channel), 1u);
  // Messages were not touched by either.
  chats.handle(a.id, a.channel, command(message_command{"m"}));
  EXPECT_EQ(b.channel.of_type("message").size(), 1u);
}

TEST_F(ChatServiceLimits, SustainedAbuseReleasesTheChannelForA1008) {
  connected a, b;
  start(a);
  start(b);
  for (int i = 0; i < 3 + 9; ++i) chats.handle(a.id, a.channel, command(message_command{"m"}));
  EXPECT_TRUE(a.channel.releases.empty());  // 9 refusals: under the limit of 10
  const auto holder = chats.handle(a.id, a.channel, command(message_command{"m"}));
  EXPECT_EQ(holder, 0u);
  ASSERT_EQ(a.channel.releases.size(), 1u);
  EXPECT_EQ(a.channel.releases[0], channel_release::abuse);
  EXPECT_FALSE(chats.view(a.id));                             // its identity ended
  EXPECT_EQ(b.channel.of_type("partner_left").size(), 1u);  // and the partner is told
}

TEST_F(ChatServiceLimits, RefusalsSpreadOverWindowsNeverClose) {
  connected a, b;
  start(a);
  start(b);
  for (int window = 0; window < 5; ++window) {
    for (int i = 0; i < 12; ++i) chats.handle(a.id, a.channel, command(message_command{"m"}));
    clock.advance(11s);
  }
  EXPECT_TRUE(a.channel.releases.empty());
  EXPECT_TRUE(chats.view(a.id));
}

TEST_F(ChatServiceLimits, RestCallersGetRateLimitedWithARetryAfter) {
  const auto first = chats.handle(std::nullopt, command(start_command{}), "addr-1");
  const auto second = chats.handle(std::nullopt, command(start_command{}), "addr-1");
  ASSERT_FALSE(first.refused);
  ASSERT_FALSE(second.refused);
  const auto third = chats.handle(std::nullopt, command(start_command{}), "addr-1");
  ASSERT_TRUE(third.refused);
  EXPECT_EQ(third.refused->code, error_code::rate_limited);
  EXPECT_EQ(third.refused->retry_after, 60s);
  // Another address is not affected.
  EXPECT_FALSE(chats.handle(std::nullopt, command(start_command{}), "addr-2").refused);
  // Messages over REST: 429 material too.
  const auto chat = std::string(chats.view(first.caller)->chat_id);
  for (int i = 0; i < 3; ++i) {
    EXPECT_FALSE(chats.handle(first.caller, command(message_command{"m"}, chat)).refused) << i;
  }
  const auto over = chats.handle(first.caller, command(message_command{"m"}, chat));
  ASSERT_TRUE(over.refused);
  EXPECT_EQ(over.refused->code, error_code::rate_limited);
  EXPECT_EQ(over.refused->retry_after, 1s);
}

TEST_F(ChatServiceLimits, IdentityBudgetRefillsOverTime) {
  EXPECT_FALSE(chats.admit_identity("a"));
  EXPECT_FALSE(chats.admit_identity("a"));
  EXPECT_TRUE(chats.admit_identity("a"));
  clock.advance(60s);
  EXPECT_FALSE(chats.admit_identity("a"));
  EXPECT_TRUE(chats.admit_identity("a"));
}

TEST_F(ChatServiceLimits, FailedResumesPerAddressAreLimitedThenClosedWith1008) {
  auto limits = abuse_limits::none();
  limits.resume_failures = {1.0 / 60.0, 3};
  limits.abuse_limit = 3;
  limits.abuse_window = 10s;
  chats.set_abuse_limits(limits);
  connected a;
  start(a);
  const auto real = a.channel.of_type("hello").front()["token"].get<std::string>();
  fake_channel guesser;
  auto id = chats.open(guesser, "addr-g");
  const auto guess = [&](std::string token) {
    id = chats.handle(id, guesser, command(resume_command{std::move(token), {}}));
    return guesser.last()["code"].get<std::string>();
  };
  for (int i = 0; i < 3; ++i) EXPECT_EQ(guess("guess-" + std::to_string(i)), "unauthorized") << i;
  // Over the limit the token is not looked up: even the real one is refused.
  EXPECT_EQ(guess("guess-3"), "rate_limited");
  EXPECT_EQ(guess(real), "rate_limited");
  EXPECT_TRUE(a.channel.releases.empty());
  EXPECT_TRUE(guesser.releases.empty());
  // Another connection from the same address shares the budget; another address does not.
  fake_channel same, other;
  auto same_id = chats.open(same, "addr-g");
  chats.handle(same_id, same, command(resume_command{"guess-x", {}}));
  EXPECT_EQ(same.last()["code"], "rate_limited");
  const auto other_id = chats.open(other, "addr-o");
  chats.handle(other_id, other, command(resume_command{"guess-y", {}}));
  EXPECT_EQ(other.last()["code"], "unauthorized");
  // Sustained guessing: the 3rd refusal on one socket closes it (1008).
  EXPECT_EQ(guess("guess-4"), "rate_limited");
  EXPECT_EQ(id, 0u);
  ASSERT_EQ(guesser.releases.size(), 1u);
  EXPECT_EQ(guesser.releases[0], channel_release::abuse);
  // The budget refills: a minute later a resume is looked up again.
  clock.advance(60s);
  fake_channel later;
  const auto fresh = chats.open(later, "addr-g");
  EXPECT_EQ(chats.handle(fresh, later, command(resume_command{real, {}})), a.id);
  EXPECT_EQ(later.last()["type"], "resumed");
}

TEST_F(ChatServiceLimits, SuccessfulResumesCostNothing) {
  auto limits = abuse_limits::none();
  limits.resume_failures = {1.0 / 60.0, 1};
  chats.set_abuse_limits(limits);
  connected a;
  start(a);
  const auto token = a.channel.of_type("hello").front()["token"].get<std::string>();
  for (int i = 0; i < 5; ++i) {
    fake_channel c;
    const auto fresh = chats.open(c, "addr-a");
    EXPECT_EQ(chats.handle(fresh, c, command(resume_command{token, {}})), a.id) << i;
    EXPECT_EQ(c.last()["type"], "resumed") << i;
    chats.close(a.id, c, channel_end::dropped);
  }
}

}  // namespace
}  // namespace parley
