#include "parley/protocol/server_messages.hpp"

#include <memory>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace parley {
namespace {

using nlohmann::json;

event make(std::uint64_t seq, event_body body) {
  return {seq, std::make_shared<const event_body>(std::move(body))};
}

json whole(const encoded_message& m) {
  std::string out;
  m.append_to(out);
  return json::parse(out);
}

TEST(ServerMessages, SignalSplicesThePartnersBytesWithoutCopyingThem) {
  const std::string data = R"({"sdp":{"type":"offer","sdp":"v=0\r\n"},"x":1.50})";
  const auto e = make(7, signal_event{data});
  const auto m = server_messages::event(e);
  // The data is the event's own string, shared, not a copy.
  ASSERT_TRUE(m.spliced);
  EXPECT_EQ(m.spliced.get(), &std::get<signal_event>(*e.body).data);
  EXPECT_EQ(m.middle(), data);
  std::string out;
  m.append_to(out);
  EXPECT_EQ(out, R"({"type":"signal","seq":7,"data":)" + data + "}");
  EXPECT_EQ(m.size(), out.size());
}

TEST(ServerMessages, MatchedEscapesInterests) {
  const auto m = server_messages::event(
      make(1, matched_event{"abc123", chat_type::video, true, {"a\"b", "caf\xC3\xA9"}}));
  EXPECT_FALSE(m.spliced);
  const auto j = whole(m);
  EXPECT_EQ(j, (json{{"type", "matched"},
                     {"seq", 1},
                     {"session_id", "abc123"},
                     {"chat_type", "video"},
                     {"initiator", true},
                     {"common_interests", {"a\"b", "caf\xC3\xA9"}}}));
}

TEST(ServerMessages, EveryEventType) {
  EXPECT_EQ(whole(server_messages::event(make(2, message_event{"hi \"you\"", 1234}))),
            (json{{"type", "message"}, {"seq", 2}, {"text", "hi \"you\""}, {"from", "stranger"},
                  {"ts", 1234}}));
  EXPECT_EQ(whole(server_messages::event(make(3, typing_event{true}))),
            (json{{"type", "typing"}, {"seq", 3}, {"active", true}}));
  EXPECT_EQ(whole(server_messages::event(make(4, partner_left_event{leave_reason::timeout}))),
            (json{{"type", "partner_left"}, {"seq", 4}, {"reason", "timeout"}}));
}

TEST(ServerMessages, SessionIdIsNullWhenNotMatched) {
  const participant_view idle{"u1", participant_status::idle, chat_type::text, ""};
  EXPECT_EQ(json::parse(server_messages::state_body(idle)),
            (json{{"status", "idle"}, {"session_id", nullptr}}));
  const participant_view matched{"u1", participant_status::matched, chat_type::text, "s1"};
  EXPECT_EQ(json::parse(server_messages::resumed(matched)),
            (json{{"type", "resumed"}, {"user_id", "u1"}, {"status", "matched"},
                  {"session_id", "s1"}}));
}

TEST(ServerMessages, ReceiveBodyHoldsTheEventsInOrder) {
  const participant_view p{"u1", participant_status::matched, chat_type::video, "s1"};
  const std::vector<event> events = {make(5, typing_event{false}),
                                     make(6, signal_event{R"({"candidate":null})"})};
  const auto j = json::parse(server_messages::receive_body(p, events, 6));
  ASSERT_EQ(j["events"].size(), 2u);
  EXPECT_EQ(j["events"][1]["data"], json::parse(R"({"candidate":null})"));
  EXPECT_EQ(j["next"], 6);
  EXPECT_EQ(j["session_id"], "s1");
}

TEST(ServerMessages, ErrorsHaveTheDocumentedShapes) {
  const failure f{error_code::session_mismatch, "that is not your current chat"};
  EXPECT_EQ(json::parse(server_messages::error(f)),
            (json{{"type", "error"}, {"code", "session_mismatch"},
                  {"message", "that is not your current chat"}}));
  EXPECT_EQ(json::parse(server_messages::error_body(f)),
            (json{{"error", {{"code", "session_mismatch"},
                             {"message", "that is not your current chat"}}}}));
}

TEST(ServerMessages, ConfigCarriesTheClientLimits) {
  client_limits limits;
  limits.max_message_chars = 2000;
  limits.max_interests = 10;
  limits.max_interest_chars = 32;
  limits.max_signal_bytes = 49152;
  limits.interest_fallback = std::chrono::milliseconds(2500);
  const auto j = json::parse(server_messages::config_body({"stun:a", "stun:b"}, limits, false));
  EXPECT_EQ(j["ice_servers"], json::parse(R"([{"urls":["stun:a","stun:b"]}])"));
  EXPECT_EQ(j["limits"]["max_message_chars"], 2000);
  EXPECT_EQ(j["limits"]["max_interests"], 10);
  EXPECT_EQ(j["limits"]["max_interest_chars"], 32);
  EXPECT_DOUBLE_EQ(j["limits"]["interest_fallback_s"].get<double>(), 2.5);
  EXPECT_EQ(json::parse(server_messages::config_body({}, limits, false))["ice_servers"], json::array());
  EXPECT_EQ(j["turn_available"], false);
  // Whether a relay exists, never its credentials.
  const auto with_turn = json::parse(server_messages::config_body({}, limits, true));
  EXPECT_EQ(with_turn["turn_available"], true);
  EXPECT_EQ(with_turn["ice_servers"], json::array());
}

turn_grant sample_grant() {
  return {{"turn:127.0.0.1:3478"}, "1795661600:0123456789abcdef", "bcfuD9iP3bcMacx0ZkLw2nSlGvk=", 21600};
}

TEST(ServerMessages, MatchedCarriesTurnCredentialsWhenGiven) {
  const auto grant = sample_grant();
  const auto j = whole(server_messages::event(
      make(1, matched_event{"abc123", chat_type::video, false, {}}), &grant));
  EXPECT_EQ(j["turn"], (json{{"urls", {"turn:127.0.0.1:3478"}},
                             {"username", "1795661600:0123456789abcdef"},
                             {"credential", "bcfuD9iP3bcMacx0ZkLw2nSlGvk="},
                             {"ttl_s", 21600}}));
  EXPECT_FALSE(whole(server_messages::event(
                         make(1, matched_event{"abc123", chat_type::video, false, {}})))
                   .contains("turn"));
}

TEST(ServerMessages, TurnCredentialsAnswers) {
  const auto grant = sample_grant();
  const auto ws = json::parse(server_messages::turn_credentials("abc123", grant));
  EXPECT_EQ(ws["type"], "turn_credentials");
  EXPECT_EQ(ws["session_id"], "abc123");
  EXPECT_EQ(ws["turn"]["username"], grant.username);
  const auto rest = json::parse(server_messages::turn_body("abc123", grant));
  EXPECT_EQ(rest, (json{{"session_id", "abc123"}, {"turn", ws["turn"]}}));
}

TEST(ServerMessages, ReceiveBodyPutsTurnOnlyInTheCurrentChatsMatch) {
  const auto grant = sample_grant();
  const std::vector<event> events = {
      make(1, matched_event{"old", chat_type::video, true, {}}),
      make(2, partner_left_event{leave_reason::next}),
      make(3, matched_event{"now", chat_type::video, true, {}}),
  };
  const participant_view p{"u1", participant_status::matched, chat_type::video, "now"};
  const auto j = json::parse(server_messages::receive_body(p, events, 3, &grant));
  EXPECT_FALSE(j["events"][0].contains("turn"));
  EXPECT_EQ(j["events"][2]["turn"]["credential"], grant.credential);
}

}  // namespace
}  // namespace parley
