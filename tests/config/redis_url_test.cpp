#include "parley/config/redis_url.hpp"

#include <gtest/gtest.h>

namespace parley {
namespace {

redis_url ok(std::string_view text) {
  auto parsed = parse_redis_url(text);
  EXPECT_TRUE(std::holds_alternative<redis_url>(parsed))
      << text << ": " << (std::holds_alternative<std::string>(parsed) ? std::get<std::string>(parsed) : "");
  return std::holds_alternative<redis_url>(parsed) ? std::get<redis_url>(parsed) : redis_url{};
}

std::string error(std::string_view text) {
  auto parsed = parse_redis_url(text);
  EXPECT_TRUE(std::holds_alternative<std::string>(parsed)) << text;
  return std::holds_alternative<std::string>(parsed) ? std::get<std::string>(parsed) : "";
}

TEST(RedisUrl, HostPortAndDefaults) {
  const auto url = ok("redis://127.0.0.1:6380");
  EXPECT_EQ(url.host, "127.0.0.1");
  EXPECT_EQ(url.port, 6380);
  EXPECT_EQ(url.password, "");
  EXPECT_EQ(url.db, 0);
  EXPECT_EQ(ok("redis://redis").port, 6379);
}

TEST(RedisUrl, PasswordAndDatabase) {
  const auto url = ok("redis://:s3cr@t@redis:6379/2");
  EXPECT_EQ(url.password, "s3cr@t");
  EXPECT_EQ(url.host, "redis");
  EXPECT_EQ(url.db, 2);
}

TEST(RedisUrl, Ipv6Host) {
  const auto url = ok("redis://[::1]:7000/1");
  EXPECT_EQ(url.host, "::1");
  EXPECT_EQ(url.port, 7000);
  EXPECT_EQ(url.redacted(), "redis://[::1]:7000/1");
}

TEST(RedisUrl, RedactedNeverShowsThePassword) {
  const auto url = ok("redis://:hunter2@redis:6379");
  EXPECT_EQ(url.redacted(), "redis://:***@redis:6379");
}

TEST(RedisUrl, RefusesWhatItCannotUseWithoutEchoingThePassword) {
  EXPECT_NE(error("http://redis:6379"), "");
  EXPECT_NE(error("redis://"), "");
  EXPECT_NE(error("redis://redis:0"), "");
  EXPECT_NE(error("redis://redis:65536"), "");
  EXPECT_NE(error("redis://redis:6379/16"), "");
  EXPECT_NE(error("redis://redis:port"), "");
  const auto e = error("redis://user:topsecret@redis:6379");
  EXPECT_EQ(e.find("topsecret"), std::string::npos) << e;
  const auto e2 = error("redis://:topsecret@redis:notaport");
  EXPECT_EQ(e2.find("topsecret"), std::string::npos) << e2;
}

}  // namespace
}  // namespace parley
