#include "parley/protocol/client_command.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "json_document.hpp"

namespace parley {
namespace {

using nlohmann::json;
using tags = std::vector<std::string>;

const std::string emoji = "\xF0\x9F\x98\x80";  // U+1F600: four bytes, one character

std::string repeat(std::string_view unit, std::size_t times) {
  std::string out;
  out.reserve(unit.size() * times);
  for (std::size_t i = 0; i < times; ++i) out += unit;
  return out;
}

/// The failure `frame` is refused with; a test failure if it is accepted.
failure refusal(std::string_view frame, const chat_limits& limits = {}) {
  auto result = decode_frame(frame, limits);
  if (auto* f = std::get_if<failure>(&result)) return *f;
  ADD_FAILURE() << "accepted: " << frame;
  return {error_code::bad_request, "accepted"};
}

/// The command `frame` parses to; a test failure if it is refused or is another command.
template <class Command>
std::optional<Command> command(std::string_view frame, const chat_limits& limits = {}) {
  auto result = decode_frame(frame, limits);
  if (auto* f = std::get_if<failure>(&result)) {
    ADD_FAILURE() << "refused (" << to_string(f->code) << ": " << f->message << "): " << frame;
    return std::nullopt;
  }
  auto* parsed = std::get_if<Command>(&std::get<client_command>(result).body);
  if (parsed == nullptr) {
    ADD_FAILURE() << "parsed as another command: " << frame;
    return std::nullopt;
  }
  return *parsed;
}

// --- Every command type ------------------------------------------------------

TEST(DecodeFrame, StartDefaultsToTextWithoutInterests) {
  const auto start = command<start_command>(R"({"type":"start"})");
  ASSERT_TRUE(start);
  EXPECT_EQ(start->type, chat_type::text);
  EXPECT_TRUE(start->interests.empty());
}

TEST(DecodeFrame, StartReadsChatType) {
  const auto video = command<start_command>(R"({"type":"start","chat_type":"video"})");
  ASSERT_TRUE(video);
  EXPECT_EQ(video->type, chat_type::video);
  const auto text = command<start_command>(R"({"type":"start","chat_type":"text"})");
  ASSERT_TRUE(text);
  EXPECT_EQ(text->type, chat_type::text);
}

TEST(DecodeFrame, StartWithNullChatTypeIsText) {
  const auto start = command<start_command>(R"({"type":"start","chat_type":null})");
  ASSERT_TRUE(start);
  EXPECT_EQ(start->type, chat_type::text);
}

TEST(DecodeFrame, StartRefusesUnknownChatType) {
  EXPECT_EQ(refusal(R"({"type":"start","chat_type":"audio"})").code, error_code::bad_request);
  EXPECT_EQ(refusal(R"({"type":"start","chat_type":"Video"})").code, error_code::bad_request);
}

TEST(DecodeFrame, StartRefusesNonStringChatType) {
  EXPECT_EQ(refusal(R"({"type":"start","chat_type":1})").code, error_code::bad_request);
  EXPECT_EQ(refusal(R"({"type":"start","chat_type":["video"]})").code, error_code::bad_request);
}

TEST(DecodeFrame, StartReadsInterests) {
  const auto start = command<start_command>(R"({"type":"start","interests":["chess","music"]})");
  ASSERT_TRUE(start);
  EXPECT_EQ(start->interests, (tags{"chess", "music"}));
}

TEST(DecodeFrame, StartNormalisesInterests) {
  const auto start = command<start_command>(
      R"({"type":"start","interests":["  Music ","music","CHESS","chess ","",  "   "]})");
  ASSERT_TRUE(start);
  EXPECT_EQ(start->interests, (tags{"chess", "music"}));
}

TEST(DecodeFrame, StartWithNullInterestsHasNone) {
  const auto start = command<start_command>(R"({"type":"start","interests":null})");
  ASSERT_TRUE(start);
  EXPECT_TRUE(start->interests.empty());
}

TEST(DecodeFrame, ResumeReadsTokenAndSince) {
  const auto resume = command<resume_command>(R"({"type":"resume","token":"abc123","since":42})");
  ASSERT_TRUE(resume);
  EXPECT_EQ(resume->token, "abc123");
  EXPECT_EQ(resume->since, 42u);
}

TEST(DecodeFrame, ResumeWithoutSinceLeavesItUnset) {
  const auto resume = command<resume_command>(R"({"type":"resume","token":"abc123"})");
  ASSERT_TRUE(resume);
  EXPECT_FALSE(resume->since.has_value());
}

TEST(DecodeFrame, ResumeAcceptsSinceZero) {
  const auto resume = command<resume_command>(R"({"type":"resume","token":"t","since":0})");
  ASSERT_TRUE(resume);
  EXPECT_EQ(resume->since, 0u);
}

TEST(DecodeFrame, MessageReadsText) {
  const auto message = command<message_command>(R"({"type":"message","text":"hi there"})");
  ASSERT_TRUE(message);
  EXPECT_EQ(message->text, "hi there");
}

TEST(DecodeFrame, MessageKeepsTextExactly) {
  const std::string text = "  caf\xC3\xA9 " + emoji + "\n\"quoted\" \\ ";
  const auto message = command<message_command>(json{{"type", "message"}, {"text", text}}.dump());
  ASSERT_TRUE(message);
  EXPECT_EQ(message->text, text);
}

TEST(DecodeFrame, TypingReadsActive) {
  const auto on = command<typing_command>(R"({"type":"typing","active":true})");
  ASSERT_TRUE(on);
  EXPECT_TRUE(on->active);
  const auto off = command<typing_command>(R"({"type":"typing","active":false})");
  ASSERT_TRUE(off);
  EXPECT_FALSE(off->active);
}

TEST(DecodeFrame, SignalKeepsDataObject) {
  const json data = {{"type", "offer"},
                     {"sdp", "v=0\r\no=- 46117 2 IN IP4 127.0.0.1\r\n"},
                     {"nested", {{"list", {1, 2.5, "x", nullptr, true}}}}};
  const auto signal = command<signal_command>(json{{"type", "signal"}, {"data", data}}.dump());
  ASSERT_TRUE(signal);
  EXPECT_EQ(json::parse(signal->data), data);
}

TEST(DecodeFrame, SignalAcceptsEmptyObject) {
  const auto signal = command<signal_command>(R"({"type":"signal","data":{}})");
  ASSERT_TRUE(signal);
  EXPECT_EQ(signal->data, "{}");
}

TEST(DecodeFrame, Next) { EXPECT_TRUE(command<next_command>(R"({"type":"next"})")); }

TEST(DecodeFrame, Stop) { EXPECT_TRUE(command<stop_command>(R"({"type":"stop"})")); }

TEST(DecodeFrame, IgnoresUnknownExtraFields) {
  EXPECT_TRUE(command<next_command>(R"({"type":"next","extra":{"a":1}})"));
}

// --- Malformed frames --------------------------------------------------------

TEST(DecodeFrame, RefusesNonJson) {
  for (const auto* frame : {"", "hello", "{", R"({"type":"next")", R"({"type":'next'})",
                            "{\"type\":\"next\"} trailing"}) {
    EXPECT_EQ(refusal(frame).code, error_code::bad_request) << frame;
  }
}

TEST(DecodeFrame, RefusesJsonThatIsNotAnObject) {
  for (const auto* frame : {"[]", R"(["type","next"])", R"("next")", "42", "null", "true"}) {
    EXPECT_EQ(refusal(frame).code, error_code::bad_request) << frame;
  }
}

TEST(DecodeFrame, RefusesMissingType) {
  EXPECT_EQ(refusal(R"({"text":"hi"})").code, error_code::bad_request);
  EXPECT_EQ(refusal("{}").code, error_code::bad_request);
}

TEST(DecodeFrame, RefusesNonStringType) {
  for (const auto* frame : {R"({"type":1})", R"({"type":null})", R"({"type":["next"]})",
                            R"({"type":{"name":"next"}})", R"({"type":true})"}) {
    EXPECT_EQ(refusal(frame).code, error_code::bad_request) << frame;
  }
}

TEST(DecodeFrame, RefusesUnknownTypeAsUnknownType) {
  for (const auto* frame : {R"({"type":"dance"})", R"({"type":""})", R"({"type":"START"})",
                            R"({"type":"hello"})"}) {
    EXPECT_EQ(refusal(frame).code, error_code::unknown_type) << frame;
  }
}

TEST(DecodeFrame, RefusalsCarryAMessage) {
  EXPECT_FALSE(refusal("nope").message.empty());
  EXPECT_FALSE(refusal(R"({"type":"dance"})").message.empty());
  EXPECT_FALSE(refusal(R"({"type":"message","text":""})").message.empty());
}

// --- message text ------------------------------------------------------------

TEST(DecodeFrame, RefusesMessageWithoutText) {
  EXPECT_EQ(refusal(R"({"type":"message"})").code, error_code::bad_request);
  EXPECT_EQ(refusal(R"({"type":"message","text":null})").code, error_code::bad_request);
}

TEST(DecodeFrame, RefusesNonStringText) {
  EXPECT_EQ(refusal(R"({"type":"message","text":5})").code, error_code::bad_request);
  EXPECT_EQ(refusal(R"({"type":"message","text":["hi"]})").code, error_code::bad_request);
}

TEST(DecodeFrame, RefusesEmptyText) {
  EXPECT_EQ(refusal(R"({"type":"message","text":""})").code, error_code::bad_request);
}

TEST(DecodeFrame, RefusesWhiteSpaceOnlyText) {
  EXPECT_EQ(refusal(R"({"type":"message","text":" \t\r\n "})").code, error_code::bad_request);
}

TEST(DecodeFrame, AcceptsTextOfExactlyMaxTextCharsAsciiCharacters) {
  const chat_limits limits;
  const auto text = std::string(limits.max_text_chars, 'a');
  EXPECT_TRUE(command<message_command>(json{{"type", "message"}, {"text", text}}.dump(), limits));
}

TEST(DecodeFrame, RefusesTextOneCharacterOverMaxTextChars) {
  const chat_limits limits;
  const auto text = std::string(limits.max_text_chars + 1, 'a');
  EXPECT_EQ(refusal(json{{"type", "message"}, {"text", text}}.dump(), limits).code,
            error_code::bad_request);
}

TEST(DecodeFrame, CountsTextInCodePointsSoTwoThousandEmojiAreAccepted) {
  const chat_limits limits;
  ASSERT_EQ(limits.max_text_chars, 2000u);
  const auto text = repeat(emoji, 2000);  // 8000 bytes
  const auto message = command<message_command>(json{{"type", "message"}, {"text", text}}.dump());
  ASSERT_TRUE(message);
  EXPECT_EQ(message->text, text);
}

TEST(DecodeFrame, RefusesTwoThousandAndOneEmoji) {
  const auto text = repeat(emoji, 2001);
  EXPECT_EQ(refusal(json{{"type", "message"}, {"text", text}}.dump()).code,
            error_code::bad_request);
}

TEST(DecodeFrame, HonoursConfiguredMaxTextChars) {
  chat_limits limits;
  limits.max_text_chars = 3;
  EXPECT_TRUE(command<message_command>(R"({"type":"message","text":"abc"})", limits));
  EXPECT_EQ(refusal(R"({"type":"message","text":"abcd"})", limits).code, error_code::bad_request);
}

TEST(DecodeFrame, RefusesInvalidUtf8InFrame) {
  for (const std::string bad : {"\xFF", "\xC3", "\xC0\xAF", "\xED\xA0\x80", "a\x80" "b"}) {
    const auto frame = std::string(R"({"type":"message","text":")") + bad + "\"}";
    EXPECT_EQ(refusal(frame).code, error_code::bad_request);
  }
}

TEST(DecodeFrame, RefusesLoneSurrogateEscape) {
  EXPECT_EQ(refusal(R"({"type":"message","text":"\ud800"})").code, error_code::bad_request);
}

// --- typing ------------------------------------------------------------------

TEST(DecodeFrame, RefusesTypingWithoutActive) {
  EXPECT_EQ(refusal(R"({"type":"typing"})").code, error_code::bad_request);
}

TEST(DecodeFrame, RefusesNonBooleanActive) {
  for (const auto* frame : {R"({"type":"typing","active":1})", R"({"type":"typing","active":"true"})",
                            R"({"type":"typing","active":null})"}) {
    EXPECT_EQ(refusal(frame).code, error_code::bad_request) << frame;
  }
}

// --- signal ------------------------------------------------------------------

TEST(DecodeFrame, RefusesSignalWithoutData) {
  EXPECT_EQ(refusal(R"({"type":"signal"})").code, error_code::bad_request);
  EXPECT_EQ(refusal(R"({"type":"signal","data":null})").code, error_code::bad_request);
}

TEST(DecodeFrame, RefusesSignalDataThatIsNotAnObject) {
  for (const auto* frame : {R"({"type":"signal","data":"offer"})", R"({"type":"signal","data":[1]})",
                            R"({"type":"signal","data":7})", R"({"type":"signal","data":true})"}) {
    EXPECT_EQ(refusal(frame).code, error_code::bad_request) << frame;
  }
}

TEST(DecodeFrame, AcceptsSignalDataOfExactlyMaxSignalBytes) {
  chat_limits limits;
  limits.max_signal_bytes = 100;
  // {"sdp":"xxx..."} is 10 bytes of syntax plus the payload.
  const json data = {{"sdp", std::string(limits.max_signal_bytes - 10, 'x')}};
  ASSERT_EQ(data.dump().size(), limits.max_signal_bytes);
  EXPECT_TRUE(command<signal_command>(json{{"type", "signal"}, {"data", data}}.dump(), limits));
}

TEST(DecodeFrame, RefusesSignalDataOverMaxSignalBytesAsPayloadTooLarge) {
  chat_limits limits;
  limits.max_signal_bytes = 100;
  const json data = {{"sdp", std::string(limits.max_signal_bytes - 9, 'x')}};
  ASSERT_EQ(data.dump().size(), limits.max_signal_bytes + 1);
  EXPECT_EQ(refusal(json{{"type", "signal"}, {"data", data}}.dump(), limits).code,
            error_code::payload_too_large);
}

TEST(DecodeFrame, RefusesDefaultSizedSignalOverFortyEightKibibytes) {
  const chat_limits limits;
  const json data = {{"sdp", std::string(limits.max_signal_bytes, 'x')}};
  EXPECT_EQ(refusal(json{{"type", "signal"}, {"data", data}}.dump(), limits).code,
            error_code::payload_too_large);
}

// --- interests ---------------------------------------------------------------

TEST(DecodeFrame, RefusesInterestsThatAreNotAnArray) {
  for (const auto* frame : {R"({"type":"start","interests":"music"})",
                            R"({"type":"start","interests":{"a":"music"}})",
                            R"({"type":"start","interests":3})"}) {
    EXPECT_EQ(refusal(frame).code, error_code::bad_request) << frame;
  }
}

TEST(DecodeFrame, RefusesInterestsThatAreNotStrings) {
  EXPECT_EQ(refusal(R"({"type":"start","interests":["music",1]})").code, error_code::bad_request);
  EXPECT_EQ(refusal(R"({"type":"start","interests":[null]})").code, error_code::bad_request);
  EXPECT_EQ(refusal(R"({"type":"start","interests":[["music"]]})").code, error_code::bad_request);
}

TEST(DecodeFrame, AcceptsExactlyMaxInterests) {
  const chat_limits limits;
  json list = json::array();
  for (std::size_t i = 0; i < limits.max_interests; ++i) list.push_back("tag" + std::to_string(i));
  const auto start = command<start_command>(json{{"type", "start"}, {"interests", list}}.dump());
  ASSERT_TRUE(start);
  EXPECT_EQ(start->interests.size(), limits.max_interests);
}

TEST(DecodeFrame, RefusesTooManyInterests) {
  const chat_limits limits;
  json list = json::array();
  for (std::size_t i = 0; i <= limits.max_interests; ++i) list.push_back("tag" + std::to_string(i));
  EXPECT_EQ(refusal(json{{"type", "start"}, {"interests", list}}.dump()).code,
            error_code::bad_request);
}

TEST(DecodeFrame, AcceptsInterestOfExactlyMaxInterestChars) {
  const chat_limits limits;
  const auto tag = repeat(emoji, limits.max_interest_chars);  // counted in code points
  const auto start = command<start_command>(
      json{{"type", "start"}, {"interests", {tag}}}.dump());
  ASSERT_TRUE(start);
  EXPECT_EQ(start->interests, (tags{tag}));
}

TEST(DecodeFrame, RefusesInterestOverMaxInterestChars) {
  const chat_limits limits;
  const auto tag = std::string(limits.max_interest_chars + 1, 'x');
  EXPECT_EQ(refusal(json{{"type", "start"}, {"interests", {tag}}}.dump()).code,
            error_code::bad_request);
}

// --- resume ------------------------------------------------------------------

TEST(DecodeFrame, RefusesResumeWithoutToken) {
  EXPECT_EQ(refusal(R"({"type":"resume"})").code, error_code::bad_request);
  EXPECT_EQ(refusal(R"({"type":"resume","since":3})").code, error_code::bad_request);
}

TEST(DecodeFrame, RefusesResumeWithEmptyOrNonStringToken) {
  for (const auto* frame : {R"({"type":"resume","token":""})", R"({"type":"resume","token":123})",
                            R"({"type":"resume","token":null})"}) {
    EXPECT_EQ(refusal(frame).code, error_code::bad_request) << frame;
  }
}

TEST(DecodeFrame, RefusesNegativeSince) {
  EXPECT_EQ(refusal(R"({"type":"resume","token":"t","since":-1})").code, error_code::bad_request);
}

TEST(DecodeFrame, RefusesSinceThatIsNotAnInteger) {
  for (const auto* frame : {R"({"type":"resume","token":"t","since":1.5})",
                            R"({"type":"resume","token":"t","since":"3"})",
                            R"({"type":"resume","token":"t","since":true})"}) {
    EXPECT_EQ(refusal(frame).code, error_code::bad_request) << frame;
  }
}

TEST(DecodeFrame, AcceptsLargestSince) {
  const auto resume =
      command<resume_command>(R"({"type":"resume","token":"t","since":18446744073709551615})");
  ASSERT_TRUE(resume);
  EXPECT_EQ(resume->since, 18446744073709551615u);
}

// --- parse_json --------------------------------------------------------------

TEST(ParseJson, ParsesValidDocuments) {
  const auto value = parse_json(R"({"a":[1,2,{"b":null}]})");
  ASSERT_TRUE(value);
  EXPECT_EQ((*value)["a"][1], 2);
}

TEST(ParseJson, ReturnsNulloptForMalformedInput) {
  EXPECT_FALSE(parse_json(""));
  EXPECT_FALSE(parse_json("{"));
  EXPECT_FALSE(parse_json("[1,]"));
  EXPECT_FALSE(parse_json("\xFF"));
}

TEST(ParseJson, RefusesDuplicateKeysAtAnyDepth) {
  EXPECT_FALSE(parse_json(R"({"type":"message","text":"a","type":"start"})"));
  EXPECT_FALSE(parse_json(R"({"type":"signal","data":{"sdp":"a","sdp":"b"}})"));
  EXPECT_FALSE(parse_json(R"([{"a":1},{"b":2,"b":3}])"));
  // The same key in sibling or nested objects is no duplicate.
  EXPECT_TRUE(parse_json(R"({"a":{"a":1},"b":[{"a":2},{"a":3}]})"));
}

TEST(DecodeFrame, RefusesDuplicateKeysAsBadRequest) {
  const auto decoded = decode_frame(R"({"type":"message","text":"a","type":"start"})", chat_limits{});
  ASSERT_TRUE(std::holds_alternative<failure>(decoded));
  EXPECT_EQ(std::get<failure>(decoded).code, error_code::bad_request);
}

TEST(ParseJson, AcceptsNestingUpToTheLimit) {
  const auto depth = static_cast<std::size_t>(max_json_depth);
  EXPECT_TRUE(parse_json(std::string(depth, '[') + std::string(depth, ']')));
  EXPECT_TRUE(parse_json(std::string(depth - 1, '[') + "{}" + std::string(depth - 1, ']')));
}

TEST(ParseJson, RefusesNestingPastTheLimit) {
  const auto depth = static_cast<std::size_t>(max_json_depth) + 1;
  EXPECT_FALSE(parse_json(std::string(depth, '[') + std::string(depth, ']')));
  EXPECT_FALSE(parse_json(std::string(depth - 1, '[') + "{}" + std::string(depth - 1, ']')));
}

TEST(ParseJson, BracketsInsideStringsDoNotCountAsNesting) {
  const auto many = std::string(500, '[') + std::string(500, '{');
  const auto value = parse_json(R"({"text":")" + many + R"(","quote":"\"[[[[\\"})");
  ASSERT_TRUE(value);
  EXPECT_EQ((*value)["text"], many);
  EXPECT_EQ((*value)["quote"], "\"[[[[\\");
}

TEST(ParseJson, SurvivesAHugeDepthOfBrackets) {
  EXPECT_FALSE(parse_json(std::string(1'000'000, '[')));
  EXPECT_FALSE(parse_json(std::string(100'000, '[') + std::string(100'000, ']')));
}

TEST(ParseJson, NeverThrowsOnHostileNumbers) {
  for (const auto* text : {"1e999999", "-1e999999", "[1e400]", "123456789012345678901234567890",
                           "-123456789012345678901234567890"}) {
    EXPECT_NO_THROW(static_cast<void>(parse_json(text))) << text;
  }
}

TEST(DecodeFrame, RefusesDeeplyNestedJsonWithoutCrashing) {
  // A 64 KiB frame can nest 32k levels; serialising that recursed off the stack.
  const std::size_t depth = 32 * 1024;
  const auto frame = R"({"type":"signal","data":{"x":)" + std::string(depth, '[') +
                     std::string(depth, ']') + "}}";
  EXPECT_EQ(refusal(frame).code, error_code::bad_request);
}

TEST(DecodeFrame, AcceptsSignalDataNestedUpToTheDepthLimit) {
  // The frame and `data` take two levels; the rest is the client's.
  const auto inner = static_cast<std::size_t>(max_json_depth - 2);
  const auto data = std::string(inner, '[') + std::string(inner, ']');
  const auto signal = command<signal_command>(R"({"type":"signal","data":{"x":)" + data + "}}");
  ASSERT_TRUE(signal);
  EXPECT_EQ(signal->data, R"({"x":)" + data + "}");
}

TEST(DecodeFrame, RefusesSignalDataNestedPastTheDepthLimit) {
  const auto inner = static_cast<std::size_t>(max_json_depth + 30);
  const auto data = std::string(inner, '[') + std::string(inner, ']');
  EXPECT_EQ(refusal(R"({"type":"signal","data":{"x":)" + data + "}}").code,
            error_code::bad_request);
}

// --- error codes -------------------------------------------------------------

TEST(ErrorCode, NamesAreTheProtocolCodes) {
  EXPECT_EQ(to_string(error_code::bad_request), "bad_request");
  EXPECT_EQ(to_string(error_code::unauthorized), "unauthorized");
  EXPECT_EQ(to_string(error_code::not_matched), "not_matched");
  EXPECT_EQ(to_string(error_code::session_mismatch), "session_mismatch");
  EXPECT_EQ(to_string(error_code::payload_too_large), "payload_too_large");
  EXPECT_EQ(to_string(error_code::not_started), "not_started");
  EXPECT_EQ(to_string(error_code::unknown_type), "unknown_type");
  EXPECT_EQ(to_string(error_code::replaced), "replaced");
}

// --- REST bodies ---------------------------------------------------------------

/// The command a REST body decodes to; a test failure if it is refused.
template <class Command>
std::optional<client_command> body_command(command_type type, std::string_view body,
                                           const chat_limits& limits = {},
                                           std::optional<std::string>* token = nullptr) {
  auto decoded = decode_body(type, body, limits);
  if (decoded.unreadable) {
    ADD_FAILURE() << "unreadable (" << decoded.unreadable->message << "): " << body;
    return std::nullopt;
  }
  if (token != nullptr) *token = decoded.token;
  auto& result = decoded.command;
  if (auto* f = std::get_if<failure>(&result)) {
    ADD_FAILURE() << "refused (" << to_string(f->code) << ": " << f->message << "): " << body;
    return std::nullopt;
  }
  auto& command = std::get<client_command>(result);
  if (!std::holds_alternative<Command>(command.body)) {
    ADD_FAILURE() << "decoded as another command: " << body;
    return std::nullopt;
  }
  return command;
}

failure body_refusal(command_type type, std::string_view body) {
  auto decoded = decode_body(type, body, chat_limits{});
  if (decoded.unreadable) return *decoded.unreadable;
  if (auto* f = std::get_if<failure>(&decoded.command)) return *f;
  ADD_FAILURE() << "accepted: " << body;
  return {error_code::bad_request, "accepted"};
}

TEST(DecodeBody, MessageTextIsTheCanonicalName) {
  const auto c = body_command<message_command>(command_type::message, R"({"text":"hi"})");
  ASSERT_TRUE(c);
  EXPECT_EQ(std::get<message_command>(c->body).text, "hi");
}

TEST(DecodeBody, MessageKeepsTheSeedsMessageField) {
  const auto c = body_command<message_command>(
      command_type::message, R"({"session_id":"abc","message":"hello"})");
  ASSERT_TRUE(c);
  EXPECT_EQ(std::get<message_command>(c->body).text, "hello");
  EXPECT_EQ(c->chat_id, "abc");
}

TEST(DecodeBody, TextWinsOverMessageWhenBothAreGiven) {
  const auto c =
      body_command<message_command>(command_type::message, R"({"text":"a","message":"b"})");
  ASSERT_TRUE(c);
  EXPECT_EQ(std::get<message_command>(c->body).text, "a");
}

TEST(DecodeBody, MessageWithoutTextIsRefused) {
  EXPECT_EQ(body_refusal(command_type::message, "{}").code, error_code::bad_request);
  EXPECT_EQ(body_refusal(command_type::message, "").code, error_code::bad_request);
}

TEST(DecodeBody, EmptyBodyIsAnEmptyObject) {
  EXPECT_TRUE(body_command<start_command>(command_type::start, ""));
  EXPECT_TRUE(body_command<next_command>(command_type::next, ""));
  EXPECT_TRUE(body_command<disconnect_command>(command_type::disconnect, ""));
  const auto c = body_command<receive_command>(command_type::receive, "");
  ASSERT_TRUE(c);
  EXPECT_EQ(std::get<receive_command>(c->body).since, 0u);
  EXPECT_EQ(std::get<receive_command>(c->body).wait.count(), 0);
}

TEST(DecodeBody, ReceiveReadsSinceAndWait) {
  const auto c = body_command<receive_command>(command_type::receive, R"({"since":7,"wait":2.5})");
  ASSERT_TRUE(c);
  EXPECT_EQ(std::get<receive_command>(c->body).since, 7u);
  EXPECT_EQ(std::get<receive_command>(c->body).wait, std::chrono::milliseconds(2500));
}

TEST(DecodeBody, HugeWaitIsClampedNotOverflowed) {
  const auto c = body_command<receive_command>(command_type::receive, R"({"wait":1e300})");
  ASSERT_TRUE(c);
  EXPECT_GT(std::get<receive_command>(c->body).wait.count(), 0);
}

TEST(DecodeBody, BadWaitIsRefused) {
  for (const auto* body : {R"({"wait":-1})", R"({"wait":"5"})", R"({"wait":true})"}) {
    EXPECT_EQ(body_refusal(command_type::receive, body).code, error_code::bad_request) << body;
  }
}

TEST(DecodeBody, TokenAndSessionIdAreRead) {
  std::optional<std::string> token;
  const auto c = body_command<next_command>(command_type::next,
                                            R"({"token":"t1","session_id":"s1"})", {}, &token);
  ASSERT_TRUE(c);
  EXPECT_EQ(token, "t1");
  EXPECT_EQ(c->chat_id, "s1");
}

TEST(DecodeBody, TheTokenIsReadEvenWhenTheFieldsAreWrong) {
  // The API answers 401 for a bad token before 400 for a bad field.
  const auto decoded = decode_body(command_type::message, R"({"token":"t1"})", chat_limits{});
  EXPECT_FALSE(decoded.unreadable);
  EXPECT_EQ(decoded.token, "t1");
  ASSERT_TRUE(std::holds_alternative<failure>(decoded.command));
}

TEST(DecodeBody, NonStringTokenOrSessionIdIsRefused) {
  EXPECT_EQ(body_refusal(command_type::next, R"({"token":5})").code, error_code::bad_request);
  EXPECT_EQ(body_refusal(command_type::typing, R"({"active":true,"session_id":5})").code,
            error_code::bad_request);
}

TEST(DecodeBody, SignalFastPathKeepsExactBytesAndReadsTheOtherFields) {
  const std::string data = R"({"sdp":{"type":"offer","sdp":"v=0\r\n"},"n":1.50})";
  std::optional<std::string> token;
  const auto c = body_command<signal_command>(
      command_type::signal, R"({"session_id":"s9","data":)" + data + R"(,"token":"tk"})", {},
      &token);
  ASSERT_TRUE(c);
  EXPECT_EQ(std::get<signal_command>(c->body).data, data);
  EXPECT_EQ(c->chat_id, "s9");
  EXPECT_EQ(token, "tk");
}

TEST(DecodeFrame, SignalFastPathReadsSessionId) {
  const auto result = decode_frame(R"({"type":"signal","data":{},"session_id":"s1"})", chat_limits{});
  ASSERT_TRUE(std::holds_alternative<client_command>(result));
  EXPECT_EQ(std::get<client_command>(result).chat_id, "s1");
}

TEST(DecodeFrame, RestOnlyCommandsAreUnknownOverTheWebSocket) {
  EXPECT_EQ(refusal(R"({"type":"receive"})").code, error_code::unknown_type);
  EXPECT_EQ(refusal(R"({"type":"disconnect"})").code, error_code::unknown_type);
}

TEST(DecodeBody, NotAnObjectIsRefused) {
  EXPECT_EQ(body_refusal(command_type::next, "[]").code, error_code::bad_request);
  EXPECT_EQ(body_refusal(command_type::next, "{").code, error_code::bad_request);
}

TEST(ClientCommand, TurnCredentialsOnBothTransports) {
  EXPECT_TRUE(command<turn_credentials_command>(R"({"type":"turn_credentials"})"));
  const auto rest = decode_body(command_type::turn_credentials, R"({"session_id":"ab"})", {});
  ASSERT_TRUE(std::holds_alternative<client_command>(rest.command));
  const auto& c = std::get<client_command>(rest.command);
  EXPECT_TRUE(std::holds_alternative<turn_credentials_command>(c.body));
  EXPECT_EQ(c.chat_id, "ab");
}

// --- report and block ----------------------------------------------------------

TEST(DecodeFrame, ReportReadsReasonAndComment) {
  const auto c = command<report_command>(R"({"type":"report","reason":"harassment","comment":"rude"})");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->reason, report_reason::harassment);
  EXPECT_EQ(c->comment, "rude");
  const auto bare = command<report_command>(R"({"type":"report","reason":"underage","comment":null})");
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->reason, report_reason::underage);
  EXPECT_TRUE(bare->comment.empty());
}

TEST(DecodeFrame, ReportRefusesAMissingOrUnknownReason) {
  EXPECT_EQ(refusal(R"({"type":"report"})").code, error_code::bad_request);
  EXPECT_EQ(refusal(R"({"type":"report","reason":"rude"})").code, error_code::bad_request);
  EXPECT_EQ(refusal(R"({"type":"report","reason":3})").code, error_code::bad_request);
  EXPECT_NE(refusal(R"({"type":"report","reason":"SPAM"})").message.find("spam, nudity"),
            std::string::npos);
}

TEST(DecodeFrame, ReportCommentIsBoundedInCharacters) {
  chat_limits limits;
  limits.report_comment_chars = 3;
  const auto ok = command<report_command>(
      R"({"type":"report","reason":"other","comment":")" + repeat(emoji, 3) + "\"}", limits);
  ASSERT_TRUE(ok);
  const auto f = refusal(R"({"type":"report","reason":"other","comment":"abcd"})", limits);
  EXPECT_EQ(f.code, error_code::bad_request);
  EXPECT_NE(f.message.find("longer than 3"), std::string::npos);
  EXPECT_EQ(refusal(R"({"type":"report","reason":"other","comment":5})").code,
            error_code::bad_request);
}

TEST(DecodeFrame, BlockTakesNoFields) {
  EXPECT_TRUE(command<block_command>(R"({"type":"block"})"));
  EXPECT_TRUE(command<block_command>(R"({"type":"block","session_id":"ab"})"));
}

TEST(DecodeBody, ReportAndBlockOverRest) {
  const auto report = decode_body(command_type::report, R"({"reason":"spam","comment":"x"})", {});
  ASSERT_FALSE(report.unreadable);
  ASSERT_TRUE(std::holds_alternative<client_command>(report.command));
  EXPECT_EQ(std::get<report_command>(std::get<client_command>(report.command).body).reason,
            report_reason::spam);
  const auto missing = decode_body(command_type::report, "", {});
  EXPECT_TRUE(std::holds_alternative<failure>(missing.command));
  const auto block = decode_body(command_type::block, "", {});
  ASSERT_TRUE(std::holds_alternative<client_command>(block.command));
  EXPECT_TRUE(std::holds_alternative<block_command>(std::get<client_command>(block.command).body));
}

}  // namespace
}  // namespace parley
