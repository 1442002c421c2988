// The REST API against the real server over real sockets.

#include <gtest/gtest.h>

#include <future>
#include <string>

#include "test_client.hpp"
#include "test_server.hpp"

namespace parley::testing {
namespace {

struct rest_user {
  std::string token;
  std::string user_id;
  json start;
};

rest_user start(std::uint16_t port, const std::string& path = "/start",
                const json& body = json::object()) {
  const auto res = post(port, path, body);
  EXPECT_EQ(res.status, 200u) << res.body;
  const auto j = res.body_json();
  return {j.at("token"), j.at("user_id"), j};
}

json receive(std::uint16_t port, const std::string& token, std::uint64_t since = 0,
             double wait = 0) {
  const auto res = post(port, "/receive", {{"since", since}, {"wait", wait}}, token);
  EXPECT_EQ(res.status, 200u) << res.body;
  return res.body_json();
}

std::string error_code_of(const http_result& res) {
  return res.body_json().at("error").at("code").get<std::string>();
}

TEST(RestApi, FullTextChatBetweenTwoUsers) {
  test_server server;
  const auto port = server.port();

  const auto a = start(port);
  EXPECT_EQ(a.start["status"], "waiting");
  EXPECT_EQ(a.start["chat_type"], "text");
  EXPECT_TRUE(a.start["session_id"].is_null());
  EXPECT_GE(a.token.size(), 32u) << "at least 128 bits of token";

  const auto b = start(port);
  ASSERT_EQ(b.start["status"], "matched") << "a start answer says matched when someone waited";
  const auto session = b.start["session_id"].get<std::string>();

  const auto ra = receive(port, a.token);
  ASSERT_EQ(ra["status"], "matched");
  ASSERT_EQ(ra["events"].size(), 1u);
  const auto ma = ra["events"][0];
  EXPECT_EQ(ma["type"], "matched");
  EXPECT_EQ(ma["seq"], 1);
  EXPECT_EQ(ma["session_id"], session);
  const auto mb = receive(port, b.token)["events"][0];
  EXPECT_NE(ma["initiator"].get<bool>(), mb["initiator"].get<bool>()) << "exactly one initiator";

  // Both ways, with the session_id as in the README's curl example.
  ASSERT_EQ(post(port, "/send", {{"session_id", session}, {"message", "Hello"}}, a.token).status,
            200u);
  ASSERT_EQ(post(port, "/send", {{"message", "Hi there"}, {"token", b.token}}).status, 200u);

  const auto rb = receive(port, b.token, 1);
  ASSERT_EQ(rb["events"].size(), 1u);
  EXPECT_EQ(rb["events"][0]["type"], "message");
  EXPECT_EQ(rb["events"][0]["text"], "Hello");
  EXPECT_EQ(rb["events"][0]["from"], "stranger");
  EXPECT_TRUE(rb["events"][0]["ts"].is_number_integer());
  EXPECT_EQ(rb["next"], 2);
  const auto ra2 = receive(port, a.token, 1);
  ASSERT_EQ(ra2["events"].size(), 1u);
  EXPECT_EQ(ra2["events"][0]["text"], "Hi there");

  // since: 0 returns every kept event; next is what to pass on.
  EXPECT_EQ(receive(port, b.token, 0)["events"].size(), 2u);
  EXPECT_EQ(receive(port, b.token, 2)["events"].size(), 0u);
  EXPECT_EQ(receive(port, b.token, 2)["next"], 2);

  // Typing and signals reach the partner unchanged.
  ASSERT_EQ(post(port, "/typing", {{"active", true}}, a.token).status, 200u);
  const json offer = {{"sdp", {{"type", "offer"}, {"sdp", "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n"}}},
                      {"n", {1, 2.5, nullptr, "ü"}}};
  ASSERT_EQ(post(port, "/signal", {{"data", offer}}, a.token).status, 200u);
  const auto rb2 = receive(port, b.token, 2);
  ASSERT_EQ(rb2["events"].size(), 2u);
  EXPECT_EQ(rb2["events"][0]["type"], "typing");
  EXPECT_EQ(rb2["events"][0]["active"], true);
  EXPECT_EQ(rb2["events"][1]["type"], "signal");
  EXPECT_EQ(rb2["events"][1]["data"], offer);

  // next: the partner learns it, and is not re-queued by itself.
  const auto next = post(port, "/next", json::object(), a.token);
  ASSERT_EQ(next.status, 200u);
  EXPECT_EQ(next.body_json()["status"], "waiting");
  const auto rb3 = receive(port, b.token, 4);
  EXPECT_EQ(rb3["status"], "ended");
  ASSERT_EQ(rb3["events"].size(), 1u);
  EXPECT_EQ(rb3["events"][0]["type"], "partner_left");
  EXPECT_EQ(rb3["events"][0]["reason"], "next");

  // b queues again; a is the only one waiting, but the two just chatted
  // (REMATCH_COOLDOWN_S): b waits, and a newcomer meets a, who waited longest.
  const auto b_next = post(port, "/next", json::object(), b.token);
  EXPECT_EQ(b_next.body_json()["status"], "waiting");
  const auto c = start(port);
  ASSERT_EQ(c.start["status"], "matched");

  // disconnect: the partner gets partner_left(left); the token is refused.
  ASSERT_EQ(post(port, "/disconnect", json::object(), a.token).status, 200u);
  const auto rc = receive(port, c.token, 1);
  ASSERT_FALSE(rc["events"].empty());
  EXPECT_EQ(rc["events"].back()["type"], "partner_left");
  EXPECT_EQ(rc["events"].back()["reason"], "left");
  EXPECT_EQ(post(port, "/receive", json::object(), a.token).status, 401u);
  EXPECT_EQ(post(port, "/send", {{"message", "x"}}, a.token).status, 401u);
}

TEST(RestApi, LongPollIsWokenByAMessage) {
  test_server server;
  const auto port = server.port();
  const auto a = start(port);
  const auto b = start(port);
  const auto since = receive(port, b.token)["next"].get<std::uint64_t>();

  const auto began = std::chrono::steady_clock::now();
  auto poll = std::async(std::launch::async, [&] { return receive(port, b.token, since, 20); });
  std::this_thread::sleep_for(300ms);
  ASSERT_EQ(poll.wait_for(0s), std::future_status::timeout) << "the poll must wait";
  ASSERT_EQ(post(port, "/send", {{"message", "wake up"}}, a.token).status, 200u);
  ASSERT_EQ(poll.wait_for(5s), std::future_status::ready);
  const auto answer = poll.get();
  const auto waited = std::chrono::steady_clock::now() - began;
  ASSERT_EQ(answer["events"].size(), 1u);
  EXPECT_EQ(answer["events"][0]["text"], "wake up");
  EXPECT_LT(waited, 10s) << "answered by the event, not by the timeout";
}

TEST(RestApi, LongPollAnswersEmptyAfterItsWait) {
  auto cfg = test_config();
  cfg.receive_max_wait = 600ms;  // `wait` is capped by RECEIVE_MAX_WAIT_S
  test_server server(cfg);
  const auto a = start(server.port());
  const auto began = std::chrono::steady_clock::now();
  const auto answer = receive(server.port(), a.token, 0, 30);
  const auto waited = std::chrono::steady_clock::now() - began;
  EXPECT_TRUE(answer["events"].empty());
  EXPECT_EQ(answer["status"], "waiting");
  EXPECT_GE(waited, 500ms);
  EXPECT_LT(waited, 5s);
}

TEST(RestApi, ALongPollLongerThanTheIdleTimeoutKeepsTheUser) {
  auto cfg = test_config();
  cfg.chat.rest_idle_timeout = 500ms;
  test_server server(cfg);
  const auto a = start(server.port());
  const auto answer = receive(server.port(), a.token, 0, 1.5);  // three idle timeouts
  EXPECT_EQ(answer["status"], "waiting");
  EXPECT_EQ(post(server.port(), "/receive", json::object(), a.token).status, 200u);
}

TEST(RestApi, InterestsAreSharedInTheMatch) {
  test_server server;
  const auto port = server.port();
  const auto a = start(port, "/start_video", {{"interests", {"Music", "chess"}}});
  const auto b = start(port, "/start_video", {{"interests", {"music", "go"}}});
  EXPECT_EQ(a.start["chat_type"], "video");
  ASSERT_EQ(b.start["status"], "matched");
  const auto m = receive(port, a.token)["events"][0];
  EXPECT_EQ(m["chat_type"], "video");
  EXPECT_EQ(m["common_interests"], json({"music"}));
  // A text user never meets a video user.
  EXPECT_EQ(start(port, "/start").start["status"], "waiting");
}

TEST(RestApi, InterestsFallBackToAnyoneAfterTheirWait) {
  auto cfg = test_config();
  cfg.chat.interest_fallback = 600ms;
  test_server server(cfg);
  const auto port = server.port();
  const auto a = start(port, "/start", {{"interests", {"chess"}}});
  const auto b = start(port, "/start", {{"interests", {"poetry"}}});
  EXPECT_EQ(b.start["status"], "waiting") << "no shared interest yet";
  // Within a few ticks of the wait running out, they meet with nothing in common.
  const auto answer = receive(port, a.token, 0, 5);
  ASSERT_EQ(answer["status"], "matched") << answer.dump();
  EXPECT_EQ(answer["events"][0]["common_interests"], json::array());
}

TEST(RestApi, ErrorsHaveTheRightStatusAndCode) {
  auto cfg = test_config();
  cfg.max_body_bytes = 1024;
  cfg.chat.max_text_chars = 10;
  test_server server(cfg);
  const auto port = server.port();
  const auto a = start(port);
  const std::map<std::string, std::string> auth{{"Authorization", "Bearer " + a.token}};

  auto check = [](const http_result& res, unsigned status, const std::string& code) {
    EXPECT_EQ(res.status, status) << res.body;
    EXPECT_EQ(res.header("content-type"), "application/json");
    EXPECT_EQ(error_code_of(res), code) << res.body;
    EXPECT_FALSE(res.body_json()["error"]["message"].get<std::string>().empty());
  };
  check(http_request(port, "POST", "/send", "{not json", auth), 400, "bad_request");
  check(http_request(port, "POST", "/send", "[1,2]", auth), 400, "bad_request");
  check(post(port, "/send", {{"message", 5}}, a.token), 400, "bad_request");
  check(post(port, "/send", {{"message", "   "}}, a.token), 400, "bad_request");
  check(post(port, "/send", {{"message", std::string(11, 'x')}}, a.token), 400, "bad_request");
  check(http_request(port, "POST", "/send", "{\"message\":\"\xff\xfe\"}", auth), 400,
        "bad_request");
  check(post(port, "/typing", {{"active", "yes"}}, a.token), 400, "bad_request");
  check(post(port, "/signal", {{"data", "not an object"}}, a.token), 400, "bad_request");
  check(post(port, "/receive", {{"since", -1}}, a.token), 400, "bad_request");
  check(post(port, "/start", {{"interests", "music"}}), 400, "bad_request");
  check(post(port, "/send", {{"message", "hi"}}), 401, "unauthorized");
  check(post(port, "/send", {{"message", "hi"}}, "not-a-token"), 401, "unauthorized");
  check(http_request(port, "POST", "/send", "{}", {{"Authorization", "Basic abc"}}), 401,
        "unauthorized");
  check(http_request(port, "GET", "/no/such/thing"), 404, "not_found");
  check(http_request(port, "POST", "/no/such/thing", "{}"), 404, "not_found");
  const auto wrong_method = http_request(port, "GET", "/send");
  check(wrong_method, 405, "method_not_allowed");
  EXPECT_NE(wrong_method.header("allow").find("POST"), std::string::npos);
  check(http_request(port, "DELETE", "/health"), 405, "method_not_allowed");
  check(post(port, "/send", {{"message", "hi"}}, a.token), 409, "not_matched");
  // session_mismatch is checked before not_matched.
  check(post(port, "/send", {{"session_id", "abc"}, {"message", "hi"}}, a.token), 409,
        "session_mismatch");
  check(post(port, "/send", {{"message", std::string(2000, 'x')}}, a.token), 413,
        "payload_too_large");
}

TEST(RestApi, EveryAuthenticatedEndpointRefusesAnotherSessionId) {
  test_server server;
  const auto port = server.port();
  const auto a = start(port);
  const auto b = start(port);
  const auto session = b.start["session_id"].get<std::string>();
  ASSERT_FALSE(session.empty());
  const auto c = start(port);  // waiting alone
  // c names the pair's chat on every endpoint: refused, and it reads nothing of theirs.
  for (const auto* path : {"/receive", "/next", "/typing", "/send", "/signal", "/disconnect"}) {
    json body = {{"session_id", session}, {"active", true}, {"text", "x"}, {"data", json::object()}};
    const auto res = post(port, path, body, c.token);
    EXPECT_EQ(res.status, 409u) << path << " " << res.body;
    EXPECT_EQ(error_code_of(res), "session_mismatch") << path;
  }
  // The pair itself, naming its own chat, is served.
  const auto own = post(port, "/receive", {{"session_id", session}}, a.token);
  EXPECT_EQ(own.status, 200u) << own.body;
  EXPECT_EQ(own.body_json()["session_id"], session);
}

TEST(RestApi, AThirdUserCannotReadOrWriteThePairsSession) {
  test_server server;
  const auto port = server.port();
  const auto a = start(port);
  const auto b = start(port);
  const auto session = b.start["session_id"].get<std::string>();
  const auto c = start(port);  // waiting alone

  // Naming the pair's session does not let c in.
  const auto res = post(port, "/send", {{"session_id", session}, {"message", "intruder"}}, c.token);
  EXPECT_EQ(res.status, 409u);
  EXPECT_EQ(error_code_of(res), "session_mismatch");
  EXPECT_EQ(post(port, "/signal", {{"session_id", session}, {"data", json::object()}}, c.token).status,
            409u);
  // c sees only its own mailbox; a and b never see c's attempts.
  ASSERT_EQ(post(port, "/send", {{"message", "private"}}, a.token).status, 200u);
  const auto rc = receive(port, c.token);
  EXPECT_EQ(rc["status"], "waiting");
  EXPECT_TRUE(rc["events"].empty()) << rc.dump();
  const auto rb = receive(port, b.token);
  ASSERT_EQ(rb["events"].size(), 2u);  // matched, "private"
  for (const auto& e : rb["events"]) EXPECT_NE(e.value("text", ""), "intruder");
  // A token is the only key: user ids or session ids are not tokens.
  EXPECT_EQ(post(port, "/receive", json::object(), a.user_id).status, 401u);
  EXPECT_EQ(post(port, "/receive", json::object(), session).status, 401u);
}

TEST(RestApi, IdleRestUserTimesOutAndThePartnerIsTold) {
  auto cfg = test_config();
  cfg.chat.rest_idle_timeout = 700ms;
  test_server server(cfg);
  const auto port = server.port();
  const auto a = start(port);
  const auto b = start(port);
  // b keeps polling; a goes silent.
  json events = json::array();
  std::uint64_t since = 0;
  for (int i = 0; i < 20 && events.empty(); ++i) {
    const auto r = receive(port, b.token, since, 0.25);
    for (const auto& e : r["events"]) {
      if (e["type"] == "partner_left") events.push_back(e);
    }
    since = r["next"];
  }
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["reason"], "timeout");
  EXPECT_EQ(post(port, "/receive", json::object(), a.token).status, 401u);
  const auto health = http_request(port, "GET", "/health").body_json();
  EXPECT_EQ(health["online"], 1);
  EXPECT_EQ(health["sessions"], 0);
}

TEST(RestApi, HealthConfigAndMetrics) {
  auto cfg = test_config();
  cfg.ice_servers = {"stun:stun.example.org:3478", "turn:turn.example.org:3478"};
  test_server server(cfg);
  const auto port = server.port();
  start(port);
  start(port, "/start_video");

  const auto health = http_request(port, "GET", "/health");
  ASSERT_EQ(health.status, 200u);
  const auto h = health.body_json();
  EXPECT_EQ(h["status"], "ok");
  EXPECT_TRUE(h["version"].is_string());
  EXPECT_TRUE(h["uptime_s"].is_number());
  EXPECT_EQ(h["online"], 2);
  EXPECT_EQ(h["waiting"]["text"], 1);
  EXPECT_EQ(h["waiting"]["video"], 1);
  EXPECT_EQ(h["sessions"], 0);
  // Without a web client, `/` is the health check for everyone.
  EXPECT_EQ(http_request(port, "GET", "/").body_json()["status"], "ok");

  const auto config = http_request(port, "GET", "/config").body_json();
  ASSERT_EQ(config["ice_servers"].size(), 1u);
  EXPECT_EQ(config["ice_servers"][0]["urls"],
            json({"stun:stun.example.org:3478", "turn:turn.example.org:3478"}));

  const auto metrics = http_request(port, "GET", "/metrics");
  ASSERT_EQ(metrics.status, 200u);
  EXPECT_NE(metrics.header("content-type").find("text/plain"), std::string::npos);
  EXPECT_NE(metrics.body.find("parley_users_online 2"), std::string::npos) << metrics.body;
  EXPECT_NE(metrics.body.find("parley_users_waiting{chat_type=\"video\"} 1"), std::string::npos);
  EXPECT_NE(metrics.body.find("parley_http_requests_total{status_class=\"2xx\"}"),
            std::string::npos);
  EXPECT_NE(metrics.body.find("parley_matches_total 0"), std::string::npos);
}

TEST(RestApi, EmptyIceServersGiveAnEmptyList) {
  test_server server;
  EXPECT_EQ(http_request(server.port(), "GET", "/config").body_json()["ice_servers"], json::array());
}

TEST(RestApi, ConfigTellsTheLimitsInForce) {
  auto cfg = test_config();
  cfg.chat.max_text_chars = 140;
  cfg.chat.max_interests = 3;
  cfg.chat.max_interest_chars = 12;
  cfg.chat.interest_fallback = std::chrono::milliseconds(2500);
  test_server server(cfg);
  const auto limits = http_request(server.port(), "GET", "/config").body_json()["limits"];
  EXPECT_EQ(limits["max_message_chars"], 140);
  EXPECT_EQ(limits["max_interests"], 3);
  EXPECT_EQ(limits["max_interest_chars"], 12);
  EXPECT_DOUBLE_EQ(limits["interest_fallback_s"].get<double>(), 2.5);
  EXPECT_EQ(limits["max_signal_bytes"], cfg.chat.max_signal_bytes);
  EXPECT_EQ(limits["max_frame_bytes"], cfg.max_frame_bytes);
  EXPECT_EQ(limits["max_body_bytes"], cfg.max_body_bytes);
}

TEST(RestApi, CorsPreflightAndHeadersFollowCorsOrigins) {
  auto cfg = test_config();
  cfg.cors_origins = {"https://app.example.com"};
  test_server server(cfg);
  const auto port = server.port();
  const auto ok = http_request(port, "OPTIONS", "/send", "",
                               {{"Origin", "https://app.example.com"},
                                {"Access-Control-Request-Method", "POST"},
                                {"Access-Control-Request-Headers", "authorization,content-type"}});
  EXPECT_EQ(ok.status, 204u);
  EXPECT_EQ(ok.header("access-control-allow-origin"), "https://app.example.com");
  EXPECT_NE(ok.header("access-control-allow-headers").find("Authorization"), std::string::npos);
  EXPECT_NE(ok.header("access-control-allow-methods").find("POST"), std::string::npos);

  const auto evil = http_request(port, "OPTIONS", "/send", "",
                                 {{"Origin", "https://evil.example"},
                                  {"Access-Control-Request-Method", "POST"}});
  EXPECT_EQ(evil.status, 403u);
  EXPECT_EQ(evil.header("access-control-allow-origin"), "");

  const auto started = http_request(port, "POST", "/start", "{}", {{"Origin", "https://app.example.com"}});
  EXPECT_EQ(started.header("access-control-allow-origin"), "https://app.example.com");
  const auto other = http_request(port, "POST", "/start", "{}", {{"Origin", "https://evil.example"}});
  EXPECT_EQ(other.header("access-control-allow-origin"), "");
}

TEST(RestApi, KeepAliveServesSeveralRequestsOnOneConnection) {
  test_server server;
  const std::string request =
      "GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /config HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  const auto answer = raw_exchange(server.port(), request);
  std::size_t responses = 0;
  for (auto pos = answer.find("HTTP/1.1 200"); pos != std::string::npos;
       pos = answer.find("HTTP/1.1 200", pos + 1)) {
    ++responses;
  }
  EXPECT_EQ(responses, 2u) << answer;
  EXPECT_NE(answer.find("ice_servers"), std::string::npos);
}

TEST(RestApi, SlowlorisClientIsCutOffWhileOthersAreServed) {
  auto cfg = test_config();
  cfg.request_timeout = 800ms;
  test_server server(cfg);
  const auto port = server.port();
  // A client that sends half a request line and then nothing.
  auto slow = std::async(std::launch::async, [&] {
    const auto began = std::chrono::steady_clock::now();
    const auto answer = raw_exchange(port, "GET /health HTTP/1.1\r\nHost: x\r\nX-Slow:", 10s);
    return std::make_pair(answer, std::chrono::steady_clock::now() - began);
  });
  std::this_thread::sleep_for(100ms);
  const auto began = std::chrono::steady_clock::now();
  EXPECT_EQ(http_request(port, "GET", "/health").status, 200u);
  EXPECT_LT(std::chrono::steady_clock::now() - began, 500ms) << "others are not delayed";
  const auto [answer, took] = slow.get();
  EXPECT_LT(took, 5s) << "the slow request was cut at REQUEST_TIMEOUT_S";
  EXPECT_EQ(answer.find("200 OK"), std::string::npos) << answer;
}

TEST(RestApi, MalformedHttpGetsA400AndOthersAreUndisturbed) {
  test_server server;
  const auto answer = raw_exchange(server.port(), "THIS IS NOT HTTP\r\n\r\n");
  EXPECT_NE(answer.find("400"), std::string::npos) << answer;
  EXPECT_EQ(http_request(server.port(), "GET", "/health").status, 200u);
}

}  // namespace
}  // namespace parley::testing
