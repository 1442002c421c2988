// Rate limits and per-address caps (issue 11) against the real server over
// real sockets. Each test turns on only the limit it tests.

#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "test_client.hpp"
#include "test_server.hpp"

namespace parley::testing {
namespace {

const std::map<std::string, std::string> upgrade_headers{
    {"Connection", "Upgrade"},
    {"Upgrade", "websocket"},
    {"Sec-WebSocket-Version", "13"},
    {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="}};

config with_limits(const abuse_limits& limits) {
  auto cfg = test_config();
  cfg.abuse = limits;
  return cfg;
}

void expect_rate_limited(const http_result& res) {
  EXPECT_EQ(res.status, 429u) << res.body;
  ASSERT_FALSE(res.header("retry-after").empty());
  EXPECT_GE(std::stoi(res.header("retry-after")), 1);
  EXPECT_EQ(res.body_json()["error"]["code"], "rate_limited") << res.body;
}

/// Opens a WebSocket and reads its hello.
std::unique_ptr<ws_client> connect(client_io& io, std::uint16_t port) {
  auto ws = std::make_unique<ws_client>(io, port);
  EXPECT_EQ(ws->receive()["type"], "hello");
  return ws;
}

TEST(AbuseLimits, RestStartOverTheIdentityRateIs429WithRetryAfter) {
  auto limits = abuse_limits::none();
  limits.identities = {1.0 / 60.0, 3};
  test_server server(with_limits(limits));
  for (int i = 0; i < 3; ++i) EXPECT_EQ(post(server.port(), "/start").status, 200u) << i;
  const auto refused = post(server.port(), "/start_video");
  expect_rate_limited(refused);
  EXPECT_GE(std::stoi(refused.header("retry-after")), 50) << "one identity a minute";
}

TEST(AbuseLimits, WebSocketUpgradeOverTheIdentityRateIs429Before101) {
  auto limits = abuse_limits::none();
  limits.identities = {1.0 / 60.0, 2};
  test_server server(with_limits(limits));
  client_io io;
  auto a = connect(io, server.port());
  auto b = connect(io, server.port());
  const auto refused = http_request(server.port(), "GET", "/ws", "", upgrade_headers);
  expect_rate_limited(refused);
  // REST /start shares the same budget: the address has spent it.
  expect_rate_limited(post(server.port(), "/start"));
}

TEST(AbuseLimits, HttpRequestsOverTheRatePerAddressAre429) {
  auto limits = abuse_limits::none();
  limits.requests = {1, 5};
  test_server server(with_limits(limits));
  for (int i = 0; i < 5; ++i) EXPECT_EQ(http_request(server.port(), "GET", "/health").status, 200u);
  expect_rate_limited(http_request(server.port(), "GET", "/health"));
  expect_rate_limited(http_request(server.port(), "GET", "/ws", "", upgrade_headers));
  std::this_thread::sleep_for(1100ms);
  EXPECT_EQ(http_request(server.port(), "GET", "/health").status, 200u) << "refilled";
}

TEST(AbuseLimits, ConnectionsPerAddressAreCapped) {
  auto limits = abuse_limits::none();
  limits.connections_per_address = 3;
  test_server server(with_limits(limits));
  client_io io;
  std::vector<std::unique_ptr<ws_client>> held;
  for (int i = 0; i < 3; ++i) held.push_back(connect(io, server.port()));
  expect_rate_limited(http_request(server.port(), "GET", "/health"));
  expect_rate_limited(http_request(server.port(), "GET", "/ws", "", upgrade_headers));
  // One closes: its slot comes back.
  held.back()->close();
  ASSERT_TRUE(held.back()->wait_closed().has_value());
  unsigned status = 0;
  for (int i = 0; i < 50 && status != 200; ++i) {
    std::this_thread::sleep_for(20ms);
    status = http_request(server.port(), "GET", "/health").status;
  }
  EXPECT_EQ(status, 200u);
}

/// Two WebSockets matched in a text chat.
struct matched_pair {
  matched_pair(client_io& io, std::uint16_t port) : a(connect(io, port)), b(connect(io, port)) {
    a->send({{"type", "start"}, {"chat_type", "text"}});
    EXPECT_EQ(a->receive()["type"], "waiting");
    b->send({{"type", "start"}, {"chat_type", "text"}});
    EXPECT_EQ(b->receive_type("matched")["type"], "matched");
    EXPECT_EQ(a->receive_type("matched")["type"], "matched");
  }
  std::unique_ptr<ws_client> a, b;
};

TEST(AbuseLimits, WebSocketMessagesOverTheRateAreDroppedAndTheConnectionStays) {
  auto limits = abuse_limits::none();
  limits.messages = {1, 5};
  test_server server(with_limits(limits));
  client_io io;
  matched_pair p(io, server.port());
  for (int i = 0; i < 8; ++i) p.a->send({{"type", "message"}, {"text", std::to_string(i)}});
  int errors = 0;
  for (int i = 0; i < 3; ++i) {
    const auto f = p.a->receive();
    EXPECT_EQ(f["type"], "error");
    errors += f["code"] == "rate_limited";
  }
  EXPECT_EQ(errors, 3);
  std::vector<std::string> seen;
  while (auto f = p.b->try_receive(300ms)) {
    if ((*f)["type"] == "message") seen.push_back((*f)["text"]);
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"0", "1", "2", "3", "4"})) << "the burst, in order";
  // Still open: after a token refills the next message goes through.
  std::this_thread::sleep_for(1100ms);
  p.a->send({{"type", "message"}, {"text", "later"}});
  EXPECT_EQ(p.b->receive_type("message")["text"], "later");
  EXPECT_FALSE(p.a->wait_closed(100ms).has_value());
}

TEST(AbuseLimits, SustainedFloodIsClosedWith1008AndThePartnerIsTold) {
  auto limits = abuse_limits::none();
  limits.messages = {0.01, 10};  // no refill during the test, however slow the machine
  limits.abuse_limit = 20;
  test_server server(with_limits(limits));
  client_io io;
  matched_pair p(io, server.port());
  for (int i = 0; i < 100; ++i) p.a->send({{"type", "message"}, {"text", "spam"}});
  const auto code = p.a->wait_closed();
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 1008u);
  int messages = 0;
  bool left = false;
  while (auto f = p.b->try_receive(500ms)) {
    messages += (*f)["type"] == "message";
    left = left || (*f)["type"] == "partner_left";
  }
  EXPECT_EQ(messages, 10);
  EXPECT_TRUE(left);
}

TEST(AbuseLimits, RestSendOverTheRateIs429) {
  auto limits = abuse_limits::none();
  limits.messages = {1, 2};
  test_server server(with_limits(limits));
  const auto a = post(server.port(), "/start").body_json();
  const auto b = post(server.port(), "/start").body_json();
  const std::string token = b["token"];
  EXPECT_EQ(post(server.port(), "/send", {{"text", "1"}}, token).status, 200u);
  EXPECT_EQ(post(server.port(), "/send", {{"text", "2"}}, token).status, 200u);
  expect_rate_limited(post(server.port(), "/send", {{"text", "3"}}, token));
  (void)a;
}

TEST(AbuseLimits, ForwardedForCountsOnlyBehindATrustedProxy) {
  auto limits = abuse_limits::none();
  limits.identities = {1.0 / 60.0, 1};
  auto start_from = [](std::uint16_t port, const std::string& forwarded) {
    return http_request(port, "POST", "/start", "{}",
                        {{"Content-Type", "application/json"}, {"X-Forwarded-For", forwarded}});
  };
  {
    // Not a trusted proxy: the header is the client's own claim, ignored.
    test_server server(with_limits(limits));
    EXPECT_EQ(start_from(server.port(), "198.51.100.1").status, 200u);
    expect_rate_limited(start_from(server.port(), "198.51.100.2"));
  }
  {
    auto cfg = with_limits(limits);
    cfg.trusted_proxies = {"127.0.0.1"};
    test_server server(cfg);
    EXPECT_EQ(start_from(server.port(), "203.0.113.9, 198.51.100.1").status, 200u);
    // The last entry is the one the proxy wrote: the same client again is refused...
    expect_rate_limited(start_from(server.port(), "198.51.100.1"));
    // ...another client behind the same proxy is not.
    EXPECT_EQ(start_from(server.port(), "198.51.100.2").status, 200u);
  }
}

TEST(AbuseLimits, FailedResumesAreRateLimitedPerAddressThenClosedWith1008) {
  auto limits = abuse_limits::none();
  limits.resume_failures = {0.01, 3};  // no refill during the test
  limits.abuse_limit = 5;
  test_server server(with_limits(limits));
  client_io io;
  auto owner = connect(io, server.port());
  owner->send({{"type", "start"}, {"chat_type", "text"}});
  owner->receive_type("waiting");
  auto guesser = connect(io, server.port());
  const auto resume = [&](ws_client& ws, const std::string& token) {
    ws.send({{"type", "resume"}, {"token", token}});
    return ws.receive_type("error")["code"].get<std::string>();
  };
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(resume(*guesser, std::string(40, static_cast<char>('a' + i))), "unauthorized") << i;
  }
  EXPECT_EQ(resume(*guesser, std::string(40, 'd')), "rate_limited");
  // A second socket from the same address shares the budget.
  auto second = connect(io, server.port());
  EXPECT_EQ(resume(*second, std::string(40, 'e')), "rate_limited");
  EXPECT_FALSE(second->wait_closed(100ms).has_value());
  // Sustained: the 5th refusal on the guessing socket closes it with 1008.
  for (int i = 0; i < 3; ++i) EXPECT_EQ(resume(*guesser, std::string(40, 'f')), "rate_limited") << i;
  guesser->send({{"type", "resume"}, {"token", std::string(40, 'f')}});
  const auto code = guesser->wait_closed();
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 1008u);
  // The owner of a real identity was never disturbed.
  EXPECT_FALSE(owner->wait_closed(100ms).has_value());
}

}  // namespace
}  // namespace parley::testing
