#include "log_entry_codec.hpp"

#include <gtest/gtest.h>

namespace parley {
namespace {

log_entry round_trip(const log_entry& in) {
  const auto text = encode_entry(in);
  auto out = decode_entry(text);
  EXPECT_TRUE(out) << text;
  EXPECT_EQ(out->origin, in.origin);
  EXPECT_EQ(out->request, in.request);
  return out ? *out : log_entry{};
}

TEST(LogEntryCodec, CreateKeepsTheIdentityButNeverAToken) {
  const auto out = round_trip({"inst", 7, create_entry{{(3ull << 40) | 9, "u1", "key-of-token", "key-of-addr"}, true}});
  const auto& e = std::get<create_entry>(out.body);
  EXPECT_EQ(e.identity.id, (3ull << 40) | 9);
  EXPECT_EQ(e.identity.user_id, "u1");
  EXPECT_EQ(e.identity.token_key, "key-of-token");
  EXPECT_EQ(e.identity.address_key, "key-of-addr");
  EXPECT_TRUE(e.websocket);
}

TEST(LogEntryCodec, EveryOrderedCommandRoundTrips) {
  const std::vector<client_command> commands = {
      {start_command{chat_type::video, {"go", "music"}}, std::nullopt},
      {message_command{"héllo \"quoted\" \u2603"}, std::string("chat-1")},
      {typing_command{true}, std::nullopt},
      {signal_command{R"({"type":"offer","sdp":"v=0\r\n"})"}, std::string("chat-1")},
      {next_command{}, std::nullopt},
      {stop_command{}, std::nullopt},
      {disconnect_command{}, std::nullopt},
      {report_command{report_reason::harassment, "rude \"words\""}, std::string("chat-2")},
      {block_command{}, std::nullopt},
  };
  for (const auto& c : commands) {
    const auto out = round_trip({"i", 1, command_entry{42, c}});
    const auto& e = std::get<command_entry>(out.body);
    EXPECT_EQ(e.caller, 42u);
    EXPECT_EQ(e.command.body.index(), c.body.index());
    EXPECT_EQ(e.command.chat_id, c.chat_id);
  }
  const auto start = round_trip({"i", 1, command_entry{1, commands[0]}});
  const auto& s = std::get<start_command>(std::get<command_entry>(start.body).command.body);
  EXPECT_EQ(s.type, chat_type::video);
  EXPECT_EQ(s.interests, (std::vector<std::string>{"go", "music"}));
  const auto text = round_trip({"i", 1, command_entry{1, commands[1]}});
  EXPECT_EQ(std::get<message_command>(std::get<command_entry>(text.body).command.body).text,
            "héllo \"quoted\" \u2603");
  const auto report = round_trip({"i", 1, command_entry{1, commands[7]}});
  const auto& r = std::get<report_command>(std::get<command_entry>(report.body).command.body);
  EXPECT_EQ(r.reason, report_reason::harassment);
  EXPECT_EQ(r.comment, "rude \"words\"");
  const auto signal = round_trip({"i", 1, command_entry{1, commands[3]}});
  EXPECT_EQ(std::get<signal_command>(std::get<command_entry>(signal.body).command.body).data,
            R"({"type":"offer","sdp":"v=0\r\n"})");
}

TEST(LogEntryCodec, ResumeCloseAndTick) {
  const auto r = std::get<resume_entry>(round_trip({"i", 2, resume_entry{1, 2, 5}}).body);
  EXPECT_EQ(r.caller, 1u);
  EXPECT_EQ(r.target, 2u);
  EXPECT_EQ(r.since, 5u);
  for (auto how : {channel_end::closed, channel_end::dropped, channel_end::broke_protocol}) {
    EXPECT_EQ(std::get<close_entry>(round_trip({"i", 3, close_entry{9, how}}).body).how, how);
  }
  const auto t = std::get<tick_entry>(round_trip({"i", 4, tick_entry{{{1, 10}, {2, 20}}, {3, 4}}}).body);
  EXPECT_EQ(t.delivered, (std::vector<std::pair<participant_id, std::uint64_t>>{{1, 10}, {2, 20}}));
  EXPECT_EQ(t.touched, (std::vector<participant_id>{3, 4}));
}

TEST(LogEntryCodec, AnOperatorsBanAndLift) {
  const auto b = std::get<ban_entry>(round_trip({"i", 5, ban_entry{"k3y", "", "spam", 3600}}).body);
  EXPECT_EQ(b.address_key, "k3y");
  EXPECT_EQ(b.user_id, "");
  EXPECT_EQ(b.reason, "spam");
  EXPECT_EQ(b.duration_s, 3600);
  EXPECT_EQ(std::get<ban_entry>(round_trip({"i", 6, ban_entry{"", "u1", "", 1}}).body).user_id, "u1");
  EXPECT_EQ(std::get<lift_entry>(round_trip({"i", 7, lift_entry{"b4n"}}).body).id, "b4n");
}

TEST(LogEntryCodec, TextThatIsNoEntryIsSkipped) {
  for (const char* text : {"", "not json", "[]", "{}", R"({"o":"i","r":1,"k":"unknown"})",
                           R"({"o":"i","r":1,"k":"command","c":1,"x":{"type":"resume"}})",
                           R"({"o":"i","r":"x","k":"tick","d":[],"t":[]})"}) {
    EXPECT_FALSE(decode_entry(text)) << text;
  }
}

}  // namespace
}  // namespace parley
