// The chat service's safety layer: report, block, bans from reports, the
// spam guard and operator bans, with fake channels and the fake clock.
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

using testing::fake_channel;

client_command command(command_body body) { return {std::move(body), std::nullopt}; }

moderation_limits safety_limits() {
  moderation_limits m;
  m.report_ban_threshold = 2;
  m.report_ban_window = 3600s;
  m.report_ban_duration = 600s;
  m.spam_strangers = 3;
  m.spam_window = 600s;
  m.spam_ban_duration = 300s;
  return m;
}

class ChatServiceSafety : public ::testing::Test {
protected:
  testing::fake_time_source clock;
  testing::sequential_token_source tokens;
  chat_service chats{chat_limits{}, clock, tokens, nullptr, {}, nullptr, safety_limits()};

  struct user {
    fake_channel channel;
    participant_id id = 0;
    std::string address;
  };
  void open(user& u, std::string address) {
    u.address = std::move(address);
    u.id = chats.open(u.channel, u.address);
  }
  void start(user& u) { u.id = chats.handle(u.id, u.channel, command(start_command{})); }
  participant_status status(const user& u) const { return chats.view(u.id)->status; }
  std::string user_id(const user& u) const { return std::string(chats.view(u.id)->user_id); }
  static std::string addr(char c) { return std::string(64, c); }
};

TEST_F(ChatServiceSafety, ReportEndsTheChatAsAnOrdinaryDepartureAndIsRecorded) {
  user a, b;
  open(a, addr('a'));
  open(b, addr('b'));
  start(a);
  start(b);
  const auto chat = std::string(chats.view(a.id)->chat_id);
  chats.handle(a.id, a.channel, command(report_command{report_reason::harassment, "rude"}));
  ASSERT_EQ(a.channel.of_type("reported").size(), 1u);
  EXPECT_EQ(a.channel.of_type("reported")[0]["session_id"], chat);
  const auto left = b.channel.of_type("partner_left");
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0]["reason"], "left");
  EXPECT_EQ(status(b), participant_status::ended);
  EXPECT_TRUE(b.channel.of_type("error").empty()) << "the stranger is not told it was reported";

  const auto& reports = chats.safety().reports().recent();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].reason, report_reason::harassment);
  EXPECT_EQ(reports[0].comment, "rude");
  EXPECT_EQ(reports[0].reported_user_id, user_id(b));
  EXPECT_EQ(reports[0].reported_address_key, addr('b'));
  EXPECT_EQ(reports[0].reporter_user_id, user_id(a));
  EXPECT_EQ(reports[0].chat_id, chat);
  EXPECT_EQ(chats.safety().reports_total(report_reason::harassment), 1u);

  // The two are not paired again.
  start(a);
  start(b);
  EXPECT_EQ(status(a), participant_status::waiting);
  EXPECT_EQ(status(b), participant_status::waiting);
}

TEST_F(ChatServiceSafety, BlockEndsTheChatWithoutAReport) {
  user a, b;
  open(a, addr('a'));
  open(b, addr('b'));
  start(a);
  start(b);
  chats.handle(a.id, a.channel, command(block_command{}));
  EXPECT_EQ(a.channel.of_type("blocked").size(), 1u);
  EXPECT_EQ(b.channel.of_type("partner_left").size(), 1u);
  EXPECT_TRUE(chats.safety().reports().recent().empty());
  EXPECT_EQ(chats.safety().blocks_total(), 1u);
}

TEST_F(ChatServiceSafety, TheStrangerCanBeReportedShortlyAfterTheChatEnded) {
  user a, b;
  open(a, addr('a'));
  open(b, addr('b'));
  start(a);
  start(b);
  chats.handle(b.id, b.channel, command(next_command{}));  // b leaves first
  clock.advance(30s);
  chats.handle(a.id, a.channel, command(report_command{report_reason::nudity, ""}));
  ASSERT_EQ(a.channel.of_type("reported").size(), 1u);
  EXPECT_EQ(chats.safety().reports().recent().back().reported_user_id, user_id(b));
}

TEST_F(ChatServiceSafety, ReportWithoutAStrangerIsRefused) {
  user a;
  open(a, addr('a'));
  chats.handle(a.id, a.channel, command(report_command{report_reason::spam, ""}));
  ASSERT_EQ(a.channel.of_type("error").size(), 1u);
  EXPECT_EQ(a.channel.of_type("error")[0]["code"], "not_matched");
  EXPECT_TRUE(chats.safety().reports().recent().empty());
}

TEST_F(ChatServiceSafety, ReportsFromDistinctReportersBanTheAddressAndEndItsChat) {
  user bad, r1, r2, other;
  open(bad, addr('x'));
  open(r1, addr('1'));
  start(bad);
  start(r1);
  chats.handle(r1.id, r1.channel, command(report_command{report_reason::spam, ""}));
  EXPECT_FALSE(chats.ban_remaining(addr('x')));

  // The same reporter again (a new identity, same address) does not count twice.
  user r1b;
  open(r1b, addr('1'));
  start(bad);
  start(r1b);
  EXPECT_EQ(status(r1b), participant_status::waiting) << "kept apart by address";
  chats.handle(r1b.id, r1b.channel, command(stop_command{}));

  open(r2, addr('2'));
  start(r2);
  ASSERT_EQ(status(r2), participant_status::matched);
  chats.handle(r2.id, r2.channel, command(report_command{report_reason::spam, ""}));
  ASSERT_TRUE(chats.ban_remaining(addr('x')));
  EXPECT_EQ(*chats.ban_remaining(addr('x')), 600s);
  // The banned participant is told and ended.
  ASSERT_FALSE(bad.channel.of_type("error").empty());
  EXPECT_EQ(bad.channel.of_type("error").back()["code"], "banned");
  EXPECT_EQ(chats.view(bad.id), std::nullopt);
  EXPECT_EQ(bad.channel.releases.back(), channel_release::ended);
  ASSERT_EQ(chats.safety().bans().list().size(), 1u);
  EXPECT_EQ(chats.safety().bans().list()[0].source, ban_source::reports);

  clock.advance(600s);
  chats.tick();
  EXPECT_FALSE(chats.ban_remaining(addr('x')));
}

TEST_F(ChatServiceSafety, TheSameMessageToManyStrangersBansTheSender) {
  user spammer;
  open(spammer, addr('s'));
  std::vector<std::unique_ptr<user>> victims;
  for (int i = 0; i < 3; ++i) {
    auto& v = *victims.emplace_back(std::make_unique<user>());
    open(v, addr(static_cast<char>('a' + i)));
    start(spammer);
    start(v);
    ASSERT_EQ(status(v), participant_status::matched);
    chats.handle(spammer.id, spammer.channel, command(message_command{"visit spam.example"}));
    if (i < 2) {
      EXPECT_EQ(v.channel.of_type("message").size(), 1u);
      chats.handle(spammer.id, spammer.channel, command(next_command{}));
    }
  }
  // The third copy is refused, not relayed, and bans the address.
  EXPECT_TRUE(victims[2]->channel.of_type("message").empty());
  const auto errors = spammer.channel.of_type("error");
  ASSERT_EQ(errors.size(), 1u) << "told once";
  EXPECT_EQ(errors[0]["code"], "banned");
  EXPECT_EQ(chats.ban_remaining(addr('s')), 300s);
  EXPECT_EQ(chats.safety().spam_refused_total(), 1u);
  EXPECT_EQ(chats.view(spammer.id), std::nullopt);
  EXPECT_EQ(victims[2]->channel.of_type("partner_left").back()["reason"], "left");
}

TEST_F(ChatServiceSafety, OperatorBansAUserByIdAndLiftsIt) {
  user a, b;
  open(a, addr('a'));
  open(b, addr('b'));
  start(a);
  start(b);
  auto banned = chats.ban_user(user_id(b), "abuse", 120s);
  ASSERT_TRUE(std::holds_alternative<ban>(banned));
  const auto b_ban = std::get<ban>(banned);
  EXPECT_EQ(b_ban.address_key, addr('b'));
  EXPECT_EQ(b_ban.reason, "abuse");
  EXPECT_EQ(chats.view(b.id), std::nullopt);
  EXPECT_EQ(a.channel.of_type("partner_left").back()["reason"], "left");
  EXPECT_EQ(chats.ban_remaining(addr('b')), 120s);
  EXPECT_TRUE(chats.lift_ban(b_ban.id));
  EXPECT_FALSE(chats.ban_remaining(addr('b')));
  EXPECT_FALSE(chats.lift_ban(b_ban.id));

  const auto unknown = chats.ban_user("ffff", "x", 10s);
  ASSERT_TRUE(std::holds_alternative<failure>(unknown));
  EXPECT_EQ(std::get<failure>(unknown).code, error_code::not_found);
}

TEST_F(ChatServiceSafety, RestReportAnswersTheCallersState) {
  const auto a = chats.handle(std::nullopt, command(start_command{}), addr('a'));
  const auto b = chats.handle(std::nullopt, command(start_command{}), addr('b'));
  ASSERT_FALSE(b.refused);
  const auto r = chats.handle(a.caller, command(report_command{report_reason::other, "x"}));
  ASSERT_FALSE(r.refused);
  EXPECT_EQ(chats.view(a.caller)->status, participant_status::idle);
  EXPECT_EQ(chats.view(b.caller)->status, participant_status::ended);
}

}  // namespace
}  // namespace parley
