// Graceful shutdown: pending work is answered, then run() returns 0.

#include <gtest/gtest.h>

#include <future>

#include "test_client.hpp"
#include "test_server.hpp"

namespace parley::testing {
namespace {

TEST(Shutdown, AnswersLongPollsClosesSocketsAndExitsZero) {
  test_server server;
  const auto port = server.port();
  const auto token = post(port, "/start").body_json()["token"].get<std::string>();
  auto poll = std::async(std::launch::async, [&] {
    return post(port, "/receive", {{"since", 0}, {"wait", 25}}, token);
  });
  client_io io;
  ws_client ws(io, port);
  EXPECT_EQ(ws.receive()["type"], "hello");
  std::this_thread::sleep_for(200ms);

  const auto began = std::chrono::steady_clock::now();
  EXPECT_EQ(server.stop(), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - began, 4s);
  ASSERT_EQ(poll.wait_for(2s), std::future_status::ready);
  EXPECT_EQ(poll.get().status, 200u) << "the long poll was answered";
  const auto code = ws.wait_closed(2s);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 1001u) << "going away";
  EXPECT_THROW(http_request(port, "GET", "/health", "", {}, 1s), std::exception)
      << "no longer accepting";
}

}  // namespace
}  // namespace parley::testing
