#include "origin_policy.hpp"

#include <gtest/gtest.h>

namespace parley {
namespace {

TEST(OriginPolicy, WebSocketAllowsOwnOriginLocalhostAndNoOrigin) {
  const origin_policy policy({"https://chat.example.com"}, {});
  EXPECT_TRUE(policy.websocket_allowed("", "chat.example.com"));
  EXPECT_TRUE(policy.websocket_allowed("http://chat.example.com:5000", "chat.example.com:5000"));
  EXPECT_TRUE(policy.websocket_allowed("https://chat.example.com", "internal:5000"));
  EXPECT_TRUE(policy.websocket_allowed("http://localhost:5173", "127.0.0.1:5000"));
  EXPECT_TRUE(policy.websocket_allowed("http://127.0.0.1:9", "127.0.0.1:5000"));
  EXPECT_TRUE(policy.websocket_allowed("http://LOCALHOST", "x"));
  EXPECT_TRUE(policy.websocket_allowed("http://[::1]:8080", "x"));
}

TEST(OriginPolicy, WebSocketRefusesEverythingElse) {
  const origin_policy policy({"https://chat.example.com"}, {});
  for (const auto* origin :
       {"https://evil.example", "https://chat.example.com.evil.com", "null", "http://chat.example.com",
        "https://chat.example.com:444", "http://localhost.evil.com", "http://localhost:80x",
        "https://localhost:5000", "http://127.0.0.1.evil.com"}) {
    EXPECT_FALSE(policy.websocket_allowed(origin, "127.0.0.1:5000")) << origin;
  }
}

TEST(OriginPolicy, CorsFollowsTheList) {
  const origin_policy none({}, {});
  EXPECT_FALSE(none.cors_allow("https://a.example"));
  const origin_policy some({}, {"https://a.example"});
  EXPECT_EQ(some.cors_allow("https://A.example/"), "https://A.example/");
  EXPECT_FALSE(some.cors_allow("https://b.example"));
  EXPECT_FALSE(some.cors_allow(""));
  const origin_policy any({}, {"*"});
  EXPECT_EQ(any.cors_allow("https://b.example"), "*");
}

}  // namespace
}  // namespace parley
