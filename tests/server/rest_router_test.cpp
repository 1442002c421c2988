// The REST router without sockets: requests are built in memory and the
// answers read back from what it hands to its responder.

#include "rest_router.hpp"

#include <boost/asio/buffer.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "fake_time_source.hpp"
#include "sequential_token_source.hpp"

namespace parley {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

struct answer {
  unsigned status = 0;
  std::string head;  ///< status line and headers
  std::string body;

  json body_json() const { return json::parse(body); }
  bool has_header(const std::string& line) const { return head.find(line) != std::string::npos; }
};

answer read(http_reply& reply) {
  std::string wire;
  boost::beast::error_code ec;
  while (!reply.message.is_done()) {
    const auto buffers = reply.message.prepare(ec);
    if (ec) break;
    std::size_t n = 0;
    for (const auto& b : buffers) {
      wire.append(static_cast<const char*>(b.data()), b.size());
      n += b.size();
    }
    reply.message.consume(n);
  }
  const auto split = wire.find("\r\n\r\n");
  return {static_cast<unsigned>(reply.status), wire.substr(0, split), wire.substr(split + 4)};
}

class RestRouter : public ::testing::Test {
protected:
  boost::asio::io_context ioc;
  testing::fake_time_source clock;
  testing::sequential_token_source tokens;
  chat_service chats{chat_limits{}, clock, tokens};
  origin_policy origins{{}, {"https://app.example"}};
  connection_tracker connections;
  metrics stats;
  rest_router router{ioc, chats, origins, connections, stats, settings()};

  static rest_settings settings() {
    rest_settings s;
    s.receive_max_wait = 2s;
    s.ice_servers = {"stun:stun.example:3478"};
    s.limits.max_message_chars = 2000;
    s.limits.max_interests = 10;
    return s;
  }

  std::vector<answer> answers;
  std::vector<answer> polled;
  /// The keyed hash of the address the requests come from.
  std::string client_key = "key-of-the-client-address";

  /// Hands a request to the router; the answers it gave so far are in `answers`.
  void call(http::verb method, const std::string& target, const std::string& body = {},
            const std::vector<std::pair<http::field, std::string>>& headers = {}) {
    http_request req{method, target, 11};
    for (const auto& [field, value] : headers) req.set(field, value);
    if (!body.empty()) {
      req.body() = body;
      req.prepare_payload();
    }
    router.handle(req, client_key, [this](http_reply r) { answers.push_back(read(r)); });
  }
  answer post(const std::string& target, const json& body = json::object(),
              const std::string& token = {}) {
    std::vector<std::pair<http::field, std::string>> headers;
    if (!token.empty()) headers.emplace_back(http::field::authorization, "Bearer " + token);
    call(http::verb::post, target, body.dump(), headers);
    EXPECT_FALSE(answers.empty());
    return answers.back();
  }
  /// A REST participant; `matched` pairs it with a second one.
  std::string started() { return post("/start").body_json()["token"]; }
};

TEST_F(RestRouter, StartKeepsTheClientAddressKeyOnTheNewParticipant) {
  const auto token = started();
  const auto who = chats.authenticate(token);
  ASSERT_TRUE(std::holds_alternative<participant_id>(who));
  EXPECT_EQ(chats.board().find(std::get<participant_id>(who))->address_key, client_key);
}

TEST_F(RestRouter, OwnsExactlyTheApiPaths) {
  for (const auto* path : {"/", "/health", "/metrics", "/config", "/start", "/start_video", "/send",
                           "/signal", "/typing", "/receive", "/next", "/disconnect"}) {
    EXPECT_TRUE(rest_router::owns(path)) << path;
  }
  EXPECT_TRUE(rest_router::owns("/receive?x=1"));
  for (const auto* path : {"/index.html", "/ws", "/admin", "/starts", "/send/"}) {
    EXPECT_FALSE(rest_router::owns(path)) << path;
  }
}

TEST_F(RestRouter, UnknownPathIs404InTheErrorShape) {
  call(http::verb::get, "/nope");
  ASSERT_EQ(answers.size(), 1u);
  EXPECT_EQ(answers[0].status, 404u);
  EXPECT_EQ(answers[0].body_json()["error"]["code"], "not_found");
}

TEST_F(RestRouter, WrongMethodIs405WithAllow) {
  call(http::verb::get, "/send");
  EXPECT_EQ(answers.back().status, 405u);
  EXPECT_TRUE(answers.back().has_header("Allow: POST, OPTIONS"));
  call(http::verb::post, "/health");
  EXPECT_EQ(answers.back().status, 405u);
  EXPECT_TRUE(answers.back().has_header("Allow: GET, HEAD, OPTIONS"));
}

TEST_F(RestRouter, HeadHasTheHeadersOfGetWithoutTheBody) {
  call(http::verb::get, "/config");
  const auto get = answers.back();
  call(http::verb::head, "/config");
  EXPECT_EQ(answers.back().status, 200u);
  EXPECT_TRUE(answers.back().body.empty());
  EXPECT_TRUE(answers.back().has_header("Content-Length: " + std::to_string(get.body.size())));
}

TEST_F(RestRouter, CorsIsAddedOnceForEveryAnswerOfAnAllowedOrigin) {
  call(http::verb::post, "/next", "{}", {{http::field::origin, "https://app.example"}});
  EXPECT_EQ(answers.back().status, 401u);  // an error still carries it
  EXPECT_TRUE(answers.back().has_header("Access-Control-Allow-Origin: https://app.example"));
  call(http::verb::get, "/health", {}, {{http::field::origin, "https://evil.example"}});
  EXPECT_FALSE(answers.back().has_header("Access-Control-Allow-Origin"));
}

TEST_F(RestRouter, PreflightAllowedOrRefusedByOrigin) {
  call(http::verb::options, "/send", {}, {{http::field::origin, "https://app.example"}});
  EXPECT_EQ(answers.back().status, 204u);
  EXPECT_TRUE(answers.back().has_header("Access-Control-Allow-Headers: Authorization, Content-Type"));
  call(http::verb::options, "/send", {}, {{http::field::origin, "https://evil.example"}});
  EXPECT_EQ(answers.back().status, 403u);
  EXPECT_EQ(answers.back().body_json()["error"]["code"], "forbidden");
}

TEST_F(RestRouter, AuthenticationIsCheckedBeforeEveryCommandHandler) {
  for (const auto* path : {"/send", "/signal", "/typing", "/receive", "/next", "/disconnect"}) {
    EXPECT_EQ(post(path).status, 401u) << path;
    EXPECT_EQ(post(path, json::object(), "bogus").status, 401u) << path;
  }
  call(http::verb::post, "/next", "{}", {{http::field::authorization, "Basic abc"}});
  EXPECT_EQ(answers.back().status, 401u);
}

TEST_F(RestRouter, TokenInTheBodyWorksLikeTheHeader) {
  const auto token = started();
  const auto r = post("/next", {{"token", token}});
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.body_json()["status"], "waiting");
}

TEST_F(RestRouter, StartVideoQueuesForVideo) {
  const auto r = post("/start_video", {{"interests", {"Chess"}}});
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.body_json()["chat_type"], "video");
  EXPECT_EQ(chats.board().waiting(chat_type::video), 1u);
}

TEST_F(RestRouter, SendAcceptsTheSeedsMessageFieldAndTheCanonicalText) {
  const auto a = started();
  const auto b = started();
  EXPECT_EQ(post("/send", {{"message", "seed form"}}, a).status, 200u);
  EXPECT_EQ(post("/send", {{"text", "canonical"}}, a).status, 200u);
  const auto events = post("/receive", {{"since", 0}}, b).body_json()["events"];
  ASSERT_EQ(events.size(), 3u);  // matched + two messages
  EXPECT_EQ(events[1]["text"], "seed form");
  EXPECT_EQ(events[2]["text"], "canonical");
}

TEST_F(RestRouter, EveryAuthenticatedEndpointChecksTheSessionId) {
  const auto a = started();
  const auto b = started();
  const auto chat = post("/receive", json::object(), a).body_json()["session_id"];
  const std::vector<std::pair<std::string, json>> calls = {
      {"/send", {{"text", "x"}}},   {"/signal", {{"data", json::object()}}},
      {"/typing", {{"active", true}}}, {"/receive", json::object()},
      {"/next", json::object()},       {"/disconnect", json::object()},
      {"/start", json::object()}};
  for (auto [path, body] : calls) {
    body["session_id"] = "0123456789abcdef01234567";
    const auto r = post(path, body, a);
    EXPECT_EQ(r.status, 409u) << path;
    EXPECT_EQ(r.body_json()["error"]["code"], "session_mismatch") << path;
  }
  // The right one is accepted.
  EXPECT_EQ(post("/typing", {{"active", true}, {"session_id", chat}}, a).status, 200u);
  EXPECT_EQ(post("/receive", {{"session_id", chat}}, b).status, 200u);
}

TEST_F(RestRouter, ReceiveWithWaitHoldsTheAnswerUntilAnEventArrives) {
  const auto a = started();
  const auto since = post("/receive", json::object(), a).body_json()["next"];
  const auto before = answers.size();
  router.handle(
      [&] {
        http_request req{http::verb::post, "/receive", 11};
        req.set(http::field::authorization, "Bearer " + a);
        req.body() = json{{"since", since}, {"wait", 5}}.dump();
        req.prepare_payload();
        return req;
      }(),
      client_key, [this](http_reply r) { polled.push_back(read(r)); });
  EXPECT_TRUE(polled.empty());  // nothing yet: held
  started();                    // a second user: `a` is matched
  EXPECT_TRUE(polled.empty());  // answered from the event loop, not from inside the command
  ioc.run_for(500ms);
  ASSERT_EQ(polled.size(), 1u);
  const auto body = polled.back().body_json();
  ASSERT_EQ(body["events"].size(), 1u);
  EXPECT_EQ(body["events"][0]["type"], "matched");
  EXPECT_EQ(answers.size(), before + 1);  // only the second /start
}

TEST_F(RestRouter, ReceiveWaitIsBoundedByTheMaximum) {
  const auto a = started();
  const auto before = answers.size();
  post("/receive", {{"since", 0}, {"wait", 3600}}, a);
  EXPECT_EQ(answers.size(), before);
  const auto t0 = std::chrono::steady_clock::now();
  ioc.run_for(5s);
  EXPECT_EQ(answers.size(), before + 1);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 4s);  // RECEIVE_MAX_WAIT_S is 2 s here
}

TEST_F(RestRouter, ConfigShowsIceServersAndLimits) {
  call(http::verb::get, "/config");
  const auto body = answers.back().body_json();
  EXPECT_EQ(body["ice_servers"][0]["urls"][0], "stun:stun.example:3478");
  EXPECT_EQ(body["limits"]["max_message_chars"], 2000);
  EXPECT_EQ(body["limits"]["max_interests"], 10);
}

TEST_F(RestRouter, BadBodiesAreRefusedBeforeAnyHandler) {
  const auto token = started();
  call(http::verb::post, "/send", "{not json", {{http::field::authorization, "Bearer " + token}});
  EXPECT_EQ(answers.back().status, 400u);
  call(http::verb::post, "/send", "[1]", {{http::field::authorization, "Bearer " + token}});
  EXPECT_EQ(answers.back().status, 400u);
}

}  // namespace
}  // namespace parley
