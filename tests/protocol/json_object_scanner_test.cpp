#include "json_object_scanner.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "parley/protocol/client_command.hpp"

namespace parley {
namespace {

TEST(JsonObjectScanner, ReturnsMembersAsExactViews) {
  const std::string text = R"( {"type":"signal", "data" : {"sdp":{"type":"offer","sdp":"v=0\r\n"},"n":[1,-2.5e3,true,null]} } )";
  const auto members = scan_json_object(text);
  ASSERT_TRUE(members);
  ASSERT_EQ(members->size(), 2u);
  EXPECT_EQ((*members)[0].key, "type");
  EXPECT_EQ((*members)[0].value, R"("signal")");
  EXPECT_EQ((*members)[1].key, "data");
  EXPECT_EQ((*members)[1].value, R"({"sdp":{"type":"offer","sdp":"v=0\r\n"},"n":[1,-2.5e3,true,null]})");
}

TEST(JsonObjectScanner, AcceptsWhatTheFullParserAccepts) {
  for (const char* text : {R"({})", R"({"a":"\u00e9\ud83d\ude00 ü 👋"})", R"({"a":[[],{},[{}]]})",
                           R"({"a":0,"b":-0.0,"c":1E+2,"d":"\"\\\/\b\f\n\r\t"})"}) {
    EXPECT_TRUE(scan_json_object(text)) << text;
    EXPECT_FALSE(nlohmann::json::parse(text, nullptr, false).is_discarded()) << text;
  }
}

TEST(JsonObjectScanner, RefusesInvalidJson) {
  for (const std::string text :
       {"", "[]", "\"x\"", "{", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "{\"a\":01}", "{\"a\":1.}",
        "{\"a\":.5}", "{\"a\":-}", "{\"a\":1e}", "{\"a\":tru}", "{\"a\":nul}", "{a:1}",
        "{\"a\":\"\x01\"}", "{\"a\":\"\\x\"}", "{\"a\":\"\\u12\"}", "{\"a\":\"\\udc00\"}",
        "{\"a\":\"\\ud800\"}", "{\"a\":\"\\ud800\\u0041\"}", "{\"a\":\"\xff\"}",
        "{\"a\":\"\xc3\"}", "{\"a\":1} x", "{\"a\":[1,2}", "{\"a\":\"unterminated}"}) {
    EXPECT_FALSE(scan_json_object(text)) << text;
  }
}

TEST(JsonObjectScanner, AgreesWithTheFullParserAtEveryPositionOfLongStrings) {
  // The string scan skips 8 plain bytes at a time: put each kind of special
  // byte at every offset around those words and compare with nlohmann.
  const std::string specials[] = {"\"", "\\\"", "\\n", "\\u00e9", "\x01", "\x1f", "\x7f",
                                  "\xc3\xa9", "\xff", "\xe2\x82", "\\", "\\q", " "};
  for (std::size_t length = 0; length < 26; ++length) {
    for (std::size_t at = 0; at <= length; ++at) {
      for (const auto& special : specials) {
        std::string body(length, 'a');
        body.insert(at, special);
        const std::string text = "{\"data\":{\"sdp\":\"" + body + "\"}}";
        const bool full = !nlohmann::json::parse(text, nullptr, false).is_discarded();
        EXPECT_EQ(scan_json_object(text).has_value(), full) << "length " << length << " at " << at;
      }
    }
  }
}

TEST(JsonObjectScanner, RefusesNestingBeyondTheLimit) {
  std::string deep = "{\"a\":";
  for (int i = 0; i < 100; ++i) deep += '[';
  for (int i = 0; i < 100; ++i) deep += ']';
  deep += '}';
  EXPECT_FALSE(scan_json_object(deep, 64));
  EXPECT_TRUE(scan_json_object(deep, 200));
}

TEST(JsonObjectScanner, SignalFastPathRelaysTheExactBytes) {
  const chat_limits limits;
  const std::string frame = R"({"type":"signal","data":{"candidate":"a:1  2","x":1.50}})";
  const auto parsed = decode_frame(frame, limits);
  const auto& command = std::get<signal_command>(std::get<client_command>(parsed).body);
  EXPECT_EQ(command.data, R"({"candidate":"a:1  2","x":1.50})");
}

TEST(JsonObjectScanner, DuplicateKeysTakeTheFullParser) {
  const chat_limits limits;
  // nlohmann keeps the last duplicate; the fast path must not pick the first.
  const auto parsed =
      decode_frame(R"({"type":"signal","data":{"a":1},"data":"x"})", limits);
  ASSERT_TRUE(std::holds_alternative<failure>(parsed));
  EXPECT_EQ(std::get<failure>(parsed).code, error_code::bad_request);
}

}  // namespace
}  // namespace parley
