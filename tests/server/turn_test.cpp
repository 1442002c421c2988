// TURN credentials against the real server over real sockets: who gets them
// (participants matched in a video chat, nobody else), that they are the
// TURN REST API's, and that the secret never leaves the server.

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <sstream>

#include <gtest/gtest.h>

#include "parley/turn/turn_credentials.hpp"
#include "test_client.hpp"
#include "test_server.hpp"

namespace parley::testing {
namespace {

constexpr const char* secret = "integration-turn-secret-7f3a9c";

config turn_config() {
  auto cfg = test_config();
  cfg.turn_urls = {"turn:127.0.0.1:3478?transport=udp", "turns:turn.example.org:5349"};
  cfg.turn_secret = secret;
  cfg.turn_ttl = std::chrono::seconds(3600);
  cfg.log_level = "trace";  // everything the server could log is checked for the secret
  return cfg;
}

/// Everything the server logs while it lives, for the secret check.
class captured_log {
public:
  captured_log()
      : previous_(spdlog::default_logger()),
        logger_(std::make_shared<spdlog::logger>(
            "captured", std::make_shared<spdlog::sinks::ostream_sink_mt>(text_))) {
    logger_->set_level(spdlog::level::trace);
    spdlog::set_default_logger(logger_);
  }
  ~captured_log() { spdlog::set_default_logger(previous_); }
  std::string text() {
    logger_->flush();
    return text_.str();
  }

private:
  std::ostringstream text_;
  std::shared_ptr<spdlog::logger> previous_;
  std::shared_ptr<spdlog::logger> logger_;
};

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// `turn` is a valid grant: the configured URLs, `<expiry>:<16 hex>`, expiry
/// about now + ttl, and the credential coturn would compute with the secret.
void expect_valid_grant(const json& turn) {
  ASSERT_TRUE(turn.is_object()) << turn.dump();
  EXPECT_EQ(turn["urls"], json({"turn:127.0.0.1:3478?transport=udp", "turns:turn.example.org:5349"}));
  const auto username = turn["username"].get<std::string>();
  // `<digits>:<16 lower-case hex digits>` (no std::regex: GCC 12 warns inside it).
  const auto colon = username.find(':');
  ASSERT_NE(colon, std::string::npos) << username;
  const auto expiry_text = username.substr(0, colon);
  const auto id = username.substr(colon + 1);
  ASSERT_FALSE(expiry_text.empty());
  EXPECT_EQ(expiry_text.find_first_not_of("0123456789"), std::string::npos) << username;
  EXPECT_EQ(id.size(), 16u) << username;
  EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos) << username;
  const auto expiry = std::stoll(expiry_text);
  EXPECT_NEAR(static_cast<double>(expiry), static_cast<double>(unix_now() + 3600), 30.0);
  EXPECT_EQ(turn["credential"], turn_credentials::credential_for(secret, username));
  EXPECT_EQ(turn["ttl_s"], 3600);
}

struct peer {
  peer(client_io& io, std::uint16_t port) : ws(std::make_unique<ws_client>(io, port)) {
    hello = ws->receive();
  }
  std::unique_ptr<ws_client> ws;
  json hello;
};

TEST(Turn, VideoMatchesOverTheWebSocketCarryCredentialsAndCanRefreshThem) {
  captured_log log;
  std::string user_ids;
  {
    test_server server(turn_config());
    client_io io;
    peer a(io, server.port()), b(io, server.port());
    a.ws->send({{"type", "start"}, {"chat_type", "video"}});
    EXPECT_EQ(a.ws->receive()["type"], "waiting");
    b.ws->send({{"type", "start"}, {"chat_type", "video"}});
    const auto mb = b.ws->receive_type("matched");
    const auto ma = a.ws->receive_type("matched");
    expect_valid_grant(ma["turn"]);
    expect_valid_grant(mb["turn"]);
    EXPECT_NE(ma["turn"]["username"], mb["turn"]["username"]);
    // The opaque id names nobody: not the token, not the user id.
    for (const auto* p : {&a, &b}) {
      for (const auto* m : {&ma, &mb}) {
        const auto username = (*m)["turn"]["username"].get<std::string>();
        EXPECT_EQ(username.find(p->hello["user_id"].get<std::string>()), std::string::npos);
        EXPECT_EQ(username.find(p->hello["token"].get<std::string>().substr(0, 16)), std::string::npos);
      }
    }

    // Fresh ones on request, for the chat in progress.
    a.ws->send({{"type", "turn_credentials"}, {"session_id", ma["session_id"]}});
    const auto fresh = a.ws->receive_type("turn_credentials");
    EXPECT_EQ(fresh["session_id"], ma["session_id"]);
    expect_valid_grant(fresh["turn"]);

    // After the chat, none.
    b.ws->send({{"type", "stop"}});
    a.ws->receive_type("partner_left");
    a.ws->send({{"type", "turn_credentials"}});
    const auto refused = a.ws->receive_type("error");
    EXPECT_EQ(refused["code"], "not_matched");
    EXPECT_EQ(refused["message"].get<std::string>().find(secret), std::string::npos);
    user_ids = a.hello["user_id"].get<std::string>();
  }
  const auto text = log.text();
  EXPECT_NE(text.find("TURN credentials"), std::string::npos) << "the trace log was not captured";
  EXPECT_NE(text.find(user_ids), std::string::npos);
  EXPECT_EQ(text.find(secret), std::string::npos) << "the secret is in the log:\n" << text;
}

TEST(Turn, TextChatsWaitingAndIdleUsersGetNone) {
  test_server server(turn_config());
  client_io io;
  peer a(io, server.port()), b(io, server.port()), c(io, server.port()), idle(io, server.port());
  a.ws->send({{"type", "start"}, {"chat_type", "text"}});
  a.ws->receive_type("waiting");
  b.ws->send({{"type", "start"}, {"chat_type", "text"}});
  EXPECT_FALSE(b.ws->receive_type("matched").contains("turn"));
  EXPECT_FALSE(a.ws->receive_type("matched").contains("turn"));
  a.ws->send({{"type", "turn_credentials"}});
  EXPECT_EQ(a.ws->receive_type("error")["code"], "not_matched");

  c.ws->send({{"type", "start"}, {"chat_type", "video"}});
  c.ws->receive_type("waiting");
  c.ws->send({{"type", "turn_credentials"}});
  EXPECT_EQ(c.ws->receive_type("error")["code"], "not_matched");
  idle.ws->send({{"type", "turn_credentials"}});
  EXPECT_EQ(idle.ws->receive_type("error")["code"], "not_matched");
}

TEST(Turn, RestCallersGetThemOnlyInAVideoChat) {
  test_server server(turn_config());
  const auto port = server.port();

  // Anonymous: no credentials anywhere, and no secret in any public answer.
  EXPECT_EQ(post(port, "/turn_credentials").status, 401u);
  EXPECT_EQ(post(port, "/turn_credentials", json::object(), "not-a-token").status, 401u);
  const auto config = http_request(port, "GET", "/config");
  EXPECT_EQ(config.body_json()["turn_available"], true);
  EXPECT_EQ(config.body_json()["ice_servers"], json::array());
  for (const auto* path : {"/config", "/health", "/metrics", "/"}) {
    const auto answer = http_request(port, "GET", path);
    EXPECT_EQ(answer.body.find(secret), std::string::npos) << path;
    EXPECT_EQ(answer.body.find("credential"), std::string::npos) << path;
  }

  // A text user: matched, but no credentials.
  const auto t1 = post(port, "/start").body_json();
  const auto t2 = post(port, "/start").body_json();
  const auto text_events = post(port, "/receive", {{"since", 0}}, t1["token"].get<std::string>()).body_json();
  ASSERT_EQ(text_events["events"][0]["type"], "matched");
  EXPECT_FALSE(text_events["events"][0].contains("turn"));
  const auto text_refused = post(port, "/turn_credentials", json::object(), t2["token"].get<std::string>());
  EXPECT_EQ(text_refused.status, 409u);
  EXPECT_EQ(text_refused.body_json()["error"]["code"], "not_matched");

  // A video user still waiting: none.
  const auto v1 = post(port, "/start_video").body_json();
  EXPECT_EQ(post(port, "/turn_credentials", json::object(), v1["token"].get<std::string>()).status, 409u);

  // Matched in a video chat: in the matched event, and on request.
  const auto v2 = post(port, "/start_video").body_json();
  const auto events = post(port, "/receive", {{"since", 0}}, v1["token"].get<std::string>()).body_json();
  ASSERT_EQ(events["events"][0]["type"], "matched");
  expect_valid_grant(events["events"][0]["turn"]);
  const auto fresh = post(port, "/turn_credentials", {{"session_id", v2["session_id"]}}, v2["token"].get<std::string>());
  ASSERT_EQ(fresh.status, 200u) << fresh.body;
  EXPECT_EQ(fresh.body_json()["session_id"], v2["session_id"]);
  expect_valid_grant(fresh.body_json()["turn"]);
  const auto other = post(port, "/turn_credentials", {{"session_id", "abc"}}, v2["token"].get<std::string>());
  EXPECT_EQ(other.status, 409u);
  EXPECT_EQ(other.body_json()["error"]["code"], "session_mismatch");
}

TEST(Turn, WithoutTurnUrlsNothingIsOffered) {
  test_server server;
  const auto port = server.port();
  EXPECT_EQ(http_request(port, "GET", "/config").body_json()["turn_available"], false);
  const auto v1 = post(port, "/start_video").body_json();
  const auto v2 = post(port, "/start_video").body_json();
  const auto events = post(port, "/receive", {{"since", 0}}, v1["token"].get<std::string>()).body_json();
  EXPECT_FALSE(events["events"][0].contains("turn"));
  const auto refused = post(port, "/turn_credentials", json::object(), v2["token"].get<std::string>());
  EXPECT_EQ(refused.status, 404u);
  EXPECT_EQ(refused.body_json()["error"]["code"], "not_found");
}

}  // namespace
}  // namespace parley::testing
